package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// AllDeclarations in a re-route request means every pending declaration.
const AllDeclarations = "*"

// creditActor asks for the re-routes a credit change causes.
const creditActor = "system:credit"

// RequestReroute queues the re-routing of the enterprises' pending
// declarations after a credit change, in the caller's transaction.
func RequestReroute(ctx context.Context, q sqlx.ExtContext, usccs []string, reason string) error {
	return RequestRerouteAs(ctx, q, usccs, creditActor, reason)
}

// RequestRerouteAs queues a re-route asked for by actor; a USCC of
// AllDeclarations stands for every pending declaration.
func RequestRerouteAs(ctx context.Context, q sqlx.ExtContext, usccs []string, actor, reason string) error {
	if len(usccs) == 0 {
		return nil
	}
	_, err := q.ExecContext(ctx, `INSERT INTO reroute_request (uscc, reason, actor) SELECT u, $2, $3 FROM unnest($1::text[]) AS u`,
		pq.Array(usccs), reason, actor)
	if err != nil {
		return fmt.Errorf("request reroute: %w", err)
	}
	return nil
}

// ForgetReroutes deletes the queued requests of a reason, once the caller
// did the re-route itself.
func (db *DB) ForgetReroutes(ctx context.Context, reason string) error {
	if _, err := db.ExecContext(ctx, `DELETE FROM reroute_request WHERE reason = $1`, reason); err != nil {
		return fmt.Errorf("forget reroutes: %w", err)
	}
	return nil
}

// RerouteRequest is one queued request.
type RerouteRequest struct {
	USCC   string `db:"uscc"`
	Actor  string `db:"actor"`
	Reason string `db:"reason"`
}

// RerouteBatch is a claimed batch of requests; Done deletes them, Release
// gives them back.
type RerouteBatch struct {
	tx       *sqlx.Tx
	Requests []RerouteRequest
}

// ClaimReroutes claims up to limit requests older than settle (so that
// every process's rating cache has caught up with the change), locking them
// until Done or Release.
func (db *DB) ClaimReroutes(ctx context.Context, settle time.Duration, limit int) (*RerouteBatch, error) {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("claim reroutes: %w", err)
	}
	var reqs []RerouteRequest
	err = tx.SelectContext(ctx, &reqs, `DELETE FROM reroute_request WHERE id IN (
		SELECT id FROM reroute_request WHERE created_at < now() - make_interval(secs => $1)
		ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) RETURNING uscc, actor, reason`, settle.Seconds(), limit)
	if err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("claim reroutes: %w", err)
	}
	return &RerouteBatch{tx: tx, Requests: reqs}, nil
}

// Done removes the batch's requests for good.
func (b *RerouteBatch) Done() error { return b.tx.Commit() }

// Release puts the batch's requests back.
func (b *RerouteBatch) Release() error { return b.tx.Rollback() }
