package outbox

import (
	"context"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// Claims are the claim and the writes that put a claimed row back, each
// one statement outside any transaction. ok is false when the lease was
// lost (another claimer holds the row now), and then nothing is written.
type Claims interface {
	// ClaimOutbox claims up to limit due rows for lease, oldest first, in
	// one round trip (FOR UPDATE SKIP LOCKED, through the index of the
	// unsent rows).
	ClaimOutbox(ctx context.Context, limit int, lease time.Duration) ([]customs.Delivery, error)
	// RetryOutbox records a transient failure and makes the row due again
	// after delay, spending an attempt.
	RetryOutbox(ctx context.Context, id, lease int64, a customs.Attempt, delay time.Duration) (ok bool, err error)
	// SnoozeOutbox puts a claimed row back, due after delay, without
	// spending an attempt: nothing was sent.
	SnoozeOutbox(ctx context.Context, id, lease int64, delay time.Duration) (ok bool, err error)
}

// Store is the outbox's storage (internal/postgres implements it, through
// Adapt): the claims, and transactions for the outcomes.
type Store interface {
	Claims
	// OutboxTx runs f in a transaction, committed if f returns nil and
	// rolled back otherwise, a panic in f included. Unless durable, the
	// commit does not wait for the disk: an outcome lost in a crash is
	// sent again and answered 409 with the same receipt.
	OutboxTx(ctx context.Context, durable bool, f func(tx StoreTx) error) error
	// OutboxSession calls use with inTx, which runs a transaction (not
	// durable) on a connection of the session's own, kept from one
	// transaction to the next, so a recorder spends no statement on the
	// setting; it is given up after an error and when use returns.
	OutboxSession(use func(inTx func(ctx context.Context, f func(tx StoreTx) error) error))
}

// StoreTx is the outbox's transaction: what recording an outcome writes.
// It is also the Tx the Lifecycle is handed. Every method returns
// customs.CodeNotFound for an unknown declaration or row.
type StoreTx interface {
	Tx
	// FinishOutbox completes or discards a claimed row, records the
	// attempt, and for a declaration's own message sets its delivery, in
	// one statement. nil, nil when the lease was lost: nothing is written.
	FinishOutbox(ctx context.Context, f customs.DeliveryEnd) (*customs.DeliveryEnded, error)
	// CompleteOutbox is FinishOutbox (customs.OutboxCompleted) for many
	// rows in one statement; a row whose lease was lost is absent.
	CompleteOutbox(ctx context.Context, cs []customs.DeliveryEnd) ([]customs.DeliveryEnded, error)
	// ReplayOutbox makes a dead row due now, its attempts counted afresh,
	// and a declaration's own message pending again;
	// customs.CodeConflict for a row that is not dead.
	ReplayOutbox(ctx context.Context, id int64) (*customs.DeliveryEnded, error)
	// LockLifecycle reads and locks what a declaration's status is
	// derived from; LockLifecycles does it for many, by id.
	LockLifecycle(ctx context.Context, id string) (*customs.Lifecycle, error)
	LockLifecycles(ctx context.Context, ids []string) (map[string]*customs.Lifecycle, error)
	// AddTimelines appends timeline entries without changing a status, in
	// one statement; an entry with no Status is under the current one.
	AddTimelines(ctx context.Context, cs []customs.StatusChange) error
}

// StoreOf is a Store whose transactions have their own type T, as a
// storage package that cannot name StoreTx declares them; Adapt makes it
// a Store.
type StoreOf[T StoreTx] interface {
	Claims
	OutboxTx(ctx context.Context, durable bool, f func(tx T) error) error
	OutboxSession(use func(inTx func(ctx context.Context, f func(tx T) error) error))
}

// Adapt makes a StoreOf a Store (*postgres.DB, whose transactions are
// postgres.Tx: outbox.Adapt[postgres.Tx](db)).
func Adapt[T StoreTx](s StoreOf[T]) Store { return adapted[T]{s} }

type adapted[T StoreTx] struct{ StoreOf[T] }

func (a adapted[T]) OutboxTx(ctx context.Context, durable bool, f func(tx StoreTx) error) error {
	return a.StoreOf.OutboxTx(ctx, durable, func(t T) error { return f(t) })
}

func (a adapted[T]) OutboxSession(use func(inTx func(ctx context.Context, f func(tx StoreTx) error) error)) {
	a.StoreOf.OutboxSession(func(inTx func(context.Context, func(T) error) error) {
		use(func(ctx context.Context, f func(tx StoreTx) error) error {
			return inTx(ctx, func(t T) error { return f(t) })
		})
	})
}
