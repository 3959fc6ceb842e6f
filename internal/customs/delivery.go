package customs

import "time"

// The records below are the outbox's (the durable queue to the review
// centre) as its storage keeps them: the outbox drives its storage
// through an interface it declares in these types, the operator's calls
// read them, and internal/postgres implements both without importing
// either side.

// OutboxState is where a message to the review centre stands (STYLE.md
// point 10), as against DeliveryState, what it means for its declaration.
// Persisted as these strings. The operator sees them as api.md's
// delivery states: available and running are pending, retryable is
// retrying, completed is delivered, discarded is dead.
type OutboxState string

const (
	// OutboxAvailable: waiting to be sent, never tried, replayed, or
	// snoozed while the breaker was open (no attempt spent).
	OutboxAvailable OutboxState = "available"
	// OutboxRunning: claimed by a dispatcher until its lease runs out;
	// then (the process died mid-send) the message is due again.
	OutboxRunning OutboxState = "running"
	// OutboxRetryable: a transient failure; due again when scheduled.
	OutboxRetryable OutboxState = "retryable"
	// OutboxCompleted: the review centre accepted it.
	OutboxCompleted OutboxState = "completed"
	// OutboxDiscarded: refused for good (the reason says why); the
	// operator may replay it.
	OutboxDiscarded OutboxState = "discarded"
)

// APIName is the state in the words the operator sees (api.md's delivery
// states), so that every answer names a delivery the way the listing does.
func (s OutboxState) APIName() string {
	switch s {
	case OutboxRetryable:
		return "retrying"
	case OutboxCompleted:
		return "delivered"
	case OutboxDiscarded:
		return "dead"
	}
	return "pending"
}

// Delivery is a message claimed for sending to the review centre.
type Delivery struct {
	ID            int64
	DeclarationID string
	// Kind is the review centre's message kind (declaration, route).
	Kind string
	// Key is the idempotency key: the declaration id, or
	// "<declaration id>:route:<n>".
	Key      string
	Port     string
	Attempts int
	// Lease is the claim's number; writes that end the claim name it, so
	// a claimer whose lease ran out writes nothing.
	Lease int64
	// Body is the message: its own body, or the declaration's canonical XML.
	Body []byte
}

// Attempt is one exchange with the review centre.
type Attempt struct {
	At time.Time
	// StatusCode is the HTTP status; 0 when there was no answer.
	StatusCode int
	Latency    time.Duration
	// Outcome: accepted, rejected or transient.
	Outcome string
	// Error is why it failed; empty when it did not.
	Error string
}

// DeliveryEnd ends a claim for good.
type DeliveryEnd struct {
	ID, Lease int64
	Attempt   Attempt
	// State is OutboxCompleted or OutboxDiscarded.
	State OutboxState
	// Reason is why it was discarded.
	Reason string
	// EntryID is the review centre's entry id, recorded on the declaration
	// when a declaration was accepted.
	EntryID string
}

// DeliveryEnded is a message whose claim was ended (or that was replayed):
// which one, for which declaration.
type DeliveryEnded struct {
	ID            int64
	DeclarationID string
	Kind          string
	Key           string
}

// DeliveryRecord is a message to the review centre as the operator sees
// it. Empty strings and nil times mean "none".
type DeliveryRecord struct {
	ID            int64
	DeclarationID string
	Kind          string
	Key           string
	Port          string
	State         OutboxState
	Attempts      int
	ScheduledAt   time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
	LockedUntil   *time.Time
	LastError     string
	Reason        string
	// EntryID is the declaration's entry id at the review centre.
	EntryID string
}

// DeadFilter selects dead deliveries for a bulk replay. Zero fields match
// everything.
type DeadFilter struct {
	Port string
	// From and To bound the time the delivery was created (the
	// declaration accepted): From <= created_at < To.
	From, To time.Time
	// Reason matches a substring of the refusal reason, ignoring case.
	Reason string
}

// QueueDepths is how much waits in the gateway's queues, for the metrics.
type QueueDepths struct {
	// Outbox counts the messages to the review centre not yet delivered;
	// OutboxOldestSeconds is the age of the oldest (0 when none).
	Outbox              int64
	OutboxOldestSeconds float64
	// WebhookEvents counts the events waiting (suspended webhooks'
	// included); WebhooksSuspended the webhooks suspended after failing.
	WebhookEvents     int64
	WebhooksSuspended int64
	// CreditStaged counts the registries' records staged and not yet
	// flushed; CreditUnmerged the records flushed whose enterprises are
	// not merged yet.
	CreditStaged, CreditUnmerged int64
}
