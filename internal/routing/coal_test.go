package routing_test

import (
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
