package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/jjj/gateway/internal/customs"
)

// The outbox's states are customs.OutboxState's strings.

// outboxRow is a claimed outbox row, ready to send.
type outboxRow struct {
	ID            int64  `db:"id"`
	DeclarationID string `db:"declaration_id"`
	Kind          string `db:"kind"`
	Key           string `db:"idempotency_key"`
	Port          string `db:"port"`
	Attempts      int    `db:"attempts"`
	Lease         int64  `db:"lease"`
	Body          []byte `db:"body"`
}

// claimSQL takes the oldest due rows nobody else holds. A row is due when
// it is available or retryable and its time has come, or running with a
// lease that ran out (its claimer died). A route amendment is due only
// after its declaration was delivered and every earlier amendment of the
// same declaration finished, so the review centre sees them in order.
//
// The first condition repeats the predicate of the partial index
// outbox_unsent so that the planner scans it: without it, it walks the
// primary key through every completed row ever sent (25,000 of them cost
// 9ms a claim; 0.1ms through the index). The declaration's delivery is a
// correlated lookup, not EXISTS, which under the OR became a hash of every
// delivered declaration built by a sequential scan.
const claimSQL = Prepared + `
WITH c AS (
    SELECT o.id FROM outbox o
    WHERE o.state IN ('available', 'retryable', 'running')
      AND ((o.state IN ('available', 'retryable') AND o.scheduled_at <= now())
           OR (o.state = 'running' AND o.locked_until <= now()))
      AND (o.kind = 'declaration' OR (
           (SELECT d.delivery FROM declaration d WHERE d.id = o.declaration_id) = 'delivered'
           AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.declaration_id = o.declaration_id AND p.kind = 'route'
                           AND p.id < o.id AND p.state NOT IN ('completed', 'discarded'))))
    ORDER BY o.id
    LIMIT $1
    FOR UPDATE OF o SKIP LOCKED
)
UPDATE outbox o SET state = 'running', lease = o.lease + 1,
       locked_until = now() + $2 * interval '1 millisecond', updated_at = now()
FROM c WHERE o.id = c.id
RETURNING o.id, o.declaration_id, o.kind, o.idempotency_key, o.port, o.attempts, o.lease,
          COALESCE(o.body, (SELECT d.canonical FROM declaration d WHERE d.id = o.declaration_id)) AS body`

// ClaimOutbox claims up to limit due rows for lease, oldest first, in one
// statement (outbox.Store). Rows locked by another claimer are skipped, so
// several processes on one database never hold the same row.
func (db *DB) ClaimOutbox(ctx context.Context, limit int, lease time.Duration) ([]customs.Delivery, error) {
	var rows []outboxRow
	if err := db.SelectContext(ctx, &rows, claimSQL, limit, lease.Milliseconds()); err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	// RETURNING keeps no order.
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && rows[j].ID < rows[j-1].ID; j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
	out := make([]customs.Delivery, len(rows))
	for i, r := range rows {
		out[i] = customs.Delivery{ID: r.ID, DeclarationID: r.DeclarationID, Kind: r.Kind, Key: r.Key, Port: r.Port,
			Attempts: r.Attempts, Lease: r.Lease, Body: r.Body}
	}
	return out, nil
}

// attemptArgs are an attempt's columns: no status code and no error are
// NULL, the latency is in milliseconds.
func attemptArgs(a *customs.Attempt) (status any, latency float64, errText any) {
	if a.StatusCode != 0 {
		status = a.StatusCode
	}
	if a.Error != "" {
		errText = a.Error
	}
	return status, float64(a.Latency.Microseconds()) / 1000, errText
}

// RetryOutbox records a transient failure and makes the row due again after
// delay, spending an attempt; one statement. ok is false when the lease was
// lost (another claimer has the row now), and then nothing is written.
func (db *DB) RetryOutbox(ctx context.Context, id, lease int64, a customs.Attempt, delay time.Duration) (ok bool, err error) {
	st, lat, et := attemptArgs(&a)
	var n int
	err = db.GetContext(ctx, &n, `
WITH o AS (
    UPDATE outbox SET state = 'retryable', attempts = attempts + 1, locked_until = NULL,
           scheduled_at = now() + $3 * interval '1 millisecond', last_error = $8, updated_at = now()
    WHERE id = $1 AND lease = $2 AND state = 'running'
    RETURNING id
), a AS (
    INSERT INTO delivery_attempt (outbox_id, at, status_code, latency_ms, outcome, error)
    SELECT id, $4, $5, $6, $7, $8 FROM o
)
SELECT count(*) FROM o`, id, lease, delay.Milliseconds(), a.At, st, lat, a.Outcome, et)
	if err != nil {
		return false, fmt.Errorf("retry outbox %d: %w", id, err)
	}
	return n == 1, nil
}

// SnoozeOutbox puts a claimed row back, due after delay, without spending
// an attempt: nothing was sent (the breaker was open, or the dispatcher is
// stopping).
func (db *DB) SnoozeOutbox(ctx context.Context, id, lease int64, delay time.Duration) (ok bool, err error) {
	res, err := db.ExecContext(ctx, `
UPDATE outbox SET state = CASE WHEN attempts > 0 THEN 'retryable' ELSE 'available' END, locked_until = NULL,
       scheduled_at = now() + $3 * interval '1 millisecond', updated_at = now()
WHERE id = $1 AND lease = $2 AND state = 'running'`, id, lease, delay.Milliseconds())
	if err != nil {
		return false, fmt.Errorf("snooze outbox %d: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ended is a row whose claim was ended, or that was replayed.
type ended struct {
	ID            int64  `db:"id"`
	DeclarationID string `db:"declaration_id"`
	Kind          string `db:"kind"`
	Key           string `db:"idempotency_key"`
}

func (e *ended) ended() *customs.DeliveryEnded {
	return &customs.DeliveryEnded{ID: e.ID, DeclarationID: e.DeclarationID, Kind: e.Kind, Key: e.Key}
}

// FinishOutbox completes or discards a claimed row using q (the caller's
// transaction), records the attempt, and for a declaration's own message
// sets its delivery (delivered with the entry id, or failed), all in one
// statement. It returns nil, nil when the lease was lost: nothing is
// written, and the caller must not go on to change the declaration.
func FinishOutbox(ctx context.Context, q sqlx.ExtContext, f customs.DeliveryEnd) (*customs.DeliveryEnded, error) {
	if f.State != customs.OutboxCompleted && f.State != customs.OutboxDiscarded {
		return nil, fmt.Errorf("finish outbox %d: state %q", f.ID, f.State)
	}
	delivery := "delivered"
	if f.State == customs.OutboxDiscarded {
		delivery = "failed"
	}
	var entry, reason any
	if f.EntryID != "" {
		entry = f.EntryID
	}
	if f.Reason != "" {
		reason = f.Reason
	}
	st, lat, et := attemptArgs(&f.Attempt)
	var out ended
	err := sqlx.GetContext(ctx, q, &out, `
WITH o AS (
    UPDATE outbox SET state = $3, attempts = attempts + 1, locked_until = NULL, reason = $4, updated_at = now(),
           last_error = CASE WHEN $3 = 'completed' THEN NULL ELSE last_error END
    WHERE id = $1 AND lease = $2 AND state = 'running'
    RETURNING id, declaration_id, kind, idempotency_key
), a AS (
    INSERT INTO delivery_attempt (outbox_id, at, status_code, latency_ms, outcome, error)
    SELECT id, $5, $6, $7, $8, $9 FROM o
), d AS (
    UPDATE declaration SET delivery = $10, entry_id = COALESCE($11, entry_id), updated_at = $5
    FROM o WHERE declaration.id = o.declaration_id AND o.kind = 'declaration'
), e AS (
    -- The CTEs read the declaration as it was: its first entry id only.
    INSERT INTO declaration_entry (entry_id, declaration_id)
    SELECT $11, o.declaration_id FROM o JOIN declaration old ON old.id = o.declaration_id
    WHERE o.kind = 'declaration' AND $11::text IS NOT NULL AND old.entry_id IS NULL
)
SELECT id, declaration_id, kind, idempotency_key FROM o`,
		f.ID, f.Lease, string(f.State), reason, f.Attempt.At, st, lat, f.Attempt.Outcome, et, delivery, entry)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, classify(err, fmt.Sprintf("finish outbox %d", f.ID))
	}
	return out.ended(), nil
}

// EnqueueRoute adds a route amendment of a declaration to the outbox using
// q (the caller's transaction, which should hold the declaration's row
// lock, as a re-route does): the n-th amendment gets the key
// "<declaration id>:route:<n>". It returns the key; customs.CodeNotFound
// for an unknown declaration.
func EnqueueRoute(ctx context.Context, q sqlx.ExtContext, declarationID string, body []byte, at time.Time) (string, error) {
	var key string
	err := sqlx.GetContext(ctx, q, &key, `
INSERT INTO outbox (declaration_id, kind, idempotency_key, body, port, state, scheduled_at, created_at, updated_at)
SELECT d.id, 'route',
       d.id || ':route:' || (SELECT count(*) + 1 FROM outbox o WHERE o.declaration_id = d.id AND o.kind = 'route'),
       $2, d.port, 'available', $3, $3, $3
FROM declaration d WHERE d.id = $1
RETURNING idempotency_key`, declarationID, body, at)
	if errors.Is(err, sql.ErrNoRows) {
		return "", customs.Errorf(customs.CodeNotFound, "declaration %s not found", declarationID)
	}
	if err != nil {
		return "", classify(err, "route amendment of "+declarationID)
	}
	return key, nil
}

// deliveryRow is an outbox row as the operator sees it.
type deliveryRow struct {
	ID            int64          `db:"id"`
	DeclarationID string         `db:"declaration_id"`
	Kind          string         `db:"kind"`
	Key           string         `db:"idempotency_key"`
	Port          string         `db:"port"`
	State         string         `db:"state"`
	Attempts      int            `db:"attempts"`
	ScheduledAt   time.Time      `db:"scheduled_at"`
	CreatedAt     time.Time      `db:"created_at"`
	UpdatedAt     time.Time      `db:"updated_at"`
	LockedUntil   sql.NullTime   `db:"locked_until"`
	LastError     sql.NullString `db:"last_error"`
	Reason        sql.NullString `db:"reason"`
	EntryID       sql.NullString `db:"entry_id"`
}

func (r *deliveryRow) record() *customs.DeliveryRecord {
	return &customs.DeliveryRecord{ID: r.ID, DeclarationID: r.DeclarationID, Kind: r.Kind, Key: r.Key, Port: r.Port,
		State: customs.OutboxState(r.State), Attempts: r.Attempts, ScheduledAt: r.ScheduledAt, CreatedAt: r.CreatedAt,
		UpdatedAt: r.UpdatedAt, LockedUntil: nullTime(r.LockedUntil), LastError: r.LastError.String, Reason: r.Reason.String,
		EntryID: r.EntryID.String}
}

const deliveryColumns = `o.id, o.declaration_id, o.kind, o.idempotency_key, o.port, o.state, o.attempts, o.scheduled_at,
	o.created_at, o.updated_at, o.locked_until, o.last_error, o.reason, d.entry_id`

// Deliveries lists outbox rows in the given states (all when none), oldest
// first, after the id after, at most limit.
func (db *DB) Deliveries(ctx context.Context, states []customs.OutboxState, after int64, limit int) ([]customs.DeliveryRecord, error) {
	ss := make([]string, len(states))
	for i, s := range states {
		ss[i] = string(s)
	}
	var rows []deliveryRow
	err := db.SelectContext(ctx, &rows, `SELECT `+deliveryColumns+` FROM outbox o JOIN declaration d ON d.id = o.declaration_id
WHERE (cardinality($1::text[]) = 0 OR o.state = ANY($1)) AND o.id > $2 ORDER BY o.id LIMIT $3`,
		pq.Array(ss), after, limit)
	if err != nil {
		return nil, fmt.Errorf("deliveries: %w", err)
	}
	out := make([]customs.DeliveryRecord, len(rows))
	for i := range rows {
		out[i] = *rows[i].record()
	}
	return out, nil
}

// Delivery returns one outbox row; customs.CodeNotFound if none.
func (db *DB) Delivery(ctx context.Context, id int64) (*customs.DeliveryRecord, error) {
	var r deliveryRow
	err := db.GetContext(ctx, &r, `SELECT `+deliveryColumns+` FROM outbox o JOIN declaration d ON d.id = o.declaration_id WHERE o.id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, customs.Errorf(customs.CodeNotFound, "delivery %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("delivery %d: %w", id, err)
	}
	return r.record(), nil
}

// DeclarationDelivery returns the outbox row of a declaration's own
// message (its idempotency key is the declaration's id); customs.CodeNotFound
// if none.
func (db *DB) DeclarationDelivery(ctx context.Context, declarationID string) (*customs.DeliveryRecord, error) {
	var r deliveryRow
	err := db.GetContext(ctx, &r, `SELECT `+deliveryColumns+` FROM outbox o JOIN declaration d ON d.id = o.declaration_id
WHERE o.idempotency_key = $1 AND o.kind = 'declaration'`, declarationID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, customs.Errorf(customs.CodeNotFound, "no delivery of declaration %s", declarationID)
	}
	if err != nil {
		return nil, fmt.Errorf("delivery of %s: %w", declarationID, err)
	}
	return r.record(), nil
}

// attemptRow is a recorded attempt.
type attemptRow struct {
	ID         int64          `db:"id"`
	OutboxID   int64          `db:"outbox_id"`
	At         time.Time      `db:"at"`
	StatusCode sql.NullInt64  `db:"status_code"`
	LatencyMS  float64        `db:"latency_ms"`
	Outcome    string         `db:"outcome"`
	Error      sql.NullString `db:"error"`
}

// DeliveryAttempts returns the attempts of the given rows, by row, oldest
// first.
func (db *DB) DeliveryAttempts(ctx context.Context, ids []int64) (map[int64][]customs.Attempt, error) {
	out := make(map[int64][]customs.Attempt, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var rows []attemptRow
	err := db.SelectContext(ctx, &rows, `SELECT id, outbox_id, at, status_code, latency_ms, outcome, error
FROM delivery_attempt WHERE outbox_id = ANY($1) ORDER BY outbox_id, id`, pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("delivery attempts: %w", err)
	}
	for _, r := range rows {
		// The latency was stored as whole microseconds over 1000: rounding
		// gives them back exactly.
		a := customs.Attempt{At: r.At, StatusCode: int(r.StatusCode.Int64), Outcome: r.Outcome, Error: r.Error.String,
			Latency: time.Duration(math.Round(r.LatencyMS*1000)) * time.Microsecond}
		out[r.OutboxID] = append(out[r.OutboxID], a)
	}
	return out, nil
}

// ReplayOutbox makes a dead row due now using q (the caller's
// transaction), with its attempts counted afresh (the recorded ones stay),
// and for a declaration's own message sets its delivery back to pending.
// customs.CodeNotFound for an unknown row, customs.CodeConflict for a row
// that is not dead.
func ReplayOutbox(ctx context.Context, q sqlx.ExtContext, id int64) (*customs.DeliveryEnded, error) {
	var out struct {
		ended
		Prev string `db:"prev"`
	}
	err := sqlx.GetContext(ctx, q, &out, `
WITH cur AS (SELECT id, state FROM outbox WHERE id = $1 FOR UPDATE),
o AS (
    UPDATE outbox SET state = 'available', attempts = 0, scheduled_at = now(), locked_until = NULL,
           reason = NULL, last_error = NULL, updated_at = now()
    FROM cur WHERE outbox.id = cur.id AND cur.state = 'discarded'
    RETURNING outbox.id, outbox.declaration_id, outbox.kind, outbox.idempotency_key
), d AS (
    UPDATE declaration SET delivery = 'pending', updated_at = now()
    FROM o WHERE declaration.id = o.declaration_id AND o.kind = 'declaration'
)
SELECT cur.id, COALESCE(o.declaration_id, '') AS declaration_id, COALESCE(o.kind, '') AS kind,
       COALESCE(o.idempotency_key, '') AS idempotency_key, cur.state AS prev
FROM cur LEFT JOIN o ON o.id = cur.id`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, customs.Errorf(customs.CodeNotFound, "delivery %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("replay delivery %d: %w", id, err)
	}
	if out.Prev != string(customs.OutboxDiscarded) {
		return nil, customs.Errorf(customs.CodeConflict, "delivery %d is not dead (it is %s); only a dead delivery is replayed", id, customs.OutboxState(out.Prev).APIName())
	}
	return out.ended.ended(), nil
}

// DeadDeliveries returns the ids of the dead deliveries matching f, oldest
// first.
func (db *DB) DeadDeliveries(ctx context.Context, f customs.DeadFilter) ([]int64, error) {
	var from, to any
	if !f.From.IsZero() {
		from = f.From
	}
	if !f.To.IsZero() {
		to = f.To
	}
	var ids []int64
	err := db.SelectContext(ctx, &ids, `SELECT id FROM outbox WHERE state = 'discarded'
  AND ($1 = '' OR port = $1)
  AND ($2::timestamptz IS NULL OR created_at >= $2)
  AND ($3::timestamptz IS NULL OR created_at < $3)
  AND ($4 = '' OR strpos(lower(COALESCE(reason, '')), lower($4)) > 0)
ORDER BY id`, f.Port, from, to, f.Reason)
	if err != nil {
		return nil, fmt.Errorf("dead deliveries: %w", err)
	}
	return ids, nil
}

// DeclarationByEntryID returns the id of the declaration the review centre
// gave entryID; customs.CodeNotFound if none.
func DeclarationByEntryID(ctx context.Context, q sqlx.ExtContext, entryID string) (id string, err error) {
	err = sqlx.GetContext(ctx, q, &id, `SELECT declaration_id FROM declaration_entry WHERE entry_id = $1`, entryID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", customs.Errorf(customs.CodeNotFound, "no declaration has entry id %s", entryID)
	}
	if err != nil {
		return "", fmt.Errorf("declaration of entry %s: %w", entryID, err)
	}
	return id, nil
}

// SetDecision records the review centre's decision on a declaration using
// q (the caller's transaction, holding the declaration's lock).
func SetDecision(ctx context.Context, q sqlx.ExtContext, id, decision, reason string, at time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE declaration SET decision = $2, decision_reason = $3, updated_at = $4 WHERE id = $1`,
		id, decision, reason, at)
	if err != nil {
		return fmt.Errorf("decision on %s: %w", id, err)
	}
	return nil
}

// CurrentStatus reads a declaration's status using q.
func CurrentStatus(ctx context.Context, q sqlx.ExtContext, id string) (string, error) {
	var s string
	err := sqlx.GetContext(ctx, q, &s, `SELECT status FROM declaration WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", customs.Errorf(customs.CodeNotFound, "declaration %s not found", id)
	}
	if err != nil {
		return "", fmt.Errorf("status of %s: %w", id, err)
	}
	return s, nil
}

// CompleteOutbox is FinishOutbox (customs.OutboxCompleted) for many claimed rows
// in one statement, using q (the caller's transaction): the rows
// completed, their attempts recorded, and each declaration's own message
// making it delivered with its entry id. It returns the rows completed,
// by id; a row whose lease was lost is absent, nothing of it is written,
// and the caller must not go on to change its declaration. Declarations
// are locked in id order.
func CompleteOutbox(ctx context.Context, q sqlx.ExtContext, cs []customs.DeliveryEnd) ([]customs.DeliveryEnded, error) {
	if len(cs) == 0 {
		return nil, nil
	}
	n := len(cs)
	ids, leases, codes := make(pq.Int64Array, n), make(pq.Int64Array, n), make(pq.Int64Array, n)
	ats, outcomes, entries := make(pq.StringArray, n), make(pq.StringArray, n), make(pq.StringArray, n)
	lats := make(pq.Float64Array, n)
	for i, c := range cs {
		ids[i], leases[i], codes[i] = c.ID, c.Lease, int64(c.Attempt.StatusCode)
		ats[i], outcomes[i], entries[i] = c.Attempt.At.UTC().Format(time.RFC3339Nano), c.Attempt.Outcome, c.EntryID
		lats[i] = float64(c.Attempt.Latency.Microseconds()) / 1000
	}
	var rows []ended
	err := sqlx.SelectContext(ctx, q, &rows, Prepared+`
WITH u AS (
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::bigint[], $5::float8[], $6::text[], $7::text[])
        AS u(id, lease, at, status_code, latency_ms, outcome, entry_id)
), o AS (
    UPDATE outbox SET state = 'completed', attempts = outbox.attempts + 1, locked_until = NULL, reason = NULL,
           updated_at = now(), last_error = NULL
    FROM u WHERE outbox.id = u.id AND outbox.lease = u.lease AND outbox.state = 'running'
    RETURNING outbox.id, outbox.declaration_id, outbox.kind, outbox.idempotency_key
), a AS (
    INSERT INTO delivery_attempt (outbox_id, at, status_code, latency_ms, outcome)
    SELECT o.id, u.at, NULLIF(u.status_code, 0), u.latency_ms, u.outcome FROM o JOIN u ON u.id = o.id ORDER BY o.id
), l AS (
    SELECT d.id FROM declaration d JOIN o ON o.declaration_id = d.id AND o.kind = 'declaration'
    ORDER BY d.id FOR NO KEY UPDATE OF d
), d AS (
    UPDATE declaration SET delivery = 'delivered', entry_id = COALESCE(NULLIF(u.entry_id, ''), declaration.entry_id), updated_at = u.at
    FROM o JOIN u ON u.id = o.id JOIN l ON l.id = o.declaration_id WHERE declaration.id = o.declaration_id
), e AS (
    -- The CTEs read the declaration as it was: its first entry id only.
    INSERT INTO declaration_entry (entry_id, declaration_id)
    SELECT u.entry_id, o.declaration_id FROM o JOIN u ON u.id = o.id JOIN declaration old ON old.id = o.declaration_id
    WHERE o.kind = 'declaration' AND u.entry_id <> '' AND old.entry_id IS NULL
)
SELECT id, declaration_id, kind, idempotency_key FROM o ORDER BY id`,
		ids, leases, ats, codes, lats, outcomes, entries)
	if err != nil {
		return nil, classify(err, "complete outbox")
	}
	out := make([]customs.DeliveryEnded, len(rows))
	for i := range rows {
		out[i] = *rows[i].ended()
	}
	return out, nil
}
