package routing_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/adapters/beijing"
	"github.com/jjj/gateway/adapters/hebei"
	"github.com/jjj/gateway/adapters/tianjin"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
)

// sampleExpect is the routing share of samples/README.md's expect.json.
type sampleExpect struct {
	Status    int      `json:"status"`
	Lane      *string  `json:"lane"`
	Workflows []string `json:"workflows"`
	Bureau    *string  `json:"bureau"`
	Rules     []string `json:"rules"`
	Tasks     []struct {
		Workflow string  `json:"workflow"`
		Bureau   *string `json:"bureau"`
		Items    []int   `json:"items"`
	} `json:"tasks"`
	Errors []struct {
		Path string `json:"path"`
		Code string `json:"code"`
	} `json:"errors"`
}

// TestSamples decodes every valid sample (and the invalid ones whose fault
// is routing's) with its port's adapter and checks the verdict of
// testdata/samples/<port>/<name>.expect.json under the samples' assumptions:
// no credit records, no alerts, random-inspection rates 0. The files are
// copies of the contract's samples (../shared/samples).
func TestSamples(t *testing.T) {
	t.Parallel()
	e := newEngine(t, zeroRates())
	cfg := adapters.Config{Tables: tables}
	ports := []struct {
		name string
		a    adapters.Adapter
	}{
		{"tianjin", tianjin.MustNew(cfg)},
		{"hebei", hebei.MustNew(cfg)},
		{"beijing", beijing.MustNew(cfg)},
	}
	for _, p := range ports {
		files, err := filepath.Glob(filepath.Join("testdata", "samples", p.name, "*.xml"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no samples: %v", p.name, err)
		}
		for _, file := range files {
			name := p.name + "/" + strings.TrimSuffix(filepath.Base(file), ".xml")
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				raw, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				var want sampleExpect
				b, err := os.ReadFile(strings.TrimSuffix(file, ".xml") + ".expect.json")
				if err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(b, &want); err != nil {
					t.Fatal(err)
				}
				d, err := p.a.Decode(raw)
				if d == nil {
					t.Fatalf("decode: %v", err)
				}
				problems := append(customs.ProblemsOf(err), e.Check(d)...)
				if want.Status != 201 {
					var got, exp []string
					for _, pr := range problems {
						got = append(got, pr.Code+"@"+pr.Path)
					}
					for _, pr := range want.Errors {
						exp = append(exp, pr.Code+"@"+pr.Path)
					}
					slices.Sort(got)
					slices.Sort(exp)
					if !slices.Equal(got, exp) {
						t.Errorf("problems:\n got %v\nwant %v", got, exp)
					}
					return
				}
				if err != nil || len(problems) > 0 {
					t.Fatalf("a valid sample does not validate: %v %v", err, problems)
				}
				r, err := e.Decide(d, routing.Facts{})
				if err != nil {
					t.Fatalf("Decide: %v", err)
				}
				compareSample(t, r, &want)
			})
		}
	}
}

func compareSample(t *testing.T, r *customs.Route, want *sampleExpect) {
	t.Helper()
	if want.Lane == nil || string(r.Lane) != *want.Lane {
		t.Errorf("lane = %s, want %v", r.Lane, deref(want.Lane))
	}
	var wfs []string
	for _, w := range r.Workflows {
		wfs = append(wfs, string(w))
	}
	if !sameSet(wfs, want.Workflows) {
		t.Errorf("workflows = %v, want %v", wfs, want.Workflows)
	}
	if r.Bureau != deref(want.Bureau) {
		t.Errorf("bureau = %q, want %q", r.Bureau, deref(want.Bureau))
	}
	var rules []string
	for _, rs := range r.Reasons {
		if !slices.Contains(rules, rs.Rule) {
			rules = append(rules, rs.Rule)
		}
	}
	if !sameSet(rules, want.Rules) {
		t.Errorf("rules = %v, want %v", rules, want.Rules)
	}
	var wantTasks []customs.Task
	for _, wt := range want.Tasks {
		wantTasks = append(wantTasks, customs.Task{Workflow: customs.Workflow(wt.Workflow), Bureau: deref(wt.Bureau), Items: wt.Items})
	}
	got, exp := strings.Fields(taskString(r.Tasks)), strings.Fields(taskString(wantTasks))
	if !sameSet(got, exp) {
		t.Errorf("tasks = %v, want %v", got, exp)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// sameSet compares as sets; the route must not repeat itself either.
func sameSet(got, want []string) bool {
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	return slices.Equal(g, w)
}
