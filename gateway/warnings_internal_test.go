package gateway

import (
	"testing"
	"time"
)

func TestKeysetCursor(t *testing.T) {
	at := time.Date(2026, 11, 27, 8, 0, 0, 123456000, time.UTC)
	c := encodeKeyset("t1", at, 42)
	gotAt, seq, err := decodeKeyset("t1", c)
	if err != nil || !gotAt.Equal(at) || seq != 42 {
		t.Errorf("round trip: %s %d %v", gotAt, seq, err)
	}
	if _, _, err := decodeKeyset("w1", c); err == nil {
		t.Error("a trace cursor was taken by the warning list")
	}
}

// FuzzDecodeKeyset: any cursor either decodes to a positive sequence
// number that encodes back the same, or is refused; never a panic.
func FuzzDecodeKeyset(f *testing.F) {
	f.Add(encodeKeyset("t1", time.Unix(1700000000, 0), 7))
	f.Add("")
	f.Add("dDE6MTox")
	f.Fuzz(func(t *testing.T, c string) {
		at, seq, err := decodeKeyset("t1", c)
		if err != nil {
			return
		}
		if seq <= 0 {
			t.Fatalf("%q: seq %d", c, seq)
		}
		at2, seq2, err := decodeKeyset("t1", encodeKeyset("t1", at, seq))
		if err != nil || !at2.Equal(at) || seq2 != seq {
			t.Fatalf("%q: re-encoded %s %d %v", c, at2, seq2, err)
		}
	})
}
