package canonical_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/canonical"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/schemas"
	"github.com/jjj/gateway/schemas/schematest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var (
	received = time.Date(2026, 11, 27, 1, 30, 0, 0, time.UTC)
	digest   = "sha256:" + strings.Repeat("ab", 32)
)

func ptr[T any](v T) *T { return &v }

// importFull has every part canonical.md shows, after the example there.
func importFull() *customs.Declaration {
	return &customs.Declaration{
		ID:      "d_01JDZ8Q5V7K3M2N4P6R8T0W2Y4",
		RuleSet: "2026.1",
		Source: customs.Source{
			Port: customs.PortTianjin, PortRef: "I20261127000000117", Dialect: "tianjin/DecMessage-3.1",
			// Not UTC on purpose: the writer converts.
			ReceivedAt: received.In(time.FixedZone("CST", 8*3600)),
			Digest:     digest,
		},
		Direction: customs.Import,
		Customs:   customs.CustomsCodes{Declaring: "0202", Port: "0202"},
		Parties: []customs.Party{
			{Role: customs.RoleConsignee, USCC: "91130104MA0CF8N241", CustomsCode: "1301964583", Name: "石家庄某化工有限公司"},
			{Role: customs.RoleOwner, USCC: "91130104MA0CF8N241", Name: "石家庄某化工有限公司"},
			{Role: customs.RoleDeclarant, USCC: "91120116732845199J", Name: "天津某报关行 & Co. <TJ>"},
			{Role: customs.RoleOverseas, Country: "AUS", Name: `EXAMPLE "MINING" PTY LTD`},
		},
		Transport: customs.Transport{
			Mode: "sea", Means: "MV PACIFIC GLORY", BillNo: "PGL2026-0117",
			Country: "AUS", DeparturePort: "AUNTL", DepartureDate: "2026-11-20",
		},
		Trade:             &customs.Trade{Mode: "0110", Terms: "C&I"},
		Weights:           &customs.Weights{Gross: "50120.000", Net: "50000.000", Packages: "1"},
		DestinationOffice: "130100",
		DirectTransit:     &customs.DirectTransit{Zone: "130100", OriginalContainers: ptr(true), Granted: true, SealCount: 2},
		Equipment: []customs.Unit{
			{ID: "TGHU1234567", Kind: customs.KindContainer, Type: "22G1", Seals: []string{"CIQ2026TJ000117", "CIQ2026TJ000118"}},
			{ID: "SEGU5618304", Kind: customs.KindContainer},
		},
		Goods: []customs.GoodsItem{
			{
				Seq: 1, HSCode: "2701129000", CIQCode: "999", Name: "炼焦煤", Spec: "灰分8% 硫分0.6%",
				Quantity: "500", Unit: "070", Value: "45000.00", Currency: "USD", Origin: "AUS",
				DestinationDistrict: "130104",
			},
			{
				Seq: 2, HSCode: "2914110000", CIQCode: "101", Name: "丙酮",
				Quantity: "16000", Unit: "035", Value: "14400.00", Currency: "USD", Origin: "AUS",
				DestinationDistrict: "130104",
				DangerousGoods: &customs.DangerousGoods{
					UN: "1090", Class: "3", DeclaredClass: "3", PackingGroup: "II",
					Packaging: "1A1/Y1.4/150/26/AUS/VL123",
				},
				HazardFlagged: true,
			},
			{
				Seq: 5, HSCode: "0303890090", Name: "冻鳕鱼",
				Quantity: "0.00001", Unit: "035", Value: "0.01", Currency: "USD", Origin: "NOR",
				FoodProducerRegistration: "NOR-2026/0017",
				// rule set 2026.2: citations last, after the registration
				Documents: []customs.Citation{
					{Kind: customs.DocQuarantinePermit, Number: "130000QTP2026000047", WriteOff: "0.00001", Path: "/x"},
					{Kind: customs.DocQuarantinePermit, Number: "130000QTP2026000048", WriteOff: "12.5", Path: "/y"},
				},
			},
			{
				Seq: 6, HSCode: "3002120000", Name: "人血清白蛋白", SpecialArticle: "B",
				Quantity: "40", Unit: "007", Value: "8000", Currency: "USD", Origin: "USA", DestinationDistrict: "130104",
				Documents: []customs.Citation{{Kind: customs.DocSpecialArticleApproval, Number: "130000SPA2026000001", WriteOff: "40"}},
			},
		},
		Route: &customs.Route{
			Lane: customs.LaneDestinationInspection, Bureau: "130100", RuleSet: "2026.1",
			Workflows: []customs.Workflow{customs.WorkflowHazchem, customs.WorkflowCoal, customs.WorkflowDirectTransit},
			Tasks: []customs.Task{
				{ID: "t_1", Workflow: customs.WorkflowHazchem, Bureau: "130100", Items: []int{2}, Status: customs.TaskOpen},
				{Workflow: customs.WorkflowCoal, Bureau: "130100", Items: []int{1}, Inspector: "SJZ-004"},
				{Workflow: customs.WorkflowDirectTransit, Bureau: "130100", Items: []int{1, 2, 5}},
			},
			Reasons: []customs.Reason{
				{Rule: "coal.joint_supervision", Item: 1, Evidence: []customs.Evidence{{Name: "hsCode", Value: "2701129000"}}},
				{Rule: "direct_transit.sealed_move", Evidence: []customs.Evidence{{Name: "zone", Value: "130100"}}},
				{Rule: "hazchem.port_inspection", Item: 2, Evidence: []customs.Evidence{{Name: "unNumber", Value: "1090"}, {Name: "class", Value: "3"}}},
			},
		},
		Warnings: []customs.Warning{
			{Path: "/DecMessage/DecHead/Foo", Code: customs.WarnUnknownElement, Message: "unknown element kept out"},
		},
	}
}

// exportAir is a Beijing-shaped export: no trade, no weights, a house bill,
// a declared time, ULDs, an export hazchem item in bulk without packing
// group, a port-side task.
func exportAir() *customs.Declaration {
	return &customs.Declaration{
		ID:      "offline",
		RuleSet: "2026.1",
		Source: customs.Source{
			Port: customs.PortBeijing, PortRef: "BJ-E-2026-000301", Dialect: "beijing/AirCargoDeclaration-2",
			ReceivedAt: received,
			DeclaredAt: time.Date(2026, 11, 27, 9, 15, 30, 0, time.FixedZone("CST", 8*3600)),
			Digest:     digest,
		},
		Direction: customs.Export,
		Customs:   customs.CustomsCodes{Declaring: "0101", Port: "0107"},
		Parties: []customs.Party{
			{Role: customs.RoleConsignor, USCC: "91110108MA01R9XK1Q", Name: "北京某仪器有限公司"},
			{Role: customs.RoleDeclarant, USCC: "91110108MA01R9XK1Q"},
			{Role: customs.RoleOverseas, Name: "ANALYTICA GMBH"},
		},
		Transport: customs.Transport{
			Mode: "air", Means: "CA931", BillNo: "99912345675", HouseBill: "HAWB-77",
			Country: "DEU", DeparturePort: "PEK",
		},
		DirectTransit: &customs.DirectTransit{Zone: "110100"},
		Equipment: []customs.Unit{
			{ID: "AKE12345CA", Kind: customs.KindULD, Type: "AKE"},
		},
		Goods: []customs.GoodsItem{
			{
				Seq: 1, HSCode: "9027300000", Name: "光谱分析仪",
				Quantity: "12", Unit: "001", Value: "240000", Currency: "EUR", Origin: "CHN",
			},
			{
				Seq: 2, HSCode: "2905110000", CIQCode: "101", Name: "甲醇",
				Quantity: "200.5", Unit: "035", Value: "300.5", Currency: "EUR", Origin: "CHN",
				DangerousGoods: &customs.DangerousGoods{UN: "1230", Class: "3", Bulk: true},
			},
		},
		Route: &customs.Route{
			Lane: customs.LanePortInspection, RuleSet: "2026.1",
			Tasks: []customs.Task{{Workflow: customs.WorkflowHazchem, Items: []int{2}}},
			Reasons: []customs.Reason{
				{Rule: "direct_transit.not_eligible", Evidence: []customs.Evidence{{Name: "direction", Value: "export"}}},
				{Rule: "hazchem.export_port_check", Item: 2, Evidence: []customs.Evidence{{Name: "unNumber", Value: "1230"}}},
			},
		},
	}
}

// minimal has only what every dialect requires, and no route.
func minimal() *customs.Declaration {
	return &customs.Declaration{
		ID:      "offline",
		RuleSet: "2026.1",
		Source: customs.Source{
			Port: customs.PortHebei, PortRef: "HE2026112700101", Dialect: "hebei/BJXX-2.1",
			ReceivedAt: received, Digest: digest,
		},
		Direction: customs.Import,
		Customs:   customs.CustomsCodes{Declaring: "0408", Port: "0408"},
		Parties: []customs.Party{
			{Role: customs.RoleConsignee, USCC: "91130200MA0FK3L20Y"},
			{Role: customs.RoleDeclarant, USCC: "91130200MA0FK3L20Y"},
		},
		Transport: customs.Transport{Mode: "sea"},
		Trade:     &customs.Trade{},   // empty: left out
		Weights:   &customs.Weights{}, // empty: left out
		Goods: []customs.GoodsItem{
			{Seq: 1, HSCode: "2601111000", Quantity: "150000", Unit: "070", Value: "13500000.00", Currency: "USD", Origin: "BRA"},
		},
	}
}

type testCase struct {
	name string
	make func() *customs.Declaration
	d    *customs.Declaration
}

func cases() []testCase {
	cs := []testCase{
		{name: "import-full", make: importFull},
		{name: "export-air", make: exportAir},
		{name: "minimal", make: minimal},
	}
	for i := range cs {
		cs[i].d = cs[i].make()
	}
	return cs
}

func TestMarshalGolden(t *testing.T) {
	t.Parallel()
	var docs [][]byte
	for _, c := range cases() {
		got := canonical.Marshal(c.d)
		docs = append(docs, got)
		golden(t, filepath.Join("testdata", c.name+".golden.xml"), got)
	}
	schematest.Validate(t, schemas.Declaration, docs...)
}

func TestMarshalRouteGolden(t *testing.T) {
	t.Parallel()
	var docs [][]byte
	for _, c := range cases() {
		if c.d.Route == nil {
			continue
		}
		got := canonical.MarshalRoute(c.d.Route)
		docs = append(docs, got)
		golden(t, filepath.Join("testdata", c.name+".route.golden.xml"), got)

		// The amendment's Route is the declaration's Route, namespace aside.
		full := canonical.Marshal(c.d)
		inner := bytes.Replace(got[bytes.Index(got, []byte("<Route")):], []byte(` xmlns="`+canonical.Namespace+`"`), nil, 1)
		if !bytes.Contains(full, inner) {
			t.Errorf("%s: the amendment's Route differs from the declaration's", c.name)
		}
	}
	// A route with nothing to do is an empty element.
	empty := canonical.MarshalRoute(&customs.Route{Lane: customs.LaneRelease, RuleSet: "2026.1"})
	if want := `<?xml version="1.0" encoding="UTF-8"?><Route xmlns="urn:jjj:review-centre:declaration:v1" lane="release" ruleSet="2026.1"/>`; string(empty) != want {
		t.Errorf("empty route:\n got %s\nwant %s", empty, want)
	}
	docs = append(docs, empty)
	schematest.Validate(t, schemas.Declaration, docs...)
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\n got %s\nwant %s", path, got, want)
	}
}

func TestAbsentNotEmpty(t *testing.T) {
	t.Parallel()
	got := string(canonical.Marshal(minimal()))
	for _, absent := range []string{
		"<Trade", "<Weights", "<Destination", "<DirectTransit", "<Equipment", "<Route", "<Warnings",
		"<CIQCode", "<Name", "<Spec", "<DestinationDistrict", "<DangerousGoods", "<FoodProducerRegistration",
		"declaredAt", "means=", "billNo=", "departureCountry=", `=""`,
	} {
		if strings.Contains(got, absent) {
			t.Errorf("minimal declaration has %s:\n%s", absent, got)
		}
	}
	if strings.ContainsAny(got, "\n\t") || strings.Contains(got, "> <") {
		t.Errorf("output has insignificant white space:\n%s", got)
	}
}

func TestDirection(t *testing.T) {
	t.Parallel()
	imp := string(canonical.Marshal(importFull()))
	if !strings.Contains(imp, `departureCountry="AUS"`) || strings.Contains(imp, "arrivalCountry") {
		t.Errorf("import transport: %s", imp)
	}
	exp := string(canonical.Marshal(exportAir()))
	if !strings.Contains(exp, `arrivalCountry="DEU"`) || strings.Contains(exp, "departureCountry") {
		t.Errorf("export transport: %s", exp)
	}
	if !strings.Contains(exp, `declaredAt="2026-11-27T01:15:30Z"`) {
		t.Errorf("declaredAt not in UTC: %s", exp)
	}
}

// TestEscaping reads the output back with encoding/xml and checks every
// awkward value survives, and that characters XML 1.0 cannot carry are
// replaced by U+FFFD.
func TestEscaping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"markup", `a & b < c > d "e" 'f'`, `a & b < c > d "e" 'f'`},
		{"cdata end", "]]>", "]]>"},
		{"chinese", "石家庄某化工有限公司", "石家庄某化工有限公司"},
		{"four-byte", "䶮𠀀Å", "䶮𠀀Å"},
		{"whitespace kept", "a\tb\nc\r\nd", "a\tb\nc\r\nd"},
		{"controls replaced", "a\x00b\x01c\x1fd\x7f", "a\uFFFDb\uFFFDc\uFFFDd\x7f"},
		{"noncharacters replaced", "a\uFFFEb\uFFFFc", "a\uFFFDb\uFFFDc"},
		{"bad utf-8 replaced", "a\xffb\xc3", "a\uFFFDb\uFFFD"},
		{"surrogate replaced", "a\xed\xa0\x80b", "a\uFFFD\uFFFD\uFFFDb"},
		{"entity-like", "&amp;&#x41;", "&amp;&#x41;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := minimal()
			d.Parties[0].Name = tt.in // element text
			d.Transport.Means = tt.in // attribute
			d.Warnings = []customs.Warning{{Path: tt.in, Code: "unknown_element", Message: tt.in}}
			out := canonical.Marshal(d)
			var text, means, path, msg string
			dec := xml.NewDecoder(bytes.NewReader(out))
			var stack []string
			for {
				tok, err := dec.Token()
				if err != nil {
					if errors.Is(err, io.EOF) {
						break
					}
					t.Fatalf("output does not parse: %v\n%q", err, out)
				}
				switch tok := tok.(type) {
				case xml.StartElement:
					stack = append(stack, tok.Name.Local)
					for _, a := range tok.Attr {
						switch {
						case tok.Name.Local == "Transport" && a.Name.Local == "means":
							means = a.Value
						case tok.Name.Local == "Warning" && a.Name.Local == "path":
							path = a.Value
						}
					}
				case xml.EndElement:
					stack = stack[:len(stack)-1]
				case xml.CharData:
					switch stack[len(stack)-1] {
					case "Name":
						text += string(tok)
					case "Warning":
						msg += string(tok)
					}
				}
			}
			for what, got := range map[string]string{"text": text, "attribute": means, "path": path, "message": msg} {
				if got != tt.want {
					t.Errorf("%s = %q, want %q", what, got, tt.want)
				}
			}
		})
	}
}

func TestEscapingValidates(t *testing.T) {
	t.Parallel()
	d := importFull()
	d.Parties[3].Name = "A & B <\"x\">\x00\r\n\t]]>\uFFFE"
	d.Warnings[0].Message = d.Parties[3].Name
	d.Route.Reasons[0].Evidence[0].Value = d.Parties[3].Name
	schematest.Validate(t, schemas.Declaration, canonical.Marshal(d))
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	for _, c := range cases() {
		first := canonical.Marshal(c.d)
		for i := 0; i < 20; i++ {
			// A fresh but equal declaration, and an Append onto a dirty buffer.
			fresh := c.make()
			if again := canonical.Marshal(fresh); !bytes.Equal(first, again) {
				t.Fatalf("%s: Marshal is not deterministic", c.name)
			}
			buf := canonical.Append([]byte("prefix"), fresh)
			if !bytes.Equal(buf[len("prefix"):], first) {
				t.Fatalf("%s: Append differs from Marshal", c.name)
			}
		}
	}
	// receivedAt in another zone is the same instant, so the same bytes.
	a, b := importFull(), importFull()
	b.Source.ReceivedAt = received
	if !bytes.Equal(canonical.Marshal(a), canonical.Marshal(b)) {
		t.Error("the same instant in two zones gives two messages")
	}
}

func TestAppendDoesNotAllocate(t *testing.T) {
	d := importFull()
	buf := make([]byte, 0, 16<<10)
	allocs := testing.AllocsPerRun(100, func() {
		buf = canonical.Append(buf[:0], d)
	})
	if allocs != 0 {
		t.Errorf("Append with room allocates %v times, want 0", allocs)
	}
	allocs = testing.AllocsPerRun(100, func() { canonical.Marshal(d) })
	if allocs != 1 {
		t.Errorf("Marshal allocates %v times, want 1", allocs)
	}
}

func BenchmarkAppend(b *testing.B) {
	d := importFull()
	buf := make([]byte, 0, 16<<10)
	b.ReportAllocs()
	b.SetBytes(int64(len(canonical.Marshal(d))))
	for b.Loop() {
		buf = canonical.Append(buf[:0], d)
	}
}

func BenchmarkMarshal(b *testing.B) {
	d := importFull()
	b.ReportAllocs()
	for b.Loop() {
		canonical.Marshal(d)
	}
}
