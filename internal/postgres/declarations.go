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
