package routing_test

import (
	"testing"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
)

// BenchmarkDecide routes a busy declaration: hazchem at the port and
// inland, coal, food for two bureaus, a rating lookup, an alert and a draw.
func BenchmarkDecide(b *testing.B) {
	e := newEngine(b, routing.DefaultRates())
	seed := routing.DaySeed([]byte("bench"), "2026-11-27")
	f := routing.Facts{
		Seed:    &seed,
		Ratings: map[string]customs.Rating{usccTrader: customs.RatingAdvanced},
		Alerts:  []routing.Alert{{ID: "a", HSPrefix: "0406", Action: customs.LanePortInspection}},
	}
	d := imp(acetone("120116"), cyanide("130802"), coal("2701129000", "130203"),
		food("0202300090", "110105", "R"), food("0406900000", "120101", "R"), ordinary("120113"))
	d.DestinationOffice = ""
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Decide(d, f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecideOrdinary is the common case: nothing fires but the draw.
func BenchmarkDecideOrdinary(b *testing.B) {
	e := newEngine(b, routing.DefaultRates())
	seed := routing.DaySeed([]byte("bench"), "2026-11-27")
	d := imp(ordinary("120113"), ordinary("120113"))
	f := routing.Facts{Seed: &seed}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Decide(d, f); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	e := newEngine(b, routing.DefaultRates())
	d := imp(acetone("120116"), cyanide("130802"), coal("2701129000", "130203"),
		food("0202300090", "110105", "R"), ordinary("120113"))
	d.DestinationOffice = "120000"
	b.ReportAllocs()
	for b.Loop() {
		if ps := e.Check(d); len(ps) != 0 {
			b.Fatal(ps)
		}
	}
}
