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

// routeAtChange is the route a webhook event carries: the stored route
// (as intake answered it) with each task's status as it is at the change,
// read from the task table in the same statement. Without it a "released"
// event said its tasks were still "open".
const routeAtChange = `CASE WHEN jsonb_typeof(upd.route->'tasks') = 'array' THEN
           jsonb_set(upd.route, '{tasks}', (
               SELECT coalesce(jsonb_agg(CASE WHEN t.id IS NULL THEN e.x ELSE e.x || jsonb_build_object('status', t.status) END ORDER BY e.n), '[]'::jsonb)
               FROM jsonb_array_elements(upd.route->'tasks') WITH ORDINALITY AS e(x, n) LEFT JOIN task t ON t.id = e.x->>'id'))
       ELSE upd.route END`

// ChangeStatus sets the status and appends the timeline entry, using q (a
// transaction of the caller's, or the DB). It returns the previous status.
// Every status change goes through here (or ChangeStatuses, its batch
// form, which writes the same), so that whatever must follow a change is
// written in the same statement: one webhook event per webhook (active or
// suspended: a suspended one gets them when resumed) of each enterprise of
// the declaration.
func ChangeStatus(ctx context.Context, q sqlx.ExtContext, c StatusChange) (previous string, err error) {
	err = sqlx.GetContext(ctx, q, &previous, `
WITH old AS (SELECT status FROM declaration WHERE id = $1 FOR UPDATE),
upd AS (UPDATE declaration SET status = $2, updated_at = $3 WHERE id = $1 RETURNING id, enterprises, route),
tl AS (INSERT INTO timeline (declaration_id, at, status, actor, note, data) SELECT id, $3, $2, $4, $5, $6 FROM upd),
ev AS (INSERT INTO webhook_event (webhook_id, declaration_id, status, previous, at, route)
       SELECT w.id, upd.id, $2, old.status, $3, `+routeAtChange+`
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

// lifecycleRow is a declaration's part of customs.Lifecycle as stored.
type lifecycleRow struct {
	Status   string         `db:"status"`
	Delivery string         `db:"delivery"`
	Decision sql.NullString `db:"decision"`
}

func (r *lifecycleRow) lifecycle() *customs.Lifecycle {
	return &customs.Lifecycle{Status: customs.Status(r.Status), Delivery: customs.DeliveryState(r.Delivery), Decision: customs.Decision(r.Decision.String)}
}

// TaskState converts a stored task for the lifecycle.
func (t *TaskRow) TaskState() customs.TaskState {
	r := t.Record()
	return r.State()
}

// LockLifecycle reads and locks the state a status is derived from.
func LockLifecycle(ctx context.Context, q sqlx.ExtContext, id string) (*customs.Lifecycle, error) {
	var r lifecycleRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT status, delivery, decision FROM declaration WHERE id = $1 FOR UPDATE`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, customs.Errorf(customs.CodeNotFound, "declaration %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("lock declaration %s: %w", id, err)
	}
	tasks, err := tasksOf(ctx, q, id)
	if err != nil {
		return nil, err
	}
	l := r.lifecycle()
	for i := range tasks {
		l.Tasks = append(l.Tasks, tasks[i].TaskState())
	}
	return l, nil
}

// LockLifecycles is LockLifecycle for many declarations in two statements:
// the declarations locked in id order (so two callers never lock a pair
// in opposite orders) and all their tasks. Unknown ids are absent from the
// map.
func LockLifecycles(ctx context.Context, q sqlx.ExtContext, ids []string) (map[string]*customs.Lifecycle, error) {
	out := make(map[string]*customs.Lifecycle, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID string `db:"id"`
		lifecycleRow
	}
	if err := sqlx.SelectContext(ctx, q, &rows, Prepared+`SELECT id, status, delivery, decision FROM declaration WHERE id = ANY($1) ORDER BY id FOR UPDATE`,
		pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("lock declarations: %w", err)
	}
	for i := range rows {
		out[rows[i].ID] = rows[i].lifecycle()
	}
	var tasks []TaskRow
	if err := sqlx.SelectContext(ctx, q, &tasks, Prepared+`SELECT `+taskColumns+` FROM task WHERE declaration_id = ANY($1) ORDER BY created_at, id`,
		pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("tasks of declarations: %w", err)
	}
	for i := range tasks {
		if s := out[tasks[i].DeclarationID]; s != nil {
			s.Tasks = append(s.Tasks, tasks[i].TaskState())
		}
	}
	return out, nil
}

// statusChangeArrays spreads changes into the parallel arrays the batch
// statements unnest; nil Data becomes the empty string, stored as NULL.
func statusChangeArrays(cs []StatusChange) (ids, statuses, ats, actors, notes, data pq.StringArray) {
	n := len(cs)
	ids, statuses, ats = make(pq.StringArray, n), make(pq.StringArray, n), make(pq.StringArray, n)
	actors, notes, data = make(pq.StringArray, n), make(pq.StringArray, n), make(pq.StringArray, n)
	for i, c := range cs {
		ids[i], statuses[i], ats[i] = c.DeclarationID, c.Status, c.At.UTC().Format(time.RFC3339Nano)
		actors[i], notes[i], data[i] = c.Actor, c.Note, string(c.Data)
	}
	return
}

// ChangeStatuses is ChangeStatus for many declarations in one statement
// (the outbox records a batch of deliveries at once): each status set, its
// timeline entry appended, and its webhook events queued, in the order of
// cs. Every declaration must appear once; it returns the previous
// statuses in that order, and customs.CodeNotFound if one is unknown.
func ChangeStatuses(ctx context.Context, q sqlx.ExtContext, cs []StatusChange) (previous []string, err error) {
	if len(cs) == 0 {
		return nil, nil
	}
	seen := make(map[string]bool, len(cs))
	for _, c := range cs {
		if seen[c.DeclarationID] {
			return nil, fmt.Errorf("change statuses: declaration %s twice", c.DeclarationID)
		}
		seen[c.DeclarationID] = true
	}
	ids, statuses, ats, actors, notes, data := statusChangeArrays(cs)
	var rows []struct {
		ID       string         `db:"id"`
		Previous sql.NullString `db:"previous"`
	}
	err = sqlx.SelectContext(ctx, q, &rows, Prepared+`
WITH c AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[])
        WITH ORDINALITY AS c(id, status, at, actor, note, data, n)
),
old AS (SELECT d.id, d.status FROM declaration d WHERE d.id = ANY($1) ORDER BY d.id FOR UPDATE),
upd AS (UPDATE declaration SET status = c.status, updated_at = c.at FROM c WHERE declaration.id = c.id
        RETURNING declaration.id, declaration.enterprises, declaration.route),
tl AS (INSERT INTO timeline (declaration_id, at, status, actor, note, data)
       SELECT c.id, c.at, c.status, c.actor, c.note, NULLIF(c.data, '')::jsonb FROM c JOIN upd ON upd.id = c.id ORDER BY c.n),
ev AS (INSERT INTO webhook_event (webhook_id, declaration_id, status, previous, at, route)
       SELECT w.id, upd.id, c.status, old.status, c.at, `+routeAtChange+`
       FROM c JOIN upd ON upd.id = c.id JOIN old ON old.id = c.id
       JOIN webhook w ON w.enterprise = ANY(upd.enterprises) AND w.state IN ('active', 'suspended')
       ORDER BY c.n, w.id)
SELECT c.id, old.status AS previous FROM c LEFT JOIN old ON old.id = c.id ORDER BY c.n`,
		ids, statuses, ats, actors, notes, data)
	if err != nil {
		return nil, fmt.Errorf("change statuses: %w", err)
	}
	previous = make([]string, len(rows))
	for i, r := range rows {
		if !r.Previous.Valid {
			return nil, customs.Errorf(customs.CodeNotFound, "declaration %s not found", r.ID)
		}
		previous[i] = r.Previous.String
	}
	return previous, nil
}

// AddTimelines appends timeline entries without changing any status, in
// one statement and in the order of cs. An entry with no Status is
// recorded under the declaration's current status.
func AddTimelines(ctx context.Context, q sqlx.ExtContext, cs []StatusChange) error {
	if len(cs) == 0 {
		return nil
	}
	ids, statuses, ats, actors, notes, data := statusChangeArrays(cs)
	res, err := q.ExecContext(ctx, Prepared+`
INSERT INTO timeline (declaration_id, at, status, actor, note, data)
SELECT c.id, c.at, COALESCE(NULLIF(c.status, ''), d.status), c.actor, c.note, NULLIF(c.data, '')::jsonb
FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[])
    WITH ORDINALITY AS c(id, status, at, actor, note, data, n)
JOIN declaration d ON d.id = c.id
ORDER BY c.n`, ids, statuses, ats, actors, notes, data)
	if err != nil {
		return fmt.Errorf("timelines: %w", err)
	}
	if n, _ := res.RowsAffected(); int(n) != len(cs) {
		return customs.Errorf(customs.CodeNotFound, "timelines: %d of %d declarations not found", len(cs)-int(n), len(cs))
	}
	return nil
}
