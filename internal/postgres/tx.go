package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/jjj/gateway/internal/customs"
)

// This file is the transaction side of the stores: Tx's methods write in
// the caller's transaction, in the domain's types, so that a service
// declares the small interface it needs (outbox.Tx, inspection.Tx) and
// never sees a database type.

// InTx runs f in a transaction, committed when f returns nil and rolled
// back otherwise (a panic in f included).
func (db *DB) InTx(ctx context.Context, f func(tx Tx) error) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback() // a no-op after Commit
	if err := f(Tx{tx}); err != nil {
		return err
	}
	return tx.Commit()
}

func statusChange(c customs.StatusChange) StatusChange {
	return StatusChange{DeclarationID: c.DeclarationID, Status: string(c.Status), At: c.At, Actor: c.Actor, Note: c.Note, Data: c.Data}
}

// LockLifecycle reads and locks what a status is derived from.
func (t Tx) LockLifecycle(ctx context.Context, id string) (*customs.Lifecycle, error) {
	return LockLifecycle(ctx, t.ExtContext, id)
}

// LockLifecycles is LockLifecycle for many declarations.
func (t Tx) LockLifecycles(ctx context.Context, ids []string) (map[string]*customs.Lifecycle, error) {
	return LockLifecycles(ctx, t.ExtContext, ids)
}

// ChangeStatus sets a status with its timeline entry and webhook events.
func (t Tx) ChangeStatus(ctx context.Context, c customs.StatusChange) error {
	_, err := ChangeStatus(ctx, t.ExtContext, statusChange(c))
	return err
}

// ChangeStatuses is ChangeStatus for many declarations, each once.
func (t Tx) ChangeStatuses(ctx context.Context, cs []customs.StatusChange) error {
	out := make([]StatusChange, len(cs))
	for i, c := range cs {
		out[i] = statusChange(c)
	}
	_, err := ChangeStatuses(ctx, t.ExtContext, out)
	return err
}

// AddTimeline adds a timeline entry without changing the status; an
// empty Status is the declaration's current one.
func (t Tx) AddTimeline(ctx context.Context, c customs.StatusChange) error {
	if c.Status == "" {
		return AddTimelines(ctx, t.ExtContext, []StatusChange{statusChange(c)})
	}
	return AddTimeline(ctx, t.ExtContext, statusChange(c))
}

// Task returns a task, locked when lock is set; CodeNotFound if none.
func (t Tx) Task(ctx context.Context, id string, lock bool) (*customs.TaskRecord, error) {
	row, err := GetTask(ctx, t.ExtContext, id, lock)
	if err != nil {
		return nil, err
	}
	r := row.Record()
	return &r, nil
}

// ClaimTask marks an open task claimed.
func (t Tx) ClaimTask(ctx context.Context, id, by string, at time.Time) error {
	return ClaimTask(ctx, t.ExtContext, id, by, at)
}

// CompleteTask records a task's result.
func (t Tx) CompleteTask(ctx context.Context, id, outcome string, result []byte, at time.Time) error {
	return CompleteTask(ctx, t.ExtContext, id, outcome, result, at)
}

// Declaration reads a stored declaration in the transaction.
func (t Tx) Declaration(ctx context.Context, id string) (*customs.StoredDeclaration, error) {
	var r DeclarationRow
	err := sqlx.GetContext(ctx, t.ExtContext, &r, `SELECT `+declarationColumns+` FROM declaration WHERE id = $1`, id)
	if IsNoRows(err) {
		return nil, customs.Errorf(customs.CodeNotFound, "declaration %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get declaration %s: %w", id, err)
	}
	return r.Stored()
}

// UpdateRoute writes a re-route.
func (t Tx) UpdateRoute(ctx context.Context, u *customs.RouteChange) error {
	d := u.Declaration
	upd := &RouteUpdate{ID: d.ID, Lane: d.Route.Lane, Declaration: d, Route: u.RouteJSON, Canonical: u.Canonical,
		Withdraw: u.Withdraw, Update: u.Update, At: u.At}
	if len(u.New) > 0 {
		b, err := tasksJSON(u.New, u.PortOffice)
		if err != nil {
			return err
		}
		upd.New = b
	}
	if u.Draw != nil {
		b, err := json.Marshal(u.Draw)
		if err != nil {
			return err
		}
		upd.Draw = b
	}
	sx, ok := t.ExtContext.(*sqlx.Tx)
	if !ok {
		return fmt.Errorf("update route of %s: not in a transaction", d.ID)
	}
	_, err := UpdateRoute(ctx, sx, upd)
	return err
}

// DeclarationByEntryID finds a declaration by its review-centre entry id.
func (t Tx) DeclarationByEntryID(ctx context.Context, entryID string) (string, error) {
	return DeclarationByEntryID(ctx, t.ExtContext, entryID)
}

// SetDecision records the review centre's decision.
func (t Tx) SetDecision(ctx context.Context, id string, d customs.Decision, reason string, at time.Time) error {
	return SetDecision(ctx, t.ExtContext, id, string(d), reason, at)
}

// InsertAlert stores a risk alert.
func (t Tx) InsertAlert(ctx context.Context, a *customs.RiskAlert) error {
	return InsertAlert(ctx, t.ExtContext, alertRow(a))
}

// RequestReroute queues a re-route asked for by actor.
func (t Tx) RequestReroute(ctx context.Context, usccs []string, actor, reason string) error {
	return RequestRerouteAs(ctx, t.ExtContext, usccs, actor, reason)
}

// tasksJSON is tasks as the task inserts read them; a task for no bureau
// is the port office's.
func tasksJSON(ts []customs.Task, portOffice string) ([]byte, error) {
	type task struct {
		ID        string  `json:"id"`
		Workflow  string  `json:"workflow"`
		Bureau    *string `json:"bureau"`
		Owner     string  `json:"owner"`
		Items     []int   `json:"items"`
		Inspector *string `json:"inspector"`
	}
	out := make([]task, len(ts))
	for i, t := range ts {
		owner := t.Bureau
		if owner == "" {
			owner = portOffice
		}
		out[i] = task{ID: t.ID, Workflow: string(t.Workflow), Bureau: optional(t.Bureau), Owner: owner, Items: t.Items, Inspector: optional(t.Inspector)}
	}
	return json.Marshal(out)
}

func nullString(s string) (n sql.NullString) {
	if s != "" {
		n.String, n.Valid = s, true
	}
	return n
}

func alertRow(a *customs.RiskAlert) *AlertRow {
	r := &AlertRow{ID: a.ID, HSPrefix: nullString(a.HSPrefix), Origin: nullString(a.Origin), USCC: nullString(a.USCC), Port: nullString(a.Port),
		Action: string(a.Action), Reason: a.Reason, CreatedAt: a.CreatedAt, CreatedBy: a.CreatedBy}
	if a.ExpiresAt != nil {
		r.ExpiresAt.Time, r.ExpiresAt.Valid = *a.ExpiresAt, true
	}
	return r
}

// Alert converts the row to the domain's record.
func (r *AlertRow) Alert() customs.RiskAlert {
	return customs.RiskAlert{ID: r.ID, HSPrefix: r.HSPrefix.String, Origin: r.Origin.String, USCC: r.USCC.String, Port: r.Port.String,
		Action: customs.Lane(r.Action), Reason: r.Reason, ExpiresAt: nullTime(r.ExpiresAt), CreatedAt: r.CreatedAt, CreatedBy: r.CreatedBy}
}
