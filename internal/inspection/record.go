package inspection

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/outbox"
)

// Record records one step of a declaration's life in tx: the status
// derived again (customs.Derive) under the declaration's lock, and the step
// on the timeline whether or not the status moved (a second claim of a
// declaration already under inspection, one of two tasks passing, a
// decision that tasks keep from mattering yet), so that every step is
// there. Timeline statuses are always api.md's statuses: a step that
// changes none carries the current one. It is the one place a status
// moves: tasks, results, the review centre's decisions and the outbox's
// answers (through Lifecycle) all come here.
func Record(ctx context.Context, tx Tx, id string, e customs.Event) (customs.Status, error) {
	status, changed, err := Refresh(ctx, tx, id, e)
	if err != nil || changed {
		return status, err
	}
	return status, tx.AddTimeline(ctx, customs.StatusChange{DeclarationID: id, Status: status, Event: e})
}

// Refresh locks a declaration in tx (a caller that holds the lock already
// takes it again at no cost), derives its status again and, only if it
// moved, records the change with e on the timeline. It returns the status
// and whether it changed.
func Refresh(ctx context.Context, tx Tx, id string, e customs.Event) (customs.Status, bool, error) {
	st, err := tx.LockLifecycle(ctx, id)
	if err != nil {
		return "", false, err
	}
	return RefreshLocked(ctx, tx, id, st, e)
}

// RefreshLocked is Refresh for a caller that has just read and locked the
// state in tx and changed nothing the status depends on since but what it
// set in st; it saves reading it again.
func RefreshLocked(ctx context.Context, tx Tx, id string, st *customs.Lifecycle, e customs.Event) (customs.Status, bool, error) {
	next := customs.Derive(st)
	if next == st.Status {
		return next, false, nil
	}
	if why := customs.Explain(st, next); why != "" {
		e.Note = why + " (" + e.Note + ")"
	}
	if err := tx.ChangeStatus(ctx, customs.StatusChange{DeclarationID: id, Status: next, Event: e}); err != nil {
		return "", false, fmt.Errorf("refresh %s: %w", id, err)
	}
	if err := giveBack(ctx, tx, id, next, e); err != nil {
		return "", false, err
	}
	return next, true, nil
}

// giveBack returns a rejected declaration's document write-offs, in the
// transaction that rejects it, with a timeline entry saying so
// (documents.md: any other end keeps them, the goods went). It is here,
// where the status moves, so that every path to rejected gives back.
func giveBack(ctx context.Context, tx Tx, id string, status customs.Status, e customs.Event) error {
	if status != customs.StatusRejected {
		return nil
	}
	ws, err := tx.ReturnWriteOffs(ctx, id, e.At)
	if err != nil || len(ws) == 0 {
		return err
	}
	type given struct {
		Kind     customs.DocumentKind `json:"kind"`
		Number   string               `json:"number"`
		Item     int                  `json:"item"`
		Quantity string               `json:"quantity"`
	}
	data := make([]given, len(ws))
	for i, w := range ws {
		data[i] = given{w.Kind, w.Number, w.Item, w.Quantity}
	}
	b, err := json.Marshal(map[string]any{"documentsReturned": data})
	if err != nil {
		return err
	}
	return tx.AddTimeline(ctx, customs.StatusChange{DeclarationID: id, Status: status,
		Event: customs.Event{At: e.At, Actor: e.Actor, Note: customs.WriteOffNote(ws), Data: b}})
}

// RefreshAll is RefreshLocked for many declarations (the outbox records a
// batch of deliveries at once): every status derived, and the ones that
// changed written with their timeline entries and webhook events at once
// (Tx.ChangeStatuses). Each declaration must appear once.
func RefreshAll(ctx context.Context, tx Tx, ls []outbox.Locked) error {
	var cs []customs.StatusChange
	for _, l := range ls {
		next := customs.Derive(l.State)
		if next == l.State.Status {
			continue
		}
		e := l.Event
		if why := customs.Explain(l.State, next); why != "" {
			e.Note = why + " (" + e.Note + ")"
		}
		cs = append(cs, customs.StatusChange{DeclarationID: l.ID, Status: next, Event: e})
	}
	if len(cs) == 0 {
		return nil
	}
	if err := tx.ChangeStatuses(ctx, cs); err != nil {
		return fmt.Errorf("refresh: %w", err)
	}
	for _, c := range cs {
		if err := giveBack(ctx, tx, c.DeclarationID, c.Status, c.Event); err != nil {
			return err
		}
	}
	return nil
}

// Lifecycle is the declaration lifecycle as the outbox records its answers
// through it (outbox.Lifecycle): Record, RefreshLocked and RefreshAll. The
// outbox hands over its transaction as an outbox.Tx; the storage's
// transaction type (postgres.Tx) is an inspection Tx as well.
type Lifecycle struct{}

var _ outbox.Lifecycle = Lifecycle{}

func asTx(tx outbox.Tx) (Tx, error) {
	t, ok := tx.(Tx)
	if !ok {
		return nil, fmt.Errorf("inspection: the outbox's transaction %T is not an inspection.Tx", tx)
	}
	return t, nil
}

// Record implements outbox.Lifecycle.
func (Lifecycle) Record(ctx context.Context, tx outbox.Tx, id string, e customs.Event) error {
	t, err := asTx(tx)
	if err != nil {
		return err
	}
	_, err = Record(ctx, t, id, e)
	return err
}

// RefreshLocked implements outbox.Lifecycle.
func (Lifecycle) RefreshLocked(ctx context.Context, tx outbox.Tx, id string, st *customs.Lifecycle, e customs.Event) error {
	t, err := asTx(tx)
	if err != nil {
		return err
	}
	_, _, err = RefreshLocked(ctx, t, id, st, e)
	return err
}

// RefreshAll implements outbox.Lifecycle.
func (Lifecycle) RefreshAll(ctx context.Context, tx outbox.Tx, ls []outbox.Locked) error {
	t, err := asTx(tx)
	if err != nil {
		return err
	}
	return RefreshAll(ctx, t, ls)
}
