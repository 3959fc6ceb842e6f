package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/reviewcentre"
)

// Sender sends one message to the review centre and classifies the
// answer (reviewcentre.Client): an Ack, an error matching
// reviewcentre.ErrRejected, the breaker's own error
// (reviewcentre.IsBreakerOpen), or a transient error.
type Sender interface {
	Send(ctx context.Context, m reviewcentre.Message) (*reviewcentre.Ack, error)
	BreakerState() gobreaker.State
}

// Actor is the timeline actor of what the review centre's answers do.
const Actor = "reviewcentre"

// Config configures a Dispatcher. Zero values mean the documented defaults.
type Config struct {
	// BatchSize is the most rows one claim takes, and how far claims run
	// ahead of the senders; zero means 64.
	BatchSize int
	// Concurrency is how many messages are in flight at once; zero means 16.
	Concurrency int
	// RecordBatch is the most acceptances recorded in one transaction;
	// zero means 64. Acceptances waiting to be recorded do not count
	// against Concurrency; at most BatchSize+Concurrency+RecordBatch rows
	// are claimed and not yet recorded.
	RecordBatch int
	// Lease is how long a claim holds a row. It must be longer than a send
	// can take (reviewcentre.Client.MaxDuration): a row whose lease runs
	// out is sent again by whoever claims it next. Zero means 2m.
	Lease time.Duration
	// PollInterval is the pause when nothing is due; zero means 250ms.
	PollInterval time.Duration
	// SnoozeDelay is how long a row that met an open breaker waits (with
	// jitter); zero means 1s.
	SnoozeDelay time.Duration
	// Retry schedules transient failures.
	Retry RetryPolicy
	// MaxAttempts discards a message after that many transient failures;
	// zero means never: the review centre may be down for hours, and the
	// outbox is where declarations wait for it.
	MaxAttempts int
	// Metrics, if set, counts outcomes.
	Metrics *Metrics
	// Logger: nil means slog.Default().
	Logger *slog.Logger
	// NowFunc gives timeline times; nil means time.Now. Lease and schedule
	// times are the database's clock, shared by every process.
	NowFunc func() time.Time
	// Lifecycle records what answers do to a declaration's status;
	// required (inspection.Lifecycle).
	Lifecycle Lifecycle
}

func (c Config) withDefaults() Config {
	if c.BatchSize <= 0 {
		c.BatchSize = 64
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 16
	}
	if c.RecordBatch <= 0 {
		c.RecordBatch = 64
	}
	if c.Lease <= 0 {
		c.Lease = 2 * time.Minute
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 250 * time.Millisecond
	}
	if c.SnoozeDelay <= 0 {
		c.SnoozeDelay = time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	c.Retry = c.Retry.withDefaults()
	return c
}

// Dispatcher sends the outbox to the review centre.
type Dispatcher struct {
	store   Store
	sender  Sender
	cfg     Config
	maxSend time.Duration
}

// New makes a Dispatcher over store. maxSend, if positive, is the longest
// a send may take; a Lease not longer than it is an error.
func New(store Store, sender Sender, cfg Config, maxSend time.Duration) (*Dispatcher, error) {
	cfg = cfg.withDefaults()
	switch {
	case store == nil:
		return nil, errors.New("outbox: a store is required")
	case sender == nil:
		return nil, errors.New("outbox: a sender is required")
	case cfg.Lifecycle == nil:
		return nil, errors.New("outbox: Config.Lifecycle is required")
	case maxSend > 0 && cfg.Lease <= maxSend:
		return nil, fmt.Errorf("outbox: Config.Lease %s must be longer than a send can take (%s)", cfg.Lease, maxSend)
	case cfg.MaxAttempts < 0:
		return nil, errors.New("outbox: Config.MaxAttempts must not be negative")
	}
	return &Dispatcher{store: store, sender: sender, cfg: cfg, maxSend: maxSend}, nil
}

func (d *Dispatcher) now() time.Time {
	if d.cfg.NowFunc != nil {
		return d.cfg.NowFunc().UTC()
	}
	return time.Now().UTC()
}

// Run dispatches until ctx ends, then waits for the messages being sent:
// they are sent and their outcome written (bounded by the client's
// timeout), and the ones claimed but not yet sent are put back, so a
// graceful stop leaves no row running.
//
// Claims run ahead of the senders by up to BatchSize rows, so a sender
// freed never waits for a claim; and a sender is free again as soon as its
// answer is in hand, because acceptances are recorded together, in
// batches, by the recorder (see recorder). Rows claimed and not yet recorded are bounded
// by BatchSize+Concurrency+RecordBatch.
func (d *Dispatcher) Run(ctx context.Context) {
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		held    int // claimed, not yet recorded
		freed   = make(chan struct{}, 1)
		dbPause = d.cfg.PollInterval
		maxHeld = d.cfg.BatchSize + d.cfg.Concurrency + d.cfg.RecordBatch
		// queue holds the rows claimed and not yet being sent, in claim
		// order (oldest first); claims keep at most BatchSize in it.
		queue = make(chan claimedMessage, d.cfg.BatchSize)
	)
	signal := func() {
		select {
		case freed <- struct{}{}:
		default:
		}
	}
	wait := func(dur time.Duration) bool {
		t := time.NewTimer(dur)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		case <-freed:
		}
		return true
	}
	// Sends outlive a shutdown: stopping mid-send would only cost a resend.
	sendCtx := context.WithoutCancel(ctx)
	rec := d.startRecorder(sendCtx)
	for range d.cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range queue {
				signal()
				sent := make(chan struct{})
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() {
						mu.Lock()
						held--
						mu.Unlock()
						signal()
					}()
					var once sync.Once
					done := func() { once.Do(func() { close(sent) }) }
					defer done()
					if ctx.Err() != nil {
						// Stopping: leave it to the next claimer now.
						d.putBack(sendCtx, c.m, c.at)
						return
					}
					d.deliver(sendCtx, c.m, c.at, rec, done)
				}()
				// The sender is free once the answer is in hand.
				<-sent
			}
		}()
	}
	for ctx.Err() == nil {
		mu.Lock()
		busy := held
		mu.Unlock()
		limit := min(d.cfg.BatchSize-len(queue), maxHeld-busy)
		switch d.sender.BreakerState() {
		case gobreaker.StateOpen:
			// Claim nothing: rows wait without spending attempts.
			wait(min(d.cfg.PollInterval, 100*time.Millisecond))
			continue
		case gobreaker.StateHalfOpen:
			// One probe at a time, as the breaker allows.
			limit = min(limit, 1)
			if busy > 0 {
				limit = 0
			}
		}
		// Claim in batches: wait until half a batch was taken up rather
		// than claiming a row per freed sender.
		if limit <= 0 || (busy > 0 && limit < (d.cfg.BatchSize+1)/2) {
			wait(d.cfg.PollInterval)
			continue
		}
		claimed := time.Now()
		// The claim runs to its end even when ctx is cancelled meanwhile:
		// a claim that committed in the database while the call gave up
		// would leave its rows running, unsent, until their lease ran out.
		// Claimed rows still queued at shutdown are put back.
		msgs, err := d.store.ClaimOutbox(sendCtx, limit, d.cfg.Lease)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			d.cfg.Logger.Warn("outbox: claim failed; the database may be unavailable", "err", err, "retryIn", dbPause.String())
			wait(dbPause)
			dbPause = min(dbPause*2, 2*time.Second)
			continue
		}
		dbPause = d.cfg.PollInterval
		mu.Lock()
		held += len(msgs)
		mu.Unlock()
		for _, m := range msgs {
			queue <- claimedMessage{m: m, at: claimed}
		}
		if len(msgs) < limit {
			wait(d.cfg.PollInterval)
		}
	}
	close(queue)
	wg.Wait()
	rec.stop()
}

// claimedMessage is a claimed row and when it was claimed (its lease runs
// from then).
type claimedMessage struct {
	m  customs.Delivery
	at time.Time
}

// putBack returns a claimed row unsent, due at once, without spending an
// attempt: the dispatcher is stopping, or too little of the lease is left
// to send it.
func (d *Dispatcher) putBack(ctx context.Context, m customs.Delivery, claimed time.Time) {
	d.count("snoozed")
	d.persist(ctx, claimed.Add(d.cfg.Lease*9/10), m, func(ctx context.Context) error {
		_, err := d.store.SnoozeOutbox(ctx, m.ID, m.Lease, 0)
		return err
	})
}

// deliver sends one message claimed at claimed and writes its outcome: an
// acceptance through rec, with the others of the moment; anything else, or
// an acceptance rec could not record, on its own. It calls sent once the
// answer is in hand (or nothing will be sent).
func (d *Dispatcher) deliver(ctx context.Context, m customs.Delivery, claimed time.Time, rec *recorder, sent func()) {
	deadline := claimed.Add(d.cfg.Lease * 9 / 10)
	defer sent()
	if d.maxSend > 0 && time.Until(claimed.Add(d.cfg.Lease)) < d.maxSend {
		// It waited for a sender so long that the lease may run out
		// mid-send and another claimer send it too.
		sent()
		d.putBack(ctx, m, claimed)
		return
	}
	defer func() {
		// A panic in one message must not take the dispatcher down; the
		// row is retried like a transient failure.
		if r := recover(); r != nil {
			d.cfg.Logger.Error("outbox: panic delivering a message", "id", m.ID, "declaration", m.DeclarationID, "key", m.Key, "panic", r)
			d.persist(ctx, deadline, m, func(ctx context.Context) error {
				_, err := d.store.RetryOutbox(ctx, m.ID, m.Lease, customs.Attempt{At: d.now(), Outcome: "transient", Error: fmt.Sprint("panic: ", r)},
					d.cfg.Retry.NextRetry(m.Attempts+1, 0))
				return err
			})
		}
	}()
	msg := reviewcentre.Message{Kind: reviewcentre.Kind(m.Kind), DeclarationID: m.DeclarationID, Key: m.Key, Body: m.Body}
	start := time.Now()
	at := d.now()
	ack, err := d.sender.Send(ctx, msg)
	a := customs.Attempt{At: at, StatusCode: reviewcentre.StatusCode(ack, err), Latency: time.Since(start)}
	sent()
	switch {
	case err == nil:
		a.Outcome = "accepted"
		d.count("accepted")
		if err := rec.record(m, ack, a, deadline); err == nil {
			return
		}
		// The batch failed (a poisoned row, a database away): record this
		// one alone, so that no row waits for another.
		d.persist(ctx, deadline, m, func(ctx context.Context) error { return d.accept(ctx, m, ack, a) })
	case errors.Is(err, reviewcentre.ErrRejected):
		a.Outcome, a.Error = "rejected", err.Error()
		d.count("rejected")
		var rej *reviewcentre.RejectedError
		errors.As(err, &rej)
		d.persist(ctx, deadline, m, func(ctx context.Context) error { return d.discard(ctx, m, a, rej) })
	case reviewcentre.IsBreakerOpen(err):
		d.count("snoozed")
		delay := d.cfg.SnoozeDelay/2 + time.Duration(rand.Int64N(int64(d.cfg.SnoozeDelay/2)+1))
		d.persist(ctx, deadline, m, func(ctx context.Context) error {
			_, err := d.store.SnoozeOutbox(ctx, m.ID, m.Lease, delay)
			return err
		})
	default:
		a.Outcome, a.Error = "transient", err.Error()
		d.count("transient")
		if d.cfg.MaxAttempts > 0 && m.Attempts+1 >= d.cfg.MaxAttempts {
			rej := &reviewcentre.RejectedError{Reasons: []string{fmt.Sprintf("gave up after %d attempts: %v", m.Attempts+1, err)}}
			d.persist(ctx, deadline, m, func(ctx context.Context) error { return d.discard(ctx, m, a, rej) })
			return
		}
		delay := d.cfg.Retry.NextRetry(m.Attempts+1, reviewcentre.RetryAfter(err))
		d.cfg.Logger.Debug("outbox: transient failure", "id", m.ID, "declaration", m.DeclarationID, "key", m.Key, "attempt", m.Attempts+1, "retryIn", delay.String(), "err", err)
		d.persist(ctx, deadline, m, func(ctx context.Context) error {
			_, err := d.store.RetryOutbox(ctx, m.ID, m.Lease, a, delay)
			return err
		})
	}
}

func (d *Dispatcher) count(outcome string) {
	if d.cfg.Metrics != nil {
		d.cfg.Metrics.deliveries.WithLabelValues(outcome).Inc()
	}
}

// persist writes an outcome, trying again while the database is away (a
// restart, a failover) until the lease is nearly over: the answer is in
// hand, and writing it beats sending the message again. After that the
// row is left to its lease and sent again, which the key makes harmless.
func (d *Dispatcher) persist(ctx context.Context, deadline time.Time, m customs.Delivery, write func(context.Context) error) {
	pause := 50 * time.Millisecond
	for {
		wctx, cancel := context.WithDeadline(ctx, deadline)
		err := write(wctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().Add(pause).After(deadline) {
			d.count("unrecorded")
			d.cfg.Logger.Error("outbox: could not record an outcome; the message will be sent again after its lease", "id", m.ID, "declaration", m.DeclarationID, "key", m.Key, "err", err)
			return
		}
		d.cfg.Logger.Warn("outbox: recording an outcome failed; trying again", "id", m.ID, "declaration", m.DeclarationID, "key", m.Key, "err", err)
		time.Sleep(pause)
		pause = min(pause*2, 2*time.Second)
	}
}

// errLeaseLost ends a transaction whose row another claimer holds now.
var errLeaseLost = errors.New("lease lost")

// accept records an acceptance: the row completed, the attempt, and for a
// declaration its delivery and entry id, a timeline entry and its status
// derived again, in one transaction. The commit does not wait for the
// disk (Store.OutboxTx): an outcome lost in a database crash is harmless
// by construction, as the row is still running, its lease runs out, and
// the message is sent again under its key and answered 409 with the same
// receipt.
func (d *Dispatcher) accept(ctx context.Context, m customs.Delivery, ack *reviewcentre.Ack, a customs.Attempt) error {
	err := d.store.OutboxTx(ctx, false, func(tx StoreTx) error {
		fin, err := tx.FinishOutbox(ctx, customs.DeliveryEnd{ID: m.ID, Lease: m.Lease, Attempt: a, State: customs.OutboxCompleted, EntryID: ack.EntryID})
		if err != nil {
			return err
		}
		if fin == nil {
			return errLeaseLost
		}
		now := d.now()
		if fin.Kind == string(reviewcentre.KindRoute) {
			data, _ := json.Marshal(map[string]any{"key": m.Key, "answer": ack.Status})
			return timelineNow(ctx, tx, m.DeclarationID, now, "route amendment "+m.Key+" accepted by the review centre", data)
		}
		note := "delivered to the review centre, entry id " + ack.EntryID
		data, _ := json.Marshal(map[string]any{"entryId": ack.EntryID, "answer": ack.Status})
		st, err := tx.LockLifecycle(ctx, m.DeclarationID)
		if err != nil {
			return err
		}
		// The delivery is on the timeline once: as the status change when
		// the status becomes delivered, or as its own entry when tasks or
		// a decision make the status something else.
		if customs.Derive(st) != customs.StatusDelivered {
			if err := tx.AddTimelines(ctx, []customs.StatusChange{{DeclarationID: m.DeclarationID, Status: customs.StatusDelivered,
				Event: customs.Event{At: now, Actor: Actor, Note: note, Data: data}}}); err != nil {
				return err
			}
		}
		return d.cfg.Lifecycle.RefreshLocked(ctx, tx, m.DeclarationID, st, customs.Event{At: now, Actor: Actor, Note: note, Data: data})
	})
	if errors.Is(err, errLeaseLost) {
		d.count("lease_lost")
		return nil
	}
	return err
}

// discard records a refusal for good: the row dead with the reasons, and
// for a declaration delivery_failed with the reasons on the timeline.
func (d *Dispatcher) discard(ctx context.Context, m customs.Delivery, a customs.Attempt, rej *reviewcentre.RejectedError) error {
	reasons := rej.Reasons
	if len(reasons) == 0 {
		reasons = []string{fmt.Sprintf("refused with HTTP %d and no reason", rej.Status)}
	}
	reason := strings.Join(reasons, "; ")
	err := d.store.OutboxTx(ctx, true, func(tx StoreTx) error {
		fin, err := tx.FinishOutbox(ctx, customs.DeliveryEnd{ID: m.ID, Lease: m.Lease, Attempt: a, State: customs.OutboxDiscarded, Reason: reason})
		if err != nil {
			return err
		}
		if fin == nil {
			return errLeaseLost
		}
		now := d.now()
		data, _ := json.Marshal(map[string]any{"reasons": reasons, "answer": rej.Status, "key": m.Key})
		if fin.Kind == string(reviewcentre.KindRoute) {
			return timelineNow(ctx, tx, m.DeclarationID, now, "route amendment "+m.Key+" refused by the review centre: "+reason, data)
		}
		note := "refused by the review centre: " + reason
		return d.cfg.Lifecycle.Record(ctx, tx, m.DeclarationID, customs.Event{At: now, Actor: Actor, Note: note, Data: data})
	})
	if errors.Is(err, errLeaseLost) {
		d.count("lease_lost")
		return nil
	}
	return err
}

// timelineNow adds a timeline entry under the declaration's current status:
// an event that changes no status (a route amendment's answer, a replay).
func timelineNow(ctx context.Context, tx StoreTx, id string, at time.Time, note string, data []byte) error {
	return timelineAs(ctx, tx, id, at, Actor, note, data)
}

func timelineAs(ctx context.Context, tx StoreTx, id string, at time.Time, actor, note string, data []byte) error {
	return tx.AddTimelines(ctx, []customs.StatusChange{{DeclarationID: id, Event: customs.Event{At: at, Actor: actor, Note: note, Data: data}}})
}

// Replay makes a dead delivery due again, in its own transaction: a
// declaration goes back to pending delivery (its status derived again),
// and the replay is on the timeline with who asked. customs.CodeNotFound
// for an unknown delivery, customs.CodeConflict for one that is not dead.
func Replay(ctx context.Context, store Store, lc Lifecycle, id int64, actor, note string, at time.Time) error {
	return store.OutboxTx(ctx, true, func(tx StoreTx) error {
		fin, err := tx.ReplayOutbox(ctx, id)
		if err != nil {
			return err
		}
		text := "delivery " + fin.Key + " replayed"
		if note != "" {
			text += ": " + note
		}
		data, _ := json.Marshal(map[string]any{"delivery": id, "key": fin.Key})
		if fin.Kind == string(reviewcentre.KindDeclaration) {
			return lc.Record(ctx, tx, fin.DeclarationID, customs.Event{At: at, Actor: actor, Note: text, Data: data})
		}
		return timelineAs(ctx, tx, fin.DeclarationID, at, actor, text, data)
	})
}

// Metrics are the dispatcher's Prometheus metrics.
type Metrics struct {
	deliveries *prometheus.CounterVec
	breaker    prometheus.GaugeFunc
}

// NewMetrics makes the metrics: deliveries by outcome, and the breaker's
// state (0 closed, 1 half-open, 2 open) read from breakerState.
func NewMetrics(breakerState func() gobreaker.State) *Metrics {
	return &Metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gateway_review_centre_deliveries_total",
			Help: "Sends to the review centre by outcome: accepted, rejected, transient, snoozed (breaker open, or put back unsent at a stop), lease_lost, unrecorded.",
		}, []string{"outcome"}),
		breaker: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "gateway_review_centre_breaker_state",
			Help: "The review centre's circuit breaker: 0 closed, 1 half-open, 2 open.",
		}, func() float64 {
			switch breakerState() {
			case gobreaker.StateHalfOpen:
				return 1
			case gobreaker.StateOpen:
				return 2
			}
			return 0
		}),
	}
}

// Register registers the metrics.
func (m *Metrics) Register(r prometheus.Registerer) error {
	if err := r.Register(m.deliveries); err != nil {
		return err
	}
	return r.Register(m.breaker)
}
