package routing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"

	"github.com/jjj/gateway/internal/customs"
)

// two64 is 2^64 as a float64 (exact).
const two64 = 1 << 64

// DaySeed derives the day's seed from the secret (RANDOM_SEED_SECRET) as
// routing.md fixes it, so that an auditor with the secret can redo any draw
// of that day: Key = HMAC-SHA256(secret, "seed:"+day), ID = day + ":" + the
// first 8 hex digits of SHA-256(Key). day is yyyy-MM-dd in Beijing time
// (customs.BeijingDay of the receipt time).
func DaySeed(secret []byte, day string) Seed {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("seed:"))
	m.Write([]byte(day))
	key := m.Sum(nil)
	sum := sha256.Sum256(key)
	return Seed{Day: day, Key: key, ID: day + ":" + hex.EncodeToString(sum[:4])}
}

// Redraw computes the draw of one declaration: h = HMAC-SHA256(seed.Key,
// declID); Value = the first 8 bytes of h, big-endian, / 2^64; Selected when
// Value < rate. When selected and the roster is not empty, Inspector is
// roster[the next 8 bytes of h, big-endian, mod len(roster)]. Decide makes
// its draws with it, and GET /v1/admin/draws recomputes them with it.
//
// Value is the correctly rounded float64 of the exact quotient.
func Redraw(seed Seed, declID string, rate float64, roster []string) customs.Draw {
	h := hmacSHA256(seed.Key, declID)
	v := float64(binary.BigEndian.Uint64(h[:8])) / two64
	dr := customs.Draw{SeedID: seed.ID, Value: v, Rate: rate, Selected: v < rate}
	if dr.Selected && len(roster) > 0 {
		dr.Inspector = roster[binary.BigEndian.Uint64(h[8:16])%uint64(len(roster))]
	}
	return dr
}

// maxStackMsg bounds the messages hmacSHA256 hashes without allocating;
// declaration ids ("d_" + ULID) are far shorter.
const maxStackMsg = 128

// hmacSHA256 is HMAC-SHA256 (RFC 2104) written out over stack buffers, so
// that the draw, which runs for every declaration, allocates nothing.
// TestDrawByHand holds it to crypto/hmac.
func hmacSHA256(key []byte, msg string) [sha256.Size]byte {
	const block = 64
	if len(msg) > maxStackMsg {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(msg))
		var out [sha256.Size]byte
		m.Sum(out[:0])
		return out
	}
	if len(key) > block {
		k := sha256.Sum256(key)
		key = k[:]
	}
	var inner [block + maxStackMsg]byte
	var outer [block + sha256.Size]byte
	for i := 0; i < block; i++ {
		var k byte
		if i < len(key) {
			k = key[i]
		}
		inner[i] = k ^ 0x36
		outer[i] = k ^ 0x5c
	}
	n := copy(inner[block:], msg)
	ih := sha256.Sum256(inner[:block+n])
	copy(outer[block:], ih[:])
	return sha256.Sum256(outer[:])
}
