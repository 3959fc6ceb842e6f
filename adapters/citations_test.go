package adapters_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/adapters/beijing"
	"github.com/jjj/gateway/adapters/hebei"
	"github.com/jjj/gateway/adapters/tianjin"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
	"github.com/jjj/gateway/internal/translate"
)

// The citing samples of rule set 2026.2, one per dialect, and where their
// citation and item sit.
const (
	tjSample = "export-hazchem-ethyl-acetate-packaging"
	heSample = "import-grain-soybeans-permit"
	bjSample = "import-special-article-level-a"

	tjLimit = "/DecMessage/DecLists/DecList[1]/DecGoodsLimits/DecGoodsLimit"
	heXKZ   = "/BJXX/HWXX/HW[@XH='1']/XKZ"
	bjLic   = "/AirCargoDeclaration/Items/Item[@line='1']/Licence"
)

func citingTranslator(t *testing.T) *translate.Translator {
	t.Helper()
	tables := codes.MustEmbedded()
	cfg := adapters.Config{Tables: tables}
	reg := adapters.NewRegistry()
	reg.Register(tianjin.MustNew(cfg))
	reg.Register(hebei.MustNew(cfg))
	reg.Register(beijing.MustNew(cfg))
	eng, err := routing.New(routing.Config{Tables: tables})
	if err != nil {
		t.Fatal(err)
	}
	return &translate.Translator{Adapters: reg, Engine: eng}
}

func sampleWith(t *testing.T, port, name string, pairs ...string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(port, "testdata", name+".xml"))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if !bytes.Contains(raw, []byte(pairs[i])) {
			t.Fatalf("%s/%s has no %q", port, name, pairs[i])
		}
		raw = bytes.Replace(raw, []byte(pairs[i]), []byte(pairs[i+1]), 1)
	}
	return raw
}

func problemList(err error) []string {
	var out []string
	for _, p := range customs.ProblemsOf(err) {
		out = append(out, p.Path+" "+p.Code)
	}
	slices.Sort(out)
	return out
}

// TestCitationProblems: every problem a citation or a level can have, in
// each dialect that can have it (documents.md), through the translation
// (adapter and routing's Check), each at its own path and nothing else.
func TestCitationProblems(t *testing.T) {
	t.Parallel()
	tr := citingTranslator(t)
	const tjNo, tjQty = "<LicenceNo>130100DGP2026000123</LicenceNo>", "<LicWrtofQty>80</LicWrtofQty>"
	const heNo, heQty = `BH="130000QTP2026000047"`, `HXSL="55000"`
	const bjNo, bjQty = `number="110000SPA2026000156"`, `writeOff="400"`
	for _, c := range []struct {
		name, port, sample string
		edits              []string
		want               []string
	}{
		{"tianjin: number missing", "tianjin", tjSample, []string{tjNo, ""}, []string{tjLimit + "[1]/LicenceNo missing_field"}},
		{"tianjin: number empty", "tianjin", tjSample, []string{tjNo, "<LicenceNo> </LicenceNo>"}, []string{tjLimit + "[1]/LicenceNo missing_field"}},
		{"tianjin: quantity missing", "tianjin", tjSample, []string{tjQty, ""}, []string{tjLimit + "[1]/LicWrtofQty missing_field"}},
		{"tianjin: quantity of 6 decimals", "tianjin", tjSample, []string{tjQty, "<LicWrtofQty>80.000001</LicWrtofQty>"}, []string{tjLimit + "[1]/LicWrtofQty invalid_quantity"}},
		{"tianjin: quantity zero", "tianjin", tjSample, []string{tjQty, "<LicWrtofQty>0</LicWrtofQty>"}, []string{tjLimit + "[1]/LicWrtofQty invalid_quantity"}},
		{"tianjin: position counts FRN and other licences", "tianjin", tjSample,
			[]string{"<DecGoodsLimit>", "<DecGoodsLimit><LicTypeCode>FRN</LicTypeCode><LicenceNo>X</LicenceNo></DecGoodsLimit><DecGoodsLimit><LicTypeCode>401</LicTypeCode></DecGoodsLimit><DecGoodsLimit>", tjQty, "<LicWrtofQty>-1</LicWrtofQty>"},
			[]string{tjLimit + "[3]/LicWrtofQty invalid_quantity"}},
		{"tianjin: another licence type is neither cited nor refused", "tianjin", tjSample,
			[]string{"<DecGoodsLimit>", "<DecGoodsLimit><LicTypeCode>401</LicTypeCode><LicWrtofQty>x</LicWrtofQty></DecGoodsLimit><DecGoodsLimit>"}, nil},
		{"tianjin: export hazchem without its record", "tianjin", tjSample, []string{"<LicTypeCode>425</LicTypeCode>", "<LicTypeCode>401</LicTypeCode>"},
			[]string{"/DecMessage/DecLists/DecList[1] document.missing"}},
		{"tianjin: special article without its approval", "tianjin", "import-ordinary-machinery", []string{"<CodeTS>8457101000</CodeTS>", "<CodeTS>8457101000</CodeTS><GoodsAttr>26</GoodsAttr>"},
			[]string{"/DecMessage/DecLists/DecList[1] document.missing"}},

		{"hebei: number missing", "hebei", heSample, []string{heNo, ""}, []string{heXKZ + "[1]/@BH missing_field"}},
		{"hebei: quantity missing", "hebei", heSample, []string{heQty, `HXSL=""`}, []string{heXKZ + "[1]/@HXSL missing_field"}},
		{"hebei: quantity not a decimal", "hebei", heSample, []string{heQty, `HXSL="5.5e4"`}, []string{heXKZ + "[1]/@HXSL invalid_quantity"}},
		{"hebei: licence type not one of the three", "hebei", heSample, []string{`LX="325"`, `LX="401"`},
			[]string{"/BJXX/HWXX/HW[@XH='1'] document.missing", heXKZ + "[1]/@LX invalid_enum"}},
		{"hebei: licence type missing", "hebei", heSample, []string{`LX="325" `, ``},
			[]string{"/BJXX/HWXX/HW[@XH='1'] document.missing", heXKZ + "[1]/@LX missing_field"}},
		{"hebei: the second XKZ is XKZ[2]", "hebei", heSample, []string{`<XKZ `, `<XKZ LX="203" BH="130000SPA1" HXSL="1"/><XKZ `, heQty, `HXSL="0.000000"`},
			[]string{heXKZ + "[2]/@HXSL invalid_quantity"}},
		{"hebei: grain without its permit", "hebei", heSample, []string{`LX="325"`, `LX="203"`},
			[]string{"/BJXX/HWXX/HW[@XH='1'] document.missing"}},
		{"hebei: special-article level out of its enum", "hebei", heSample, []string{"<XKZ ", "<TSWP>E</TSWP><XKZ "},
			[]string{"/BJXX/HWXX/HW[@XH='1']/TSWP invalid_enum"}},
		{"hebei: special article without its approval", "hebei", heSample, []string{"<XKZ ", "<TSWP>C</TSWP><XKZ "},
			[]string{"/BJXX/HWXX/HW[@XH='1'] document.missing"}},

		{"beijing: number missing", "beijing", bjSample, []string{bjNo, ""}, []string{bjLic + "[1]/@number missing_field"}},
		{"beijing: quantity missing", "beijing", bjSample, []string{bjQty, ""}, []string{bjLic + "[1]/@writeOff missing_field"}},
		{"beijing: quantity of 6 decimals", "beijing", bjSample, []string{bjQty, `writeOff="1.000001"`}, []string{bjLic + "[1]/@writeOff invalid_quantity"}},
		{"beijing: licence type not one of the three", "beijing", bjSample, []string{`type="203"`, `type="FRN"`},
			[]string{"/AirCargoDeclaration/Items/Item[@line='1'] document.missing", bjLic + "[1]/@type invalid_enum"}},
		{"beijing: the second Licence is Licence[2]", "beijing", bjSample, []string{"<Licence ", `<Licence type="325" number="Q1" writeOff="1"/><Licence `, bjNo, `number=" "`},
			[]string{bjLic + "[2]/@number missing_field"}},
		{"beijing: level out of its enum", "beijing", bjSample, []string{`specialArticle="A"`, `specialArticle="a"`},
			[]string{"/AirCargoDeclaration/Items/Item[@line='1']/@specialArticle invalid_enum"}},
		{"beijing: special article without its approval", "beijing", bjSample, []string{`type="203"`, `type="325"`},
			[]string{"/AirCargoDeclaration/Items/Item[@line='1'] document.missing"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := tr.Decode(customs.Port(c.port), sampleWith(t, c.port, c.sample, c.edits...))
			want := slices.Clone(c.want)
			slices.Sort(want)
			if got := problemList(err); !slices.Equal(got, want) {
				t.Errorf("problems\n got %q\nwant %q (%v)", got, want, err)
			}
			if len(want) > 0 && (d == nil || d.Source.PortRef == "") {
				t.Errorf("the partly read declaration does not come back named: %+v", d)
			}
		})
	}
}

// TestCitationsRead: what each dialect's citations and levels become, the
// path of each citation at its number.
func TestCitationsRead(t *testing.T) {
	t.Parallel()
	tr := citingTranslator(t)
	cit := func(k customs.DocumentKind, n, q, path string) customs.Citation {
		return customs.Citation{Kind: k, Number: n, WriteOff: q, Path: path}
	}
	for _, c := range []struct {
		name, port, sample string
		edits              []string
		level              string
		want               []customs.Citation
	}{
		{"tianjin", "tianjin", tjSample,
			[]string{"<DecGoodsLimit>", "<DecGoodsLimit><LicTypeCode>FRN</LicTypeCode><LicenceNo>CFRN1</LicenceNo></DecGoodsLimit><DecGoodsLimit>",
				"</DecGoodsLimits>", "<DecGoodsLimit><LicTypeCode>425</LicTypeCode><LicenceNo>130100DGP2</LicenceNo><LicWrtofQty>20.5</LicWrtofQty></DecGoodsLimit></DecGoodsLimits>"},
			"", []customs.Citation{
				cit(customs.DocDGPackagingUse, "130100DGP2026000123", "80", tjLimit+"[2]/LicenceNo"),
				cit(customs.DocDGPackagingUse, "130100DGP2", "20.5", tjLimit+"[3]/LicenceNo")}},
		{"tianjin level from GoodsAttr", "tianjin", tjSample, []string{"<GoodsAttr>31</GoodsAttr>", "<GoodsAttr>31,27</GoodsAttr>"},
			"C", []customs.Citation{cit(customs.DocDGPackagingUse, "130100DGP2026000123", "80", tjLimit+"[1]/LicenceNo")}},
		{"hebei", "hebei", heSample, []string{"<XKZ ", "<TSWP>B</TSWP><XKZ LX=\"203\" BH=\"130000SPA7\" HXSL=\"3\"/><XKZ "},
			"B", []customs.Citation{
				cit(customs.DocSpecialArticleApproval, "130000SPA7", "3", heXKZ+"[1]/@BH"),
				cit(customs.DocQuarantinePermit, "130000QTP2026000047", "55000", heXKZ+"[2]/@BH")}},
		{"beijing", "beijing", bjSample, nil,
			"A", []customs.Citation{cit(customs.DocSpecialArticleApproval, "110000SPA2026000156", "400", bjLic+"[1]/@number")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := tr.Decode(customs.Port(c.port), sampleWith(t, c.port, c.sample, c.edits...))
			if err != nil {
				t.Fatal(err)
			}
			g := d.Goods[0]
			if g.SpecialArticle != c.level {
				t.Errorf("level %q, want %q", g.SpecialArticle, c.level)
			}
			if !slices.Equal(g.Documents, c.want) {
				t.Errorf("citations\n got %+v\nwant %+v", g.Documents, c.want)
			}
		})
	}
}
