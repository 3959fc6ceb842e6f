package customs

import "time"

// WebhookState is where a webhook stands. Persisted as these strings.
type WebhookState string

const (
	// WebhookActive: events are delivered.
	WebhookActive WebhookState = "active"
	// WebhookSuspended: the receiver kept failing; events are still queued
	// and go out, in order, once it is resumed.
	WebhookSuspended WebhookState = "suspended"
	// WebhookDeleted: gone for its enterprise; its queued events are
	// discarded. Kept for the record.
	WebhookDeleted WebhookState = "deleted"
)

// Webhook is a receiver an enterprise registered for the status changes of
// its declarations (api.md). Secret never leaves the gateway but in the
// signatures it makes. Zero times mean "never".
type Webhook struct {
	ID         string
	Enterprise string // the USCC whose key registered it: its scope
	URL        string
	Secret     string
	State      WebhookState
	// Failures counts failed calls since the last success.
	Failures int
	// RetryAt: no call before it (the backoff after a failure).
	RetryAt time.Time
	// LastError is the class of the last failure (webhook.Classify: a
	// word such as "timeout", never a receiver's own text); "" for none.
	LastError     string
	LastAttemptAt time.Time
	LastSuccessAt time.Time
	SuspendedAt   time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
	// Pending counts the events not yet delivered; only the operator's
	// listing fills it.
	Pending int
}

// WebhookDelivery is one queued event claimed for one call to its webhook:
// the claim holds until the lease ends, and only the holder of Lease may
// end it.
type WebhookDelivery struct {
	// ID is the event's number: creation order, the order of delivery.
	ID       int64
	Lease    int64
	Attempts int

	WebhookID string
	URL       string
	Secret    string

	DeclarationID string
	PortRef       string
	Status        string
	// Previous is the status before the change; "" for the first.
	Previous string
	At       time.Time
	// Route is the route as it stood at the change (JSON); nil when none.
	Route []byte
}

// WebhookBackoff is the retry policy of a failing webhook: after the n-th
// failure in a row it waits min(Max, Base·2^(n-1)) with jitter (half fixed,
// half random), and at SuspendAfter failures in a row it is suspended.
type WebhookBackoff struct {
	Base, Max    time.Duration
	SuspendAfter int
}
