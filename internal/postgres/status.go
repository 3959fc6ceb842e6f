package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/jjj/gateway/internal/customs"
)

// StatusChange is one change of a declaration's status, with the timeline
// entry that records it.
type StatusChange struct {
	DeclarationID string
	Status        string
	At            time.Time
	Actor         string
	Note          string
	// Data is JSON kept on the timeline entry (reasons, seals, findings).
	Data []byte
}

// ChangeStatus sets the status and appends the timeline entry, using q (a
// transaction of the caller's, or the DB). It returns the previous status.
// Every status change goes through here, so that whatever must follow a
// change is written in the same statement: one webhook event per webhook
// (active or suspended: a suspended one gets them when resumed) of each
// enterprise of the declaration.
func ChangeStatus(ctx context.Context, q sqlx.ExtContext, c StatusChange) (previous string, err error) {
	err = sqlx.GetContext(ctx, q, &previous, `
WITH old AS (SELECT status FROM declaration WHERE id = $1 FOR UPDATE),
upd AS (UPDATE declaration SET status = $2, updated_at = $3 WHERE id = $1 RETURNING id, enterprises, doc->'route' AS route),
tl AS (INSERT INTO timeline (declaration_id, at, status, actor, note, data) SELECT id, $3, $2, $4, $5, $6 FROM upd),
ev AS (INSERT INTO webhook_event (webhook_id, declaration_id, status, previous, at, route)
       SELECT w.id, upd.id, $2, old.status, $3, upd.route
       FROM upd CROSS JOIN old JOIN webhook w ON w.enterprise = ANY(upd.enterprises) AND w.state IN ('active', 'suspended')
       ORDER BY w.id)
SELECT status FROM old`, c.DeclarationID, c.Status, c.At, c.Actor, c.Note, jsonOrNull(c.Data))
	if errors.Is(err, sql.ErrNoRows) {
		return "", customs.Errorf(customs.CodeNotFound, "declaration %s not found", c.DeclarationID)
	}
	if err != nil {
		return "", fmt.Errorf("change status of %s: %w", c.DeclarationID, err)
	}
	return previous, nil
}

// AddTimeline appends a timeline entry without changing the status (a
// re-route, a replay asked for).
func AddTimeline(ctx context.Context, q sqlx.ExtContext, c StatusChange) error {
	_, err := q.ExecContext(ctx, `INSERT INTO timeline (declaration_id, at, status, actor, note, data) VALUES ($1, $2, $3, $4, $5, $6)`,
		c.DeclarationID, c.At, c.Status, c.Actor, c.Note, jsonOrNull(c.Data))
	if err != nil {
		return fmt.Errorf("timeline of %s: %w", c.DeclarationID, err)
	}
	return nil
}

// LifecycleState is what a declaration's status is derived from, read
// under a row lock in the caller's transaction.
type LifecycleState struct {
	Status   string         `db:"status"`
	Delivery string         `db:"delivery"`
	Decision sql.NullString `db:"decision"`
	Tasks    []TaskRow
}

// LockLifecycle reads and locks the state a status is derived from.
func LockLifecycle(ctx context.Context, q sqlx.ExtContext, id string) (*LifecycleState, error) {
	var s LifecycleState
	err := sqlx.GetContext(ctx, q, &s, `SELECT status, delivery, decision FROM declaration WHERE id = $1 FOR UPDATE`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, customs.Errorf(customs.CodeNotFound, "declaration %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("lock declaration %s: %w", id, err)
	}
	if err := sqlx.SelectContext(ctx, q, &s.Tasks, `SELECT `+taskColumns+` FROM task WHERE declaration_id = $1 ORDER BY created_at, id`, id); err != nil {
		return nil, fmt.Errorf("tasks of %s: %w", id, err)
	}
	return &s, nil
}
