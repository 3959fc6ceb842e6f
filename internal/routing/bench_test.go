package routing_test

import (
	"strconv"
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

// BenchmarkDecideItems routes realistic declarations of 1 to 30 items, a
// mix of ordinary goods, food, coal and hazardous chemicals bound for
// several bureaus, with a rating lookup and a draw: decisions per second is
// 1e9 / ns/op.
func BenchmarkDecideItems(b *testing.B) {
	e := newEngine(b, routing.DefaultRates())
	seed := routing.DaySeed([]byte("bench"), "2026-11-27")
	f := routing.Facts{Seed: &seed, Ratings: map[string]customs.Rating{usccTrader: customs.RatingGeneral}}
	mix := []func(int) customs.GoodsItem{
		func(int) customs.GoodsItem { return ordinary("120113") },
		func(int) customs.GoodsItem { return food("0202300090", "110105", "R") },
		func(int) customs.GoodsItem { return ordinary("130104") },
		func(int) customs.GoodsItem { return coal("2701129000", "130203") },
		func(int) customs.GoodsItem { return acetone("120116") },
	}
	for _, n := range []int{1, 5, 10, 30} {
		items := make([]customs.GoodsItem, n)
		for i := range items {
			items[i] = mix[i%len(mix)](i)
		}
		d := imp(items...)
		d.DestinationOffice = ""
		b.Run(strconv.Itoa(n)+"items", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.Decide(d, f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
