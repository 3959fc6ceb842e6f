package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// RequestReroute queues the re-routing of the enterprises' pending
// declarations, in the caller's transaction.
func RequestReroute(ctx context.Context, q sqlx.ExtContext, usccs []string, reason string) error {
	if len(usccs) == 0 {
		return nil
	}
	_, err := q.ExecContext(ctx, `INSERT INTO reroute_request (uscc, reason) SELECT u, $2 FROM unnest($1::text[]) AS u`, pq.Array(usccs), reason)
	if err != nil {
		return fmt.Errorf("request reroute: %w", err)
	}
	return nil
}

// RerouteBatch is a claimed batch of requests; Done deletes them, Release
// gives them back.
type RerouteBatch struct {
	tx    *sqlx.Tx
	USCCs []string
}

// ClaimReroutes claims up to limit requests older than settle (so that
// every process's rating cache has caught up with the change), locking them
// until Done or Release.
func (db *DB) ClaimReroutes(ctx context.Context, settle time.Duration, limit int) (*RerouteBatch, error) {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("claim reroutes: %w", err)
	}
	var usccs []string
	err = tx.SelectContext(ctx, &usccs, `DELETE FROM reroute_request WHERE id IN (
		SELECT id FROM reroute_request WHERE created_at < now() - make_interval(secs => $1)
		ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING uscc`, settle.Seconds(), limit)
	if err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("claim reroutes: %w", err)
	}
	return &RerouteBatch{tx: tx, USCCs: usccs}, nil
}

// Done removes the batch's requests for good.
func (b *RerouteBatch) Done() error { return b.tx.Commit() }

// Release puts the batch's requests back.
func (b *RerouteBatch) Release() error { return b.tx.Rollback() }
