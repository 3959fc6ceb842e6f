package outbox

import (
	"context"
	"time"

	"github.com/jjj/gateway/internal/canonical"
	"github.com/jjj/gateway/internal/customs"
)

// Lifecycle records what the review centre's answers do to a
// declaration's status. The declaration lifecycle implements it
// (inspection.Lifecycle) and gatewayd wires it in: the outbox says what
// happened and in which transaction, and never decides a status itself,
// so that it stays below the services that use it to enqueue.
//
// Every method writes in tx, the outbox's transaction (the storage's
// transaction type, which the lifecycle may need more of than Tx names),
// and returns what storage returns (customs.CodeNotFound for an unknown
// declaration).
type Lifecycle interface {
	// Record derives the status of declaration id again, under its lock,
	// and records e: as the status change, or as a timeline entry under
	// the current status when the status did not move.
	Record(ctx context.Context, tx Tx, id string, e customs.Event) error
	// RefreshLocked derives the status from st, read and locked in tx,
	// and records e only if the status moved.
	RefreshLocked(ctx context.Context, tx Tx, id string, st *customs.Lifecycle, e customs.Event) error
	// RefreshAll is RefreshLocked for many declarations at once (a batch
	// of acceptances), each appearing once.
	RefreshAll(ctx context.Context, tx Tx, ls []Locked) error
}

// Locked is one declaration for Lifecycle.RefreshAll: its state as just
// read and locked, and the event to record.
type Locked struct {
	ID    string
	State *customs.Lifecycle
	Event customs.Event
}

// Tx is the caller's storage transaction as far as enqueueing needs it;
// the storage's transaction type satisfies it (postgres.Tx, and
// *postgres.DB outside a transaction). Kept this small so that the outbox
// depends on no storage package's types.
type Tx interface {
	// InsertRoute adds a route amendment of the declaration with body and
	// returns its idempotency key ("<id>:route:<n>", n counting the
	// amendments); customs.CodeNotFound for an unknown declaration.
	InsertRoute(ctx context.Context, declarationID string, body []byte, at time.Time) (string, error)
}

// EnqueueRoute queues the amendment of a declaration's route to route
// using tx, the transaction that changes the route: it is sent only if tx
// commits, after the declaration's delivery and any earlier amendment
// (river's InsertTx). It returns the amendment's idempotency key.
func EnqueueRoute(ctx context.Context, tx Tx, declarationID string, route *customs.Route, at time.Time) (string, error) {
	return tx.InsertRoute(ctx, declarationID, canonical.MarshalRoute(route), at)
}
