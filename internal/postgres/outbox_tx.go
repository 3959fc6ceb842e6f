package postgres

import (
	"context"
	"database/sql/driver"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/jjj/gateway/internal/customs"
)

// This file is the outbox's storage as the outbox declares it
// (outbox.StoreOf[Tx], made an outbox.Store by outbox.Adapt): the claim
// and the writes on a claimed row are DB's methods in outbox.go; the
// outcomes are written in a Tx, one at a time (OutboxTx) or in batches on
// a recording session's own connection (OutboxSession).

// Tx is a transaction of the caller's as the services' small transaction
// interfaces take it (outbox.Tx, outbox.StoreTx, inspection.Tx): its
// methods write in the transaction.
type Tx struct{ sqlx.ExtContext }

// InsertRoute implements outbox.Tx (EnqueueRoute in the transaction).
func (t Tx) InsertRoute(ctx context.Context, declarationID string, body []byte, at time.Time) (string, error) {
	return EnqueueRoute(ctx, t.ExtContext, declarationID, body, at)
}

// InsertRoute implements outbox.Tx outside a transaction.
func (db *DB) InsertRoute(ctx context.Context, declarationID string, body []byte, at time.Time) (string, error) {
	return EnqueueRoute(ctx, db, declarationID, body, at)
}

// FinishOutbox completes or discards a claimed row (FinishOutbox); nil,
// nil when the lease was lost.
func (t Tx) FinishOutbox(ctx context.Context, f customs.DeliveryEnd) (*customs.DeliveryEnded, error) {
	return FinishOutbox(ctx, t.ExtContext, f)
}

// CompleteOutbox completes many claimed rows in one statement
// (CompleteOutbox); the rows whose lease was lost are absent.
func (t Tx) CompleteOutbox(ctx context.Context, cs []customs.DeliveryEnd) ([]customs.DeliveryEnded, error) {
	return CompleteOutbox(ctx, t.ExtContext, cs)
}

// ReplayOutbox makes a dead row due now (ReplayOutbox).
func (t Tx) ReplayOutbox(ctx context.Context, id int64) (*customs.DeliveryEnded, error) {
	return ReplayOutbox(ctx, t.ExtContext, id)
}

// AddTimelines appends timeline entries without changing any status, in
// one statement; an entry with no Status is recorded under the current
// one.
func (t Tx) AddTimelines(ctx context.Context, cs []customs.StatusChange) error {
	out := make([]StatusChange, len(cs))
	for i, c := range cs {
		out[i] = statusChange(c)
	}
	return AddTimelines(ctx, t.ExtContext, out)
}

// OutboxTx runs f in a transaction, committed when f returns nil and
// rolled back on every other path (a panic in f included: the dispatcher
// recovers from it, and the connection must not stay in the transaction
// until its context ends). Unless durable, the commit does not wait for
// the disk: an outcome lost in a database crash is harmless by
// construction (the row is still running, its lease runs out, and the
// message is sent again under its key and answered 409 with the same
// receipt), and not waiting for the flush takes a disk write off every
// delivery.
func (db *DB) OutboxTx(ctx context.Context, durable bool, f func(tx Tx) error) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // a no-op after Commit
	if !durable {
		if _, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return err
		}
	}
	if err := f(Tx{tx}); err != nil {
		return err
	}
	return tx.Commit()
}

// OutboxSession calls use with a way to run transactions on a connection
// of its own (the outbox's recorders each hold one), on which commits do not wait for the disk (see OutboxTx: a lost
// outcome is sent again and answered 409); set once for the session, it
// saves a statement per transaction. The connection is opened at the
// first transaction, and never goes back to the pool with that setting:
// it is discarded on any error (the next transaction opens another) and
// when use returns.
func (db *DB) OutboxSession(use func(inTx func(ctx context.Context, f func(tx Tx) error) error)) {
	s := &session{db: db}
	defer s.drop()
	use(s.inTx)
}

// session is a connection of OutboxSession's.
type session struct {
	db   *DB
	conn *sqlx.Conn
}

func (s *session) inTx(ctx context.Context, f func(tx Tx) error) (err error) {
	defer func() {
		if err != nil {
			s.drop()
		}
	}()
	if s.conn == nil {
		c, err := s.db.Connx(ctx)
		if err != nil {
			return err
		}
		s.conn = c
		if _, err := c.ExecContext(ctx, `SET synchronous_commit = off`); err != nil {
			return err
		}
	}
	tx, err := s.conn.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	done := false
	defer func() {
		// Also on a panic, so the connection is not left in the
		// transaction.
		if !done {
			tx.Rollback()
		}
	}()
	if err := f(Tx{tx}); err != nil {
		return err
	}
	done = true
	return tx.Commit()
}

// drop closes the connection for good rather than returning it to the pool.
func (s *session) drop() {
	if s.conn == nil {
		return
	}
	s.conn.Raw(func(any) error { return driver.ErrBadConn })
	s.conn.Close()
	s.conn = nil
}
