package tianjin_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/jjj/gateway/internal/customs"
)

// base is testdata/handwritten-base.xml, a hand-written import that passes
// every check: an ordinary item, a packaged hazardous chemical (acetone,
// UN 1090, PG II), two containers and a direct-transit request sealing both.
// Each case below changes one thing in it.
var base = func() string {
	b, err := os.ReadFile("testdata/handwritten-base.xml")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// edit replaces old by new in s, failing the test when old is not there, so
// that a case cannot silently test the unchanged message.
func edit(t *testing.T, s string, pairs ...string) string {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("edit: %q not in the message", pairs[i])
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return s
}

func problems(err error) []string {
	var out []string
	for _, p := range customs.ProblemsOf(err) {
		out = append(out, p.Path+" "+p.Code)
	}
	slices.Sort(out)
	return out
}

func warnings(d *customs.Declaration, code string) []string {
	if d == nil {
		return nil
	}
	var out []string
	for _, w := range d.Warnings {
		if w.Code == code {
			out = append(out, w.Path)
		}
	}
	slices.Sort(out)
	return out
}

func TestBaseIsValid(t *testing.T) {
	d, err := newAdapter(t).Decode([]byte(base))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if err := d.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if len(d.Warnings) != 0 {
		t.Errorf("warnings %+v", d.Warnings)
	}
	checkBase(t, d)
}

// checkBase checks what the base message decodes to; the namespace and
// encoding cases must give the same.
func checkBase(t *testing.T, d *customs.Declaration) {
	t.Helper()
	want := []customs.Party{
		{Role: customs.RoleConsignee, USCC: "91120116MA05T7K30Q", CustomsCode: "1207960318", Name: "天津港晟化工贸易有限公司"},
		{Role: customs.RoleOwner, USCC: "91120113600138724G", CustomsCode: "1213930471", Name: "天津北辰精密机械有限公司"},
		{Role: customs.RoleDeclarant, USCC: "91120116732845199J", CustomsCode: "1207980045", Name: "天津津海报关服务有限公司"},
		{Role: customs.RoleOverseas, Name: "SAMHWA CHEMICAL CO., LTD."},
	}
	if !slices.Equal(d.Parties, want) {
		t.Errorf("parties\n got %+v\nwant %+v", d.Parties, want)
	}
	if d.Source.Dialect != "tianjin/DecMessage-3.1" || d.Source.PortRef != "I20261127000009001" || d.Source.Port != customs.PortTianjin {
		t.Errorf("source %+v", d.Source)
	}
	if d.Customs != (customs.CustomsCodes{Declaring: "0202", Port: "0217"}) {
		t.Errorf("customs %+v", d.Customs)
	}
	wantTransport := customs.Transport{Mode: "sea", Means: "SINOKOR TIANJIN", BillNo: "SKLMPUS2611884", Country: "KOR", DeparturePort: "KRUSN", DepartureDate: "2026-11-18"}
	if d.Transport != wantTransport {
		t.Errorf("transport %+v", d.Transport)
	}
	if d.Trade == nil || *d.Trade != (customs.Trade{Mode: "0110", Terms: "FOB"}) {
		t.Errorf("trade %+v", d.Trade)
	}
	if d.Weights == nil || *d.Weights != (customs.Weights{Gross: "14720.5", Net: "12800", Packages: "80"}) {
		t.Errorf("weights %+v", d.Weights)
	}
	if d.DestinationOffice != "130100" {
		t.Errorf("destination office %q", d.DestinationOffice)
	}
	dt := d.DirectTransit
	if dt == nil || dt.Zone != "130100" || dt.OriginalContainers == nil || !*dt.OriginalContainers || dt.SealCount != 2 || len(dt.StraySeals) != 0 || dt.Granted {
		t.Errorf("direct transit %+v", dt)
	}
	if len(d.Equipment) != 2 || d.Equipment[0].ID != "CSNU6350182" || d.Equipment[0].Type != "21" ||
		!slices.Equal(d.Equipment[0].Seals, []string{"CIQ2026TJ000001"}) || !slices.Equal(d.Equipment[1].Seals, []string{"CIQ2026TJ000002"}) ||
		d.Equipment[1].Kind != customs.KindContainer {
		t.Errorf("equipment %+v", d.Equipment)
	}
	if len(d.Goods) != 2 {
		t.Fatalf("%d goods", len(d.Goods))
	}
	g := d.Goods[0]
	if g.Seq != 1 || g.Path != "/DecMessage/DecLists/DecList[1]" || g.HSCode != "8457101000" || g.CIQCode != "999" ||
		g.Name != "立式加工中心" || g.Spec != "VMC-1260" || g.Quantity != "2" || g.Unit != "001" || g.Value != "486000.00" ||
		g.Currency != "EUR" || g.Origin != "DEU" || g.DestinationDistrict != "130104" || g.DangerousGoods != nil || g.HazardFlagged {
		t.Errorf("item 1 %+v", g)
	}
	g = d.Goods[1]
	wantDG := customs.DangerousGoods{UN: "1090", Class: "3", PackingGroup: "II", Packaging: "1A1/Y1.4/150/26/KR/HD2611"}
	if g.Seq != 2 || g.Path != "/DecMessage/DecLists/DecList[2]" || !g.HazardFlagged || g.DangerousGoods == nil || *g.DangerousGoods != wantDG {
		t.Errorf("item 2 %+v dg %+v", g, g.DangerousGoods)
	}
	wantPaths := customs.Paths{
		DestinationOffice: "/DecMessage/DecHead/PurpOrgCode",
		DirectTransitZone: "/DecMessage/DirectTransit/@zone",
		District:          "/DestCode",
		UN:                "/UnCode",
		PackingGroup:      "/DangPackType",
		PackagingMark:     "/DangPackSpec",
	}
	if d.Paths != wantPaths {
		t.Errorf("paths %+v", d.Paths)
	}
}

// TestNamespaces: namespaces are matched by URI, never by prefix.
func TestNamespaces(t *testing.T) {
	cases := []struct {
		name string
		msg  func(t *testing.T) string
	}{
		{"extension under another prefix", func(t *testing.T) string {
			return edit(t, base,
				`<jjj:DirectTransit xmlns:jjj="urn:jjj:ext:v1" zone="130100">`, `<z9:DirectTransit xmlns:z9="urn:jjj:ext:v1" zone="130100">`,
				`<jjj:Seal container="CSNU6350182">CIQ2026TJ000001</jjj:Seal>`, `<z9:Seal container="CSNU6350182">CIQ2026TJ000001</z9:Seal>`,
				`<jjj:Seal container="TGHU3812047">CIQ2026TJ000002</jjj:Seal>`, `<z9:Seal container="TGHU3812047">CIQ2026TJ000002</z9:Seal>`,
				`</jjj:DirectTransit>`, `</z9:DirectTransit>`)
		}},
		{"extension in a default namespace", func(t *testing.T) string {
			return edit(t, base,
				`<jjj:DirectTransit xmlns:jjj="urn:jjj:ext:v1" zone="130100">`, `<DirectTransit xmlns="urn:jjj:ext:v1" zone="130100">`,
				`<jjj:Seal container="CSNU6350182">CIQ2026TJ000001</jjj:Seal>`, `<Seal container="CSNU6350182">CIQ2026TJ000001</Seal>`,
				`<jjj:Seal container="TGHU3812047">CIQ2026TJ000002</jjj:Seal>`, `<Seal container="TGHU3812047">CIQ2026TJ000002</Seal>`,
				`</jjj:DirectTransit>`, `</DirectTransit>`)
		}},
		{"extension prefix declared on the root", func(t *testing.T) string {
			return edit(t, base,
				`<DecMessage xmlns="http://www.chinaport.gov.cn/dec" version="3.1">`, `<DecMessage xmlns="http://www.chinaport.gov.cn/dec" xmlns:jjj="urn:jjj:ext:v1" version="3.1">`,
				`<jjj:DirectTransit xmlns:jjj="urn:jjj:ext:v1" zone="130100">`, `<jjj:DirectTransit zone="130100">`)
		}},
		{"national message under a prefix", func(t *testing.T) string {
			s := edit(t, base, `<DecMessage xmlns="http://www.chinaport.gov.cn/dec" version="3.1">`, `<dec:DecMessage xmlns:dec="http://www.chinaport.gov.cn/dec" version="3.1">`)
			// Prefix every national element.
			var b strings.Builder
			for i := 0; i < len(s); i++ {
				b.WriteByte(s[i])
				if s[i] == '<' && i+1 < len(s) {
					rest := s[i+1:]
					switch {
					case strings.HasPrefix(rest, "/") && !strings.HasPrefix(rest, "/jjj:") && !strings.HasPrefix(rest, "/dec:"):
						b.WriteString("/dec:")
						i++
					case rest[0] >= 'A' && rest[0] <= 'Z':
						b.WriteString("dec:")
					}
				}
			}
			return b.String()
		}},
	}
	a := newAdapter(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := c.msg(t)
			d, err := a.Decode([]byte(msg))
			if err != nil {
				t.Fatalf("Decode: %v\n%s", err, msg)
			}
			if len(d.Warnings) != 0 {
				t.Errorf("warnings %+v", d.Warnings)
			}
			checkBase(t, d)
		})
	}
}

func TestUnknownRoot(t *testing.T) {
	a := newAdapter(t)
	for name, msg := range map[string]string{
		"other namespace":         strings.Replace(base, `xmlns="http://www.chinaport.gov.cn/dec"`, `xmlns="http://example.com/dec"`, 1),
		"no namespace":            strings.Replace(base, ` xmlns="http://www.chinaport.gov.cn/dec"`, ``, 1),
		"other name":              `<?xml version="1.0"?><BJXX BBH="2.1"/>`,
		"right prefix, wrong URI": `<?xml version="1.0"?><dec:DecMessage xmlns:dec="urn:other" xmlns="http://www.chinaport.gov.cn/dec"/>`,
	} {
		t.Run(name, func(t *testing.T) {
			d, err := a.Decode([]byte(msg))
			if d != nil || customs.ErrorCodeOf(err) != customs.CodeUnreadable {
				t.Fatalf("got %v, %v; want unreadable", d, err)
			}
			if got := problems(err); !slices.Equal(got, []string{" unknown_root"}) {
				t.Errorf("problems %q", got)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	a := newAdapter(t)
	cases := []struct {
		attr    string
		dialect string
		problem string
	}{
		{`version="3.1"`, "tianjin/DecMessage-3.1", ""},
		{`Version="4.8"`, "tianjin/DecMessage-4.8", ""},
		{`version=" 5.0 "`, "tianjin/DecMessage-5.0", ""},
		{``, "tianjin/DecMessage", ""},            // optional: not among ports.md's required fields
		{`version=" "`, "tianjin/DecMessage", ""}, // empty is absent
		{`version="2.0"`, "tianjin/DecMessage", "/DecMessage/@version invalid_enum"},
		{`Version="5"`, "tianjin/DecMessage", "/DecMessage/@Version invalid_enum"},
	}
	for _, c := range cases {
		t.Run(c.attr, func(t *testing.T) {
			msg := strings.Replace(base, `version="3.1"`, c.attr, 1)
			d, err := a.Decode([]byte(msg))
			var want []string
			if c.problem != "" {
				want = []string{c.problem}
			}
			if got := problems(err); !slices.Equal(got, want) {
				t.Errorf("problems %q, want %q", got, want)
			}
			if d == nil || d.Source.Dialect != c.dialect {
				t.Errorf("dialect of %+v, want %s", d, c.dialect)
			}
		})
	}
}

// TestUncodeSpelling: the UN number may be spelt Uncode, and routing's
// problem for a missing one is then reported under that spelling.
func TestUncodeSpelling(t *testing.T) {
	a := newAdapter(t)
	d, err := a.Decode([]byte(strings.Replace(base, "<UnCode>1090</UnCode>", "<Uncode>1090</Uncode>", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if dg := d.Goods[1].DangerousGoods; dg == nil || dg.UN != "1090" || dg.Class != "3" {
		t.Errorf("dangerous goods %+v", dg)
	}
	if d.Paths.UN != "/Uncode" {
		t.Errorf("Paths.UN %q", d.Paths.UN)
	}
	d, err = a.Decode([]byte(strings.Replace(base, "<UnCode>1090</UnCode>", "<Uncode/>", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if dg := d.Goods[1].DangerousGoods; dg == nil || dg.UN != "" || d.Paths.UN != "/Uncode" {
		t.Errorf("dangerous goods %+v, Paths.UN %q", dg, d.Paths.UN)
	}
	_, err = a.Decode([]byte(strings.Replace(base, "<UnCode>1090</UnCode>", "<Uncode>9999</Uncode>", 1)))
	if got := problems(err); !slices.Equal(got, []string{"/DecMessage/DecLists/DecList[2]/Uncode unknown_un_number"}) {
		t.Errorf("problems %q", got)
	}
}

// TestUnknownElements: an element whose name is not in
// codes/decmessage-elements.csv and not in urn:jjj:ext:v1 is a warning at
// its own path, wherever it sits; its content is not looked at.
func TestUnknownElements(t *testing.T) {
	msg := edit(t, base,
		"<PromiseItmes>000</PromiseItmes>", "<PromiseItmes>000</PromiseItmes><ZZInternalRemark><Deeper>x</Deeper></ZZInternalRemark><GNo>7</GNo>",
		"<DestinationCountry>CHN</DestinationCountry>", "<DestinationCountry>CHN</DestinationCountry><Note2>n</Note2>",
		"<DangName>丙酮</DangName>", "<DangName>丙酮</DangName><x:Foo xmlns:x=\"urn:other\"/><jjj:Seal xmlns:jjj=\"urn:jjj:ext:v1\">ext</jjj:Seal>",
		"<ContainerMd>11</ContainerMd>", "<ContainerMd>11</ContainerMd><Weight>1</Weight>",
		"<LicenseDocu><DocuCode>b</DocuCode>", "<LicenseDocu><DocuCode>b</DocuCode><Stamp/>",
		"<VoyNo>2611W</VoyNo>", "<VoyNo>2611W<Bar/></VoyNo>",
		"<DecSign>", "<Extra/><Extra>2</Extra><DecSign>",
		`<jjj:Seal container="CSNU6350182">`, `<Colour>red</Colour><jjj:Other/><jjj:Seal container="CSNU6350182">`,
	)
	d, err := newAdapter(t).Decode([]byte(msg))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	want := []string{
		"/DecMessage/DecContainers/Container[2]/Weight",
		"/DecMessage/DecFreeTxt/VoyNo/Bar",
		"/DecMessage/DecHead/ZZInternalRemark",
		"/DecMessage/DecLicenseDocus/LicenseDocu[2]/Stamp",
		"/DecMessage/DecLists/DecList[1]/Note2",
		"/DecMessage/DecLists/DecList[2]/Foo",
		"/DecMessage/DirectTransit/Colour",
		"/DecMessage/Extra",
	}
	if got := warnings(d, customs.WarnUnknownElement); !slices.Equal(got, want) {
		t.Errorf("warnings\n got %q\nwant %q", got, want)
	}
	for _, w := range d.Warnings {
		if w.Message == "" {
			t.Errorf("%s: no message", w.Path)
		}
	}
	checkBase(t, d)
}

func TestHazard(t *testing.T) {
	cases := []struct {
		name    string
		edits   []string
		flagged bool
		dg      *customs.DangerousGoods
		warn    []string
	}{
		{"not dangerous", []string{
			"<GoodsAttr>31</GoodsAttr>", "", "<UnCode>1090</UnCode>", "<UnCode/>", "<DangPackType>2</DangPackType>", "",
			"<DangPackSpec>1A1/Y1.4/150/26/KR/HD2611</DangPackSpec>", "", "<NoDangFlag>0<", "<NoDangFlag>1<",
		}, false, nil, nil},
		{"flag alone", []string{
			"<GoodsAttr>31</GoodsAttr>", "", "<UnCode>1090</UnCode>", "", "<DangPackType>2</DangPackType>", "",
			"<DangPackSpec>1A1/Y1.4/150/26/KR/HD2611</DangPackSpec>", "",
		}, true, &customs.DangerousGoods{}, nil},
		{"goods attribute 31 among others", []string{"<GoodsAttr>31<", "<GoodsAttr>11, 31,19<", "<NoDangFlag>0<", "<NoDangFlag>1<"},
			true, &customs.DangerousGoods{UN: "1090", Class: "3", PackingGroup: "II", Packaging: "1A1/Y1.4/150/26/KR/HD2611"}, nil},
		{"bulk by attribute 32", []string{"<GoodsAttr>31<", "<GoodsAttr>32<", "<DangPackType>2</DangPackType>", "<DangPackType>4</DangPackType>", "<DangPackSpec>1A1/Y1.4/150/26/KR/HD2611</DangPackSpec>", ""},
			true, &customs.DangerousGoods{UN: "1090", Class: "3", Bulk: true}, nil},
		{"bulk by packing type 4 without 31", []string{"<GoodsAttr>31</GoodsAttr>", "", "<DangPackType>2<", "<DangPackType>4<"},
			true, &customs.DangerousGoods{UN: "1090", Class: "3", Packaging: "1A1/Y1.4/150/26/KR/HD2611", Bulk: true}, nil},
		{"packing type 4 with 31 is no packing group", []string{"<UnCode>1090<", "<UnCode>1017<", "<DangPackType>2<", "<DangPackType>4<"},
			true, &customs.DangerousGoods{UN: "1017", Class: "2.3", Packaging: "1A1/Y1.4/150/26/KR/HD2611"}, nil},
		{"UN number alone", []string{"<GoodsAttr>31</GoodsAttr>", "", "<NoDangFlag>0<", "<NoDangFlag>1<", "<DangPackType>2</DangPackType>", "", "<DangPackSpec>1A1/Y1.4/150/26/KR/HD2611</DangPackSpec>", ""},
			false, &customs.DangerousGoods{UN: "1090", Class: "3"}, nil},
		{"packing group not listed", []string{"<DangPackType>2<", "<DangPackType>1<"},
			true, &customs.DangerousGoods{UN: "1090", Class: "3", PackingGroup: "I", Packaging: "1A1/Y1.4/150/26/KR/HD2611"},
			[]string{item2 + "DangPackType"}},
		{"one of several packing groups", []string{"<UnCode>1090<", "<UnCode>1170<", "<DangPackType>2<", "<DangPackType>3<"},
			true, &customs.DangerousGoods{UN: "1170", Class: "3", PackingGroup: "III", Packaging: "1A1/Y1.4/150/26/KR/HD2611"}, nil},
	}
	a := newAdapter(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := a.Decode([]byte(edit(t, base, c.edits...)))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			g := d.Goods[1]
			if g.HazardFlagged != c.flagged {
				t.Errorf("HazardFlagged %v, want %v", g.HazardFlagged, c.flagged)
			}
			switch {
			case c.dg == nil && g.DangerousGoods != nil:
				t.Errorf("dangerous goods %+v, want none", g.DangerousGoods)
			case c.dg != nil && (g.DangerousGoods == nil || *g.DangerousGoods != *c.dg):
				t.Errorf("dangerous goods %+v, want %+v", g.DangerousGoods, c.dg)
			}
			if got := warnings(d, customs.WarnPackingGroupNotListed); !slices.Equal(got, c.warn) {
				t.Errorf("packing-group warnings %q, want %q", got, c.warn)
			}
		})
	}
}

func TestFoodRegistration(t *testing.T) {
	limits := `<DecGoodsLimits>
        <DecGoodsLimit><GoodsNo>2</GoodsNo><LicTypeCode>401</LicTypeCode><LicenceNo>OTHER</LicenceNo></DecGoodsLimit>
        <DecGoodsLimit><GoodsNo>2</GoodsNo><LicTypeCode> FRN </LicTypeCode><LicenceNo> CAUS0202180367 </LicenceNo></DecGoodsLimit>
      </DecGoodsLimits>
      <NoDangFlag>0</NoDangFlag>`
	d, err := newAdapter(t).Decode([]byte(edit(t, base, "<NoDangFlag>0</NoDangFlag>", limits)))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Goods[1].FoodProducerRegistration; got != "CAUS0202180367" {
		t.Errorf("registration %q", got)
	}
	if got := d.Goods[1].Documents; got != nil {
		t.Errorf("licence type 401 and FRN are not cited: %+v", got)
	}
	if got := d.Goods[0].FoodProducerRegistration; got != "" {
		t.Errorf("item 1 registration %q", got)
	}
	// An empty number is a missing one.
	d, err = newAdapter(t).Decode([]byte(edit(t, base, "<NoDangFlag>0</NoDangFlag>",
		`<DecGoodsLimits><DecGoodsLimit><LicTypeCode>FRN</LicTypeCode><LicenceNo/></DecGoodsLimit></DecGoodsLimits>`)))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Goods[1].FoodProducerRegistration; got != "" {
		t.Errorf("registration %q, want none", got)
	}
}

func TestDirectTransit(t *testing.T) {
	a := newAdapter(t)
	t.Run("stray seal", func(t *testing.T) {
		d, err := a.Decode([]byte(edit(t, base, `<jjj:Seal container="TGHU3812047">`, `<jjj:Seal container="MSCU4729152">`)))
		if err != nil {
			t.Fatal(err)
		}
		dt := d.DirectTransit
		if dt.SealCount != 2 || !slices.Equal(dt.StraySeals, []customs.Seal{{Unit: "MSCU4729152", Number: "CIQ2026TJ000002"}}) {
			t.Errorf("direct transit %+v", dt)
		}
		if len(d.Equipment[1].Seals) != 0 {
			t.Errorf("seals on TGHU3812047: %q", d.Equipment[1].Seals)
		}
	})
	t.Run("not original containers", func(t *testing.T) {
		d, err := a.Decode([]byte(edit(t, base, "<OrigBoxFlag>1</OrigBoxFlag>", "")))
		if err != nil {
			t.Fatal(err)
		}
		if oc := d.DirectTransit.OriginalContainers; oc == nil || *oc {
			t.Errorf("original containers %v", oc)
		}
	})
	t.Run("absent", func(t *testing.T) {
		start, end := strings.Index(base, "<jjj:DirectTransit"), strings.Index(base, "</DecMessage>")
		for _, ext := range []string{"", `<jjj:DirectTransit xmlns:jjj="urn:jjj:ext:v1"/>`} {
			d, err := a.Decode([]byte(base[:start] + ext + base[end:]))
			if err != nil {
				t.Fatal(err)
			}
			if d.DirectTransit != nil {
				t.Errorf("%q: direct transit %+v, want none", ext, d.DirectTransit)
			}
		}
	})
	t.Run("export asks too", func(t *testing.T) {
		d, err := a.Decode([]byte(edit(t, base, "<IEFlag>I<", "<IEFlag>E<")))
		if err != nil {
			t.Fatal(err)
		}
		if d.DirectTransit == nil || d.DirectTransit.Zone != "130100" {
			t.Errorf("direct transit %+v", d.DirectTransit)
		}
	})
}

func TestParties(t *testing.T) {
	a := newAdapter(t)
	t.Run("export", func(t *testing.T) {
		d, err := a.Decode([]byte(edit(t, base, "<IEFlag>I<", "<IEFlag>E<")))
		if err != nil {
			t.Fatal(err)
		}
		if p := d.Trader(); p == nil || p.Role != customs.RoleConsignor || p.USCC != "91120116MA05T7K30Q" {
			t.Errorf("trader %+v", p)
		}
		if p := d.Party(customs.RoleOverseas); p == nil || p.Name != "NOT THIS ONE" {
			t.Errorf("overseas %+v", p)
		}
		if d.Party(customs.RoleConsignee) != nil {
			t.Error("an export has a consignee")
		}
	})
	t.Run("lower-case USCC", func(t *testing.T) {
		d, err := a.Decode([]byte(edit(t, base, "<TradeCoScc>91120116MA05T7K30Q<", "<TradeCoScc> 91120116ma05t7k30q <")))
		if err != nil {
			t.Fatal(err)
		}
		if p := d.Trader(); p.USCC != "91120116MA05T7K30Q" {
			t.Errorf("USCC %q", p.USCC)
		}
	})
	t.Run("owner without USCC", func(t *testing.T) {
		d, err := a.Decode([]byte(edit(t, base, "<OwnerCodeScc>91120113600138724G</OwnerCodeScc>", "<OwnerCodeScc/>")))
		if err != nil {
			t.Fatal(err)
		}
		p := d.Party(customs.RoleOwner)
		if p == nil || p.USCC != "" || p.CustomsCode == "" || p.Name == "" {
			t.Errorf("owner %+v, want customs code and name without USCC", p)
		}
		if err := d.Validate(); err != nil {
			t.Error(err)
		}
	})
}

// TestOrderAndWhitespace: goods come in GNo order with their own paths;
// surrounding white space is trimmed and empty elements are absent.
func TestOrderAndWhitespace(t *testing.T) {
	msg := edit(t, base,
		"<GNo>1<", "<GNo>3<",
		"<IEFlag>I<", "<IEFlag>\n\t I \u3000<",
		"<CiqCode>999</CiqCode>", "<CiqCode>  </CiqCode>",
		"<TrafName>SINOKOR TIANJIN</TrafName>", "<TrafName><![CDATA[ SINOKOR TIANJIN ]]></TrafName>",
	)
	d, err := newAdapter(t).Decode([]byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	if d.Direction != customs.Import || d.Transport.Means != "SINOKOR TIANJIN" {
		t.Errorf("direction %q means %q", d.Direction, d.Transport.Means)
	}
	if d.Goods[0].Seq != 2 || d.Goods[0].Path != "/DecMessage/DecLists/DecList[2]" || d.Goods[1].Seq != 3 || d.Goods[1].Path != "/DecMessage/DecLists/DecList[1]" {
		t.Errorf("goods order %d %s, %d %s", d.Goods[0].Seq, d.Goods[0].Path, d.Goods[1].Seq, d.Goods[1].Path)
	}
	if d.Goods[1].CIQCode != "" {
		t.Errorf("CIQ %q, want absent", d.Goods[1].CIQCode)
	}
}

func TestUnreadable(t *testing.T) {
	a := newAdapter(t)
	for name, c := range map[string]struct {
		msg  string
		code string
	}{
		"doctype":   {`<?xml version="1.0"?><!DOCTYPE DecMessage><DecMessage xmlns="http://www.chinaport.gov.cn/dec"/>`, customs.ProblemDoctypeForbidden},
		"malformed": {base[:len(base)/2], customs.ProblemMalformedXML},
		"encoding":  {strings.Replace(base, "UTF-8", "ISO-8859-1", 1), customs.ProblemEncodingMismatch},
		"empty":     {"", customs.ProblemMalformedXML},
	} {
		t.Run(name, func(t *testing.T) {
			d, err := a.Decode([]byte(c.msg))
			if d != nil || customs.ErrorCodeOf(err) != customs.CodeUnreadable {
				t.Fatalf("got %v, %v", d, err)
			}
			if got := problems(err); !slices.Equal(got, []string{" " + c.code}) {
				t.Errorf("problems %q", got)
			}
		})
	}
}

func TestNew(t *testing.T) {
	if _, err := tianjinNew(); err == nil {
		t.Error("New without tables: no error")
	}
	info := newAdapter(t).Info()
	if info.ID != customs.PortTianjin || info.Dialect != "DecMessage" || info.Schema != "tianjin-decmessage.xsd" || len(info.Encodings) == 0 {
		t.Errorf("info %+v", info)
	}
}

// TestGBK: a body declared GBK is read in GBK, and maps like its UTF-8 twin.
func TestGBK(t *testing.T) {
	for _, label := range []string{"GBK", "gb2312", "GB18030"} {
		t.Run(label, func(t *testing.T) {
			msg := strings.Replace(base, `encoding="UTF-8"`, `encoding="`+label+`"`, 1)
			enc := simplifiedchinese.GBK
			if label == "GB18030" {
				enc = simplifiedchinese.GB18030
			}
			raw, err := enc.NewEncoder().Bytes([]byte(msg))
			if err != nil {
				t.Fatal(err)
			}
			d, err := newAdapter(t).Decode(raw)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			checkBase(t, d)
		})
	}
	// The same bytes declared UTF-8 are not UTF-8: a 400.
	raw, _ := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(base))
	if _, err := newAdapter(t).Decode(raw); customs.ErrorCodeOf(err) != customs.CodeUnreadable {
		t.Errorf("GBK bytes declared UTF-8: %v, want unreadable", err)
	}
}
