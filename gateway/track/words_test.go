package track

import (
	"testing"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
)

// Every status, rule, lane and workflow the gateway knows is explained in
// both languages, so the tracking page never shows a bare code.
func TestEveryCodeHasWordsInBothLanguages(t *testing.T) {
	for _, s := range customs.Statuses {
		w, ok := statusWords[string(s)]
		if !ok || w[0].zh == "" || w[0].en == "" || w[1].zh == "" || w[1].en == "" {
			t.Errorf("status %s: %+v", s, w)
		}
	}
	rules := []string{routing.RuleHazchemUnsafe, routing.RuleHazchemPort, routing.RuleHazchemExport, routing.RuleCoal,
		routing.RuleFood, routing.RuleTransitSealed, routing.RuleTransitNotEligible, routing.RuleCreditDishonest,
		routing.RuleRandomSelected, routing.RuleRiskAlert, routing.RuleDestinationOutside}
	for _, r := range rules {
		if p, ok := ruleWords[r]; !ok || p.zh == "" || p.en == "" {
			t.Errorf("rule %s has no words", r)
		}
	}
	if len(ruleWords) != len(rules) {
		t.Errorf("ruleWords has %d rules, routing %d", len(ruleWords), len(rules))
	}
	for _, l := range []customs.Lane{customs.LaneRelease, "port_inspection", "destination_inspection"} {
		if p, ok := laneWords[string(l)]; !ok || p.zh == "" || p.en == "" {
			t.Errorf("lane %s", l)
		}
	}
	for _, w := range []string{"hazchem", "coal", "food", "direct_transit", "inspection"} {
		if p, ok := workflowWords[w]; !ok || p.zh == "" || p.en == "" {
			t.Errorf("workflow %s", w)
		}
	}
	for _, e := range []string{"action", "alertId", "category", "class", "coal", "district", "failed", "foodPrefix", "hsCode",
		"hsPrefix", "inspector", "origin", "packingGroup", "port", "pressure", "rate", "rating", "registration", "seals",
		"seedId", "strayUnits", "unNumber", "uscc", "value", "workflow", "zone"} {
		if p, ok := evidenceWords[e]; !ok || p.zh == "" || p.en == "" {
			t.Errorf("evidence %s", e)
		}
	}
	for k, p := range ui {
		if p.zh == "" || p.en == "" {
			t.Errorf("ui %s lacks a language", k)
		}
	}
}
