package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/jjj/gateway/internal/customs"
)

// AlertRow is a stored risk alert.
type AlertRow struct {
	ID        string         `db:"id"`
	HSPrefix  sql.NullString `db:"hs_prefix"`
	Origin    sql.NullString `db:"origin"`
	USCC      sql.NullString `db:"uscc"`
	Port      sql.NullString `db:"port"`
	Action    string         `db:"action"`
	Reason    string         `db:"reason"`
	ExpiresAt sql.NullTime   `db:"expires_at"`
	CreatedAt time.Time      `db:"created_at"`
	CreatedBy string         `db:"created_by"`
	DeletedAt sql.NullTime   `db:"deleted_at"`
}

const alertColumns = `id, hs_prefix, origin, uscc, port, action, reason, expires_at, created_at, created_by, deleted_at`

// InsertAlert stores a risk alert, using q (the DB or a transaction).
func InsertAlert(ctx context.Context, q sqlx.ExtContext, a *AlertRow) error {
	_, err := sqlx.NamedExecContext(ctx, q, `INSERT INTO risk_alert (`+alertColumns+`)
		VALUES (:id, :hs_prefix, :origin, :uscc, :port, :action, :reason, :expires_at, :created_at, :created_by, :deleted_at)`, a)
	return classify(err, "risk alert")
}

// Alerts lists the alerts not deleted, newest first; with active set, only
// those not expired at at.
func (db *DB) Alerts(ctx context.Context, active bool, at time.Time) ([]AlertRow, error) {
	var out []AlertRow
	q := `SELECT ` + alertColumns + ` FROM risk_alert WHERE deleted_at IS NULL`
	args := []any{}
	if active {
		q += ` AND (expires_at IS NULL OR expires_at > $1)`
		args = append(args, at)
	}
	if err := db.SelectContext(ctx, &out, q+` ORDER BY created_at DESC, id DESC`, args...); err != nil {
		return nil, fmt.Errorf("risk alerts: %w", err)
	}
	return out, nil
}

// DeleteAlert marks an alert deleted; false when there is no such alert.
func (db *DB) DeleteAlert(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := db.ExecContext(ctx, `UPDATE risk_alert SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL`, id, at)
	if err != nil {
		return false, fmt.Errorf("delete risk alert: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// TaskFilter is the domain's (customs).
type TaskFilter = customs.TaskFilter

// BureauTasks lists the tasks a bureau owns, oldest first. Withdrawn tasks
// are left out unless asked for by status.
func (db *DB) BureauTasks(ctx context.Context, f TaskFilter) ([]TaskRow, error) {
	q := `SELECT ` + taskColumns + ` FROM task WHERE owner = $1
		AND ($2 = '' AND status <> 'withdrawn' OR status = $2)
		AND ($3 = '' OR workflow = $3)
		AND (created_at, id) > ($4, $5)
		ORDER BY created_at, id LIMIT $6`
	var out []TaskRow
	if err := db.SelectContext(ctx, &out, q, f.Owner, f.Status, f.Workflow, f.AfterAt, f.AfterID, f.Limit); err != nil {
		return nil, fmt.Errorf("bureau tasks: %w", err)
	}
	return out, nil
}

// GetTask returns a task; CodeNotFound if none. With lock set it locks the
// row, which needs q to be a transaction.
func GetTask(ctx context.Context, q sqlx.ExtContext, id string, lock bool) (*TaskRow, error) {
	var t TaskRow
	s := `SELECT ` + taskColumns + ` FROM task WHERE id = $1`
	if lock {
		s += ` FOR UPDATE`
	}
	err := sqlx.GetContext(ctx, q, &t, s, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, customs.Errorf(customs.CodeNotFound, "task %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("task %s: %w", id, err)
	}
	return &t, nil
}

// ClaimTask marks an open task claimed by a bureau.
func ClaimTask(ctx context.Context, q sqlx.ExtContext, id, by string, at time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE task SET status = 'claimed', claimed_by = $2, claimed_at = $3 WHERE id = $1`, id, by, at)
	if err != nil {
		return fmt.Errorf("claim task %s: %w", id, err)
	}
	return nil
}

// CompleteTask records a task's result.
func CompleteTask(ctx context.Context, q sqlx.ExtContext, id, outcome string, result []byte, at time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE task SET status = 'done', outcome = $2, result = $3, done_at = $4 WHERE id = $1`, id, outcome, string(result), at)
	if err != nil {
		return fmt.Errorf("complete task %s: %w", id, err)
	}
	return nil
}

// ReroutableDeclarations returns the ids of declarations that are not yet
// released (nor otherwise finished) and concern any of the USCCs, or any
// declaration when usccs is nil.
func (db *DB) ReroutableDeclarations(ctx context.Context, usccs []string) ([]string, error) {
	var out []string
	q := `SELECT id FROM declaration WHERE status NOT IN ('released', 'rejected', 'returned', 'destroyed')`
	var err error
	if usccs == nil {
		err = db.SelectContext(ctx, &out, q+` ORDER BY seq`)
	} else {
		err = db.SelectContext(ctx, &out, q+` AND enterprises && $1 ORDER BY seq`, pq.Array(usccs))
	}
	if err != nil {
		return nil, fmt.Errorf("reroutable declarations: %w", err)
	}
	return out, nil
}

// RouteUpdate is a new route written by a re-route.
type RouteUpdate struct {
	ID   string
	Lane customs.Lane
	// Declaration is the declaration with its new route (doc.go).
	Declaration *customs.Declaration
	// Route is the new route as the API shows it (the route column).
	Route     []byte
	Canonical []byte
	// Withdraw are open or claimed tasks the new route no longer has.
	Withdraw []string
	// Update are kept tasks whose items changed: id -> items.
	Update map[string][]int
	// New tasks, as InsertDeclaration's JSON rows.
	New []byte
	// Draw, when set, is a random draw made by this re-route for a
	// declaration that had none (routing.md: once made, a draw is kept).
	Draw []byte
	At   time.Time
}

// UpdateRoute writes a re-route in tx and returns the new route version.
func UpdateRoute(ctx context.Context, tx *sqlx.Tx, u *RouteUpdate) (int, error) {
	var version int
	doc, err := marshalDoc(u.Declaration)
	if err != nil {
		return 0, err
	}
	err = tx.GetContext(ctx, &version, `UPDATE declaration SET lane = $2, doc = $3, canonical = $4, route_version = route_version + 1, updated_at = $5,
		draw = COALESCE(draw, $6::jsonb), route = $7
		WHERE id = $1 RETURNING route_version`, u.ID, u.Lane, string(doc), u.Canonical, u.At, jsonOrNull(u.Draw), jsonOrNull(u.Route))
	if err != nil {
		return 0, fmt.Errorf("update route of %s: %w", u.ID, err)
	}
	if len(u.Withdraw) > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE task SET status = 'withdrawn', done_at = $2 WHERE id = ANY($1) AND status IN ('open', 'claimed')`, pq.Array(u.Withdraw), u.At); err != nil {
			return 0, fmt.Errorf("withdraw tasks: %w", err)
		}
	}
	for id, items := range u.Update {
		if _, err := tx.ExecContext(ctx, `UPDATE task SET items = $2 WHERE id = $1`, id, pq.Array(items)); err != nil {
			return 0, fmt.Errorf("update task %s: %w", id, err)
		}
	}
	if len(u.New) > 0 {
		_, err := tx.ExecContext(ctx, `INSERT INTO task (id, declaration_id, workflow, bureau, owner, items, status, inspector, created_at)
			SELECT x.id, $1, x.workflow, x.bureau, x.owner, x.items, 'open', x.inspector, $3
			FROM jsonb_to_recordset($2::jsonb) AS x(id text, workflow text, bureau text, owner text, items int[], inspector text)`, u.ID, string(u.New), u.At)
		if err != nil {
			return 0, fmt.Errorf("new tasks: %w", err)
		}
	}
	return version, nil
}
