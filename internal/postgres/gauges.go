package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jjj/gateway/internal/customs"
)

// SQL is the connection pool, for the pool's metrics (in use, waiting).
func (db *DB) SQL() *sql.DB { return db.DB.DB }

// QueueDepths reads the queues' depths for the metrics, in one round trip
// at scrape time: the outbox's undelivered messages and the age of the
// oldest, the webhook events waiting, the suspended webhooks, and the
// credit records staged or flushed and not merged yet.
func (db *DB) QueueDepths(ctx context.Context) (customs.QueueDepths, error) {
	var q struct {
		OutboxDepth  int64   `db:"outbox_depth"`
		OutboxAge    float64 `db:"outbox_age"`
		WebhookDepth int64   `db:"webhook_depth"`
		Suspended    int64   `db:"suspended"`
		Staged       int64   `db:"staged"`
		Unmerged     int64   `db:"unmerged"`
	}
	err := db.GetContext(ctx, &q, `SELECT
		(SELECT count(*) FROM outbox WHERE state IN ('available', 'retryable', 'running')) AS outbox_depth,
		coalesce((SELECT extract(epoch FROM now() - min(created_at)) FROM outbox WHERE state IN ('available', 'retryable', 'running')), 0)::float8 AS outbox_age,
		(SELECT count(*) FROM webhook_event WHERE state IN ('pending', 'running')) AS webhook_depth,
		(SELECT count(*) FROM webhook WHERE state = 'suspended') AS suspended,
		(SELECT count(*) FROM credit_staged) AS staged,
		(SELECT count(*) FROM credit_record WHERE seq > (SELECT seq FROM credit_merge_mark)) AS unmerged`)
	if err != nil {
		return customs.QueueDepths{}, fmt.Errorf("queue depths: %w", err)
	}
	return customs.QueueDepths{Outbox: q.OutboxDepth, OutboxOldestSeconds: q.OutboxAge,
		WebhookEvents: q.WebhookDepth, WebhooksSuspended: q.Suspended, CreditStaged: q.Staged, CreditUnmerged: q.Unmerged}, nil
}
