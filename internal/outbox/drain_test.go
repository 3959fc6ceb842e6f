package outbox_test

import (
	"flag"
	"sync"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/reviewcentre/sim"
)

var drainBacklog = flag.Int("drain-backlog", 0, "run TestDrainBacklog with a backlog of this many declarations (issue 5 point 8: 10000)")

// insertParallel fills the outbox quickly, as a busy intake would.
func insertParallel(tb testing.TB, b *bundle, n int) {
	tb.Helper()
	const workers = 8
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := n / workers
			if w < n%workers {
				k++
			}
			insert(tb, b.db, k, declOpt{})
		}()
	}
	wg.Wait()
	if tb.Failed() {
		tb.FailNow() // an insert failed (reported from its goroutine)
	}
}

// drainBudget bounds the wait for a drain of n: generous for a slow
// machine (30 s, then 5 deliveries/s, a fifteenth of the validating rate
// measured on 2 busy cores), and never past the test binary's -timeout
// less a minute. A drain that stalls then fails in waitFor, and the test's
// cleanups stop the dispatcher and drop its databases; the panic of
// -timeout runs no cleanup and would leave them behind.
func drainBudget(tb testing.TB, n int) time.Duration {
	d := 30*time.Second + time.Duration(n)*time.Second/5
	if t, ok := tb.(interface{ Deadline() (time.Time, bool) }); ok {
		if end, ok := t.Deadline(); ok {
			d = min(d, time.Until(end)-time.Minute)
		}
	}
	return max(d, time.Second)
}

// TestDrainBacklog times the drain of a backlog left by an outage (go test
// ./internal/outbox -run TestDrainBacklog -drain-backlog 10000 -v). The
// review centre is the simulator with validation (xmllint, batched) and
// without.
func TestDrainBacklog(t *testing.T) {
	t.Parallel()
	if *drainBacklog == 0 {
		t.Log("-drain-backlog not set: measuring a small backlog only")
	}
	n := max(*drainBacklog, 500)
	for _, validate := range []bool{true, false} {
		name := "validating"
		if !validate {
			name = "not-validating"
		}
		t.Run(name, func(t *testing.T) {
			b := setup(t, sim.Config{NoValidate: !validate}, nil)
			insertParallel(t, b, n)
			start := time.Now()
			b.run(t, testConfig())
			waitFor(t, drainBudget(t, n), "the drain", func() bool { return count(t, b.db).Delivered == n })
			el := time.Since(start)
			st := b.sim.Stats()
			if int(st.Distinct) != n {
				t.Errorf("distinct %d, want %d", st.Distinct, n)
			}
			t.Logf("drained a backlog of %d in %s: %.0f deliveries/s (simulator %s; received %d, duplicates %d)",
				n, el.Round(time.Millisecond), float64(n)/el.Seconds(), name, st.Received, st.Duplicates)
		})
	}
}

// BenchmarkDrain measures the drain rate to a fast simulator (no latency,
// no validation): b.N declarations queued, then delivered.
func BenchmarkDrain(b *testing.B) {
	bb := setup(b, sim.Config{NoValidate: true}, nil)
	insertParallel(b, bb, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	stop := bb.run(b, testConfig())
	waitFor(b, drainBudget(b, b.N), "the drain", func() bool { return count(b, bb.db).Delivered >= b.N })
	b.StopTimer()
	stop()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "deliveries/s")
}
