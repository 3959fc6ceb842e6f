package view

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/adapters/beijing"
	"github.com/jjj/gateway/adapters/hebei"
	"github.com/jjj/gateway/adapters/tianjin"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
	"github.com/jjj/gateway/internal/translate"
)

// oddStrings are the strings whose escaping differs between encoders.
var oddStrings = []string{
	"", "plain", `quote " and \ backslash`, "<script>&amp;</script>", "\x00\x01\x07\x08\x0c\x1f\x7f",
	"line\nfeed\rreturn\ttab", "sep\u2028par\u2029", "bad utf-8 \xff\xfe end\xc3", "\xe2\x80", "\xed\xa0\x80",
	"报关单 天津港 煤炭", "emoji 🚢 \U0010ffff", `,"ruleSet":"x"`, "\ufffd", "/slash/",
}

// TestAppendJSONSamples: every valid sample of the three ports, decoded,
// routed and viewed as Submit does, appends to the bytes json.Marshal gives,
// and so does the stored document read back as Assemble reads it.
func TestAppendJSONSamples(t *testing.T) {
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
	tr := &translate.Translator{Adapters: reg, Engine: eng}
	seed := routing.DaySeed([]byte("viewjson-test-seed"), "2026-11-27")
	now := time.Date(2026, 11, 27, 6, 30, 0, 123456000, time.UTC)
	for _, port := range []customs.Port{customs.PortTianjin, customs.PortHebei, customs.PortBeijing} {
		files, err := filepath.Glob(filepath.Join("..", "..", "adapters", string(port), "testdata", "*.xml"))
		if err != nil {
			t.Fatal(err)
		}
		valid := 0
		for _, f := range files {
			if strings.HasSuffix(f, ".golden.xml") {
				continue
			}
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			d, err := tr.Decode(port, raw)
			if err != nil {
				continue // a refused sample has no view
			}
			valid++
			d.ID = fmt.Sprintf("d_%s_%d", port, valid)
			d.Source.ReceivedAt = now
			fs := routing.Facts{Seed: &seed}
			if d.Route, err = eng.Decide(d, fs); err != nil {
				t.Fatalf("%s: decide: %v", f, err)
			}
			for i := range d.Route.Tasks {
				d.Route.Tasks[i].ID, d.Route.Tasks[i].Status = fmt.Sprintf("t_%d", i), customs.TaskOpen
			}
			v := NewView(d)
			doc := checkSame(t, filepath.Base(f), v)
			if got, want := AppendRouteJSON(nil, v.Route), mustMarshal(t, v.Route); !bytes.Equal(got, want) {
				t.Errorf("%s: route\n got %s\nwant %s", f, got, want)
			}
			// The stored document as Get shows it.
			var back View
			if err := json.Unmarshal(doc, &back); err != nil {
				t.Fatal(err)
			}
			back.Transport.export = back.Direction == customs.Export
			back.Status = "accepted"
			back.EntryID = json.RawMessage(`"E-` + d.Source.PortRef + `"`)
			back.Timeline = []TimelineEntry{{At: now, Status: "accepted", Actor: "port:" + string(port), Note: "n", Data: AppendRouteJSON(nil, v.Route)}}
			checkSame(t, filepath.Base(f)+" assembled", &back)
		}
		t.Logf("%s: %d valid samples", port, valid)
		if valid < 3 {
			t.Errorf("%s: only %d valid samples decoded", port, valid)
		}
	}
}

// TestAppendJSONOdd: hand-made views with odd strings in every string
// field, the null and omitempty cases, and raw JSON that needs compacting.
func TestAppendJSONOdd(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, s := range oddStrings {
		for _, dir := range []customs.Direction{customs.Import, customs.Export} {
			d := &customs.Declaration{
				ID: "d_" + s, RuleSet: s, Direction: dir, DestinationOffice: s,
				Source:    customs.Source{Port: customs.PortTianjin, PortRef: s, Dialect: s, ReceivedAt: at, DeclaredAt: at.Add(1500 * time.Millisecond), Digest: s},
				Customs:   customs.CustomsCodes{Declaring: s, Port: s},
				Parties:   []customs.Party{{Role: customs.RoleOwner, USCC: s, Name: s, CustomsCode: s, Country: s}, {Role: customs.RoleOverseas, Name: s}},
				Transport: customs.Transport{Mode: s, Means: s, BillNo: s, HouseBill: s, Country: s, DeparturePort: s, DepartureDate: s},
				Trade:     &customs.Trade{Mode: s, Terms: s},
				Weights:   &customs.Weights{Gross: s, Net: s},
				DirectTransit: &customs.DirectTransit{Zone: s, OriginalContainers: new(bool), Granted: true,
					StraySeals: []customs.Seal{{Unit: s, Number: s}}, SealCount: 3},
				Equipment: []customs.Unit{{ID: s, Kind: customs.KindContainer, Type: s, Seals: []string{s, "x"}}, {ID: "u2", Kind: customs.KindULD}},
				Goods: []customs.GoodsItem{
					{Seq: 1, HSCode: s, CIQCode: s, Name: s, Spec: s, Quantity: s, Unit: s, Value: s, Currency: s, Origin: s,
						DestinationDistrict: s, FoodProducerRegistration: s, HazardFlagged: true, SpecialArticle: s,
						Documents:      []customs.Citation{{Kind: customs.DocumentKind(s), Number: s, WriteOff: s, Path: s}, {Kind: customs.DocQuarantinePermit}},
						DangerousGoods: &customs.DangerousGoods{UN: s, Class: s, DeclaredClass: s, PackingGroup: s, Packaging: s, Bulk: true}},
					{Seq: 2, DangerousGoods: &customs.DangerousGoods{}},
				},
				Route: &customs.Route{Lane: customs.Lane(s), Workflows: []customs.Workflow{customs.Workflow(s)}, Bureau: s, RuleSet: s,
					Tasks:   []customs.Task{{ID: s, Workflow: customs.Workflow(s), Bureau: s, Items: []int{1, 2}, Status: customs.TaskStatus(s), Inspector: s}, {}},
					Reasons: []customs.Reason{{Rule: s, Item: 2, Evidence: []customs.Evidence{{Name: s, Value: s}, {Name: "z" + s, Value: ""}, {Name: "a", Value: s}}}, {Rule: "r"}}},
				Warnings: []customs.Warning{{Path: s, Code: s, Message: s}},
			}
			v := NewView(d)
			checkSame(t, "declaration "+s, v)
			v.Status = s
			v.EntryID = json.RawMessage(" {\n\t\"a\" : [1, 2.5e3, true, null],\r\"b\": \"<\u2028&>\\\" \\\\\" } ")
			o := s
			v.Route.Tasks[0].Outcome = &o
			v.Transport.export = false // an assembled export still writes arrivalCountry
			v.Timeline = []TimelineEntry{
				{At: at.In(time.FixedZone("CST", 8*3600)), Status: s, Actor: s, Note: s, Data: json.RawMessage(`{"x": "` + "<>" + `"}`)},
				{At: at, Status: "s"},
			}
			checkSame(t, "assembled "+s, v)
		}
	}
	// Every nil a view can hold, and an import carrying an arrival country.
	ac := "DE"
	cases := map[string]*View{
		"nil":   nil,
		"zero":  {},
		"nils":  {Transport: TransportView{ArrivalCountry: &ac}, Route: &RouteView{}, DirectTransit: &DirectTransitView{}, EntryID: json.RawMessage("null")},
		"empty": {Parties: map[string]*PartyView{}, Equipment: []UnitView{{}}, Goods: []ItemView{}, Warnings: []WarningView{}, Timeline: []TimelineEntry{}, Route: &RouteView{Tasks: []TaskView{{Items: []int{}}}, Reasons: []ReasonView{{Evidence: map[string]string{}}}}},
	}
	for name, v := range cases {
		checkSame(t, name, v)
	}
}

// TestAppendJSONAppends: AppendJSON keeps what buf held.
func TestAppendJSONAppends(t *testing.T) {
	v := NewView(&customs.Declaration{ID: "d_1", Direction: customs.Import})
	got := AppendJSON([]byte("prefix:"), v)
	if want := append([]byte("prefix:"), mustMarshal(t, v)...); !bytes.Equal(got, want) {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}

// FuzzAppendString: strings are escaped as encoding/json escapes them, as
// values and as map keys.
func FuzzAppendString(f *testing.F) {
	for _, s := range oddStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q:\n got %s\nwant %s", s, got, want)
		}
		m := map[string]string{s: s, "k": s}
		if got := appendStringMap(nil, m); !bytes.Equal(got, mustMarshal(t, m)) {
			t.Fatalf("map %q:\n got %s\nwant %s", s, got, mustMarshal(t, m))
		}
		raw := json.RawMessage(want)
		if got := appendRaw(nil, raw); !bytes.Equal(got, mustMarshal(t, raw)) {
			t.Fatalf("raw %q:\n got %s\nwant %s", s, got, mustMarshal(t, raw))
		}
	})
}

func checkSame(t *testing.T, name string, v *View) []byte {
	t.Helper()
	want := mustMarshal(t, v)
	got := AppendJSON(nil, v)
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Errorf("%s: differs at byte %d\n got %s\nwant %s", name, i, got[max(0, i-60):], want[max(0, i-60):])
	}
	return want
}

func mustMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// BenchmarkAppendJSON compares the appender with encoding/json on a routed
// sample view.
func BenchmarkAppendJSON(b *testing.B) {
	s := "报关单 <x> & \"q\""
	d := &customs.Declaration{ID: "d_1", RuleSet: "2026.1", Direction: customs.Import,
		Source:  customs.Source{Port: customs.PortTianjin, PortRef: "I1", ReceivedAt: time.Now().UTC()},
		Parties: []customs.Party{{Role: customs.RoleConsignee, USCC: "91120116MA05T7K30Q", Name: s}},
		Goods:   []customs.GoodsItem{{Seq: 1, HSCode: "2914110000", Name: s}, {Seq: 2, HSCode: "2701120000", Name: s}},
		Route: &customs.Route{Lane: customs.LaneRelease, RuleSet: "2026.1",
			Reasons: []customs.Reason{{Rule: "r1", Evidence: []customs.Evidence{{Name: "hs", Value: "2914"}, {Name: "a", Value: "b"}}}}}}
	v := NewView(d)
	b.Run("append", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = AppendJSON(make([]byte, 0, SizeHint(v)), v)
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal(v)
		}
	})
}
