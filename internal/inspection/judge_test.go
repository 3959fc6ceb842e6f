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
	ore := &customs.Declaration{Goods: []customs.GoodsItem{{Seq: 1, HSCode: "2601110000"}}}
	for _, c := range []struct {
		name        string
		workflow    customs.Workflow
		d           *customs.Declaration
		req         inspection.ResultRequest
		outcome     string
		disposition string
		broken      []string
		problems    []string // paths, when CodeInvalid
		codes       []string // the codes at those paths, when given
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
		{name: "iron ore, all clear, the gateway decides", workflow: customs.WorkflowIronOre, d: ore,
			req: ironOre("normal", false, false, ""), outcome: "pass"},
		{name: "iron ore, foreign matter is treated, not a failure", workflow: customs.WorkflowIronOre, d: ore,
			req: ironOre("normal", false, true, "pass"), outcome: "pass"},
		{name: "iron ore, radiation over the limit is returned", workflow: customs.WorkflowIronOre, d: ore,
			req: ironOre("over_limit", false, false, ""), outcome: "fail", disposition: "returned"},
		{name: "iron ore, solid waste fails as the bureau says", workflow: customs.WorkflowIronOre, d: ore,
			req: ironOre("normal", true, false, "fail"), outcome: "fail", disposition: "returned"},
		{name: "iron ore, both, destroyed if the bureau says so", workflow: customs.WorkflowIronOre, d: ore,
			req: withDisposition(ironOre("over_limit", true, true, ""), "destroyed"), outcome: "fail", disposition: "destroyed"},
		{name: "iron ore, a pass that contradicts the radiation", workflow: customs.WorkflowIronOre, d: ore,
			req: ironOre("over_limit", false, false, "pass"), problems: []string{"/outcome"}, codes: []string{customs.ProblemResultContradictsRules}},
		{name: "iron ore, a fail that contradicts clean findings", workflow: customs.WorkflowIronOre, d: ore,
			req: ironOre("normal", false, true, "fail"), problems: []string{"/outcome"}, codes: []string{customs.ProblemResultContradictsRules}},
		{name: "iron ore, every finding required, all at once", workflow: customs.WorkflowIronOre, d: ore,
			req:      inspection.ResultRequest{Outcome: "maybe"},
			problems: []string{"/radiation", "/solidWaste", "/foreignMatter", "/outcome"},
			codes:    []string{customs.ProblemMissingField, customs.ProblemMissingField, customs.ProblemMissingField, customs.ProblemInvalidEnum}},
		{name: "iron ore, radiation out of its enum", workflow: customs.WorkflowIronOre, d: ore,
			req: ironOre("high", false, false, ""), problems: []string{"/radiation"}, codes: []string{customs.ProblemInvalidEnum}},
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
			if c.codes != nil {
				var codes []string
				for _, p := range customs.ProblemsOf(err) {
					codes = append(codes, p.Code)
				}
				if !reflect.DeepEqual(codes, c.codes) {
					t.Errorf("%s: codes %v, want %v", c.name, codes, c.codes)
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

func ironOre(radiation string, solidWaste, foreignMatter bool, outcome string) inspection.ResultRequest {
	return inspection.ResultRequest{Radiation: radiation, SolidWaste: &solidWaste, ForeignMatter: &foreignMatter, Outcome: outcome, Findings: "on site"}
}

func withDisposition(r inspection.ResultRequest, d string) inspection.ResultRequest {
	r.Disposition = d
	return r
}
