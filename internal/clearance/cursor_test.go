package clearance_test

import (
	"testing"

	"github.com/jjj/gateway/internal/clearance"
)

// TestCursorRoundTrip: a listing's cursor reads back as the seq it was
// made from, and nothing else reads as a cursor.
func TestCursorRoundTrip(t *testing.T) {
	for _, n := range []int64{1, 42, 1 << 40} {
		got, err := clearance.DecodeCursor(clearance.EncodeCursor(n))
		if err != nil || got != n {
			t.Errorf("%d: %d %v", n, got, err)
		}
	}
	for _, c := range []string{"", "x", clearance.EncodeCursor(0), "ZDE6LTE"} {
		if _, err := clearance.DecodeCursor(c); err == nil {
			t.Errorf("%q accepted", c)
		}
	}
}
