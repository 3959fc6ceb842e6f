package outbox

import (
	"math/rand/v2"
	"time"
)

// RetryPolicy schedules the next try after a transient failure:
// exponential backoff with full jitter (a uniform delay between zero and
// Base·2^(attempt-1), capped at Cap), so that many messages failing
// together do not come back together; but never sooner than the review
// centre's Retry-After, which wins over the cap up to MaxRetryAfter.
type RetryPolicy struct {
	// Base is the first ceiling; zero means 1s.
	Base time.Duration
	// Cap bounds the ceiling; zero means 5m.
	Cap time.Duration
	// MaxRetryAfter bounds a Retry-After, against a remote asking for a
	// pause of days; zero means 1h.
	MaxRetryAfter time.Duration
	// RandFunc returns a uniform number in [0, n); nil means math/rand/v2.
	RandFunc func(n int64) int64
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.Base <= 0 {
		p.Base = time.Second
	}
	if p.Cap <= 0 {
		p.Cap = 5 * time.Minute
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = time.Hour
	}
	if p.RandFunc == nil {
		p.RandFunc = rand.Int64N
	}
	return p
}

// Ceiling is the largest delay NextRetry may give after attempt tries
// (attempt >= 1), before Retry-After.
func (p RetryPolicy) Ceiling(attempt int) time.Duration {
	p = p.withDefaults()
	if attempt < 1 {
		attempt = 1
	}
	c := p.Base
	for i := 1; i < attempt && c < p.Cap; i++ {
		c *= 2
	}
	if c > p.Cap {
		c = p.Cap
	}
	return c
}

// NextRetry returns the delay before the next try of a message that has
// had attempt tries, the last answered with retryAfter (0 if none).
func (p RetryPolicy) NextRetry(attempt int, retryAfter time.Duration) time.Duration {
	p = p.withDefaults()
	d := time.Duration(p.RandFunc(int64(p.Ceiling(attempt)) + 1))
	if retryAfter > p.MaxRetryAfter {
		retryAfter = p.MaxRetryAfter
	}
	if d < retryAfter {
		d = retryAfter
	}
	return d
}
