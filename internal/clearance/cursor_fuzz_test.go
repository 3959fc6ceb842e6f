package clearance

import (
	"errors"
	"math"
	"testing"

	"github.com/jjj/gateway/internal/customs"
)

// FuzzDecodeCursor: any string given as the list's cursor either decodes
// to a positive position that encodes back to a cursor decoding to the
// same position, or is a 400 with the problem at "cursor" — never a panic
// and never a position the list cannot start from (zero or negative).
func FuzzDecodeCursor(f *testing.F) {
	for _, s := range []string{EncodeCursor(1), EncodeCursor(42), EncodeCursor(math.MaxInt64), EncodeCursor(0), EncodeCursor(-5),
		"", "x", "ZDE6LTE", "ZDE6MQ==", "ZDE6KzU", "ZDI6MQ", "ZDE6OTIyMzM3MjAzNjg1NDc3NTgwOA", "ZDE6\x00", "ZDE6MQ\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, c string) {
		n, err := DecodeCursor(c)
		if err != nil {
			var ce *customs.Error
			if !errors.As(err, &ce) || ce.Code != customs.CodeBadRequest || len(ce.Problems) != 1 || ce.Problems[0].Path != "cursor" {
				t.Fatalf("DecodeCursor(%q): %#v, want a 400 with one problem at cursor", c, err)
			}
			return
		}
		if n <= 0 {
			t.Fatalf("DecodeCursor(%q) = %d, want a positive position", c, n)
		}
		if again, err := DecodeCursor(EncodeCursor(n)); err != nil || again != n {
			t.Fatalf("DecodeCursor(%q) = %d; its own cursor %q decodes to %d, %v", c, n, EncodeCursor(n), again, err)
		}
	})
}
