package routing_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"math/big"
	"testing"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
)

// The literals below were computed once, outside the gateway, with Python's
// standard library, exactly as routing.md tells an auditor to:
//
//	key = hmac.new(b"test-secret", b"seed:2026-11-27", hashlib.sha256).digest()
//	seedId = "2026-11-27:" + hashlib.sha256(key).hexdigest()[:8]
//	h = hmac.new(key, b"d_00000002", hashlib.sha256).digest()
//	value = float(Fraction(int.from_bytes(h[:8], "big"), 2**64))
//	inspector index = int.from_bytes(h[8:16], "big") % len(roster)
const (
	handSecret = "test-secret"
	handDay    = "2026-11-27"
	handKey    = "97c408f60870533e59aa93e1e2d4baee086656fdf6164fe9ec6c9adcd47cf3f2"
	handSeedID = "2026-11-27:df492be9"
	handDeclID = "d_00000002"
	handH      = "02cc1b4d462b7397c5dcd4f49add0102fa2a6596543eb2f45932cede7345615a"
	handValue  = 0.010926920285937497
	// h[8:16] = 14257504667383431426: mod 4 = 2, mod 3 = 0, mod 5 = 1.
	handNext = 14257504667383431426
)

func TestDaySeed(t *testing.T) {
	t.Parallel()
	s := routing.DaySeed([]byte(handSecret), handDay)
	if got := hex.EncodeToString(s.Key); got != handKey {
		t.Errorf("key = %s, want %s", got, handKey)
	}
	if s.ID != handSeedID || s.Day != handDay {
		t.Errorf("seed = %s %s, want %s %s", s.Day, s.ID, handDay, handSeedID)
	}
	// Recomputed here with the standard library alone, from the formula.
	m := hmac.New(sha256.New, []byte(handSecret))
	m.Write([]byte("seed:" + handDay))
	if key := m.Sum(nil); !hmac.Equal(key, s.Key) {
		t.Errorf("key differs from HMAC-SHA256(secret, \"seed:\"+day)")
	}
	if other := routing.DaySeed([]byte(handSecret), "2026-11-28"); other.ID == s.ID {
		t.Error("two days share a seed id")
	}
}

func TestDrawByHand(t *testing.T) {
	t.Parallel()
	seed := routing.DaySeed([]byte(handSecret), handDay)

	// Independently: h, its first 8 bytes over 2^64 in exact arithmetic.
	m := hmac.New(sha256.New, seed.Key)
	m.Write([]byte(handDeclID))
	h := m.Sum(nil)
	if got := hex.EncodeToString(h); got != handH {
		t.Fatalf("h = %s, want %s", got, handH)
	}
	exact := new(big.Rat).SetFrac(new(big.Int).SetBytes(h[:8]), new(big.Int).Lsh(big.NewInt(1), 64))
	if f, _ := exact.Float64(); f != handValue {
		t.Fatalf("exact value rounds to %v, want %v", f, handValue)
	}
	if next := binary.BigEndian.Uint64(h[8:16]); next != handNext {
		t.Fatalf("next 8 bytes = %d, want %d", next, uint64(handNext))
	}

	roster := tables.Bureaus["120000"].Inspectors // TJ-101 TJ-102 TJ-115 TJ-120
	tests := []struct {
		rate      float64
		roster    []string
		selected  bool
		inspector string
	}{
		{0.03, roster, true, "TJ-115"},                              // index 2 of 4
		{0.03, tables.Bureaus["130100"].Inspectors, true, "SJ-002"}, // index 0 of 3
		{0.03, tables.Bureaus["110100"].Inspectors, true, "PG-008"}, // index 1 of 5
		{0.03, nil, true, ""},
		{0.005, roster, false, ""},
		{handValue, roster, false, ""}, // value < rate, strictly
		{math.Nextafter(handValue, 1), roster, true, "TJ-115"},
		{0, roster, false, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.rate, len(tt.roster)), func(t *testing.T) {
			got := routing.Redraw(seed, handDeclID, tt.rate, tt.roster)
			want := customs.Draw{SeedID: handSeedID, Value: handValue, Rate: tt.rate, Selected: tt.selected, Inspector: tt.inspector}
			if got != want {
				t.Errorf("Redraw = %+v, want %+v", got, want)
			}
		})
	}
}

// The share of selected declarations must be the configured rate: within
// 4.5 standard deviations of it over 100,000 declarations, a bound a fair
// draw breaks about once in 150,000 runs.
func TestDrawRates(t *testing.T) {
	t.Parallel()
	const n = 100000
	e := newEngine(t, map[customs.Rating]float64{customs.RatingGeneral: 0.03, customs.RatingAdvanced: 0.005})
	seed := routing.DaySeed([]byte("statistics"), "2026-11-27")
	for _, c := range []struct {
		rating customs.Rating
		rate   float64
	}{{customs.RatingGeneral, 0.03}, {customs.RatingAdvanced, 0.005}} {
		t.Run(string(c.rating), func(t *testing.T) {
			t.Parallel()
			f := routing.Facts{Seed: &seed, Ratings: map[string]customs.Rating{usccTrader: c.rating, usccDeclarant: c.rating}}
			d := imp(ordinary(""))
			selected := 0
			for i := range n {
				d.ID = fmt.Sprintf("d_%s_%08d", c.rating, i)
				r, err := e.Decide(d, f)
				if err != nil {
					t.Fatal(err)
				}
				if r.Draw == nil || r.Draw.Rate != c.rate {
					t.Fatalf("draw %+v", r.Draw)
				}
				if r.Draw.Selected {
					selected++
					if r.Lane != customs.LanePortInspection {
						t.Fatalf("selected but lane %s", r.Lane)
					}
				}
			}
			mean, sigma := n*c.rate, math.Sqrt(n*c.rate*(1-c.rate))
			if dev := math.Abs(float64(selected) - mean); dev > 4.5*sigma {
				t.Errorf("%d of %d selected at rate %v: %.1f sigma from %v", selected, n, c.rate, dev/sigma, mean)
			}
		})
	}
}
