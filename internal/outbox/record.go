package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/reviewcentre"
)

// recorder records acceptances in batches: each of its goroutines
// (recorders) takes every acceptance waiting when it is free and records
// them all in one transaction of a few statements (StoreTx.CompleteOutbox,
// LockLifecycles, AddTimelines, Lifecycle.RefreshAll), the way a database groups commits. Under
// load a batch is large and an acceptance costs a fraction of a round
// trip; alone, it is recorded at once. Recording one acceptance took seven
// round trips, which capped delivery well below what intake accepts on a
// small machine.
//
// What a batch writes is what accept writes for each of its messages, in
// claim order. If the batch fails, each of its messages is recorded again
// on its own (accept, with its retries): a row that cannot be recorded
// fails alone and never holds the others back.
type recorder struct {
	d    *Dispatcher
	ctx  context.Context
	in   chan *acceptance
	done chan struct{}
	wg   sync.WaitGroup
}

// recorders is how many batches are recorded at once: two, so that one
// batch gathers while the other waits for the database. On a 2-core machine
// shared with PostgreSQL, one recorder kept delivery at about 85% of intake
// under load, two at about 98%.
const recorders = 2

// acceptance is one acceptance waiting to be recorded.
type acceptance struct {
	m        customs.Delivery
	ack      *reviewcentre.Ack
	a        customs.Attempt
	deadline time.Time
	result   chan error
}

// startRecorder starts the recorder; ctx bounds its writes (with each
// acceptance's deadline).
func (d *Dispatcher) startRecorder(ctx context.Context) *recorder {
	r := &recorder{d: d, ctx: ctx, in: make(chan *acceptance, d.cfg.RecordBatch), done: make(chan struct{})}
	r.wg.Add(recorders)
	for range recorders {
		go r.run()
	}
	go func() { r.wg.Wait(); close(r.done) }()
	return r
}

// stop ends the recorder once nobody records any more.
func (r *recorder) stop() {
	close(r.in)
	<-r.done
}

// record records an acceptance with the others waiting, and returns once it
// is written (nil: also when the lease was lost, which it counts) or the
// batch failed.
func (r *recorder) record(m customs.Delivery, ack *reviewcentre.Ack, a customs.Attempt, deadline time.Time) error {
	x := &acceptance{m: m, ack: ack, a: a, deadline: deadline, result: make(chan error, 1)}
	r.in <- x
	return <-x.result
}

// run records batches until the recorder stops, on a session of its own
// (Store.OutboxSession): commits that do not wait for the disk (an
// outcome lost in a crash is sent again and answered 409), set once for
// the session rather than once a transaction.
func (r *recorder) run() {
	defer r.wg.Done()
	r.d.store.OutboxSession(r.loop)
}

func (r *recorder) loop(inTx func(ctx context.Context, f func(tx StoreTx) error) error) {
	batch := make([]*acceptance, 0, r.d.cfg.RecordBatch)
	for x := range r.in {
		batch = append(batch[:0], x)
	more:
		for len(batch) < r.d.cfg.RecordBatch {
			select {
			case x, ok := <-r.in:
				if !ok {
					break more
				}
				batch = append(batch, x)
			default:
				break more
			}
		}
		lost, err := r.d.acceptBatch(r.ctx, inTx, batch)
		if err != nil {
			r.d.cfg.Logger.Warn("outbox: recording a batch of acceptances failed; recording them one by one", "n", len(batch), "err", err)
		}
		for i, x := range batch {
			if err == nil && lost[i] {
				r.d.count("lease_lost")
			}
			x.result <- err
		}
	}
}

// acceptBatch records acceptances in one transaction; lost says which
// leases were lost (nothing of those written).
func (d *Dispatcher) acceptBatch(ctx context.Context, inTx func(context.Context, func(StoreTx) error) error, batch []*acceptance) (lost []bool, err error) {
	defer func() {
		// A panic must not take the dispatcher down; the acceptances
		// are recorded one by one instead.
		if r := recover(); r != nil {
			lost, err = nil, fmt.Errorf("panic: %v", r)
		}
	}()
	cs := make([]customs.DeliveryEnd, len(batch))
	deadline := batch[0].deadline
	for i, x := range batch {
		cs[i] = customs.DeliveryEnd{ID: x.m.ID, Lease: x.m.Lease, Attempt: x.a, State: customs.OutboxCompleted, EntryID: x.ack.EntryID}
		if x.deadline.Before(deadline) {
			deadline = x.deadline
		}
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	lost = make([]bool, len(batch))
	err = inTx(ctx, func(tx StoreTx) error {
		done, err := tx.CompleteOutbox(ctx, cs)
		if err != nil {
			return err
		}
		got := make(map[int64]bool, len(done))
		for _, c := range done {
			got[c.ID] = true
		}
		var ids []string
		for i, x := range batch {
			lost[i] = !got[x.m.ID]
			if !lost[i] && x.m.Kind == string(reviewcentre.KindDeclaration) {
				ids = append(ids, x.m.DeclarationID)
			}
		}
		states, err := tx.LockLifecycles(ctx, ids)
		if err != nil {
			return err
		}
		now := d.now()
		var entries []customs.StatusChange
		var refresh []Locked
		for i, x := range batch {
			if lost[i] {
				continue
			}
			if x.m.Kind == string(reviewcentre.KindRoute) {
				data, _ := json.Marshal(map[string]any{"key": x.m.Key, "answer": x.ack.Status})
				entries = append(entries, customs.StatusChange{DeclarationID: x.m.DeclarationID, Event: customs.Event{At: now, Actor: Actor,
					Note: "route amendment " + x.m.Key + " accepted by the review centre", Data: data}})
				continue
			}
			st := states[x.m.DeclarationID]
			if st == nil {
				return customs.Errorf(customs.CodeNotFound, "declaration %s not found", x.m.DeclarationID)
			}
			note := "delivered to the review centre, entry id " + x.ack.EntryID
			data, _ := json.Marshal(map[string]any{"entryId": x.ack.EntryID, "answer": x.ack.Status})
			// As in accept: the delivery is on the timeline once, as the
			// status change or as its own entry.
			if customs.Derive(st) != customs.StatusDelivered {
				entries = append(entries, customs.StatusChange{DeclarationID: x.m.DeclarationID, Status: customs.StatusDelivered,
					Event: customs.Event{At: now, Actor: Actor, Note: note, Data: data}})
			}
			refresh = append(refresh, Locked{ID: x.m.DeclarationID, State: st, Event: customs.Event{At: now, Actor: Actor, Note: note, Data: data}})
		}
		if err := tx.AddTimelines(ctx, entries); err != nil {
			return err
		}
		return d.cfg.Lifecycle.RefreshAll(ctx, tx, refresh)
	})
	if err != nil {
		return nil, err
	}
	return lost, nil
}
