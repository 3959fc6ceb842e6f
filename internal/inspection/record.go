package inspection

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/outbox"
	"github.com/jjj/gateway/internal/postgres"
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
func Record(ctx context.Context, tx sqlx.ExtContext, id string, e customs.Event) (customs.Status, error) {
	status, changed, err := Refresh(ctx, tx, id, e)
	if err != nil || changed {
		return status, err
	}
	return status, postgres.AddTimeline(ctx, tx, change(id, status, e))
}

func change(id string, s customs.Status, e customs.Event) postgres.StatusChange {
	return postgres.StatusChange{DeclarationID: id, Status: string(s), At: e.At, Actor: e.Actor, Note: e.Note, Data: e.Data}
}

// Refresh locks a declaration in tx (postgres.LockLifecycle: a caller that
// holds the lock already takes it again at no cost), derives its status
// again and, only if it moved, records the change with e on the timeline.
// It returns the status and whether it changed.
func Refresh(ctx context.Context, tx sqlx.ExtContext, id string, e customs.Event) (customs.Status, bool, error) {
	st, err := postgres.LockLifecycle(ctx, tx, id)
	if err != nil {
		return "", false, err
	}
	return RefreshLocked(ctx, tx, id, st, e)
}

// RefreshLocked is Refresh for a caller that has just read and locked the
// state with postgres.LockLifecycle in tx and changed nothing the status
// depends on since but what it set in st; it saves reading it again.
func RefreshLocked(ctx context.Context, tx sqlx.ExtContext, id string, st *customs.Lifecycle, e customs.Event) (customs.Status, bool, error) {
	next := customs.Derive(st)
	if next == st.Status {
		return next, false, nil
	}
	if why := customs.Explain(st, next); why != "" {
		e.Note = why + " (" + e.Note + ")"
	}
	if _, err := postgres.ChangeStatus(ctx, tx, change(id, next, e)); err != nil {
		return "", false, fmt.Errorf("refresh %s: %w", id, err)
	}
	return next, true, nil
}

// RefreshAll is RefreshLocked for many declarations (the outbox records a
// batch of deliveries at once): every status derived, and the ones that
// changed written with their timeline entries and webhook events in one
// statement (postgres.ChangeStatuses). Each declaration must appear once.
func RefreshAll(ctx context.Context, tx sqlx.ExtContext, ls []outbox.Locked) error {
	var cs []postgres.StatusChange
	for _, l := range ls {
		next := customs.Derive(l.State)
		if next == l.State.Status {
			continue
		}
		e := l.Event
		if why := customs.Explain(l.State, next); why != "" {
			e.Note = why + " (" + e.Note + ")"
		}
		cs = append(cs, change(l.ID, next, e))
	}
	if _, err := postgres.ChangeStatuses(ctx, tx, cs); err != nil {
		return fmt.Errorf("refresh: %w", err)
	}
	return nil
}

// Lifecycle is the declaration lifecycle as the outbox records its answers
// through it (outbox.Lifecycle): Record, RefreshLocked and RefreshAll.
type Lifecycle struct{}

var _ outbox.Lifecycle = Lifecycle{}

// Record implements outbox.Lifecycle.
func (Lifecycle) Record(ctx context.Context, tx sqlx.ExtContext, id string, e customs.Event) error {
	_, err := Record(ctx, tx, id, e)
	return err
}

// RefreshLocked implements outbox.Lifecycle.
func (Lifecycle) RefreshLocked(ctx context.Context, tx sqlx.ExtContext, id string, st *customs.Lifecycle, e customs.Event) error {
	_, _, err := RefreshLocked(ctx, tx, id, st, e)
	return err
}

// RefreshAll implements outbox.Lifecycle.
func (Lifecycle) RefreshAll(ctx context.Context, tx sqlx.ExtContext, ls []outbox.Locked) error {
	return RefreshAll(ctx, tx, ls)
}
