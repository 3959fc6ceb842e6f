package customs

import (
	"encoding/json"
	"time"
)

// The records below are what the services keep and read back through
// their storage interfaces (declared where they are used, implemented by
// internal/postgres): storage speaks the domain's language, so that a
// service never sees a database type.

// Intake is what intake stores for a new declaration, in one statement:
// the declaration with its route (tasks opened, draw made), its timeline's
// first entry, its tasks, its outbox message and its webhook events.
type Intake struct {
	// Declaration has its ID, Source.ReceivedAt and Route set.
	Declaration *Declaration
	// PortOffice owns the port-side tasks (codes/customs.csv office of
	// the port customs code).
	PortOffice string
	// Canonical is the canonical XML for the review centre.
	Canonical []byte
	// Actor and Note are the first timeline entry's.
	Actor, Note string
	// RouteJSON is the route as the API shows it: kept with the first
	// timeline entry and carried by webhook events.
	RouteJSON []byte
	// Audit, when set, is the submission's audit entry (its Target the
	// declaration): written in the declaration's own transaction, so that
	// a stored declaration always has its entry, and intake commits once.
	Audit *AuditEntry
}

// StoredDeclaration is a declaration as stored, with its live state.
type StoredDeclaration struct {
	Seq       int64
	ID        string
	Port      Port
	PortRef   string
	Digest    string
	Direction Direction
	Status    Status
	// EntryID is the review centre's entry id; empty until delivered.
	EntryID    string
	ReceivedAt time.Time
	UpdatedAt  time.Time
	PortOffice string
	// Enterprises are the USCCs of its parties (the enterprise scope).
	Enterprises  []string
	Lane         Lane
	RouteVersion int
	// Declaration is the domain model with the route it was last routed
	// with (task states as they were then; TaskRecord has them live).
	Declaration *Declaration
	// Canonical is the canonical XML as sent, or to be sent.
	Canonical []byte
	// Draw is the random draw, kept across re-routes; nil when none.
	Draw *Draw
}

// TaskRecord is a stored task with its live state.
type TaskRecord struct {
	ID            string
	DeclarationID string
	Workflow      Workflow
	// Bureau is the inland bureau, empty for work at the port.
	Bureau string
	// Owner is the bureau (or port office) that acts on it.
	Owner     string
	Items     []int64
	Status    TaskStatus
	Inspector string
	ClaimedBy string
	ClaimedAt *time.Time
	CreatedAt time.Time
	DoneAt    *time.Time
	// Outcome is OutcomePass or OutcomeFail once done.
	Outcome string
	// Result is the bureau's finding as recorded (JSON), nil until done.
	Result []byte
}

// State is the task as the lifecycle sees it. A result that does not
// parse counts as none: results are the gateway's own writing.
func (t *TaskRecord) State() TaskState {
	s := TaskState{ID: t.ID, Workflow: t.Workflow, Bureau: t.Bureau, Owner: t.Owner, Items: t.Items, Status: t.Status, Outcome: t.Outcome}
	if len(t.Result) > 0 {
		_ = json.Unmarshal(t.Result, &s.Result)
	}
	return s
}

// TimelineEntry is one stored step of a declaration's life.
type TimelineEntry struct {
	ID     int64
	At     time.Time
	Status string
	Actor  string
	Note   string
	// Data is JSON, or empty.
	Data []byte
}

// Rejection is a refused message, kept for the operator.
type Rejection struct {
	ID         int64
	Port       Port
	PortRef    string // empty when the message was refused before it was read
	ReceivedAt time.Time
	Status     int
	Digest     string
	// Errors is the problems as stored: a JSON array of {path, code,
	// message}, path null for the whole message.
	Errors []byte
}

// Scope limits a listing to what a key may read (api.md "Keys and
// roles"); exactly one field is set, or All.
type Scope struct {
	All        bool
	Port       string // declarations submitted for this port
	Enterprise string // declarations where this USCC is a party
	Bureau     string // declarations with a task this bureau owns
}

// DeclarationFilter selects declarations to list, newest first.
type DeclarationFilter struct {
	Scope Scope
	// Status, Port and Enterprise filter when not empty.
	Status     string
	Port       string
	Enterprise string
	// Search, when not empty, keeps declarations whose port reference or
	// entry number starts with it (case-insensitive): what a clerk has at
	// hand is one of the two, often cut short.
	Search string
	// Since keeps declarations received at or after it, when not zero.
	Since time.Time
	// Before is the keyset cursor: only seq < Before, when not zero.
	Before int64
	Limit  int
}

// TaskFilter selects a bureau's tasks, oldest first.
type TaskFilter struct {
	Owner    string
	Status   string
	Workflow string
	// AfterAt and AfterID are the keyset cursor: tasks created after
	// (AfterAt, AfterID).
	AfterAt time.Time
	AfterID string
	Limit   int
}

// StatusChange is a status to record for a declaration with the event
// that moved it (or, for a timeline entry alone, the status it stays in).
type StatusChange struct {
	DeclarationID string
	Status        Status
	Event
}

// RouteChange is a new route written by a re-route.
type RouteChange struct {
	// Declaration has its new route.
	Declaration *Declaration
	// RouteJSON is the new route as the API shows it (webhook events).
	RouteJSON []byte
	// Canonical is the canonical XML with the new route.
	Canonical []byte
	// PortOffice owns new tasks for no bureau.
	PortOffice string
	// New are the tasks the new route opens (IDs given).
	New []Task
	// Update are kept tasks whose items changed: id -> items.
	Update map[string][]int
	// Withdraw are open or claimed tasks the new route no longer has.
	Withdraw []string
	// Draw, when set, is a random draw made by this re-route for a
	// declaration that had none (routing.md: once made, a draw is kept).
	Draw *Draw
	At   time.Time
}

// RiskAlert is an operator's risk alert as stored (routing.md): what it
// matches (empty: anything), the lane it asks for, until when.
type RiskAlert struct {
	ID        string
	HSPrefix  string
	Origin    string
	USCC      string
	Port      string
	Action    Lane
	Reason    string
	ExpiresAt *time.Time
	CreatedAt time.Time
	CreatedBy string
}

// RerouteRequest is one queued request to re-route the pending
// declarations of an enterprise (USCC "*": every pending declaration).
type RerouteRequest struct {
	USCC   string
	Actor  string
	Reason string
}

// TrackSession is a signed-in session of the tracking page: the
// enterprise key it was opened with, the enterprise (USCC) it sees, and
// when it ends.
type TrackSession struct {
	KeyID      string
	Enterprise string
	ExpiresAt  time.Time
}
