package routing

import (
	"math"

	"github.com/jjj/gateway/internal/codes"
)

// LongDistanceKm is the distance from the port of entry beyond which the
// long-distance coal limits apply too (routing.md).
const LongDistanceKm = 600

// CoalFailure is one laboratory value outside its limit, as the task's
// result names it (api.md).
type CoalFailure struct {
	Indicator string  `json:"indicator"`
	Value     float64 `json:"value"`
	Limit     float64 `json:"limit"`
	Unit      string  `json:"unit"`
}

// EvaluateCoal decides a coal task's result against codes/coal-limits.csv:
// lignite (heading 2702) has its own column, every other HS code the "other"
// one. Beyond LongDistanceKm the long-distance limit applies as well, so the
// stricter of the two governs. An indicator that has a limit and no
// laboratory value (or a NaN) is missing; an indicator without a limit is
// not asked for (calorific value within 600 km). pass is true only with
// nothing failed and nothing missing. failed and missing are in table order.
func EvaluateCoal(t *codes.Tables, hsCode string, distanceKm float64, lab map[string]float64) (pass bool, failed []CoalFailure, missing []string) {
	lignite := IsLignite(hsCode)
	long := distanceKm > LongDistanceKm
	for i := range t.CoalLimits {
		l := &t.CoalLimits[i]
		base, far := l.Other, l.LongOther
		if lignite {
			base, far = l.Lignite, l.LongLignite
		}
		limit, ok := stricter(base, nil, l.Max)
		if long {
			limit, ok = stricter(base, far, l.Max)
		}
		if !ok {
			continue
		}
		v, has := lab[l.Indicator]
		if !has || math.IsNaN(v) {
			missing = append(missing, l.Indicator)
			continue
		}
		if (l.Max && v > limit) || (!l.Max && v < limit) {
			failed = append(failed, CoalFailure{Indicator: l.Indicator, Value: v, Limit: limit, Unit: l.Unit})
		}
	}
	return len(failed) == 0 && len(missing) == 0, failed, missing
}

// stricter returns the tighter of two optional limits: the lower of two
// maxima, the higher of two minima.
func stricter(a, b *float64, isMax bool) (float64, bool) {
	switch {
	case a == nil && b == nil:
		return 0, false
	case a == nil:
		return *b, true
	case b == nil:
		return *a, true
	}
	if isMax {
		return math.Min(*a, *b), true
	}
	return math.Max(*a, *b), true
}
