package clearance

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres"
)

// Refresh locks a declaration in tx (postgres.LockLifecycle: a caller that
// holds the lock already takes it again at no cost), re-derives its status
// and records a change on the timeline. It returns the new status and
// whether it changed.
func Refresh(ctx context.Context, tx *sqlx.Tx, id string, at time.Time, actor, note string, data []byte) (customs.Status, bool, error) {
	st, err := postgres.LockLifecycle(ctx, tx, id)
	if err != nil {
		return "", false, err
	}
	return RefreshLocked(ctx, tx, id, st, at, actor, note, data)
}

// RefreshLocked is Refresh for a caller that has just read and locked the
// state with postgres.LockLifecycle in tx and changed nothing the status
// depends on since but what it set in st; it saves reading it again.
func RefreshLocked(ctx context.Context, tx *sqlx.Tx, id string, st *customs.Lifecycle, at time.Time, actor, note string, data []byte) (customs.Status, bool, error) {
	next := customs.Derive(st)
	if next == st.Status {
		return next, false, nil
	}
	if why := customs.Explain(st, next); why != "" {
		note = why + " (" + note + ")"
	}
	if _, err := postgres.ChangeStatus(ctx, tx, postgres.StatusChange{DeclarationID: id, Status: string(next), At: at, Actor: actor, Note: note, Data: data}); err != nil {
		return "", false, fmt.Errorf("refresh %s: %w", id, err)
	}
	return next, true, nil
}

// Locked is one declaration for RefreshAllLocked: its state as just read
// and locked (postgres.LockLifecycles), and the event to record.
type Locked struct {
	ID          string
	State       *customs.Lifecycle
	At          time.Time
	Actor, Note string
	Data        []byte
}

// RefreshAllLocked is RefreshLocked for many declarations (the outbox
// records a batch of deliveries at once): every status derived, and the
// ones that changed written with their timeline entries and webhook events
// in one statement (postgres.ChangeStatuses). Each declaration must appear
// once. It returns the statuses derived and which changed, in order.
func RefreshAllLocked(ctx context.Context, tx sqlx.ExtContext, ls []Locked) ([]customs.Status, []bool, error) {
	next := make([]customs.Status, len(ls))
	changed := make([]bool, len(ls))
	var cs []postgres.StatusChange
	for i, l := range ls {
		next[i] = customs.Derive(l.State)
		if next[i] == l.State.Status {
			continue
		}
		changed[i] = true
		note := l.Note
		if why := customs.Explain(l.State, next[i]); why != "" {
			note = why + " (" + note + ")"
		}
		cs = append(cs, postgres.StatusChange{DeclarationID: l.ID, Status: string(next[i]), At: l.At, Actor: l.Actor, Note: note, Data: l.Data})
	}
	if _, err := postgres.ChangeStatuses(ctx, tx, cs); err != nil {
		return nil, nil, fmt.Errorf("refresh: %w", err)
	}
	return next, changed, nil
}
