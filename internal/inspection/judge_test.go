package inspection_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/inspection"
)

// TestJudge: Judge is a pure function of the tables, the task and the
// declaration, so each workflow's reading of a bureau's findings is
// checked here without a database.
func TestJudge(t *testing.T) {
	t.Parallel()
	tables := codes.MustEmbedded()
	sealed := &customs.Declaration{Equipment: []customs.Unit{{ID: "C1", Seals: []string{"S1", "S2"}}}}
	coal := &customs.Declaration{Goods: []customs.GoodsItem{{Seq: 1, HSCode: "2701120000"}}}
	for _, c := range []struct {
		name        string
		workflow    customs.Workflow
		d           *customs.Declaration
		req         inspection.ResultRequest
		outcome     string
		disposition string
		broken      []string
		problems    []string // paths, when CodeInvalid
	}{
		{name: "transit, every seal intact", workflow: customs.WorkflowDirectTransit, d: sealed,
			req: inspection.ResultRequest{SealsIntact: []string{"S1", "S2"}}, outcome: "pass"},
		{name: "transit, a seal not reported is missing", workflow: customs.WorkflowDirectTransit, d: sealed,
			req: inspection.ResultRequest{SealsIntact: []string{"S1"}}, outcome: "fail", broken: []string{"S2"}},
		{name: "transit, broken and missing", workflow: customs.WorkflowDirectTransit, d: sealed,
			req: inspection.ResultRequest{SealsBroken: []string{"S1"}}, outcome: "fail", broken: []string{"S1", "S2"}},
		{name: "transit, a seal both intact and broken", workflow: customs.WorkflowDirectTransit, d: sealed,
			req: inspection.ResultRequest{SealsIntact: []string{"S1"}, SealsBroken: []string{"S1"}}, problems: []string{"/sealsBroken"}},
		{name: "food passes as the bureau says", workflow: customs.WorkflowFood, d: &customs.Declaration{},
			req: inspection.ResultRequest{Outcome: "pass"}, outcome: "pass"},
		{name: "a failure is returned by default", workflow: customs.WorkflowHazchem, d: &customs.Declaration{},
			req: inspection.ResultRequest{Outcome: "fail"}, outcome: "fail", disposition: "returned"},
		{name: "a failure keeps its disposition", workflow: customs.WorkflowInspection, d: &customs.Declaration{},
			req: inspection.ResultRequest{Outcome: "fail", Disposition: "destroyed"}, outcome: "fail", disposition: "destroyed"},
		{name: "every problem at once", workflow: customs.WorkflowFood, d: &customs.Declaration{},
			req: inspection.ResultRequest{Disposition: "burnt"}, problems: []string{"/outcome", "/disposition"}},
		{name: "coal without a distance or laboratory values", workflow: customs.WorkflowCoal, d: coal,
			req: inspection.ResultRequest{Outcome: "pass"}, problems: []string{"/distanceKm"}},
	} {
		got, err := inspection.Judge(tables, c.workflow, []int64{1}, c.d, c.req)
		if c.problems != nil {
			if customs.ErrorCodeOf(err) != customs.CodeInvalid {
				t.Errorf("%s: %v, want invalid", c.name, err)
				continue
			}
			var paths []string
			for _, p := range customs.ProblemsOf(err) {
				paths = append(paths, p.Path)
			}
			for _, want := range c.problems {
				if !slices.Contains(paths, want) {
					t.Errorf("%s: problems at %v, want one at %s", c.name, paths, want)
				}
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got.Outcome != c.outcome || got.Disposition != c.disposition || !reflect.DeepEqual(got.SealsBroken, c.broken) {
			t.Errorf("%s: outcome %s, disposition %q, broken %v; want %s, %q, %v", c.name, got.Outcome, got.Disposition, got.SealsBroken, c.outcome, c.disposition, c.broken)
		}
	}
}
