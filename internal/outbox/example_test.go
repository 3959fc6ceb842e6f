package outbox_test

import (
	"fmt"
	"time"

	"github.com/jjj/gateway/internal/outbox"
)

// The delay after a transient failure grows with the attempts, is spread
// by full jitter up to a cap, and never undercuts the review centre's
// Retry-After.
func ExampleRetryPolicy_NextRetry() {
	p := outbox.RetryPolicy{Base: time.Second, Cap: time.Minute,
		RandFunc: func(n int64) int64 { return n - 1 }} // the top of the jitter, for a stable example
	for _, attempt := range []int{1, 2, 3, 10} {
		fmt.Println(attempt, p.NextRetry(attempt, 0))
	}
	fmt.Println("429 with Retry-After 90s:", p.NextRetry(1, 90*time.Second))
	// Output:
	// 1 1s
	// 2 2s
	// 3 4s
	// 10 1m0s
	// 429 with Retry-After 90s: 1m30s
}
