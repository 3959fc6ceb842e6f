package hebei_test

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/jjj/gateway/internal/customs"
)

// base is a valid import written for these tests (not a sample): an owner,
// a hazardous item with every WXP field, an ordinary item, two containers.
// Cases edit it and encode it in GBK unless they say otherwise.
const base = `<?xml version="1.0" encoding="GBK"?>
<BJXX BBH="2.1">
  <BTXX>
    <BJDH>HE2026120100001</BJDH>
    <CRJBZ>RJ</CRJBZ>
    <KAGB>0409</KAGB>
    <SBGB>0400</SBGB>
    <SHR DM="91130983MA09R5T19W" MC="河北沧海化工有限公司"/>
    <XFDW DM="911302081047632562" MC="唐山丰润钢铁有限公司"/>
    <BJDW DM="91130203MA0B3N6E9E" MC="河北冀港报关有限公司"/>
    <JWSFHR>ROTTERDAM SOLVENTS BV</JWSFHR>
    <YSFS>水路运输</YSFS>
    <YSGJ>MV EXAMPLE</YSGJ>
    <TYDH>EX-2612-01</TYDH>
    <QYG>304</QYG>
    <QYGK>DEHAM</QYGK>
    <QYRQ>2026-11-20</QYRQ>
    <MYFS>一般贸易</MYFS>
    <MDJG>130900</MDJG>
    <YJZXBZ>1</YJZXBZ>
    <ZTBZ>0</ZTBZ>
  </BTXX>
  <HWXX>
    <HW XH="1">
      <HSBM>2914110000</HSBM>
      <JYJYBM>101</JYJYBM>
      <HWMC>丙酮</HWMC>
      <GGXH>工业级</GGXH>
      <SL>16000</SL>
      <JLDW>千克</JLDW>
      <HZ>14400.00</HZ>
      <BZ>300</BZ>
      <YCG>304</YCG>
      <MDD>130983</MDD>
      <WXP>
        <UNBH>1090</UNBH>
        <WXLB>3</WXLB>
        <BZLB>II</BZLB>
        <BZBJ>1A1/Y1.4/150/26/DE</BZBJ>
        <SZBZ>0</SZBZ>
      </WXP>
    </HW>
    <HW XH="2">
      <HSBM>8708409990</HSBM>
      <JYJYBM>999</JYJYBM>
      <HWMC>变速箱</HWMC>
      <SL>40</SL>
      <JLDW>台</JLDW>
      <HZ>80000.00</HZ>
      <BZ>300</BZ>
      <YCG>304</YCG>
      <MDD>130983</MDD>
    </HW>
  </HWXX>
  <JZXXX>
    <JZX XH="1" GG="22G1" FZ="CIQ2026HE000001">TEMU6088334</JZX>
    <JZX XH="2" GG="45G1">GESU3504714</JZX>
  </JZXXX>
</BJXX>
`

const (
	item1 = "/BJXX/HWXX/HW[@XH='1']"
	item2 = "/BJXX/HWXX/HW[@XH='2']"
)

// edit is one replacement in base; old must occur.
type edit struct{ old, new string }

func build(t *testing.T, edits []edit) string {
	t.Helper()
	s := base
	for _, e := range edits {
		if !strings.Contains(s, e.old) {
			t.Fatalf("edit: %q is not in the message", e.old)
		}
		s = strings.Replace(s, e.old, e.new, 1)
	}
	return s
}

func encode(t *testing.T, s string, enc encoding.Encoding) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b
}

type decodeCase struct {
	name  string
	edits []edit
	// raw, when set, turns the edited UTF-8 text into the body; default GBK.
	raw func(t *testing.T, s string) []byte
	// code is the error class; empty means success.
	code customs.ErrorCode
	// errs are "path code" of every problem, in any order.
	errs []string
	// warns are "path code" of every warning, in any order.
	warns []string
	check func(t *testing.T, d *customs.Declaration)
}

func runCases(t *testing.T, cases []decodeCase) {
	t.Helper()
	a := newAdapter(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := build(t, tc.edits)
			var raw []byte
			if tc.raw != nil {
				raw = tc.raw(t, s)
			} else {
				raw = encode(t, s, simplifiedchinese.GBK)
			}
			d, err := a.Decode(raw)
			if got := customs.ErrorCodeOf(err); got != tc.code {
				t.Fatalf("error class %q, want %q: %v", got, tc.code, err)
			}
			var got []string
			for _, p := range customs.ProblemsOf(err) {
				got = append(got, p.Path+" "+p.Code)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.errs))
			if !slices.Equal(got, want) {
				t.Errorf("problems\n got %q\nwant %q", got, want)
			}
			switch tc.code {
			case customs.CodeUnreadable:
				if d != nil {
					t.Errorf("declaration returned with a 400")
				}
				return
			case "":
				if err := d.Validate(); err != nil {
					t.Errorf("Validate: %v", err)
				}
			case customs.CodeInvalid:
				if d == nil {
					t.Fatal("no declaration with a 422")
				}
			}
			var warns []string
			for _, w := range d.Warnings {
				if w.Message == "" {
					t.Errorf("warning %s without message", w.Path)
				}
				warns = append(warns, w.Path+" "+w.Code)
			}
			slices.Sort(warns)
			if want := slices.Sorted(slices.Values(tc.warns)); !slices.Equal(warns, want) {
				t.Errorf("warnings\n got %q\nwant %q", warns, want)
			}
			if tc.check != nil {
				// A check that indexes an item the decoder did not give
				// fails this case instead of panicking the package's tests.
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("check panicked (declaration of an unexpected shape?): %v", p)
					}
				}()
				tc.check(t, d)
			}
		})
	}
}

func TestDecodeBase(t *testing.T) {
	runCases(t, []decodeCase{{
		name: "every field",
		check: func(t *testing.T, d *customs.Declaration) {
			want := []customs.Party{
				{Role: customs.RoleConsignee, USCC: "91130983MA09R5T19W", Name: "河北沧海化工有限公司"},
				{Role: customs.RoleOwner, USCC: "911302081047632562", Name: "唐山丰润钢铁有限公司"},
				{Role: customs.RoleDeclarant, USCC: "91130203MA0B3N6E9E", Name: "河北冀港报关有限公司"},
				{Role: customs.RoleOverseas, Name: "ROTTERDAM SOLVENTS BV"},
			}
			if !slices.Equal(d.Parties, want) {
				t.Errorf("parties %+v", d.Parties)
			}
			tr := customs.Transport{Mode: "sea", Means: "MV EXAMPLE", BillNo: "EX-2612-01", Country: "DEU", DeparturePort: "DEHAM", DepartureDate: "2026-11-20"}
			if d.Transport != tr {
				t.Errorf("transport %+v", d.Transport)
			}
			if d.Source.Dialect != "hebei/BJXX-2.1" || d.Source.Port != customs.PortHebei {
				t.Errorf("source %+v", d.Source)
			}
			if d.DirectTransit != nil || d.Weights != nil || d.DestinationOffice != "130900" {
				t.Errorf("head %+v %+v %q", d.DirectTransit, d.Weights, d.DestinationOffice)
			}
			g := d.Goods[0]
			dg := customs.DangerousGoods{UN: "1090", Class: "3", DeclaredClass: "3", PackingGroup: "II", Packaging: "1A1/Y1.4/150/26/DE"}
			if g.DangerousGoods == nil || *g.DangerousGoods != dg || !g.HazardFlagged {
				t.Errorf("item 1 dangerous goods %+v flagged %v", g.DangerousGoods, g.HazardFlagged)
			}
			if g.Path != item1 || g.CIQCode != "101" || g.Name != "丙酮" || g.Spec != "工业级" || g.Currency != "EUR" || g.Unit != "035" || g.DestinationDistrict != "130983" {
				t.Errorf("item 1 %+v", g)
			}
			if g := d.Goods[1]; g.DangerousGoods != nil || g.HazardFlagged || g.Unit != "001" || g.Path != item2 {
				t.Errorf("item 2 %+v", g)
			}
			if len(d.Equipment) != 2 || !slices.Equal(d.Equipment[0].Seals, []string{"CIQ2026HE000001"}) || d.Equipment[1].Seals != nil || d.Equipment[1].Type != "45G1" || d.Equipment[1].Kind != customs.KindContainer {
				t.Errorf("equipment %+v", d.Equipment)
			}
		},
	}})
}

func TestDecodeEncodings(t *testing.T) {
	overseas := edit{"ROTTERDAM SOLVENTS BV", "ÅLESUND SJØMAT AS"}
	rare := edit{"河北沧海化工有限公司", "秦皇岛䶮丰水产食品有限公司"}
	relabel := func(label string) edit {
		return edit{`encoding="GBK"`, `encoding="` + label + `"`}
	}
	with := func(enc encoding.Encoding) func(*testing.T, string) []byte {
		return func(t *testing.T, s string) []byte { return encode(t, s, enc) }
	}
	name := func(want string) func(*testing.T, *customs.Declaration) {
		return func(t *testing.T, d *customs.Declaration) {
			t.Helper()
			for _, p := range d.Parties {
				if p.Name == want {
					return
				}
			}
			t.Errorf("no party named %q in %+v", want, d.Parties)
		}
	}
	unreadable := []string{" encoding_mismatch"}
	runCases(t, []decodeCase{
		{name: "GB18030 with four-byte characters", edits: []edit{relabel("GB18030"), overseas}, raw: with(simplifiedchinese.GB18030), check: name("ÅLESUND SJØMAT AS")},
		{name: "GB18030 with FE9F", edits: []edit{relabel("gb18030"), rare}, raw: with(simplifiedchinese.GB18030), check: name("秦皇岛䶮丰水产食品有限公司")},
		{name: "GB2312 read as GBK", edits: []edit{relabel("GB2312")}, check: name("唐山丰润钢铁有限公司")},
		{name: "CP936 alias", edits: []edit{relabel("CP936")}, check: name("河北冀港报关有限公司")},
		{name: "UTF-8 declared and written", edits: []edit{relabel("UTF-8")}, raw: func(_ *testing.T, s string) []byte { return []byte(s) }, check: name("河北冀港报关有限公司")},
		{name: "GBK declared, GB18030 four-byte sequences", edits: []edit{overseas}, raw: with(simplifiedchinese.GB18030), code: customs.CodeUnreadable, errs: unreadable},
		{name: "UTF-8 declared, GBK bytes", edits: []edit{relabel("UTF-8")}, code: customs.CodeUnreadable, errs: unreadable},
		{name: "GBK declared, UTF-8 bytes", raw: func(_ *testing.T, s string) []byte { return []byte(s) }, code: customs.CodeUnreadable, errs: unreadable},
		{name: "GBK declared, invalid byte", edits: []edit{{"MV EXAMPLE", "MV EXAMPLE\uFFFF"}}, raw: func(t *testing.T, s string) []byte {
			b := encode(t, strings.Replace(s, "\uFFFF", "", 1), simplifiedchinese.GBK)
			i := strings.Index(string(b), "MV EXAMPLE") + len("MV EXAMPLE")
			return append(b[:i:i], append([]byte{0xFF}, b[i:]...)...)
		}, code: customs.CodeUnreadable, errs: unreadable},
		{name: "GB2312 declared, truncated double byte", edits: []edit{relabel("GB2312")}, raw: func(t *testing.T, s string) []byte {
			b := encode(t, s, simplifiedchinese.GBK)
			i := strings.Index(string(b), "</JWSFHR>")
			return append(b[:i:i], append([]byte{0xB0}, b[i:]...)...)
		}, code: customs.CodeUnreadable, errs: unreadable},
		{name: "Big5 refused", edits: []edit{relabel("Big5")}, code: customs.CodeUnreadable, errs: unreadable},
	})
}

func TestDecodeUnreadable(t *testing.T) {
	runCases(t, []decodeCase{
		{name: "other root", edits: []edit{{"<BJXX BBH", "<BJXZ BBH"}, {"</BJXX>", "</BJXZ>"}}, code: customs.CodeUnreadable, errs: []string{" unknown_root"}},
		{name: "root in a namespace", edits: []edit{{`<BJXX BBH="2.1">`, `<BJXX xmlns="urn:x" BBH="2.1">`}}, code: customs.CodeUnreadable, errs: []string{" unknown_root"}},
		{name: "prefixed root", edits: []edit{{`<BJXX BBH="2.1">`, `<h:BJXX xmlns:h="urn:x" BBH="2.1">`}, {"</BJXX>", "</h:BJXX>"}}, code: customs.CodeUnreadable, errs: []string{" unknown_root"}},
		{name: "doctype", edits: []edit{{"<BJXX BBH", "<!DOCTYPE BJXX [<!ENTITY x \"y\">]>\n<BJXX BBH"}}, code: customs.CodeUnreadable, errs: []string{" doctype_forbidden"}},
		{name: "not well-formed", edits: []edit{{"</BTXX>", "</BTX>"}}, code: customs.CodeUnreadable, errs: []string{" malformed_xml"}},
	})
}

func TestDecodeHead(t *testing.T) {
	dir := func(want customs.Direction) func(*testing.T, *customs.Declaration) {
		return func(t *testing.T, d *customs.Declaration) {
			if d.Direction != want || d.Source.PortRef != "HE2026120100001" {
				t.Errorf("direction %q portRef %q", d.Direction, d.Source.PortRef)
			}
		}
	}
	mode := func(name, want string) decodeCase {
		return decodeCase{name: "transport " + name, edits: []edit{{"水路运输", name}}, check: func(t *testing.T, d *customs.Declaration) {
			if d.Transport.Mode != want {
				t.Errorf("mode %q, want %q", d.Transport.Mode, want)
			}
		}}
	}
	runCases(t, []decodeCase{
		{name: "BBH 2.0", edits: []edit{{`BBH="2.1"`, `BBH="2.0"`}}, check: func(t *testing.T, d *customs.Declaration) {
			if d.Source.Dialect != "hebei/BJXX-2.0" {
				t.Errorf("dialect %q", d.Source.Dialect)
			}
		}},
		{name: "BBH 3.0", edits: []edit{{`BBH="2.1"`, `BBH="3.0"`}}, code: customs.CodeInvalid, errs: []string{"/BJXX/@BBH invalid_enum"}, check: dir(customs.Import)},
		{name: "BBH missing is accepted", edits: []edit{{` BBH="2.1"`, ``}}, check: func(t *testing.T, d *customs.Declaration) {
			if d.Source.Dialect != "hebei/BJXX" {
				t.Errorf("dialect %q", d.Source.Dialect)
			}
		}},
		{name: "portRef missing", edits: []edit{{"<BJDH>HE2026120100001</BJDH>", "<BJDH> </BJDH>"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/BJDH missing_field"}},
		{name: "white space trimmed", edits: []edit{{"<BJDH>HE2026120100001</BJDH>", "<BJDH>\n  HE2026120100001\t</BJDH>"}}, check: dir(customs.Import)},
		{name: "direction invalid", edits: []edit{{"<CRJBZ>RJ</CRJBZ>", "<CRJBZ>IM</CRJBZ>"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/CRJBZ invalid_enum"}},
		{name: "direction missing", edits: []edit{{"<CRJBZ>RJ</CRJBZ>", ""}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/CRJBZ missing_field"}},
		{name: "export with consignor", edits: []edit{{"<CRJBZ>RJ</CRJBZ>", "<CRJBZ>CJ</CRJBZ>"}, {"<SHR ", "<FHR "}}, check: func(t *testing.T, d *customs.Declaration) {
			if p := d.Trader(); d.Direction != customs.Export || p == nil || p.Role != customs.RoleConsignor || p.USCC != "91130983MA09R5T19W" {
				t.Errorf("trader %+v", p)
			}
			if d.Party(customs.RoleConsignee) != nil {
				t.Error("an export has a consignee")
			}
		}},
		{name: "export without consignor", edits: []edit{{"<CRJBZ>RJ</CRJBZ>", "<CRJBZ>CJ</CRJBZ>"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/FHR/@DM missing_field"}},
		{name: "import with consignor only", edits: []edit{{"<SHR ", "<FHR "}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/SHR/@DM missing_field"}},
		{name: "import with a consignor too, checked", edits: []edit{{"<XFDW ", `<FHR DM="91130983MA09R5T19X"/><XFDW `}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/FHR/@DM invalid_uscc"}},
		{name: "USCC lower case", edits: []edit{{"91130983MA09R5T19W", "91130983ma09r5t19w"}}, check: func(t *testing.T, d *customs.Declaration) {
			if d.Trader().USCC != "91130983MA09R5T19W" {
				t.Errorf("USCC %q not upper-cased", d.Trader().USCC)
			}
		}},
		{name: "USCC check character", edits: []edit{{"91130983MA09R5T19W", "91130983MA09R5T19X"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/SHR/@DM invalid_uscc"}},
		{name: "USCC short", edits: []edit{{"91130203MA0B3N6E9E", "91130203MA0B3N6E9"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/BJDW/@DM invalid_uscc"}},
		{name: "declarant missing", edits: []edit{{`<BJDW DM="91130203MA0B3N6E9E" MC="河北冀港报关有限公司"/>`, ""}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/BJDW/@DM missing_field"}},
		{name: "owner without USCC is kept by name", edits: []edit{{`<XFDW DM="911302081047632562"`, `<XFDW DM=""`}}, check: func(t *testing.T, d *customs.Declaration) {
			if p := d.Party(customs.RoleOwner); p == nil || p.USCC != "" || p.Name != "唐山丰润钢铁有限公司" {
				t.Errorf("owner %+v, want the name without a USCC", p)
			}
			if err := d.Validate(); err != nil {
				t.Error(err)
			}
		}},
		{name: "owner USCC invalid", edits: []edit{{`<XFDW DM="911302081047632562"`, `<XFDW DM="911302081047632563"`}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/XFDW/@DM invalid_uscc"}},
		{name: "empty owner is absent", edits: []edit{{`<XFDW DM="911302081047632562" MC="唐山丰润钢铁有限公司"/>`, `<XFDW DM=" " MC=""/>`}}, check: func(t *testing.T, d *customs.Declaration) {
			if d.Party(customs.RoleOwner) != nil {
				t.Error("owner from an empty XFDW")
			}
		}},
		{name: "customs codes unknown", edits: []edit{{"<KAGB>0409</KAGB>", "<KAGB>0499</KAGB>"}, {"<SBGB>0400</SBGB>", "<SBGB>04A0</SBGB>"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/KAGB unknown_customs_code", "/BJXX/BTXX/SBGB unknown_customs_code"}},
		{name: "customs codes of another port", edits: []edit{{"<SBGB>0400</SBGB>", "<SBGB>0202</SBGB>"}}},
		{name: "customs codes missing", edits: []edit{{"<KAGB>0409</KAGB>", ""}, {"<SBGB>0400</SBGB>", "<SBGB/>"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/KAGB missing_field", "/BJXX/BTXX/SBGB missing_field"}},
		mode("水路运输", "sea"), mode("铁路运输", "rail"), mode("公路运输", "road"), mode("航空运输", "air"),
		{name: "transport unknown", edits: []edit{{"水路运输", "海运"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/YSFS unknown_transport_mode"}, check: func(t *testing.T, d *customs.Declaration) {
			t.Helper()
		}},
		{name: "transport missing", edits: []edit{{"<YSFS>水路运输</YSFS>", ""}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/YSFS missing_field"}},
		{name: "trade mode by name", edits: []edit{{"一般贸易", "来料加工"}}, check: func(t *testing.T, d *customs.Declaration) {
			if d.Trade == nil || d.Trade.Mode != "0214" || d.Trade.Terms != "" {
				t.Errorf("trade %+v", d.Trade)
			}
		}},
		{name: "trade mode unknown", edits: []edit{{"一般贸易", "普通贸易"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/MYFS unknown_trade_mode"}},
		{name: "trade mode missing", edits: []edit{{"<MYFS>一般贸易</MYFS>", ""}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/MYFS missing_field"}},
		{name: "country unknown", edits: []edit{{"<QYG>304</QYG>", "<QYG>DEU</QYG>"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/QYG unknown_country"}},
		{name: "date not real", edits: []edit{{"2026-11-20", "2026-02-30"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/QYRQ invalid_date"}},
		{name: "date in another layout", edits: []edit{{"2026-11-20", "20261120"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/QYRQ invalid_date"}},
		{name: "date in year 0", edits: []edit{{"2026-11-20", "0000-01-01"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/QYRQ invalid_date"}},
		{name: "destination office unknown", edits: []edit{{"<MDJG>130900</MDJG>", "<MDJG>139900</MDJG>"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/MDJG unknown_bureau"}},
		{name: "destination office absent", edits: []edit{{"<MDJG>130900</MDJG>", "<MDJG></MDJG>"}}, check: func(t *testing.T, d *customs.Declaration) {
			if d.DestinationOffice != "" || d.Paths.DestinationOffice != "/BJXX/BTXX/MDJG" {
				t.Errorf("office %q paths %+v", d.DestinationOffice, d.Paths)
			}
		}},
		{name: "flags invalid", edits: []edit{{"<YJZXBZ>1</YJZXBZ>", "<YJZXBZ>Y</YJZXBZ>"}, {"<ZTBZ>0</ZTBZ>", "<ZTBZ>2</ZTBZ>"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/YJZXBZ invalid_enum", "/BJXX/BTXX/ZTBZ invalid_enum"}},
		{name: "duplicate head element", edits: []edit{{"<BJDH>HE2026120100001</BJDH>", "<BJDH>HE2026120100001</BJDH><BJDH>HE2026120100002</BJDH>"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/BJDH duplicate_key"}, check: dir(customs.Import)},
		{name: "duplicate party role", edits: []edit{{"<XFDW ", `<SHR DM="911302081047632562"/><XFDW `}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/SHR duplicate_key"}},
	})
}

func TestDecodeDirectTransit(t *testing.T) {
	ask := edit{"<ZTBZ>0</ZTBZ>", `<ZTBZ MDQ="131000">1</ZTBZ>`}
	dt := func(zone string, orig bool, seals int) func(*testing.T, *customs.Declaration) {
		return func(t *testing.T, d *customs.Declaration) {
			t.Helper()
			x := d.DirectTransit
			if x == nil {
				t.Fatal("no direct transit")
			}
			if x.Zone != zone || x.OriginalContainers == nil || *x.OriginalContainers != orig || x.SealCount != seals || x.StraySeals != nil || x.Granted {
				t.Errorf("direct transit %+v (original %v)", x, x.OriginalContainers)
			}
			if d.Paths.DirectTransitZone != "/BJXX/BTXX/ZTBZ/@MDQ" {
				t.Errorf("zone path %q", d.Paths.DirectTransitZone)
			}
		}
	}
	runCases(t, []decodeCase{
		{name: "asked with zone", edits: []edit{ask}, check: dt("131000", true, 1)},
		{name: "several seals on one container", edits: []edit{ask, {`FZ="CIQ2026HE000001"`, `FZ="CIQ2026HE000001;CIQ2026HE000002; CIQ2026HE000003 ;"`}}, check: func(t *testing.T, d *customs.Declaration) {
			dt("131000", true, 3)(t, d)
			if want := []string{"CIQ2026HE000001", "CIQ2026HE000002", "CIQ2026HE000003"}; !slices.Equal(d.Equipment[0].Seals, want) {
				t.Errorf("seals %q", d.Equipment[0].Seals)
			}
		}},
		{name: "seals on every container, full-width separator", edits: []edit{ask, {`GG="45G1">`, `GG="45G1" FZ="A1；A2">`}}, check: func(t *testing.T, d *customs.Declaration) {
			dt("131000", true, 3)(t, d)
			if !slices.Equal(d.Equipment[1].Seals, []string{"A1", "A2"}) {
				t.Errorf("seals %q", d.Equipment[1].Seals)
			}
		}},
		{name: "not original containers", edits: []edit{ask, {"<YJZXBZ>1</YJZXBZ>", "<YJZXBZ>0</YJZXBZ>"}}, check: dt("131000", false, 1)},
		{name: "zone not a pilot zone is routing's", edits: []edit{{"<ZTBZ>0</ZTBZ>", `<ZTBZ MDQ="130900">1</ZTBZ>`}}, check: dt("130900", true, 1)},
		{name: "zone unknown", edits: []edit{{"<ZTBZ>0</ZTBZ>", `<ZTBZ MDQ="139999">1</ZTBZ>`}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/ZTBZ/@MDQ unknown_bureau"}},
		{name: "zone unknown on an export", edits: []edit{{"<CRJBZ>RJ</CRJBZ>", "<CRJBZ>CJ</CRJBZ>"}, {"<SHR ", "<FHR "}, {"<ZTBZ>0</ZTBZ>", `<ZTBZ MDQ="999999">1</ZTBZ>`}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/ZTBZ/@MDQ unknown_bureau"}},
		{name: "zone missing", edits: []edit{{"<ZTBZ>0</ZTBZ>", `<ZTBZ>1</ZTBZ>`}}, code: customs.CodeInvalid, errs: []string{"/BJXX/BTXX/ZTBZ/@MDQ missing_field"}},
		{name: "zone without the flag is not read", edits: []edit{{"<ZTBZ>0</ZTBZ>", `<ZTBZ MDQ="999999">0</ZTBZ>`}}, check: func(t *testing.T, d *customs.Declaration) {
			if d.DirectTransit != nil {
				t.Errorf("direct transit %+v", d.DirectTransit)
			}
		}},
	})
}

func TestDecodeItems(t *testing.T) {
	runCases(t, []decodeCase{
		{name: "HS code", edits: []edit{{"2914110000", "29141100"}}, code: customs.CodeInvalid, errs: []string{item1 + "/HSBM invalid_hs_code"}},
		{name: "CIQ code", edits: []edit{{"<JYJYBM>101</JYJYBM>", "<JYJYBM>1010</JYJYBM>"}}, code: customs.CodeInvalid, errs: []string{item1 + "/JYJYBM invalid_ciq_code"}},
		{name: "quantity negative", edits: []edit{{"<SL>40</SL>", "<SL>-40</SL>"}}, code: customs.CodeInvalid, errs: []string{item2 + "/SL invalid_quantity"}},
		{name: "quantity six decimals", edits: []edit{{"<SL>40</SL>", "<SL>40.123456</SL>"}}, code: customs.CodeInvalid, errs: []string{item2 + "/SL invalid_quantity"}},
		{name: "quantity five decimals", edits: []edit{{"<SL>40</SL>", "<SL>40.12345</SL>"}}},
		{name: "quantity zero", edits: []edit{{"<SL>40</SL>", "<SL>0</SL>"}}, code: customs.CodeInvalid, errs: []string{item2 + "/SL invalid_quantity"}},
		{name: "unit unknown", edits: []edit{{"<JLDW>台</JLDW>", "<JLDW>公吨</JLDW>"}}, code: customs.CodeInvalid, errs: []string{item2 + "/JLDW unknown_unit"}},
		{name: "unit by name", edits: []edit{{"<JLDW>台</JLDW>", "<JLDW>升</JLDW>"}}, check: func(t *testing.T, d *customs.Declaration) {
			if d.Goods[1].Unit != "095" {
				t.Errorf("unit %q", d.Goods[1].Unit)
			}
		}},
		{name: "value three decimals", edits: []edit{{"80000.00", "80000.001"}}, code: customs.CodeInvalid, errs: []string{item2 + "/HZ invalid_value"}},
		{name: "value with exponent", edits: []edit{{"80000.00", "8E4"}}, code: customs.CodeInvalid, errs: []string{item2 + "/HZ invalid_value"}},
		{name: "currency alpha", edits: []edit{{"<BZ>300</BZ>", "<BZ>EUR</BZ>"}}, code: customs.CodeInvalid, errs: []string{item1 + "/BZ unknown_currency"}},
		{name: "origin unknown", edits: []edit{{"<YCG>304</YCG>", "<YCG>999</YCG>"}}, code: customs.CodeInvalid, errs: []string{item1 + "/YCG unknown_country"}},
		{name: "district five digits", edits: []edit{{"<MDD>130983</MDD>", "<MDD>13098</MDD>"}}, code: customs.CodeInvalid, errs: []string{item1 + "/MDD invalid_district"}},
		{name: "required fields missing", edits: []edit{{"<HSBM>8708409990</HSBM>", ""}, {"<SL>40</SL>", "<SL/>"}, {"<JLDW>台</JLDW>", ""}, {"<HZ>80000.00</HZ>", ""}, {"<BZ>300</BZ>\n      <YCG>304</YCG>\n      <MDD>130983</MDD>\n    </HW>\n  </HWXX>", "</HW>\n  </HWXX>"}}, code: customs.CodeInvalid, errs: []string{
			item2 + "/HSBM missing_field", item2 + "/SL missing_field", item2 + "/JLDW missing_field", item2 + "/HZ missing_field", item2 + "/BZ missing_field", item2 + "/YCG missing_field",
		}},
		{name: "item number repeated", edits: []edit{{`<HW XH="2">`, `<HW XH="1">`}}, code: customs.CodeInvalid, errs: []string{item1 + "/@XH duplicate_key"}},
		{name: "item number missing", edits: []edit{{`<HW XH="2">`, `<HW>`}}, code: customs.CodeInvalid, errs: []string{"/BJXX/HWXX/HW[2]/@XH missing_field"}},
		{name: "item number not a number", edits: []edit{{`<HW XH="2">`, `<HW XH="B">`}, {"<JLDW>台</JLDW>", "<JLDW>公吨</JLDW>"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/HWXX/HW[@XH='B']/@XH missing_field", "/BJXX/HWXX/HW[@XH='B']/JLDW unknown_unit"}},
		{name: "no items", edits: []edit{{"<HWXX>", "<HWXX><!--"}, {"</HWXX>", "--></HWXX>"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/HWXX/HW missing_field"}},
		{name: "no goods block", edits: []edit{{"<HWXX>", "<!--"}, {"</HWXX>", "-->"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/HWXX/HW missing_field"}},
		{name: "items in numbering order", edits: []edit{{`<HW XH="1">`, `<HW XH="3">`}}, check: func(t *testing.T, d *customs.Declaration) {
			if d.Goods[0].Seq != 2 || d.Goods[1].Seq != 3 || d.Goods[1].Path != "/BJXX/HWXX/HW[@XH='3']" {
				t.Errorf("goods %d %d", d.Goods[0].Seq, d.Goods[1].Seq)
			}
		}},
		{name: "food registration kept", edits: []edit{{"<MDD>130983</MDD>\n    </HW>\n  </HWXX>", "<MDD>130983</MDD>\n      <SPZC>CNOR0303150212</SPZC>\n    </HW>\n  </HWXX>"}}, check: func(t *testing.T, d *customs.Declaration) {
			if d.Goods[1].FoodProducerRegistration != "CNOR0303150212" {
				t.Errorf("registration %q", d.Goods[1].FoodProducerRegistration)
			}
		}},
		{name: "duplicate item element", edits: []edit{{"<SL>40</SL>", "<SL>40</SL><SL>41</SL>"}}, code: customs.CodeInvalid, errs: []string{item2 + "/SL duplicate_key"}},
	})
}

func TestDecodeDangerousGoods(t *testing.T) {
	dg := func(want customs.DangerousGoods) func(*testing.T, *customs.Declaration) {
		return func(t *testing.T, d *customs.Declaration) {
			t.Helper()
			g := d.Goods[0]
			if g.DangerousGoods == nil || *g.DangerousGoods != want || !g.HazardFlagged {
				t.Errorf("dangerous goods %+v flagged %v, want %+v", g.DangerousGoods, g.HazardFlagged, want)
			}
		}
	}
	acetone := customs.DangerousGoods{UN: "1090", Class: "3", DeclaredClass: "3", PackingGroup: "II", Packaging: "1A1/Y1.4/150/26/DE"}
	with := func(f func(*customs.DangerousGoods)) customs.DangerousGoods {
		x := acetone
		f(&x)
		return x
	}
	runCases(t, []decodeCase{
		{name: "UN not in table", edits: []edit{{"<UNBH>1090</UNBH>", "<UNBH>9999</UNBH>"}}, code: customs.CodeInvalid, errs: []string{item1 + "/WXP/UNBH unknown_un_number"}},
		{name: "UN not four digits", edits: []edit{{"<UNBH>1090</UNBH>", "<UNBH>UN1090</UNBH>"}}, code: customs.CodeInvalid, errs: []string{item1 + "/WXP/UNBH unknown_un_number"}},
		{name: "UN missing is routing's", edits: []edit{{"<UNBH>1090</UNBH>", "<UNBH/>"}}, check: func(t *testing.T, d *customs.Declaration) {
			dg(with(func(x *customs.DangerousGoods) { x.UN = "" }))(t, d)
			if d.Goods[0].Path+d.Paths.UN != item1+"/WXP/UNBH" {
				t.Errorf("UN path %q", d.Goods[0].Path+d.Paths.UN)
			}
		}},
		{name: "declared class differs", edits: []edit{{"<WXLB>3</WXLB>", "<WXLB>6.1</WXLB>"}}, warns: []string{item1 + "/WXP/WXLB class_differs_from_table"}, check: dg(with(func(x *customs.DangerousGoods) { x.DeclaredClass = "6.1" }))},
		{name: "declared class missing", edits: []edit{{"<WXLB>3</WXLB>", ""}}, check: dg(with(func(x *customs.DangerousGoods) { x.DeclaredClass = "" }))},
		{name: "class of an unknown UN stays declared", edits: []edit{{"<UNBH>1090</UNBH>", "<UNBH/>"}, {"<WXLB>3</WXLB>", "<WXLB>8</WXLB>"}}, check: dg(with(func(x *customs.DangerousGoods) { x.UN, x.Class, x.DeclaredClass = "", "8", "8" }))},
		{name: "packing group not listed", edits: []edit{{"<BZLB>II</BZLB>", "<BZLB>III</BZLB>"}}, warns: []string{item1 + "/WXP/BZLB packing_group_not_listed"}, check: dg(with(func(x *customs.DangerousGoods) { x.PackingGroup = "III" }))},
		{name: "packing group for a gas", edits: []edit{{"<UNBH>1090</UNBH>", "<UNBH>1017</UNBH>"}, {"<WXLB>3</WXLB>", "<WXLB>2.3</WXLB>"}}, warns: []string{item1 + "/WXP/BZLB packing_group_not_listed"}},
		{name: "packing group one of several", edits: []edit{{"<UNBH>1090</UNBH>", "<UNBH>1263</UNBH>"}, {"<BZLB>II</BZLB>", "<BZLB>I</BZLB>"}}},
		{name: "packing group invalid", edits: []edit{{"<BZLB>II</BZLB>", "<BZLB>2</BZLB>"}}, code: customs.CodeInvalid, errs: []string{item1 + "/WXP/BZLB invalid_enum"}},
		{name: "bulk", edits: []edit{{"<SZBZ>0</SZBZ>", "<SZBZ>1</SZBZ>"}, {"<BZLB>II</BZLB>", "<BZLB/>"}, {"<BZBJ>1A1/Y1.4/150/26/DE</BZBJ>", "<BZBJ></BZBJ>"}}, check: dg(with(func(x *customs.DangerousGoods) { x.Bulk, x.PackingGroup, x.Packaging = true, "", "" }))},
		{name: "bulk flag invalid", edits: []edit{{"<SZBZ>0</SZBZ>", "<SZBZ>Y</SZBZ>"}}, code: customs.CodeInvalid, errs: []string{item1 + "/WXP/SZBZ invalid_enum"}},
		{name: "empty block is absent", edits: []edit{{"<UNBH>1090</UNBH>", "<UNBH/>"}, {"<WXLB>3</WXLB>", "<WXLB> </WXLB>"}, {"<BZLB>II</BZLB>", ""}, {"<BZBJ>1A1/Y1.4/150/26/DE</BZBJ>", ""}, {"<SZBZ>0</SZBZ>", "<SZBZ/>"}}, check: func(t *testing.T, d *customs.Declaration) {
			if g := d.Goods[0]; g.DangerousGoods != nil || g.HazardFlagged {
				t.Errorf("dangerous goods %+v from an empty WXP", g.DangerousGoods)
			}
		}},
		{name: "mark alone makes it hazardous", edits: []edit{{"<UNBH>1090</UNBH>", ""}, {"<WXLB>3</WXLB>", ""}, {"<BZLB>II</BZLB>", ""}, {"<SZBZ>0</SZBZ>", ""}}, check: dg(customs.DangerousGoods{Packaging: "1A1/Y1.4/150/26/DE"})},
		{name: "on an export too", edits: []edit{{"<CRJBZ>RJ</CRJBZ>", "<CRJBZ>CJ</CRJBZ>"}, {"<SHR ", "<FHR "}}, check: dg(acetone)},
	})
}

func TestDecodeContainers(t *testing.T) {
	runCases(t, []decodeCase{
		{name: "check digit", edits: []edit{{"TEMU6088334", "TEMU6088335"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/JZXXX/JZX[@XH='1'] invalid_container_number"}},
		{name: "form", edits: []edit{{"GESU3504714", "GESX3504714"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/JZXXX/JZX[@XH='2'] invalid_container_number"}},
		{name: "number repeated", edits: []edit{{"GESU3504714", "TEMU6088334"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/JZXXX/JZX[@XH='2'] duplicate_key"}},
		{name: "XH repeated", edits: []edit{{`<JZX XH="2"`, `<JZX XH="1"`}}, code: customs.CodeInvalid, errs: []string{"/BJXX/JZXXX/JZX[@XH='1']/@XH duplicate_key"}},
		{name: "container repeated whole is one fault", edits: []edit{{`<JZX XH="2" GG="45G1">GESU3504714</JZX>`, `<JZX XH="1" GG="22G1">TEMU6088334</JZX>`}}, code: customs.CodeInvalid, errs: []string{"/BJXX/JZXXX/JZX[@XH='1'] duplicate_key"}},
		{name: "number missing", edits: []edit{{">GESU3504714<", "><"}}, code: customs.CodeInvalid, errs: []string{"/BJXX/JZXXX/JZX[@XH='2'] missing_field"}},
		{name: "empty container is absent", edits: []edit{{`<JZX XH="2" GG="45G1">GESU3504714</JZX>`, `<JZX/>`}}, check: func(t *testing.T, d *customs.Declaration) {
			if len(d.Equipment) != 1 {
				t.Errorf("equipment %+v", d.Equipment)
			}
		}},
		{name: "without XH named by position", edits: []edit{{`<JZX XH="2" GG="45G1">GESU3504714`, `<JZX GG="45G1">GESU3504715`}}, code: customs.CodeInvalid, errs: []string{"/BJXX/JZXXX/JZX[2] invalid_container_number"}},
		{name: "no containers", edits: []edit{{"<JZXXX>", "<!--"}, {"</JZXXX>", "-->"}}, check: func(t *testing.T, d *customs.Declaration) {
			if d.Equipment != nil {
				t.Errorf("equipment %+v", d.Equipment)
			}
		}},
	})
}

func TestDecodeManyProblems(t *testing.T) {
	runCases(t, []decodeCase{{
		name: "every problem at once",
		edits: []edit{
			{"91130983MA09R5T19W", "91130983MA09R5T19X"},
			{"<KAGB>0409</KAGB>", "<KAGB>0499</KAGB>"},
			{"<YSFS>水路运输</YSFS>", "<YSFS>海运</YSFS>"},
			{"<MYFS>一般贸易</MYFS>", ""},
			{"<ZTBZ>0</ZTBZ>", `<ZTBZ MDQ="139999">1</ZTBZ>`},
			{"<UNBH>1090</UNBH>", "<UNBH>9999</UNBH>"},
			{"<JLDW>台</JLDW>", "<JLDW>公吨</JLDW>"},
			{"<HZ>80000.00</HZ>", "<HZ>80000.001</HZ>"},
			{"TEMU6088334", "TEMU6088335"},
			{"</BTXX>", "<BZ>备注</BZ></BTXX>"},
		},
		code: customs.CodeInvalid,
		errs: []string{
			"/BJXX/BTXX/SHR/@DM invalid_uscc",
			"/BJXX/BTXX/KAGB unknown_customs_code",
			"/BJXX/BTXX/YSFS unknown_transport_mode",
			"/BJXX/BTXX/MYFS missing_field",
			"/BJXX/BTXX/ZTBZ/@MDQ unknown_bureau",
			item1 + "/WXP/UNBH unknown_un_number",
			item2 + "/JLDW unknown_unit",
			item2 + "/HZ invalid_value",
			"/BJXX/JZXXX/JZX[@XH='1'] invalid_container_number",
		},
		warns: []string{"/BJXX/BTXX/BZ unknown_element"},
		check: func(t *testing.T, d *customs.Declaration) {
			// The partly read declaration names the message.
			if d.Source.PortRef != "HE2026120100001" || d.Direction != customs.Import || len(d.Goods) != 2 {
				t.Errorf("partial declaration %+v", d.Source)
			}
		},
	}})
}

func TestDecodeUnknownElements(t *testing.T) {
	runCases(t, []decodeCase{
		{name: "in the head", edits: []edit{{"</BTXX>", "<ZZBZ>内部备注</ZZBZ></BTXX>"}}, warns: []string{"/BJXX/BTXX/ZZBZ unknown_element"}},
		{name: "in an item, contents not looked at", edits: []edit{{"<HWMC>变速箱</HWMC>", "<HWMC>变速箱</HWMC><BEIZHU><HSBM>x</HSBM><Y/></BEIZHU>"}}, warns: []string{item2 + "/BEIZHU unknown_element"}},
		{name: "in WXP", edits: []edit{{"<SZBZ>0</SZBZ>", "<SZBZ>0</SZBZ><WXMC>丙酮</WXMC>"}}, warns: []string{item1 + "/WXP/WXMC unknown_element"}},
		{name: "same-name siblings share one warning", edits: []edit{{"</BTXX>", "<BZ>1</BZ><BZ>2</BZ></BTXX>"}}, warns: []string{"/BJXX/BTXX/BZ unknown_element"}},
		{name: "under the root", edits: []edit{{"</BJXX>", "<QMXX>签名</QMXX></BJXX>"}}, warns: []string{"/BJXX/QMXX unknown_element"}},
		{name: "in the goods and containers blocks", edits: []edit{{"</HWXX>", "<HJ>2</HJ></HWXX>"}, {"</JZXXX>", "<HJ>2</HJ></JZXXX>"}}, warns: []string{"/BJXX/HWXX/HJ unknown_element", "/BJXX/JZXXX/HJ unknown_element"}},
		{name: "known name at the wrong place", edits: []edit{{"</BTXX>", "<HSBM>2914110000</HSBM></BTXX>"}}, warns: []string{"/BJXX/BTXX/HSBM unknown_element"}},
		{name: "inside a value", edits: []edit{{"<HWMC>变速箱</HWMC>", "<HWMC>变速箱<EN>gearbox</EN></HWMC>"}}, warns: []string{item2 + "/HWMC/EN unknown_element"}, check: func(t *testing.T, d *customs.Declaration) {
			if d.Goods[1].Name != "变速箱" {
				t.Errorf("name %q", d.Goods[1].Name)
			}
		}},
		{name: "in a container and a party", edits: []edit{{"GESU3504714</JZX>", "GESU3504714<X/></JZX>"}, {`MC="河北冀港报关有限公司"/>`, `MC="河北冀港报关有限公司"><LXR/></BJDW>`}}, warns: []string{"/BJXX/JZXXX/JZX[@XH='2']/X unknown_element", "/BJXX/BTXX/BJDW/LXR unknown_element"}},
		{name: "in another namespace", edits: []edit{{"</BTXX>", `<x:BJDH xmlns:x="urn:x">HE1</x:BJDH><BJDH2 xmlns="urn:y"/></BTXX>`}}, warns: []string{"/BJXX/BTXX/BJDH unknown_element", "/BJXX/BTXX/BJDH2 unknown_element"}},
		{name: "unknown attributes ignored", edits: []edit{{`<HW XH="2">`, `<HW XH="2" ZT="1">`}, {`<BJXX BBH="2.1">`, `<BJXX BBH="2.1" SJ="2026">`}}},
		{name: "comments and processing instructions ignored", edits: []edit{{"<SL>40</SL>", "<SL><!-- q -->40<?pi x?></SL>"}}, check: func(t *testing.T, d *customs.Declaration) {
			if d.Goods[1].Quantity != "40" {
				t.Errorf("quantity %q", d.Goods[1].Quantity)
			}
		}},
	})
}
