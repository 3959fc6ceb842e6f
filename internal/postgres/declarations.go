package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/jjj/gateway/internal/customs"
)

// NewDeclaration is everything written when a port's declaration is
// accepted: the declaration, its first timeline entry, its tasks, its
// outbox row and one webhook event per webhook of its enterprises, all in
// one statement (one transaction, one round trip).
type NewDeclaration struct {
	ID          string
	Port        customs.Port
	PortRef     string
	Digest      string
	Direction   customs.Direction
	ReceivedAt  time.Time
	PortOffice  string
	Enterprises []string
	Lane        customs.Lane
	// Declaration is the declaration with its route, stored as the
	// domain model (doc.go).
	Declaration *customs.Declaration
	// Canonical is the canonical XML for the review centre.
	Canonical []byte
	// Draw is the random draw as JSON, or nil.
	Draw []byte
	// Tasks is a JSON array of {id, workflow, bureau, owner, items, inspector}.
	Tasks []byte
	Actor string
	Note  string
	// Route is the route as the API shows it (with its reasons): kept with
	// the first timeline entry, carried by webhook events, and stored in
	// the route column for the events of later status changes.
	Route []byte
	// WriteOffs is a JSON array of {kind, number, item, qty}: the
	// citations of the declaration's items, written off in the same
	// statement; nil for none.
	WriteOffs []byte
	// Audit is the call's audit entry, written in the same statement when
	// the declaration is created; nil for none.
	Audit *customs.AuditEntry
}

const insertDeclarationSQL = `
WITH d AS (
    INSERT INTO declaration (id, port, port_ref, digest, direction, status, received_at, updated_at,
                             port_office, enterprises, lane, doc, canonical, draw, route)
    VALUES ($1, $2, $3, $4, $5, 'accepted', $6, $6, $7, $8, $9, $10, $11, $12, $15)
    ON CONFLICT (port, port_ref) DO NOTHING
    RETURNING id
), tl AS (
    INSERT INTO timeline (declaration_id, at, status, actor, note, data)
    SELECT id, $6, 'accepted', $13, $14, $15 FROM d
), tk AS (
    INSERT INTO task (id, declaration_id, workflow, bureau, owner, items, status, inspector, created_at)
    SELECT x.id, d.id, x.workflow, x.bureau, x.owner, x.items, 'open', x.inspector, $6
    FROM d, jsonb_to_recordset($16::jsonb) AS x(id text, workflow text, bureau text, owner text, items int[], inspector text)
), ob AS (
    INSERT INTO outbox (declaration_id, kind, idempotency_key, port, state, scheduled_at, created_at, updated_at)
    SELECT id, 'declaration', id, $2, 'available', $6, $6, $6 FROM d
), ev AS (
    INSERT INTO webhook_event (webhook_id, declaration_id, status, previous, at, route)
    SELECT w.id, d.id, 'accepted', NULL, $6, $15::jsonb
    FROM d JOIN webhook w ON w.enterprise = ANY($8::text[]) AND w.state IN ('active', 'suspended')
    ORDER BY w.id
), wo AS (
    INSERT INTO document_write_off (kind, number, declaration_id, port, port_ref, item, quantity, at)
    SELECT x.kind, x.number, d.id, $2, $3, x.item, x.qty::numeric, $6
    FROM d, jsonb_to_recordset($17::jsonb) AS x(kind text, number text, item int, qty text)
), wsum AS (
    SELECT x.kind, x.number, sum(x.qty::numeric) AS qty
    FROM d, jsonb_to_recordset($17::jsonb) AS x(kind text, number text, item int, qty text)
    GROUP BY x.kind, x.number
), wd AS (
    -- A document short of the quantity (or revoked) gets -1, which the
    -- CHECK document_remaining_check refuses: the whole statement fails
    -- and nothing is stored. The UPDATE locks the row and, under READ
    -- COMMITTED, re-reads it after a concurrent write-off commits, so two
    -- declarations can never both take the last of a document.
    UPDATE document doc SET remaining = CASE
        WHEN doc.revoked_at IS NOT NULL OR doc.remaining < wsum.qty THEN -1
        WHEN doc.level = 'A' THEN 0
        ELSE doc.remaining - wsum.qty END
    FROM wsum WHERE doc.kind = wsum.kind AND doc.number = wsum.number
), au AS (
    INSERT INTO audit (at, key_id, role, actor, request_id, action, target, outcome, status)
    SELECT $18, $19, $20, $21, $22, $23, $24, $25, $26 FROM d WHERE $19::text IS NOT NULL
)
SELECT id FROM d`

// InsertDeclaration stores a new declaration. When the port already sent
// the same reference, nothing is written and it returns the stored
// declaration's id and digest with created false.
func (db *DB) InsertDeclaration(ctx context.Context, n *NewDeclaration) (id, digest string, created bool, err error) {
	var got string
	doc, err := marshalDoc(n.Declaration)
	if err != nil {
		return "", "", false, err
	}
	tasks := n.Tasks
	if tasks == nil {
		tasks = []byte("[]")
	}
	writeOffs := n.WriteOffs
	if writeOffs == nil {
		writeOffs = []byte("[]")
	}
	var a customs.AuditEntry
	var auditKey any // NULL: no entry
	if n.Audit != nil {
		a, auditKey = *n.Audit, n.Audit.KeyID
	}
	err = db.QueryRowContext(ctx, insertDeclarationSQL,
		n.ID, n.Port, n.PortRef, n.Digest, n.Direction, n.ReceivedAt,
		n.PortOffice, pq.Array(n.Enterprises), n.Lane, string(doc), n.Canonical, jsonOrNull(n.Draw),
		n.Actor, n.Note, jsonOrNull(n.Route), string(tasks), string(writeOffs),
		a.At, auditKey, string(a.Role), a.Actor, a.RequestID, string(a.Action), a.Target, a.Outcome, a.Status,
	).Scan(&got)
	if err == nil {
		return got, n.Digest, true, nil
	}
	if isShort(err) {
		return "", "", false, fmt.Errorf("insert declaration: %w", customs.ErrDocumentShort)
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", "", false, fmt.Errorf("insert declaration: %w", err)
	}
	err = db.QueryRowContext(ctx, `SELECT id, digest FROM declaration WHERE port = $1 AND port_ref = $2`, n.Port, n.PortRef).Scan(&id, &digest)
	if err != nil {
		return "", "", false, fmt.Errorf("find declaration %s/%s: %w", n.Port, n.PortRef, err)
	}
	return id, digest, false, nil
}

func jsonOrNull(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// DeclarationRow is a stored declaration with its live state.
type DeclarationRow struct {
	Seq          int64          `db:"seq"`
	ID           string         `db:"id"`
	Port         string         `db:"port"`
	PortRef      string         `db:"port_ref"`
	Digest       string         `db:"digest"`
	Direction    string         `db:"direction"`
	Status       string         `db:"status"`
	EntryID      sql.NullString `db:"entry_id"`
	ReceivedAt   time.Time      `db:"received_at"`
	UpdatedAt    time.Time      `db:"updated_at"`
	PortOffice   string         `db:"port_office"`
	Enterprises  pq.StringArray `db:"enterprises"`
	Lane         string         `db:"lane"`
	RouteVersion int            `db:"route_version"`
	Doc          []byte         `db:"doc"`
	Canonical    []byte         `db:"canonical"`
	Draw         []byte         `db:"draw"`
}

const declarationColumns = `seq, id, port, port_ref, digest, direction, status, entry_id, received_at, updated_at,
	port_office, enterprises, lane, route_version, doc, canonical, draw`

// GetDeclaration returns a declaration by id; customs.CodeNotFound if none.
func (db *DB) GetDeclaration(ctx context.Context, id string) (*DeclarationRow, error) {
	var r DeclarationRow
	err := db.GetContext(ctx, &r, `SELECT `+declarationColumns+` FROM declaration WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, customs.Errorf(customs.CodeNotFound, "declaration %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("get declaration %s: %w", id, err)
	}
	return &r, nil
}

// TimelineRow is one timeline entry.
type TimelineRow struct {
	ID     int64           `db:"id"`
	At     time.Time       `db:"at"`
	Status string          `db:"status"`
	Actor  string          `db:"actor"`
	Note   string          `db:"note"`
	Data   json.RawMessage `db:"data"`
}

// timelineColumns are TimelineRow's. data is read as text, NULL as empty:
// database/sql cannot scan NULL into json.RawMessage.
const timelineColumns = `id, at, status, actor, note, convert_to(COALESCE(data::text, ''), 'UTF8') AS data`

// Timeline returns a declaration's timeline, oldest first.
func (db *DB) Timeline(ctx context.Context, declarationID string) ([]TimelineRow, error) {
	var out []TimelineRow
	err := db.SelectContext(ctx, &out, `SELECT `+timelineColumns+` FROM timeline WHERE declaration_id = $1 ORDER BY id`, declarationID)
	if err != nil {
		return nil, fmt.Errorf("timeline %s: %w", declarationID, err)
	}
	return out, nil
}

// TaskRow is a stored task.
type TaskRow struct {
	ID            string         `db:"id" json:"id"`
	DeclarationID string         `db:"declaration_id" json:"declarationId"`
	Workflow      string         `db:"workflow" json:"workflow"`
	Bureau        sql.NullString `db:"bureau" json:"-"`
	Owner         string         `db:"owner" json:"-"`
	Items         pq.Int64Array  `db:"items" json:"items"`
	Status        string         `db:"status" json:"status"`
	Inspector     sql.NullString `db:"inspector" json:"-"`
	ClaimedBy     sql.NullString `db:"claimed_by" json:"-"`
	ClaimedAt     sql.NullTime   `db:"claimed_at" json:"-"`
	CreatedAt     time.Time      `db:"created_at" json:"createdAt"`
	DoneAt        sql.NullTime   `db:"done_at" json:"-"`
	Outcome       sql.NullString `db:"outcome" json:"-"`
	Result        []byte         `db:"result" json:"-"`
}

const taskColumns = `id, declaration_id, workflow, bureau, owner, items, status, inspector, claimed_by, claimed_at, created_at, done_at, outcome, result`

// Tasks returns a declaration's tasks in creation order.
func (db *DB) Tasks(ctx context.Context, declarationID string) ([]TaskRow, error) {
	return tasksOf(ctx, db, declarationID)
}

func tasksOf(ctx context.Context, q sqlx.QueryerContext, declarationID string) ([]TaskRow, error) {
	var out []TaskRow
	err := sqlx.SelectContext(ctx, q, &out, `SELECT `+taskColumns+` FROM task WHERE declaration_id = $1 ORDER BY created_at, id`, declarationID)
	if err != nil {
		return nil, fmt.Errorf("tasks of %s: %w", declarationID, err)
	}
	return out, nil
}

// InsertRejection records a message that was refused (400/413/415/422).
func (db *DB) InsertRejection(ctx context.Context, port customs.Port, portRef string, at time.Time, status int, digest string, problems []customs.Problem) error {
	type p struct {
		Path    *string `json:"path"`
		Code    string  `json:"code"`
		Message string  `json:"message"`
	}
	ps := make([]p, len(problems))
	for i, pr := range problems {
		ps[i] = p{Code: pr.Code, Message: pr.Message}
		if pr.Path != "" {
			path := pr.Path
			ps[i].Path = &path
		}
	}
	errs, err := json.Marshal(ps)
	if err != nil {
		return err
	}
	var ref any
	if portRef != "" {
		ref = portRef
	}
	_, err = db.ExecContext(ctx, `INSERT INTO rejection (port, port_ref, received_at, status, digest, errors) VALUES ($1, $2, $3, $4, $5, $6)`,
		port, ref, at, status, digest, string(errs))
	if err != nil {
		return fmt.Errorf("insert rejection: %w", err)
	}
	return nil
}

// RejectionRow is a stored rejection record.
type RejectionRow struct {
	ID         int64           `db:"id" json:"id"`
	Port       string          `db:"port" json:"port"`
	PortRef    sql.NullString  `db:"port_ref" json:"-"`
	ReceivedAt time.Time       `db:"received_at" json:"receivedAt"`
	Status     int             `db:"status" json:"status"`
	Digest     string          `db:"digest" json:"digest"`
	Errors     json.RawMessage `db:"errors" json:"errors"`
}

// Rejections lists rejection records, newest first, before the id before
// (0 for the newest), at most limit.
func (db *DB) Rejections(ctx context.Context, before int64, limit int) ([]RejectionRow, error) {
	var out []RejectionRow
	q := `SELECT id, port, port_ref, received_at, status, digest, errors FROM rejection WHERE ($1 = 0 OR id < $1) ORDER BY id DESC LIMIT $2`
	if err := db.SelectContext(ctx, &out, q, before, limit); err != nil {
		return nil, fmt.Errorf("rejections: %w", err)
	}
	return out, nil
}

// DeleteRejectionsBefore deletes the rejection records received before
// before and returns how many. It deletes in batches, so that a first run
// over a large backlog holds no long lock and no long transaction.
func (db *DB) DeleteRejectionsBefore(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		res, err := db.ExecContext(ctx, `DELETE FROM rejection WHERE id IN (SELECT id FROM rejection WHERE received_at < $1 LIMIT 5000)`, before)
		if err != nil {
			return total, fmt.Errorf("delete rejections: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("delete rejections: %w", err)
		}
		total += n
		if n < 5000 {
			return total, nil
		}
	}
}
