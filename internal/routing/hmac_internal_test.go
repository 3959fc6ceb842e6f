package routing

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"testing"
)

// hmacSHA256 must be crypto/hmac's HMAC-SHA256 for every key and message
// length, across the stack-buffer bound and the block size.
func TestHMACSHA256MatchesStdlib(t *testing.T) {
	t.Parallel()
	for _, kl := range []int{0, 1, 32, 63, 64, 65, 100} {
		key := []byte(strings.Repeat("k", kl))
		for ml := 0; ml <= maxStackMsg+70; ml++ {
			msg := strings.Repeat("d", ml)
			m := hmac.New(sha256.New, key)
			m.Write([]byte(msg))
			want := m.Sum(nil)
			if got := hmacSHA256(key, msg); !hmac.Equal(got[:], want) {
				t.Fatalf("key %d bytes, message %d bytes: %x, want %x", kl, ml, got, want)
			}
		}
	}
}
