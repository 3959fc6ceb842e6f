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
	// Since keeps declarations received at or after it, when not zero.
	Since time.Time
	// Before is the keyset cursor: only seq < Before, when not zero.
	Before int64
	Limit  int
}
