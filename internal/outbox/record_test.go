package outbox_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/jjj/gateway/internal/outbox"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/postgres/pgtest"
	"github.com/jjj/gateway/internal/reviewcentre"
)

// barrierSender accepts every message, but answers none of the first n
// before all n arrived, so that their acceptances are recorded together.
// entry gives each key its entry id.
type barrierSender struct {
	n     int
	entry func(key string) string

	mu      sync.Mutex
	arrived int
	all     chan struct{}
	sends   map[string]int
}

func (s *barrierSender) Send(ctx context.Context, m reviewcentre.Message) (*reviewcentre.Ack, error) {
	s.mu.Lock()
	s.sends[m.Key]++
	s.arrived++
	if s.arrived == s.n {
		close(s.all)
	}
	s.mu.Unlock()
	select {
	case <-s.all:
	case <-time.After(5 * time.Second):
	}
	return &reviewcentre.Ack{Status: 201, EntryID: s.entry(m.Key)}, nil
}

func (s *barrierSender) BreakerState() gobreaker.State { return gobreaker.StateClosed }

// TestRecordBatch: acceptances recorded together write what accept writes
// one by one (entry id, attempt, timeline, derived status, webhook events),
// and one that cannot be recorded (the review centre gave its entry id
// twice) is left to its lease while the others of its batch are recorded.
func TestRecordBatch(t *testing.T) {
	t.Parallel()
	for _, poisoned := range []bool{false, true} {
		t.Run(fmt.Sprintf("poisoned=%v", poisoned), func(t *testing.T) {
			t.Parallel()
			testRecordBatch(t, poisoned)
		})
	}
}

func testRecordBatch(t *testing.T, poisoned bool) {
	db := pgtest.New(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `INSERT INTO webhook (id, enterprise, url, secret, state, created_at, updated_at)
VALUES ('wh_1', '91130200MA0FK3L20Y', 'http://127.0.0.1:1/', 's', 'active', now(), now())`); err != nil {
		t.Fatal(err)
	}
	plain := insert(t, db, 20, declOpt{})
	held := insert(t, db, 10, declOpt{openTask: true})
	all := append(slices.Clone(plain), held...)
	index := map[string]int{}
	for i, id := range all {
		index[id] = i
	}
	first, dup := plain[2], plain[3] // if poisoned, dup is given first's entry id
	entry := func(key string) string {
		i := index[key]
		if poisoned && key == dup {
			i = index[first]
		}
		return fmt.Sprintf("202600001%09d", i)
	}
	want := len(all)
	if poisoned {
		want--
	}
	s := &barrierSender{n: len(all), entry: entry, all: make(chan struct{}), sends: map[string]int{}}
	cfg := testConfig()
	cfg.Concurrency, cfg.Lease = len(all), 3*time.Second
	cfg.Metrics = outbox.NewMetrics(s.BreakerState)
	var logs syncBuffer
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	d, err := outbox.New(outbox.Adapt[postgres.Tx](db), s, cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); d.Run(rctx) }()
	t.Cleanup(func() { cancel(); <-done })
	waitFor(t, 20*time.Second, "the deliveries", func() bool { return count(t, db).Delivered == want })
	const batchFailed = "recording a batch of acceptances failed"
	if poisoned {
		// The pair's second acceptance may be in a batch not yet run when
		// the others are all delivered.
		waitFor(t, 20*time.Second, "the failed batch in the log", func() bool { return strings.Contains(logs.String(), batchFailed) })
	} else if strings.Contains(logs.String(), batchFailed) {
		t.Errorf("a batch failed; log:\n%s", logs.String())
	}

	// Exactly one of a pair sharing an entry id is delivered, with it.
	var delivered []string
	if err := db.SelectContext(ctx, &delivered, `SELECT id FROM declaration WHERE delivery = 'delivered' AND id = ANY(ARRAY[$1, $2]) `, first, dup); err != nil {
		t.Fatal(err)
	}
	if len(delivered) != 2-(len(all)-want) {
		t.Fatalf("delivered %v of %s and %s, want one", delivered, first, dup)
	}
	for _, id := range all {
		row, err := db.GetDeclaration(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var delivery string
		if err := db.GetContext(ctx, &delivery, `SELECT delivery FROM declaration WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if delivery != "delivered" {
			if !poisoned || (id != first && id != dup) {
				t.Errorf("%s: delivery %s", id, delivery)
			}
			continue
		}
		if want := entry(id); row.EntryID.String != want {
			t.Errorf("%s: entry id %q, want %q", id, row.EntryID.String, want)
		}
		wantTL := "accepted,delivered"
		if slices.Contains(held, id) {
			wantTL = "accepted,delivered,inspection_required"
		}
		tl := timeline(t, db, id)
		if got := statuses(tl); got != wantTL {
			t.Errorf("%s: timeline %s, want %s", id, got, wantTL)
		}
		if e := tl[1]; !strings.Contains(e.Note, row.EntryID.String) || !strings.Contains(string(e.Data), row.EntryID.String) || e.Actor != outbox.Actor {
			t.Errorf("%s: delivered entry %+v", id, e)
		}
		var events []struct {
			Status   string  `db:"status"`
			Previous *string `db:"previous"`
		}
		if err := db.SelectContext(ctx, &events, `SELECT status, previous FROM webhook_event WHERE declaration_id = $1 ORDER BY id`, id); err != nil {
			t.Fatal(err)
		}
		last := wantTL[strings.LastIndex(wantTL, ",")+1:]
		if len(events) != 2 || events[1].Status != last || events[1].Previous == nil || *events[1].Previous != "accepted" {
			t.Errorf("%s: webhook events %+v, want accepted then %s", id, events, last)
		}
		if row.Status != last {
			t.Errorf("%s: status %s, want %s", id, row.Status, last)
		}
	}
	var attempts int
	if err := db.GetContext(ctx, &attempts, `SELECT count(*) FROM delivery_attempt a JOIN outbox o ON o.id = a.outbox_id
WHERE o.state = 'completed' AND a.outcome = 'accepted'`); err != nil {
		t.Fatal(err)
	}
	if attempts != want {
		t.Errorf("%d accepted attempts recorded, want %d", attempts, want)
	}
	s.mu.Lock()
	for _, id := range all {
		if n := s.sends[id]; n != 1 && (!poisoned || (id != first && id != dup)) {
			t.Errorf("%s sent %d times", id, n)
		}
	}
	s.mu.Unlock()
	if n := outbox.DeliveriesCounted(cfg.Metrics, "lease_lost"); n != 0 {
		t.Errorf("%v leases lost", n)
	}
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
