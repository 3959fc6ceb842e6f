package loadgen_test

import (
	"bytes"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/adapters/beijing"
	"github.com/jjj/gateway/adapters/hebei"
	"github.com/jjj/gateway/adapters/tianjin"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/loadgen"
	"github.com/jjj/gateway/internal/routing"
	"github.com/jjj/gateway/internal/translate"
)

func translator(t testing.TB, tables *codes.Tables) *translate.Translator {
	t.Helper()
	cfg := adapters.Config{Tables: tables}
	reg := adapters.NewRegistry()
	reg.Register(tianjin.MustNew(cfg))
	reg.Register(hebei.MustNew(cfg))
	reg.Register(beijing.MustNew(cfg))
	eng, err := routing.New(routing.Config{Tables: tables, Rates: map[customs.Rating]float64{}})
	if err != nil {
		t.Fatal(err)
	}
	return &translate.Translator{Adapters: reg, Engine: eng}
}

// want is the route each kind must get with no credit, alerts or draw.
var want = map[loadgen.Kind]struct {
	lane      customs.Lane
	workflows []customs.Workflow
	rule      string
}{
	loadgen.KindOrdinary:      {customs.LaneRelease, nil, ""},
	loadgen.KindExport:        {customs.LaneRelease, nil, ""},
	loadgen.KindCoal:          {customs.LaneDestinationInspection, []customs.Workflow{customs.WorkflowCoal}, routing.RuleCoal},
	loadgen.KindFood:          {customs.LaneDestinationInspection, []customs.Workflow{customs.WorkflowFood}, routing.RuleFood},
	loadgen.KindHazchemPort:   {customs.LanePortInspection, []customs.Workflow{customs.WorkflowHazchem}, routing.RuleHazchemPort},
	loadgen.KindHazchemUnsafe: {customs.LaneDestinationInspection, []customs.Workflow{customs.WorkflowHazchem}, routing.RuleHazchemUnsafe},
	loadgen.KindTransit:       {customs.LaneDestinationInspection, []customs.Workflow{customs.WorkflowDirectTransit}, routing.RuleTransitSealed},
}

// TestEveryMessageTranslates sends a few hundred messages of each dialect
// through the real adapters, checks and routing: every one must be
// accepted, without warnings, under its own portRef, and routed as its
// kind says.
func TestEveryMessageTranslates(t *testing.T) {
	tables := codes.MustEmbedded()
	tr := translator(t, tables)
	for _, port := range []customs.Port{customs.PortTianjin, customs.PortHebei, customs.PortBeijing} {
		t.Run(string(port), func(t *testing.T) {
			gen, err := loadgen.New(loadgen.Config{Port: port, Tables: tables, Seed: 42})
			if err != nil {
				t.Fatal(err)
			}
			const n = 400
			refs := map[string]bool{}
			kinds := map[loadgen.Kind]int{}
			size := 0
			for i := 0; i < n; i++ {
				m := gen.Next()
				size += len(m.Body)
				kinds[m.Kind]++
				if refs[m.PortRef] {
					t.Fatalf("portRef %s given twice", m.PortRef)
				}
				refs[m.PortRef] = true
				d, err := tr.Decode(port, m.Body)
				if err != nil {
					t.Fatalf("message %d (%s) does not translate: %v\nproblems: %v\n%s", i, m.Kind, err, customs.ProblemsOf(err), body(m))
				}
				if d.Source.PortRef != m.PortRef || len(d.Goods) != m.Items {
					t.Fatalf("message %d: portRef %q, %d items; want %q, %d", i, d.Source.PortRef, len(d.Goods), m.PortRef, m.Items)
				}
				if len(d.Warnings) > 0 {
					t.Fatalf("message %d (%s): warnings %+v\n%s", i, m.Kind, d.Warnings, body(m))
				}
				d.ID = "d_test"
				r, err := tr.Engine.Decide(d, routing.Facts{})
				if err != nil {
					t.Fatalf("message %d: decide: %v", i, err)
				}
				w := want[m.Kind]
				var rules []string
				for _, rs := range r.Reasons {
					rules = append(rules, rs.Rule)
				}
				if r.Lane != w.lane || !slices.Equal(r.Workflows, w.workflows) || (w.rule != "" && !slices.Contains(rules, w.rule)) {
					t.Fatalf("message %d (%s): lane %s, workflows %v, rules %v; want %s, %v, %s\n%s",
						i, m.Kind, r.Lane, r.Workflows, rules, w.lane, w.workflows, w.rule, body(m))
				}
			}
			for _, k := range loadgen.Kinds {
				if port == customs.PortBeijing && k == loadgen.KindCoal {
					continue
				}
				if kinds[k] == 0 {
					t.Errorf("no %s message in %d", k, n)
				}
			}
			avg := size / n
			t.Logf("%s: average %d bytes, kinds %v", port, avg, kinds)
			lo, hi := 700, 3000
			if port == customs.PortTianjin {
				lo, hi = 6000, 9500
			}
			if avg < lo || avg > hi {
				t.Errorf("average size %d bytes, want %d to %d (the samples' size)", avg, lo, hi)
			}
		})
	}
}

func body(m loadgen.Message) string {
	if m.Port == customs.PortHebei {
		return "(GBK body)"
	}
	return string(m.Body)
}

func TestDeterministic(t *testing.T) {
	tables := codes.MustEmbedded()
	for _, port := range []customs.Port{customs.PortTianjin, customs.PortHebei, customs.PortBeijing} {
		a, _ := loadgen.New(loadgen.Config{Port: port, Tables: tables, Seed: 7})
		b, _ := loadgen.New(loadgen.Config{Port: port, Tables: tables, Seed: 7})
		c, _ := loadgen.New(loadgen.Config{Port: port, Tables: tables, Seed: 8})
		same := 0
		for i := 0; i < 50; i++ {
			ma, mb, mc := a.Next(), b.Next(), c.Next()
			if !bytes.Equal(ma.Body, mb.Body) {
				t.Fatalf("%s: message %d differs with the same seed", port, i)
			}
			if bytes.Equal(ma.Body, mc.Body) {
				same++
			}
		}
		if same > 0 {
			t.Errorf("%s: %d messages equal under different seeds", port, same)
		}
	}
}

func TestRefPrefix(t *testing.T) {
	tables := codes.MustEmbedded()
	a, _ := loadgen.New(loadgen.Config{Port: customs.PortBeijing, Tables: tables, Seed: 1, RefPrefix: "w1"})
	b, _ := loadgen.New(loadgen.Config{Port: customs.PortBeijing, Tables: tables, Seed: 1, RefPrefix: "w2"})
	if ra, rb := a.Next().PortRef, b.Next().PortRef; ra == rb {
		t.Errorf("two prefixes gave the same portRef %s", ra)
	}
}

func TestHebeiIsGBK(t *testing.T) {
	gen, _ := loadgen.New(loadgen.Config{Port: customs.PortHebei, Tables: codes.MustEmbedded(), Seed: 3})
	m := gen.Next()
	if !bytes.HasPrefix(m.Body, []byte(`<?xml version="1.0" encoding="GBK"?>`)) {
		t.Fatalf("no GBK declaration: %.60s", m.Body)
	}
	if utf8.Valid(m.Body) {
		t.Error("the body is valid UTF-8: the Chinese text was not encoded GBK")
	}
}

func TestNewRefuses(t *testing.T) {
	tables := codes.MustEmbedded()
	for name, cfg := range map[string]loadgen.Config{
		"no tables":    {Port: customs.PortTianjin},
		"unknown port": {Port: "shanghai", Tables: tables},
		"empty mix":    {Port: customs.PortTianjin, Tables: tables, Mix: loadgen.Mix{loadgen.KindCoal: 0}},
		"air coal":     {Port: customs.PortBeijing, Tables: tables, Mix: loadgen.Mix{loadgen.KindCoal: 1}},
	} {
		if _, err := loadgen.New(cfg); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
}

func BenchmarkNext(b *testing.B) {
	tables := codes.MustEmbedded()
	for _, port := range []customs.Port{customs.PortTianjin, customs.PortHebei, customs.PortBeijing} {
		b.Run(string(port), func(b *testing.B) {
			gen, _ := loadgen.New(loadgen.Config{Port: port, Tables: tables, Seed: 1})
			b.ReportAllocs()
			for b.Loop() {
				gen.Next()
			}
		})
	}
}
