package main

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/jjj/gateway/internal/customs"
)

// FuzzParseRates: RANDOM_INSPECTION_RATES either parses to known ratings
// with rates from 0 to 1 (never NaN), which written back parse the same,
// or is bad usage (exit status 2) — never a panic, never a rate that
// silently selects nothing or everything.
func FuzzParseRates(f *testing.F) {
	for _, s := range []string{"general=0.03,advanced=0.005", "", " general = 1 ", "dishonest=0", "general=2", "gold=0.1",
		"general", "general=", "=0.1", "general=NaN", "general=Inf", "general=-0", "general=1e-3,general=0.5", ",,", "general=0x1p-2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rates, err := parseRates(s)
		if err != nil {
			if exitStatus(err) != 2 || err.Error() == "" {
				t.Fatalf("parseRates(%q): %v, want bad usage with a message", s, err)
			}
			return
		}
		var parts []string
		for r, v := range rates {
			if r != customs.RatingGeneral && r != customs.RatingAdvanced && r != customs.RatingDishonest {
				t.Fatalf("parseRates(%q): unknown rating %q accepted", s, r)
			}
			if math.IsNaN(v) || v < 0 || v > 1 {
				t.Fatalf("parseRates(%q): rate %v for %s, want 0 to 1", s, v, r)
			}
			parts = append(parts, fmt.Sprintf("%s=%s", r, strconv.FormatFloat(v, 'g', -1, 64)))
		}
		sort.Strings(parts)
		again, err := parseRates(strings.Join(parts, ","))
		if err != nil || len(again) != len(rates) {
			t.Fatalf("parseRates(%q) = %v, written back %v: %v", s, rates, again, err)
		}
		for r, v := range rates {
			if again[r] != v {
				t.Fatalf("parseRates(%q) = %v, written back %v", s, rates, again)
			}
		}
	})
}
