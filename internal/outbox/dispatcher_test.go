package outbox_test

import (
	"context"
	"database/sql"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/canonical"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/inspection"
	"github.com/jjj/gateway/internal/outbox"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/reviewcentre/sim"
)

func TestRetryPolicy(t *testing.T) {
	t.Parallel()
	max := func(n int64) int64 { return n - 1 }
	zero := func(int64) int64 { return 0 }
	p := outbox.RetryPolicy{Base: time.Second, Cap: time.Minute, MaxRetryAfter: 10 * time.Minute, RandFunc: max}
	for _, tt := range []struct {
		attempt    int
		retryAfter time.Duration
		rand       func(int64) int64
		want       time.Duration
	}{
		{attempt: 1, rand: max, want: time.Second},
		{attempt: 2, rand: max, want: 2 * time.Second},
		{attempt: 4, rand: max, want: 8 * time.Second},
		{attempt: 7, rand: max, want: time.Minute},   // capped (64s > 60s)
		{attempt: 500, rand: max, want: time.Minute}, // no overflow
		{attempt: 0, rand: max, want: time.Second},
		{attempt: 3, rand: zero, want: 0},                                            // full jitter reaches zero
		{attempt: 3, rand: zero, retryAfter: 5 * time.Second, want: 5 * time.Second}, // Retry-After is a floor
		{attempt: 1, rand: max, retryAfter: 5 * time.Minute, want: 5 * time.Minute},  // and wins over the cap
		{attempt: 1, rand: max, retryAfter: 50 * time.Hour, want: 10 * time.Minute},  // within reason
		{attempt: 4, rand: max, retryAfter: 2 * time.Second, want: 8 * time.Second},  // a later jitter stays
	} {
		p.RandFunc = tt.rand
		if got := p.NextRetry(tt.attempt, tt.retryAfter); got != tt.want {
			t.Errorf("NextRetry(%d, %s) = %s, want %s", tt.attempt, tt.retryAfter, got, tt.want)
		}
	}
	// Real jitter: within [0, ceiling], spread over it (mean near half).
	p = outbox.RetryPolicy{Base: 100 * time.Millisecond, Cap: time.Second}
	var sum time.Duration
	const n = 4000
	for range n {
		d := p.NextRetry(3, 0)
		if d < 0 || d > 400*time.Millisecond {
			t.Fatalf("NextRetry(3) = %s outside [0, 400ms]", d)
		}
		sum += d
	}
	if mean := sum / n; mean < 170*time.Millisecond || mean > 230*time.Millisecond {
		t.Errorf("mean delay %s, want about 200ms (full jitter)", mean)
	}
	if c := (outbox.RetryPolicy{}).Ceiling(1); c != time.Second {
		t.Errorf("default base %s", c)
	}
	if c := (outbox.RetryPolicy{}).Ceiling(100); c != 5*time.Minute {
		t.Errorf("default cap %s", c)
	}
}

func timeline(t *testing.T, db *postgres.DB, id string) []postgres.TimelineRow {
	t.Helper()
	tl, err := db.Timeline(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return tl
}

func statuses(tl []postgres.TimelineRow) string {
	var s []string
	for _, e := range tl {
		s = append(s, e.Status)
	}
	return strings.Join(s, ",")
}

// TestDeliver: each declaration delivered once, its entry id recorded, the
// delivery on its timeline once, the attempt recorded.
func TestDeliver(t *testing.T) {
	t.Parallel()
	b := setup(t, sim.Config{}, nil)
	ids := insert(t, b.db, 40, declOpt{})
	held := insert(t, b.db, 1, declOpt{openTask: true})[0]
	b.run(t, testConfig())
	waitFor(t, 20*time.Second, "every delivery", func() bool { return count(t, b.db).Delivered == 41 })
	checkExactlyOnce(t, b.db, b.sim, append(slices.Clone(ids), held))

	row, err := b.db.GetDeclaration(context.Background(), ids[0])
	if err != nil {
		t.Fatal(err)
	}
	tl := timeline(t, b.db, ids[0])
	if got := statuses(tl); got != "accepted,delivered" {
		t.Errorf("timeline %s, want accepted,delivered", got)
	}
	if last := tl[len(tl)-1]; last.Actor != outbox.Actor || !strings.Contains(last.Note, row.EntryID.String) || !strings.Contains(string(last.Data), row.EntryID.String) {
		t.Errorf("delivered entry %+v does not carry entry id %s", last, row.EntryID.String)
	}
	// With an open task the status moves on, and the delivery is still on the timeline.
	if got := statuses(timeline(t, b.db, held)); got != "accepted,delivered,inspection_required" {
		t.Errorf("held timeline %s", got)
	}
	d, err := b.db.DeclarationDelivery(context.Background(), ids[0])
	if err != nil {
		t.Fatal(err)
	}
	att, err := b.db.DeliveryAttempts(context.Background(), []int64{d.ID})
	if err != nil {
		t.Fatal(err)
	}
	if a := att[d.ID]; len(a) != 1 || a[0].Outcome != "accepted" || a[0].StatusCode != 201 || a[0].Latency <= 0 {
		t.Errorf("attempts %+v", a)
	}
	if d.State != customs.OutboxCompleted || d.Attempts != 1 {
		t.Errorf("delivery %+v", d)
	}
}

// TestRefusalAndReplay: a refused declaration is a dead delivery with the
// reasons, delivery_failed on its timeline, and does not hold the others
// up; replayed after a fix, it is delivered.
func TestRefusalAndReplay(t *testing.T) {
	t.Parallel()
	b := setup(t, sim.Config{}, nil)
	before := insert(t, b.db, 5, declOpt{})
	bad := insert(t, b.db, 1, declOpt{canonical: []byte("<Declaration xmlns=\"urn:jjj:review-centre:declaration:v1\"/>")})[0]
	after := insert(t, b.db, 5, declOpt{})
	stop := b.run(t, testConfig())
	waitFor(t, 20*time.Second, "deliveries", func() bool { c := count(t, b.db); return c.Delivered == 10 && c.Failed == 1 })
	stop()

	row, _ := b.db.GetDeclaration(context.Background(), bad)
	if row.Status != "delivery_failed" {
		t.Errorf("status %s", row.Status)
	}
	tl := timeline(t, b.db, bad)
	last := tl[len(tl)-1]
	if last.Status != "delivery_failed" || !strings.Contains(last.Note, "refused by the review centre") || !strings.Contains(string(last.Data), "reasons") {
		t.Errorf("timeline entry %+v", last)
	}
	d, _ := b.db.DeclarationDelivery(context.Background(), bad)
	if d.State != customs.OutboxDiscarded || d.Reason == "" || !strings.Contains(d.Reason, "validate") {
		t.Errorf("delivery %+v", d)
	}
	_ = before
	_ = after

	// Not dead: a replay is a conflict.
	good, _ := b.db.DeclarationDelivery(context.Background(), before[0])
	if err := outbox.Replay(context.Background(), outbox.Adapt[postgres.Tx](b.db), inspection.Lifecycle{}, good.ID, "admin:ops", "", time.Now()); customs.ErrorCodeOf(err) != customs.CodeConflict {
		t.Errorf("replay of a delivered row = %v, want conflict", err)
	}
	if err := outbox.Replay(context.Background(), outbox.Adapt[postgres.Tx](b.db), inspection.Lifecycle{}, 999999, "admin:ops", "", time.Now()); customs.ErrorCodeOf(err) != customs.CodeNotFound {
		t.Errorf("replay of an unknown row = %v, want not found", err)
	}
	// The operator fixes the message and replays it.
	fixed := testDeclaration(bad, time.Now())
	if _, err := b.db.ExecContext(context.Background(), `UPDATE declaration SET canonical = $2 WHERE id = $1`, bad, canonical.Marshal(fixed)); err != nil {
		t.Fatal(err)
	}
	if err := outbox.Replay(context.Background(), outbox.Adapt[postgres.Tx](b.db), inspection.Lifecycle{}, d.ID, "admin:ops", "asked by admin:ops", time.Now()); err != nil {
		t.Fatal(err)
	}
	row, _ = b.db.GetDeclaration(context.Background(), bad)
	tl = timeline(t, b.db, bad)
	if last := tl[len(tl)-1]; row.Status != "accepted" || last.Actor != "admin:ops" || !strings.Contains(last.Note, "replayed") {
		t.Errorf("after replay: status %s, last entry %+v", row.Status, last)
	}
	b.run(t, testConfig())
	waitFor(t, 20*time.Second, "the replayed delivery", func() bool { return count(t, b.db).Delivered == 11 })
	if got := statuses(timeline(t, b.db, bad)); got != "accepted,delivery_failed,accepted,delivered" {
		t.Errorf("timeline %s", got)
	}
}

// TestPoisonDoesNotBlock: a message the review centre always fails on is
// retried on its own schedule while every other one is delivered.
func TestPoisonDoesNotBlock(t *testing.T) {
	t.Parallel()
	var poison sync.Map
	b := setup(t, sim.Config{}, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, ok := poison.Load(r.Header.Get("Idempotency-Key")); ok {
				w.WriteHeader(500)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	bad := insert(t, b.db, 1, declOpt{})[0]
	poison.Store(bad, true)
	ids := insert(t, b.db, 60, declOpt{})
	cfg := testConfig()
	cfg.Concurrency = 2
	b.run(t, cfg)
	waitFor(t, 20*time.Second, "the others", func() bool { return count(t, b.db).Delivered == len(ids) })
	d, _ := b.db.DeclarationDelivery(context.Background(), bad)
	if d.State == customs.OutboxCompleted || d.Attempts < 1 || d.LastError == "" {
		t.Errorf("poisoned delivery %+v", d)
	}
	t.Logf("delivered %d while the poisoned one was tried %d times (%s)", len(ids), d.Attempts, d.LastError)
}

// TestOldestFirst: with one sender, the review centre sees declarations in
// the order they were accepted.
func TestOldestFirst(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var order []string
	b := setup(t, sim.Config{}, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			order = append(order, r.Header.Get("Idempotency-Key"))
			mu.Unlock()
			h.ServeHTTP(w, r)
		})
	})
	ids := insert(t, b.db, 30, declOpt{})
	cfg := testConfig()
	cfg.Concurrency, cfg.BatchSize = 1, 4
	b.run(t, cfg)
	waitFor(t, 20*time.Second, "deliveries", func() bool { return count(t, b.db).Delivered == len(ids) })
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(order, ids) {
		t.Errorf("sent in order %v, want %v", order, ids)
	}
}

// TestRouteAmendments: amendments go through the outbox with their own
// keys, after the declaration and in order; one of a declaration the
// review centre never accepted is not sent.
func TestRouteAmendments(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var order []string
	b := setup(t, sim.Config{}, func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			order = append(order, r.Method+" "+r.Header.Get("Idempotency-Key"))
			mu.Unlock()
			h.ServeHTTP(w, r)
		})
	})
	ctx := context.Background()
	id := insert(t, b.db, 1, declOpt{})[0]
	dead := insert(t, b.db, 1, declOpt{canonical: []byte("<Declaration/>")})[0]
	route := func(lane customs.Lane) *customs.Route {
		return &customs.Route{Lane: lane, RuleSet: "2026.1", Tasks: []customs.Task{{Workflow: customs.WorkflowInspection, Items: []int{1}}}}
	}
	var keys []string
	for _, target := range []string{id, id, dead} {
		tx, err := b.db.BeginTxx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		k, err := outbox.EnqueueRoute(ctx, postgres.Tx{ExtContext: tx}, target, route(customs.LanePortInspection), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if want := []string{id + ":route:1", id + ":route:2", dead + ":route:1"}; !slices.Equal(keys, want) {
		t.Fatalf("keys %v, want %v", keys, want)
	}
	// A rolled-back re-route enqueues nothing.
	tx, _ := b.db.BeginTxx(ctx, nil)
	if _, err := outbox.EnqueueRoute(ctx, postgres.Tx{ExtContext: tx}, id, route(customs.LaneRelease), time.Now()); err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	if _, err := outbox.EnqueueRoute(ctx, b.db, "d_nope", route(customs.LaneRelease), time.Now()); customs.ErrorCodeOf(err) != customs.CodeNotFound {
		t.Errorf("unknown declaration: %v", err)
	}

	b.run(t, testConfig())
	// Four of the five rows settle: both declarations (one refused) and
	// the two amendments of the delivered one.
	waitFor(t, 20*time.Second, "amendments", func() bool {
		c := count(t, b.db)
		return c.States[string(customs.OutboxCompleted)]+c.States[string(customs.OutboxDiscarded)] >= 4
	})
	// The dead declaration's amendment must stay unsent. Rather than sleep
	// and see whether it goes, wait for a claim that would have taken it:
	// a declaration queued now is claimed after every earlier due row (the
	// claim is oldest first and its batch holds them all), so once it is
	// delivered, a wrongly due amendment would carry a lease.
	sentinel := insert(t, b.db, 1, declOpt{})[0]
	waitFor(t, 20*time.Second, "a later declaration", func() bool {
		var delivery string
		return b.db.GetContext(ctx, &delivery, `SELECT delivery FROM declaration WHERE id = $1`, sentinel) == nil && delivery == "delivered"
	})
	var deadLease int64
	if err := b.db.GetContext(ctx, &deadLease, `SELECT lease FROM outbox WHERE idempotency_key = $1`, dead+":route:1"); err != nil {
		t.Fatal(err)
	}
	if deadLease != 0 {
		t.Errorf("the amendment of an undelivered declaration was claimed %d times", deadLease)
	}
	mu.Lock()
	got := slices.Clone(order)
	mu.Unlock()
	want := []string{"POST " + id, "PUT " + id + ":route:1", "PUT " + id + ":route:2"}
	var mine []string
	for _, o := range got {
		if strings.Contains(o, id) {
			mine = append(mine, o)
		}
		if strings.Contains(o, dead+":route") {
			t.Errorf("amendment of an undelivered declaration sent: %s", o)
		}
	}
	if !slices.Equal(mine, want) {
		t.Errorf("sent %v, want %v", mine, want)
	}
	tl := timeline(t, b.db, id)
	if last := tl[len(tl)-1]; last.Status != "delivered" || !strings.Contains(last.Note, id+":route:2") {
		t.Errorf("last timeline entry %+v", last)
	}
}

// TestLease: a claim whose process died is sent again after its lease; a
// stale claimer can no longer write.
func TestLease(t *testing.T) {
	t.Parallel()
	b := setup(t, sim.Config{}, nil)
	ctx := context.Background()
	ids := insert(t, b.db, 3, declOpt{})
	// A claimer that dies mid-send: it holds every row and never answers.
	dead, err := b.db.ClaimOutbox(ctx, 10, 500*time.Millisecond)
	if err != nil || len(dead) != 3 {
		t.Fatalf("claim = %d, %v", len(dead), err)
	}
	// When the dead claim's lease runs out, by the database's clock, read
	// before anything can take the rows over.
	var leaseEnd time.Time
	if err := b.db.GetContext(ctx, &leaseEnd, `SELECT min(locked_until) FROM outbox WHERE state = 'running'`); err != nil {
		t.Fatal(err)
	}
	if again, _ := b.db.ClaimOutbox(ctx, 10, time.Minute); len(again) != 0 {
		t.Fatalf("claimed rows held by a live lease: %d", len(again))
	}
	b.run(t, testConfig())
	waitFor(t, 10*time.Second, "redelivery", func() bool { return count(t, b.db).Delivered == 3 })
	// Measured from the claim, not from when this test got round to
	// starting the dispatcher: a stall of the test before that would make
	// a correct redelivery look early. No attempt may predate the lease's
	// end (an attempt's time is taken after its row was claimed).
	var first time.Time
	if err := b.db.GetContext(ctx, &first, `SELECT min(at) FROM delivery_attempt`); err != nil {
		t.Fatal(err)
	}
	if first.Before(leaseEnd) {
		t.Errorf("first redelivery attempt at %s, %s before the dead claim's lease ran out (%s)",
			first.Format(time.StampMicro), leaseEnd.Sub(first), leaseEnd.Format(time.StampMicro))
	}
	checkExactlyOnce(t, b.db, b.sim, ids)
	// The dead claimer wakes up: its writes are refused.
	fin, err := postgres.FinishOutbox(ctx, b.db, customs.DeliveryEnd{ID: dead[0].ID, Lease: dead[0].Lease, State: customs.OutboxDiscarded,
		Reason: "stale", Attempt: customs.Attempt{At: time.Now(), Outcome: "rejected"}})
	if err != nil || fin != nil {
		t.Errorf("stale finish = %+v, %v", fin, err)
	}
	if ok, err := b.db.RetryOutbox(ctx, dead[0].ID, dead[0].Lease, customs.Attempt{At: time.Now(), Outcome: "transient"}, 0); ok || err != nil {
		t.Errorf("stale retry = %v, %v", ok, err)
	}
	row, _ := b.db.GetDeclaration(ctx, dead[0].DeclarationID)
	if row.Status != "delivered" {
		t.Errorf("status %s after a stale write", row.Status)
	}
}

// TestSkipLocked: claimers racing over one backlog never share a row.
func TestSkipLocked(t *testing.T) {
	t.Parallel()
	b := setup(t, sim.Config{}, nil)
	insert(t, b.db, 300, declOpt{})
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				ms, err := b.db.ClaimOutbox(context.Background(), 7, time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if len(ms) == 0 {
					return
				}
				mu.Lock()
				for _, m := range ms {
					seen[m.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 300 {
		t.Errorf("%d rows claimed, want 300", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("row %d claimed %d times", id, n)
		}
	}
}

// TestRetryAfter: a 429's Retry-After is the least wait before the next try.
func TestRetryAfter(t *testing.T) {
	t.Parallel()
	b := setup(t, sim.Config{Faults: sim.Faults{ThrottleRate: 1, RetryAfter: 3 * time.Second}}, nil)
	insert(t, b.db, 1, declOpt{})
	stop := b.run(t, testConfig())
	var row struct {
		Sched   time.Time      `db:"scheduled_at"`
		Updated time.Time      `db:"updated_at"`
		Last    sql.NullString `db:"last_error"`
	}
	waitFor(t, 10*time.Second, "a throttled attempt", func() bool {
		return b.db.GetContext(context.Background(), &row, `SELECT scheduled_at, updated_at, last_error FROM outbox WHERE state = 'retryable'`) == nil
	})
	stop()
	if wait := row.Sched.Sub(row.Updated); wait < 3*time.Second-50*time.Millisecond {
		t.Errorf("next try after %s, want at least Retry-After 3s (cap is 300ms)", wait)
	}
	if !strings.Contains(row.Last.String, "429") {
		t.Errorf("last error %q", row.Last.String)
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	b := setup(t, sim.Config{}, nil)
	lc := inspection.Lifecycle{}
	if _, err := outbox.New(outbox.Adapt[postgres.Tx](b.db), b.client, outbox.Config{Lease: time.Second, Lifecycle: lc}, b.client.MaxDuration()); err == nil || !strings.Contains(err.Error(), "Lease") {
		t.Errorf("a lease shorter than a send was accepted: %v", err)
	}
	if _, err := outbox.New(nil, b.client, outbox.Config{Lifecycle: lc}, 0); err == nil {
		t.Error("no database accepted")
	}
	if _, err := outbox.New(outbox.Adapt[postgres.Tx](b.db), b.client, outbox.Config{}, 0); err == nil || !strings.Contains(err.Error(), "Lifecycle") {
		t.Errorf("no lifecycle accepted: %v", err)
	}
}
