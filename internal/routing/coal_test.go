package routing_test

import (
	"fmt"
	"maps"
	"math"
	"reflect"
	"testing"

	"github.com/jjj/gateway/internal/routing"
)

// goodCoal is within every limit, long-distance ones included.
func goodCoal() map[string]float64 {
	return map[string]float64{"ash": 12.1, "sulfur": 0.8, "mercury": 0.12, "arsenic": 9, "phosphorus": 0.02,
		"chlorine": 0.05, "fluorine": 85, "calorific": 24.6}
}

func with(lab map[string]float64, k string, v float64) map[string]float64 {
	m := maps.Clone(lab)
	m[k] = v
	return m
}

func without(lab map[string]float64, k string) map[string]float64 {
	m := maps.Clone(lab)
	delete(m, k)
	return m
}

func TestEvaluateCoal(t *testing.T) {
	t.Parallel()
	const other, lignite = "2701129000", "2702100000"
	tests := []struct {
		name    string
		hs      string
		km      float64
		lab     map[string]float64
		failed  []routing.CoalFailure
		missing []string
	}{
		{name: "good other coal", hs: other, km: 420, lab: goodCoal()},
		{name: "good lignite far away", hs: lignite, km: 1200, lab: goodCoal()},
		{name: "no calorific value needed within 600 km", hs: other, km: 600, lab: without(goodCoal(), "calorific")},
		// Each indicator over its basic limit (other coal).
		{name: "ash", hs: other, km: 100, lab: with(goodCoal(), "ash", 40.5),
			failed: []routing.CoalFailure{{Indicator: "ash", Value: 40.5, Limit: 40, Unit: "%"}}},
		{name: "sulfur", hs: other, km: 100, lab: with(goodCoal(), "sulfur", 3.4),
			failed: []routing.CoalFailure{{Indicator: "sulfur", Value: 3.4, Limit: 3, Unit: "%"}}},
		{name: "mercury", hs: other, km: 100, lab: with(goodCoal(), "mercury", 0.61),
			failed: []routing.CoalFailure{{Indicator: "mercury", Value: 0.61, Limit: 0.6, Unit: "µg/g"}}},
		{name: "arsenic", hs: other, km: 100, lab: with(goodCoal(), "arsenic", 81),
			failed: []routing.CoalFailure{{Indicator: "arsenic", Value: 81, Limit: 80, Unit: "µg/g"}}},
		{name: "phosphorus", hs: other, km: 100, lab: with(goodCoal(), "phosphorus", 0.2),
			failed: []routing.CoalFailure{{Indicator: "phosphorus", Value: 0.2, Limit: 0.15, Unit: "%"}}},
		{name: "chlorine", hs: other, km: 100, lab: with(goodCoal(), "chlorine", 0.31),
			failed: []routing.CoalFailure{{Indicator: "chlorine", Value: 0.31, Limit: 0.3, Unit: "%"}}},
		{name: "fluorine", hs: other, km: 100, lab: with(goodCoal(), "fluorine", 201),
			failed: []routing.CoalFailure{{Indicator: "fluorine", Value: 201, Limit: 200, Unit: "µg/g"}}},
		{name: "at the limit passes", hs: other, km: 100, lab: with(with(goodCoal(), "ash", 40), "sulfur", 3)},
		// Lignite against other coal.
		{name: "ash 35: fails as lignite", hs: lignite, km: 100, lab: with(goodCoal(), "ash", 35),
			failed: []routing.CoalFailure{{Indicator: "ash", Value: 35, Limit: 30, Unit: "%"}}},
		{name: "ash 35: passes as other coal", hs: other, km: 100, lab: with(goodCoal(), "ash", 35)},
		{name: "sulfur 2: fails as lignite", hs: lignite, km: 100, lab: with(goodCoal(), "sulfur", 2),
			failed: []routing.CoalFailure{{Indicator: "sulfur", Value: 2, Limit: 1.5, Unit: "%"}}},
		{name: "coke 2704 is other coal", hs: "2704001000", km: 100, lab: with(goodCoal(), "sulfur", 2)},
		// Long distance: the stricter limit and the calorific minimum.
		{name: "far: other coal ash 35 and sulfur 2.5", hs: other, km: 601, lab: with(with(goodCoal(), "ash", 35), "sulfur", 2.5),
			failed: []routing.CoalFailure{{Indicator: "ash", Value: 35, Limit: 30, Unit: "%"}, {Indicator: "sulfur", Value: 2.5, Limit: 2, Unit: "%"}}},
		{name: "far: lignite ash 25 and sulfur 1.2", hs: lignite, km: 900, lab: with(with(goodCoal(), "ash", 25), "sulfur", 1.2),
			failed: []routing.CoalFailure{{Indicator: "ash", Value: 25, Limit: 20, Unit: "%"}, {Indicator: "sulfur", Value: 1.2, Limit: 1, Unit: "%"}}},
		{name: "far: calorific 17 fails other coal", hs: other, km: 700, lab: with(goodCoal(), "calorific", 17),
			failed: []routing.CoalFailure{{Indicator: "calorific", Value: 17, Limit: 18, Unit: "MJ/kg"}}},
		{name: "far: calorific 17 passes lignite", hs: lignite, km: 700, lab: with(goodCoal(), "calorific", 17)},
		{name: "near: calorific 10 is not judged", hs: other, km: 599, lab: with(goodCoal(), "calorific", 10)},
		// The calorific minimum is inclusive: exactly at it passes (≥), a
		// hair under fails. These rows fail a `<=` for `<` in the check.
		{name: "far: calorific exactly 18 passes other coal", hs: other, km: 700, lab: with(goodCoal(), "calorific", 18)},
		{name: "far: calorific 17.99 fails other coal", hs: other, km: 700, lab: with(goodCoal(), "calorific", 17.99),
			failed: []routing.CoalFailure{{Indicator: "calorific", Value: 17.99, Limit: 18, Unit: "MJ/kg"}}},
		{name: "far: calorific exactly 16.5 passes lignite", hs: lignite, km: 700, lab: with(goodCoal(), "calorific", 16.5)},
		{name: "far: calorific 16.49 fails lignite", hs: lignite, km: 700, lab: with(goodCoal(), "calorific", 16.49),
			failed: []routing.CoalFailure{{Indicator: "calorific", Value: 16.49, Limit: 16.5, Unit: "MJ/kg"}}},
		// 600 km is still near; just beyond it the long-distance limits apply.
		{name: "600.01 km is far: calorific asked for", hs: other, km: 600.01, lab: without(goodCoal(), "calorific"), missing: []string{"calorific"}},
		{name: "600.01 km is far: ash at 30 passes, sulfur 2.1 fails", hs: other, km: 600.01, lab: with(with(goodCoal(), "ash", 30), "sulfur", 2.1),
			failed: []routing.CoalFailure{{Indicator: "sulfur", Value: 2.1, Limit: 2, Unit: "%"}}},
		{name: "far: other coal ash 35 passes within 600 km", hs: other, km: 600, lab: with(goodCoal(), "ash", 35)},
		// Missing values.
		{name: "missing mercury", hs: other, km: 100, lab: without(goodCoal(), "mercury"), missing: []string{"mercury"}},
		{name: "far: missing calorific", hs: lignite, km: 650, lab: without(goodCoal(), "calorific"), missing: []string{"calorific"}},
		{name: "NaN is missing", hs: other, km: 100, lab: with(goodCoal(), "ash", math.NaN()), missing: []string{"ash"}},
		{name: "nothing measured", hs: other, km: 100, lab: nil,
			missing: []string{"ash", "sulfur", "mercury", "arsenic", "phosphorus", "chlorine", "fluorine"}},
		{name: "failed and missing together", hs: other, km: 100, lab: without(with(goodCoal(), "fluorine", 250), "arsenic"),
			failed:  []routing.CoalFailure{{Indicator: "fluorine", Value: 250, Limit: 200, Unit: "µg/g"}},
			missing: []string{"arsenic"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pass, failed, missing := routing.EvaluateCoal(tables, tt.hs, tt.km, tt.lab)
			if !reflect.DeepEqual(failed, tt.failed) {
				t.Errorf("failed = %+v, want %+v", failed, tt.failed)
			}
			if !reflect.DeepEqual(missing, tt.missing) {
				t.Errorf("missing = %v, want %v", missing, tt.missing)
			}
			if want := len(tt.failed) == 0 && len(tt.missing) == 0; pass != want {
				t.Errorf("pass = %v, want %v", pass, want)
			}
		})
	}
}

// specCoalLimits is routing.md's table of coal limits, copied here by hand
// rather than read from codes/coal-limits.csv, so that a wrong table and a
// wrong comparison are both caught. nil: no limit at that distance.
var specCoalLimits = []struct {
	indicator              string
	max                    bool
	lignite, other         *float64 // within 600 km
	longLignite, longOther *float64 // beyond 600 km (the stricter governs)
}{
	{"ash", true, f(30), f(40), f(20), f(30)},
	{"sulfur", true, f(1.5), f(3), f(1), f(2)},
	{"mercury", true, f(0.6), f(0.6), f(0.6), f(0.6)},
	{"arsenic", true, f(80), f(80), f(80), f(80)},
	{"phosphorus", true, f(0.15), f(0.15), f(0.15), f(0.15)},
	{"chlorine", true, f(0.3), f(0.3), f(0.3), f(0.3)},
	{"fluorine", true, f(200), f(200), f(200), f(200)},
	{"calorific", false, nil, nil, f(16.5), f(18)},
}

func f(v float64) *float64 { return &v }

// TestEvaluateCoalBoundaries puts every indicator exactly at its limit
// (passes: the limits are inclusive, ≤ a maximum and ≥ a minimum) and one
// float step beyond it (fails, naming that limit), for lignite and other
// coal, near and far. A comparison flipped between < and <=, or a limit
// taken from the wrong column, fails here.
func TestEvaluateCoalBoundaries(t *testing.T) {
	t.Parallel()
	kinds := []struct {
		name string
		hs   string
	}{{"lignite", "2702100000"}, {"other", "2701129000"}}
	for _, l := range specCoalLimits {
		for _, k := range kinds {
			for _, far := range []bool{false, true} {
				limit := l.other
				if k.name == "lignite" {
					limit = l.lignite
				}
				km := 599.0
				if far {
					km = 601
					if k.name == "lignite" {
						limit = l.longLignite
					} else {
						limit = l.longOther
					}
				}
				if limit == nil {
					continue // not judged at this distance (calorific near)
				}
				// The long-distance limits in the spec are already the
				// stricter ones, so they are what governs far away.
				beyond := math.Nextafter(*limit, math.Inf(1))
				if !l.max {
					beyond = math.Nextafter(*limit, math.Inf(-1))
				}
				name := fmt.Sprintf("%s/%s/%vkm", l.indicator, k.name, km)
				t.Run(name+"/at", func(t *testing.T) {
					pass, failed, missing := routing.EvaluateCoal(tables, k.hs, km, with(goodCoal(), l.indicator, *limit))
					if !pass || len(failed) != 0 || len(missing) != 0 {
						t.Errorf("%s exactly at %v: pass %v failed %+v missing %v, want a pass", l.indicator, *limit, pass, failed, missing)
					}
				})
				t.Run(name+"/beyond", func(t *testing.T) {
					pass, failed, _ := routing.EvaluateCoal(tables, k.hs, km, with(goodCoal(), l.indicator, beyond))
					if pass || len(failed) != 1 || failed[0].Indicator != l.indicator || failed[0].Value != beyond || failed[0].Limit != *limit {
						t.Errorf("%s at %v (limit %v): pass %v failed %+v, want it failed against %v", l.indicator, beyond, *limit, pass, failed, *limit)
					}
				})
			}
		}
	}
}
