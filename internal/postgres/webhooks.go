package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// Webhook event states. Persisted as these strings.
const (
	// EventPending: waiting for its turn (the earlier events of its
	// webhook) or for the webhook's backoff.
	EventPending = "pending"
	// EventRunning: claimed by a worker until locked_until.
	EventRunning = "running"
	// EventDelivered: the receiver answered 2xx.
	EventDelivered = "delivered"
	// EventDiscarded: its webhook was deleted before it was delivered.
	EventDiscarded = "discarded"
)

// webhookRow is a webhook as stored.
type webhookRow struct {
	ID            string         `db:"id"`
	Enterprise    string         `db:"enterprise"`
	URL           string         `db:"url"`
	Secret        string         `db:"secret"`
	State         string         `db:"state"`
	Failures      int            `db:"failures"`
	RetryAt       sql.NullTime   `db:"retry_at"`
	LastError     sql.NullString `db:"last_error"`
	LastAttemptAt sql.NullTime   `db:"last_attempt_at"`
	LastSuccessAt sql.NullTime   `db:"last_success_at"`
	SuspendedAt   sql.NullTime   `db:"suspended_at"`
	CreatedAt     time.Time      `db:"created_at"`
	UpdatedAt     time.Time      `db:"updated_at"`
	Pending       int            `db:"pending"`
}

func (r *webhookRow) webhook() customs.Webhook {
	return customs.Webhook{ID: r.ID, Enterprise: r.Enterprise, URL: r.URL, Secret: r.Secret, State: customs.WebhookState(r.State),
		Failures: r.Failures, RetryAt: r.RetryAt.Time, LastError: r.LastError.String, LastAttemptAt: r.LastAttemptAt.Time,
		LastSuccessAt: r.LastSuccessAt.Time, SuspendedAt: r.SuspendedAt.Time, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		Pending: r.Pending}
}

func webhooks(rows []webhookRow) []customs.Webhook {
	out := make([]customs.Webhook, len(rows))
	for i := range rows {
		out[i] = rows[i].webhook()
	}
	return out
}

const webhookColumns = `id, enterprise, url, secret, state, failures, retry_at, last_error, last_attempt_at,
	last_success_at, suspended_at, created_at, updated_at`

// InsertWebhook stores a new active webhook, unless its enterprise already
// has max webhooks (customs.CodeConflict).
func (db *DB) InsertWebhook(ctx context.Context, w *customs.Webhook, max int) error {
	res, err := db.ExecContext(ctx, `
INSERT INTO webhook (id, enterprise, url, secret, state, created_at, updated_at)
SELECT $1, $2, $3, $4, 'active', $5, $5
WHERE (SELECT count(*) FROM webhook WHERE enterprise = $2 AND state <> 'deleted') < $6`,
		w.ID, w.Enterprise, w.URL, w.Secret, w.CreatedAt, max)
	if err != nil {
		return classify(err, "webhook")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return customs.Errorf(customs.CodeConflict, "an enterprise has at most %d webhooks; delete one first", max)
	}
	w.State = customs.WebhookActive
	w.UpdatedAt = w.CreatedAt
	return nil
}

// Webhooks lists an enterprise's webhooks (not deleted), oldest first.
func (db *DB) Webhooks(ctx context.Context, enterprise string) ([]customs.Webhook, error) {
	var rows []webhookRow
	err := db.SelectContext(ctx, &rows, `SELECT `+webhookColumns+`, 0 AS pending FROM webhook
		WHERE enterprise = $1 AND state <> 'deleted' ORDER BY created_at, id`, enterprise)
	if err != nil {
		return nil, fmt.Errorf("webhooks of %s: %w", enterprise, err)
	}
	return webhooks(rows), nil
}

// WebhooksByState lists every enterprise's webhooks for the operator, with
// the number of events each has waiting; state "" means all but deleted.
func (db *DB) WebhooksByState(ctx context.Context, state customs.WebhookState) ([]customs.Webhook, error) {
	var rows []webhookRow
	err := db.SelectContext(ctx, &rows, `SELECT `+webhookColumns+`,
		(SELECT count(*) FROM webhook_event e WHERE e.webhook_id = w.id AND e.state IN ('pending', 'running')) AS pending
		FROM webhook w WHERE CASE WHEN $1 = '' THEN state <> 'deleted' ELSE state = $1 END
		ORDER BY suspended_at DESC NULLS LAST, created_at, id`, string(state))
	if err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	return webhooks(rows), nil
}

// Webhook returns a webhook that is not deleted, within enterprise's scope
// ("" for the operator); customs.CodeNotFound otherwise.
func (db *DB) Webhook(ctx context.Context, id, enterprise string) (*customs.Webhook, error) {
	var r webhookRow
	err := db.GetContext(ctx, &r, `SELECT `+webhookColumns+`, 0 AS pending FROM webhook
		WHERE id = $1 AND ($2 = '' OR enterprise = $2) AND state <> 'deleted'`, id, enterprise)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, customs.Errorf(customs.CodeNotFound, "webhook %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("webhook %s: %w", id, err)
	}
	w := r.webhook()
	return &w, nil
}

// DeleteWebhook deletes a webhook within enterprise's scope and discards
// its undelivered events; customs.CodeNotFound if there is none. A call in
// flight ends as it may; its answer changes nothing.
func (db *DB) DeleteWebhook(ctx context.Context, id, enterprise string) error {
	var n int
	err := db.GetContext(ctx, &n, `
WITH w AS (
    UPDATE webhook SET state = 'deleted', busy_until = NULL, updated_at = now()
    WHERE id = $1 AND enterprise = $2 AND state <> 'deleted' RETURNING id
), ev AS (
    UPDATE webhook_event e SET state = 'discarded', locked_until = NULL
    FROM w WHERE e.webhook_id = w.id AND e.state IN ('pending', 'running')
)
SELECT count(*) FROM w`, id, enterprise)
	if err != nil {
		return fmt.Errorf("delete webhook %s: %w", id, err)
	}
	if n == 0 {
		return customs.Errorf(customs.CodeNotFound, "webhook %s not found", id)
	}
	return nil
}

// ResumeWebhook makes a webhook active again with a clean failure count,
// so its queued events go out at once, in order. enterprise "" is the
// operator. customs.CodeNotFound outside the scope.
func (db *DB) ResumeWebhook(ctx context.Context, id, enterprise string) (*customs.Webhook, error) {
	var r webhookRow
	err := db.GetContext(ctx, &r, `UPDATE webhook SET state = 'active', failures = 0, retry_at = NULL, suspended_at = NULL, updated_at = now()
		WHERE id = $1 AND ($2 = '' OR enterprise = $2) AND state <> 'deleted'
		RETURNING `+webhookColumns+`, 0 AS pending`, id, enterprise)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, customs.Errorf(customs.CodeNotFound, "webhook %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("resume webhook %s: %w", id, err)
	}
	w := r.webhook()
	return &w, nil
}

// ClaimWebhookEvents claims, for lease, the next event of up to limit
// webhooks: one event per webhook, each webhook's oldest waiting event.
// Webhooks whose last call succeeded go first, then those that have been
// failing, each group by how long its oldest event has waited: when more
// receivers hang than the worker has room for calls, the hanging ones
// hold the room for at most one call's time and then queue behind the
// healthy ones instead of before them. A webhook is
// taken only when it is active, out of backoff and not busy: while one of
// its events is being sent (busy_until, set here to the lease's end) no
// worker in any process takes another, so at most one call is in flight
// per webhook and its events leave strictly in order (event n+1 of a
// declaration is not sent before n was answered 2xx, since n is older). A
// webhook whose worker died is free again when the lease ends, and its
// running event is claimed again. SKIP LOCKED on the webhook rows lets
// workers in several processes claim at once without waiting on each
// other.
func (db *DB) ClaimWebhookEvents(ctx context.Context, limit int, lease time.Duration) ([]customs.WebhookDelivery, error) {
	var rows []struct {
		ID            int64          `db:"id"`
		Lease         int64          `db:"lease"`
		Attempts      int            `db:"attempts"`
		WebhookID     string         `db:"webhook_id"`
		URL           string         `db:"url"`
		Secret        string         `db:"secret"`
		DeclarationID string         `db:"declaration_id"`
		PortRef       string         `db:"port_ref"`
		Status        string         `db:"status"`
		Previous      sql.NullString `db:"previous"`
		At            time.Time      `db:"at"`
		Route         []byte         `db:"route"`
	}
	err := db.SelectContext(ctx, &rows, `
WITH hooks AS (
    SELECT w.id FROM webhook w
    WHERE w.state = 'active' AND (w.retry_at IS NULL OR w.retry_at <= now())
      AND (w.busy_until IS NULL OR w.busy_until < now())
      AND EXISTS (SELECT 1 FROM webhook_event e WHERE e.webhook_id = w.id AND e.state IN ('pending', 'running'))
    ORDER BY w.failures > 0,
             (SELECT min(e.id) FROM webhook_event e WHERE e.webhook_id = w.id AND e.state IN ('pending', 'running'))
    LIMIT $1
    FOR UPDATE OF w SKIP LOCKED
), next AS (
    SELECT (SELECT e.id FROM webhook_event e WHERE e.webhook_id = h.id AND e.state IN ('pending', 'running')
            ORDER BY e.id LIMIT 1) AS id
    FROM hooks h
), ev AS (
    UPDATE webhook_event e
    SET state = 'running', attempts = e.attempts + 1, lease = e.lease + 1,
        locked_until = now() + $2 * interval '1 millisecond'
    FROM next
    -- Checked again on the row as it is now, not as this statement's
    -- snapshot saw it: an event another worker finished meanwhile is not
    -- taken (its webhook then waits for the next claim).
    WHERE e.id = next.id AND (e.state = 'pending' OR (e.state = 'running' AND e.locked_until < now()))
    RETURNING e.id, e.lease, e.attempts, e.webhook_id, e.declaration_id, e.status, e.previous, e.at, e.route
), busy AS (
    UPDATE webhook w SET busy_until = now() + $2 * interval '1 millisecond'
    FROM ev WHERE w.id = ev.webhook_id
)
SELECT ev.id, ev.lease, ev.attempts, ev.webhook_id, w.url, w.secret, ev.declaration_id, d.port_ref,
       ev.status, ev.previous, ev.at, ev.route
FROM ev JOIN webhook w ON w.id = ev.webhook_id JOIN declaration d ON d.id = ev.declaration_id
ORDER BY ev.id`, limit, lease.Milliseconds())
	if err != nil {
		return nil, fmt.Errorf("claim webhook events: %w", err)
	}
	out := make([]customs.WebhookDelivery, len(rows))
	for i, r := range rows {
		out[i] = customs.WebhookDelivery{ID: r.ID, Lease: r.Lease, Attempts: r.Attempts, WebhookID: r.WebhookID, URL: r.URL,
			Secret: r.Secret, DeclarationID: r.DeclarationID, PortRef: r.PortRef, Status: r.Status, Previous: r.Previous.String,
			At: r.At, Route: r.Route}
	}
	return out, nil
}

// CompleteWebhookEvent records a delivery: the event is done, its webhook
// is free for its next event and its failures are forgotten. A claim that
// is no longer the event's (its lease ran out and another worker took it)
// changes nothing.
func (db *DB) CompleteWebhookEvent(ctx context.Context, id, lease int64) error {
	_, err := db.ExecContext(ctx, `
WITH ev AS (
    UPDATE webhook_event SET state = 'delivered', delivered_at = now(), locked_until = NULL, last_error = NULL
    WHERE id = $1 AND lease = $2 AND state = 'running' RETURNING webhook_id
)
UPDATE webhook w SET failures = 0, retry_at = NULL, busy_until = NULL, last_success_at = now(), last_attempt_at = now(), updated_at = now()
FROM ev WHERE w.id = ev.webhook_id`, id, lease)
	if err != nil {
		return fmt.Errorf("complete webhook event %d: %w", id, err)
	}
	return nil
}

// FailWebhookEvent records a failed call, class saying what kind of
// failure it was (never a receiver's own text): the event waits again, its
// webhook is free and backs off (b). A failure while the webhook was not
// due (suspended or backing off meanwhile) is not counted twice. It
// returns the webhook's state afterwards.
func (db *DB) FailWebhookEvent(ctx context.Context, id, lease int64, class string, b customs.WebhookBackoff) (customs.WebhookState, error) {
	var state string
	err := db.GetContext(ctx, &state, `
WITH ev AS (
    UPDATE webhook_event SET state = 'pending', locked_until = NULL, last_error = $3
    WHERE id = $1 AND lease = $2 AND state = 'running' RETURNING webhook_id
), counted AS (
    UPDATE webhook w SET
        failures = w.failures + 1,
        retry_at = now() + least($5::float8, $4::float8 * power(2, w.failures)) * (0.5 + random() * 0.5) * interval '1 millisecond',
        last_error = $3, last_attempt_at = now(), updated_at = now(), busy_until = NULL,
        state = CASE WHEN w.failures + 1 >= $6 THEN 'suspended' ELSE w.state END,
        suspended_at = CASE WHEN w.failures + 1 >= $6 THEN now() ELSE w.suspended_at END
    FROM ev WHERE w.id = ev.webhook_id AND w.state = 'active' AND (w.retry_at IS NULL OR w.retry_at <= now())
    RETURNING w.state
), freed AS (
    UPDATE webhook w SET busy_until = NULL
    FROM ev WHERE w.id = ev.webhook_id AND NOT (w.state = 'active' AND (w.retry_at IS NULL OR w.retry_at <= now()))
    RETURNING w.state
)
SELECT COALESCE((SELECT state FROM counted), (SELECT state FROM freed), '')`,
		id, lease, class, b.Base.Milliseconds(), b.Max.Milliseconds(), b.SuspendAfter)
	if err != nil {
		return "", fmt.Errorf("fail webhook event %d: %w", id, err)
	}
	return customs.WebhookState(state), nil
}

// ReleaseWebhookEvent hands a claimed event back untried (the worker is
// stopping): it waits for the next worker, with its attempt not counted,
// and its webhook is free at once.
func (db *DB) ReleaseWebhookEvent(ctx context.Context, id, lease int64) error {
	_, err := db.ExecContext(ctx, `
WITH ev AS (
    UPDATE webhook_event SET state = 'pending', locked_until = NULL, attempts = greatest(attempts - 1, 0)
    WHERE id = $1 AND lease = $2 AND state = 'running' RETURNING webhook_id
)
UPDATE webhook w SET busy_until = NULL FROM ev WHERE w.id = ev.webhook_id`, id, lease)
	if err != nil {
		return fmt.Errorf("release webhook event %d: %w", id, err)
	}
	return nil
}

// WebhookEventRow is a stored event, for tests and the operator.
type WebhookEventRow struct {
	ID            int64          `db:"id"`
	WebhookID     string         `db:"webhook_id"`
	DeclarationID string         `db:"declaration_id"`
	Status        string         `db:"status"`
	Previous      sql.NullString `db:"previous"`
	At            time.Time      `db:"at"`
	State         string         `db:"state"`
	Attempts      int            `db:"attempts"`
	LastError     sql.NullString `db:"last_error"`
}

// WebhookEvents lists a webhook's events in order.
func (db *DB) WebhookEvents(ctx context.Context, webhookID string) ([]WebhookEventRow, error) {
	out := []WebhookEventRow{}
	err := db.SelectContext(ctx, &out, `SELECT id, webhook_id, declaration_id, status, previous, at, state, attempts, last_error
		FROM webhook_event WHERE webhook_id = $1 ORDER BY id`, webhookID)
	if err != nil {
		return nil, fmt.Errorf("events of webhook %s: %w", webhookID, err)
	}
	return out, nil
}

// InsertTrackSession stores a session by the hash of its id, and drops
// sessions that have expired (track.SessionStore).
func (db *DB) InsertTrackSession(ctx context.Context, hash []byte, s customs.TrackSession, at time.Time) error {
	_, err := db.ExecContext(ctx, `
WITH gone AS (DELETE FROM track_session WHERE expires_at < $5)
INSERT INTO track_session (hash, key_id, enterprise, created_at, expires_at) VALUES ($1, $2, $3, $5, $4)`,
		hash, s.KeyID, s.Enterprise, s.ExpiresAt, at)
	if err != nil {
		return fmt.Errorf("insert session: %w", err)
	}
	return nil
}

// TrackSessionByHash returns a live session: not expired at at, and signed
// in with a key that is still neither revoked nor expired (revoking the key
// ends its sessions). customs.CodeNotFound when there is none.
func (db *DB) TrackSessionByHash(ctx context.Context, hash []byte, at time.Time) (*customs.TrackSession, error) {
	var s struct {
		KeyID      string    `db:"key_id"`
		Enterprise string    `db:"enterprise"`
		ExpiresAt  time.Time `db:"expires_at"`
	}
	err := db.GetContext(ctx, &s, `SELECT s.key_id, s.enterprise, s.expires_at FROM track_session s
		JOIN api_key k ON k.id = s.key_id
		WHERE s.hash = $1 AND s.expires_at > $2 AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > $2)
		  AND k.role = 'enterprise' AND k.scope = s.enterprise`, hash, at)
	if IsNoRows(err) {
		return nil, customs.Errorf(customs.CodeNotFound, "no live session")
	}
	if err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	return &customs.TrackSession{KeyID: s.KeyID, Enterprise: s.Enterprise, ExpiresAt: s.ExpiresAt}, nil
}

// DeleteTrackSession ends a session.
func (db *DB) DeleteTrackSession(ctx context.Context, hash []byte) error {
	if _, err := db.ExecContext(ctx, `DELETE FROM track_session WHERE hash = $1`, hash); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}
