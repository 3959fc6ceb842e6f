package customs_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/jjj/gateway/internal/customs"
)

// The oracle below is GB 32100-2015 written again from the standard, apart
// from the code under test: the alphabet without I, O, Z, S, V; weights
// 3^i mod 31; check value 31 − (Σ mod 31), where 31 is written as '0'.
const oracleAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

func oracleWeights() [17]int {
	var w [17]int
	p := 1
	for i := range w {
		w[i] = p
		p = p * 3 % 31
	}
	return w
}

// oracleCheck returns the check character of a valid 17-character prefix
// and whether its check value wrapped (31 → '0').
func oracleCheck(prefix string) (byte, bool) {
	w := oracleWeights()
	sum := 0
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(oracleAlphabet, prefix[i]) * w[i]
	}
	v := 31 - sum%31
	return oracleAlphabet[v%31], v == 31
}

func randomPrefix(r *rand.Rand) []byte {
	b := make([]byte, 17)
	for i := range b {
		b[i] = oracleAlphabet[r.IntN(31)]
	}
	return b
}

// wrapPrefix turns a prefix into one whose weighted sum is 0 mod 31 by
// choosing its last character (weight 28, whose inverse mod 31 is 10), so
// that its check value is 31, written '0'.
func wrapPrefix(b []byte) []byte {
	w := oracleWeights()
	sum := 0
	for i := 0; i < 16; i++ {
		sum += strings.IndexByte(oracleAlphabet, b[i]) * w[i]
	}
	b[16] = oracleAlphabet[((31-sum%31)*10)%31]
	return b
}

// checkAllLastChars asserts the property for one valid prefix: its check
// character passes and every other last character fails, reporting the
// right one; characters outside the alphabet fail without a suggestion.
func checkAllLastChars(t *testing.T, prefix string) {
	t.Helper()
	want, _ := oracleCheck(prefix)
	if got := customs.USCCCheckChar(prefix); got != want {
		t.Fatalf("USCCCheckChar(%q) = %q, want %q", prefix, got, want)
	}
	for i := 0; i < len(oracleAlphabet); i++ {
		c := oracleAlphabet[i]
		ok, suggested := customs.CheckUSCC(prefix + string(c))
		if ok != (c == want) || suggested != want {
			t.Fatalf("CheckUSCC(%q) = %v, %q; want %v, %q", prefix+string(c), ok, suggested, c == want, want)
		}
	}
	for _, c := range []byte("IOZSVa-\x00\xff") {
		if ok, suggested := customs.CheckUSCC(prefix + string(c)); ok || suggested != 0 {
			t.Fatalf("CheckUSCC(%q) = %v, %q; want false, 0 (not in the alphabet)", prefix+string(c), ok, suggested)
		}
	}
}

// TestUSCCProperty: for random valid prefixes, and for prefixes built so
// that the check value wraps from 31 to '0', the prefix with its check
// character passes and with any other last character fails.
func TestUSCCProperty(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(32100, 2015))
	wraps := 0
	for range 3000 {
		p := randomPrefix(r)
		checkAllLastChars(t, string(p))
		if _, wrapped := oracleCheck(string(p)); wrapped {
			wraps++
		}
		w := string(wrapPrefix(p))
		if c, wrapped := oracleCheck(w); !wrapped || c != '0' {
			t.Fatalf("oracle: %q should wrap to '0', got %q", w, c)
		}
		checkAllLastChars(t, w)
	}
	// About one random prefix in 31 wraps on its own as well.
	if wraps == 0 {
		t.Error("no random prefix wrapped: the generator is not random enough")
	}
	// Each of the 31 values of the last prefix character (weight 28, prime
	// to 31) gives a different check character: the map is a bijection.
	base := randomPrefix(r)
	seen := map[byte]bool{}
	for i := 0; i < 31; i++ {
		base[16] = oracleAlphabet[i]
		seen[customs.USCCCheckChar(string(base))] = true
	}
	if len(seen) != 31 {
		t.Errorf("the last prefix character reaches %d check characters, want all 31", len(seen))
	}
}

func TestUSCCCheckCharPanicsOnABadPrefix(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"", "0000000000000000", "000000000000000000", "0000000000000000I", "0000000000000000a"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("USCCCheckChar(%q) did not panic", p)
				}
			}()
			customs.USCCCheckChar(p)
		}()
	}
}

// FuzzCheckUSCC: for any string, CheckUSCC agrees with the oracle.
func FuzzCheckUSCC(f *testing.F) {
	for _, s := range []string{"91130104MA0CF8N241", "91120116732845199J", "000000000000000000", "000000000000000001",
		"91130104ma0cf8n241", "91130104MA0CF8NI41", "", "9113010", "91130104MA0CF8N2411"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ok, want := customs.CheckUSCC(s)
		form := len(s) == 18
		for i := 0; form && i < 18; i++ {
			form = strings.IndexByte(oracleAlphabet, s[i]) >= 0
		}
		if !form {
			if ok || want != 0 {
				t.Fatalf("CheckUSCC(%q) = %v, %q; want false, 0 (not the form of a USCC)", s, ok, want)
			}
			return
		}
		c, _ := oracleCheck(s[:17])
		if want != c || ok != (s[17] == c) {
			t.Fatalf("CheckUSCC(%q) = %v, %q; oracle says check %q", s, ok, want, c)
		}
	})
}
