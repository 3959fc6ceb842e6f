package customs

import (
	"strings"
	"time"
)

// Status is a declaration's status (api.md). Persisted as these strings;
// never rename them.
type Status string

const (
	// StatusAccepted: stored, routed and queued for the review centre.
	StatusAccepted Status = "accepted"
	// StatusDelivered: the review centre acknowledged it with an entry id.
	StatusDelivered Status = "delivered"
	// StatusDeliveryFailed: the review centre refused it for good; replayable.
	StatusDeliveryFailed Status = "delivery_failed"
	// StatusInspectionRequired: inspection asked for or a task open, or a
	// direct-transit seal found missing or broken.
	StatusInspectionRequired Status = "inspection_required"
	// StatusUnderInspection: a bureau claimed one of its tasks.
	StatusUnderInspection Status = "under_inspection"
	// StatusReleased: the review centre released it and every task passed.
	StatusReleased Status = "released"
	// StatusRejected: the review centre rejected it.
	StatusRejected Status = "rejected"
	// StatusReturned and StatusDestroyed: a task failed with that disposition.
	StatusReturned  Status = "returned"
	StatusDestroyed Status = "destroyed"
)

// Statuses lists every status in its defined order (api.md), the order the
// enterprise view and filters use.
var Statuses = []Status{StatusAccepted, StatusDelivered, StatusDeliveryFailed, StatusInspectionRequired,
	StatusUnderInspection, StatusReleased, StatusRejected, StatusReturned, StatusDestroyed}

// IsStatus reports whether s is one of the defined statuses.
func IsStatus(s string) bool {
	for _, st := range Statuses {
		if string(st) == s {
			return true
		}
	}
	return false
}

// Finished reports whether a declaration in status s is done with: no
// re-route touches it any more.
func (s Status) Finished() bool {
	switch s {
	case StatusReleased, StatusRejected, StatusReturned, StatusDestroyed:
		return true
	}
	return false
}

// DeliveryState is the state of a declaration's own message to the review
// centre. Persisted as these strings.
type DeliveryState string

const (
	// DeliveryPending: queued in the outbox (or being retried).
	DeliveryPending DeliveryState = "pending"
	// DeliveryDelivered: the review centre acknowledged it.
	DeliveryDelivered DeliveryState = "delivered"
	// DeliveryFailed: the review centre refused it for good; an operator
	// may replay it, which makes it pending again.
	DeliveryFailed DeliveryState = "failed"
)

// Decision is the review centre's decision on a declaration (api.md
// "POST /v1/review-centre/decisions"); empty while it has made none.
type Decision string

const (
	DecisionReleased           Decision = "released"
	DecisionInspectionRequired Decision = "inspection_required"
	DecisionRejected           Decision = "rejected"
)

// Final reports whether no other decision may follow d.
func (d Decision) Final() bool { return d == DecisionReleased || d == DecisionRejected }

// Outcome of a task that is done. Persisted as these strings.
const (
	OutcomePass = "pass"
	OutcomeFail = "fail"
)

// TaskResult is the part of a done task's result the status depends on.
type TaskResult struct {
	// Disposition of a failed task: returned (default) or destroyed.
	Disposition string `json:"disposition,omitempty"`
	// SealsBroken lists direct-transit seals found missing or broken: the
	// goods are held (inspection_required), not returned.
	SealsBroken []string `json:"sealsBroken,omitempty"`
}

// TaskState is a stored task as far as the lifecycle needs it.
type TaskState struct {
	ID       string
	Workflow Workflow
	// Bureau is the inland bureau, empty for work at the port.
	Bureau string
	// Owner is the bureau (or port office) that acts on it.
	Owner  string
	Items  []int64
	Status TaskStatus
	// Outcome is OutcomePass or OutcomeFail once done, else empty.
	Outcome string
	Result  TaskResult
}

// Lifecycle is what a declaration's status is derived from: its delivery,
// the review centre's decision and its tasks, with the status it has now.
// Storage reads it under a lock, so that what is derived from it is
// written before anyone else reads it.
type Lifecycle struct {
	Status   Status
	Delivery DeliveryState
	Decision Decision
	Tasks    []TaskState
}

// Derive computes a declaration's status from its delivery, the review
// centre's decision and its tasks (api.md's status table). One function
// decides, so every path that changes one of these agrees on the result:
//
//   - a refused delivery is delivery_failed until replayed;
//   - rejected by the review centre is final;
//   - a failed task ends it: returned or destroyed as the result says,
//     except broken seals, which hold the goods (inspection_required);
//   - a claimed task: under_inspection;
//   - released needs the review centre's release and every task passed;
//   - an open task, or the review centre asking for inspection:
//     inspection_required once delivered (before delivery it stays accepted);
//   - otherwise delivered, or accepted before delivery.
func Derive(l *Lifecycle) Status {
	if l.Delivery == DeliveryFailed {
		return StatusDeliveryFailed
	}
	if l.Decision == DecisionRejected {
		return StatusRejected
	}
	open, claimed, held := false, false, false
	for _, t := range l.Tasks {
		switch t.Status {
		case TaskOpen:
			open = true
		case TaskClaimed:
			claimed = true
		case TaskDone:
			if t.Outcome != OutcomeFail {
				continue
			}
			if len(t.Result.SealsBroken) > 0 || t.Workflow == WorkflowDirectTransit {
				held = true
				continue
			}
			if t.Result.Disposition == string(StatusDestroyed) {
				return StatusDestroyed
			}
			return StatusReturned
		}
	}
	switch {
	case held:
		return StatusInspectionRequired
	case claimed:
		return StatusUnderInspection
	case l.Delivery != DeliveryDelivered:
		return StatusAccepted
	case open || l.Decision == DecisionInspectionRequired:
		return StatusInspectionRequired
	case l.Decision == DecisionReleased:
		return StatusReleased
	}
	return StatusDelivered
}

// Explain says why Derive gave s, for the timeline: the event that
// triggered a change is not always its reason (a delivery with tasks open
// makes the goods wait for inspection). Empty when the event says enough.
func Explain(l *Lifecycle, s Status) string {
	var open []string
	for _, t := range l.Tasks {
		if t.Status == TaskOpen || t.Status == TaskClaimed {
			open = append(open, string(t.Workflow))
		}
	}
	switch s {
	case StatusInspectionRequired:
		switch {
		case len(open) > 0:
			return "waiting for inspection: " + strings.Join(open, ", ")
		case l.Decision == DecisionInspectionRequired:
			return "the review centre asks for inspection"
		}
		return "goods held: direct-transit seals missing or broken"
	case StatusUnderInspection:
		return "under inspection: " + strings.Join(open, ", ")
	case StatusReleased:
		return "released: the review centre released it and every task passed"
	case StatusReturned, StatusDestroyed:
		return "a task failed: goods " + string(s)
	}
	return ""
}

// CallerRole is what an API key may do (api.md "Keys and roles").
// Persisted as these strings. Not to be confused with Role, a party's
// role on a declaration.
type CallerRole string

const (
	CallerPort         CallerRole = "port"         // scope: a port id
	CallerBureau       CallerRole = "bureau"       // scope: a bureau code
	CallerEnterprise   CallerRole = "enterprise"   // scope: a USCC
	CallerReviewCentre CallerRole = "reviewcentre" // no scope
	CallerRegistry     CallerRole = "registry"     // scope: a region
	CallerAdmin        CallerRole = "admin"        // no scope
)

// Principal is an authenticated caller: the services decide what it may
// see and do by its role and scope.
type Principal struct {
	KeyID string
	Role  CallerRole
	Scope string
	Name  string
}

// Actor names the principal on timelines ("port:tianjin", "admin:ops").
func (p Principal) Actor() string {
	switch {
	case p.Scope != "":
		return string(p.Role) + ":" + p.Scope
	case p.Name != "":
		return string(p.Role) + ":" + p.Name
	}
	return string(p.Role)
}

// Event is one step of a declaration's life as its timeline records it:
// when, who, what happened, and JSON data (reasons, seals, findings).
type Event struct {
	At    time.Time
	Actor string
	Note  string
	Data  []byte
}

// APIKey is a stored API key: never the key itself, which is shown once
// when made, only what identifies and limits it.
type APIKey struct {
	ID string
	// Hint is the key's first characters, for an operator to tell keys
	// apart.
	Hint      string
	Role      CallerRole
	Scope     string
	Name      string
	CreatedAt time.Time
	// ExpiresAt and RevokedAt are nil when the key has none.
	ExpiresAt *time.Time
	RevokedAt *time.Time
}
