package outbox_test

// The fault tests of issue 5 point 7, against the real database and the
// simulator over HTTP. Each prints its counts (go test -v).

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/outbox"
	"github.com/jjj/gateway/internal/reviewcentre/sim"
)

// TestFaultDownThenBack: (a) the review centre is down while 1,000
// declarations are accepted, then comes back: all delivered, none accepted
// twice, and the open breaker kept the outbox from spending attempts.
func TestFaultDownThenBack(t *testing.T) {
	t.Parallel()
	const n = 1000
	b := setup(t, sim.Config{}, nil)
	b.sim.SetDown(time.Hour)
	b.run(t, testConfig())
	start := time.Now()
	ids := insert(t, b.db, n, declOpt{})
	time.Sleep(time.Second) // down a while longer, breaker probing
	during := count(t, b.db)
	if during.Delivered != 0 {
		t.Fatalf("%d delivered while down", during.Delivered)
	}
	// The breaker stops the hammering: a handful of sends, then one probe
	// per breaker timeout, not one per declaration.
	if during.Attempts > 100 {
		t.Errorf("%d attempts while down for %d declarations: the breaker did not hold", during.Attempts, n)
	}
	downFor := time.Since(start)
	b.sim.SetDown(0)
	back := time.Now()
	waitFor(t, 45*time.Second, "the drain", func() bool { return count(t, b.db).Delivered == n })
	drain := time.Since(back)
	checkExactlyOnce(t, b.db, b.sim, ids)
	st := b.sim.Stats()
	c := count(t, b.db)
	t.Logf("(a) down %s while %d accepted: %d attempts while down (%d rows untried); back: drained in %s; delivered %d, review centre received %d, distinct %d, duplicates %d; %d attempts in all",
		downFor.Round(time.Millisecond), n, during.Attempts, n-during.Attempts, drain.Round(time.Millisecond), c.Delivered, st.Received, st.Distinct, st.Duplicates, c.Attempts)
}

// TestFaultFlapping: (b) 30% of requests fail (503), and 5% more are
// processed but answered with garbage (a lost answer): all delivered, none
// accepted twice.
func TestFaultFlapping(t *testing.T) {
	t.Parallel()
	const n = 1000
	b := setup(t, sim.Config{Faults: sim.Faults{FailRate: 0.3, GarbageRate: 0.05}, Seed: 42}, nil)
	ids := insert(t, b.db, n, declOpt{})
	start := time.Now()
	b.run(t, testConfig())
	waitFor(t, 50*time.Second, "every delivery", func() bool { return count(t, b.db).Delivered == n })
	checkExactlyOnce(t, b.db, b.sim, ids)
	st := b.sim.Stats()
	c := count(t, b.db)
	if st.Duplicates == 0 {
		t.Errorf("no repeat after a garbage answer: the lost-answer path was not exercised")
	}
	t.Logf("(b) flapping 30%% 503 + 5%% garbage: %d delivered in %s; review centre received %d, distinct %d, duplicates (409 after a lost answer) %d; %d attempts recorded; outcomes accepted %.0f transient %.0f snoozed %.0f",
		c.Delivered, time.Since(start).Round(time.Millisecond), st.Received, st.Distinct, st.Duplicates, c.Attempts,
		counter(b, "accepted"), counter(b, "transient"), counter(b, "snoozed"))
}

// TestFaultSlowAndThrottled: a slow review centre that throttles 20% of
// requests with Retry-After: all delivered once, no request sooner than
// asked.
func TestFaultSlowAndThrottled(t *testing.T) {
	t.Parallel()
	const n = 300
	b := setup(t, sim.Config{Faults: sim.Faults{ThrottleRate: 0.2, RetryAfter: time.Second, Latency: 20 * time.Millisecond}, Seed: 3}, nil)
	ids := insert(t, b.db, n, declOpt{})
	b.run(t, testConfig())
	waitFor(t, 50*time.Second, "every delivery", func() bool { return count(t, b.db).Delivered == n })
	checkExactlyOnce(t, b.db, b.sim, ids)
	var early int
	if err := b.db.GetContext(context.Background(), &early, `
SELECT count(*) FROM delivery_attempt a JOIN delivery_attempt b ON b.outbox_id = a.outbox_id AND b.id > a.id
WHERE a.status_code = 429 AND b.at < a.at + interval '1 second'
  AND NOT EXISTS (SELECT 1 FROM delivery_attempt m WHERE m.outbox_id = a.outbox_id AND m.id > a.id AND m.id < b.id)`); err != nil {
		t.Fatal(err)
	}
	if early > 0 {
		t.Errorf("%d tries came sooner than the Retry-After of the 429 before them", early)
	}
	st := b.sim.Stats()
	t.Logf("slow (20ms) and throttled (20%% 429, Retry-After 1s): %d delivered; received %d, distinct %d, duplicates %d", n, st.Received, st.Distinct, st.Duplicates)
}

// TestFaultTwoDispatchers: two dispatchers on one database share the work,
// and a key is never in flight twice at once. In flight means a sender
// still waits for the answer: a request whose sender gave up (the client's
// timeout, under a loaded machine) may still be in the simulator, and a
// resend then is the outbox working as meant, not two sends at once.
func TestFaultTwoDispatchers(t *testing.T) {
	t.Parallel()
	const n = 600
	var mu sync.Mutex
	inFlight := map[string][]context.Context{}
	overlaps := 0
	b := setup(t, sim.Config{Faults: sim.Faults{Latency: 5 * time.Millisecond}}, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			k, ctx := r.Header.Get("Idempotency-Key"), r.Context()
			mu.Lock()
			if slices.ContainsFunc(inFlight[k], func(c context.Context) bool { return c.Err() == nil }) {
				overlaps++
			}
			inFlight[k] = append(inFlight[k], ctx)
			mu.Unlock()
			h.ServeHTTP(w, r)
			mu.Lock()
			inFlight[k] = slices.DeleteFunc(inFlight[k], func(c context.Context) bool { return c == ctx })
			mu.Unlock()
		})
	})
	ids := insert(t, b.db, n, declOpt{})
	b.run(t, testConfig())
	b.run(t, testConfig())
	waitFor(t, 45*time.Second, "every delivery", func() bool { return count(t, b.db).Delivered == n })
	checkExactlyOnce(t, b.db, b.sim, ids)
	mu.Lock()
	defer mu.Unlock()
	if overlaps > 0 {
		t.Errorf("a key was in flight twice at once %d times", overlaps)
	}
	st := b.sim.Stats()
	t.Logf("two dispatchers: delivered %d; received %d, distinct %d, duplicates %d, overlaps %d", n, st.Received, st.Distinct, st.Duplicates, overlaps)
}

func counter(b *bundle, outcome string) float64 { return outbox.DeliveriesCounted(b.metrics, outcome) }
