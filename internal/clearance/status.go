package clearance

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres"
)

// Delivery states of a declaration's own message to the review centre.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// TaskResult is what a done task's result column holds, as far as the
// status depends on it.
type TaskResult struct {
	// Disposition of a failed task: returned (default) or destroyed.
	Disposition string `json:"disposition,omitempty"`
	// SealsBroken lists direct-transit seals found missing or broken: the
	// goods are held (inspection_required), not returned.
	SealsBroken []string `json:"sealsBroken,omitempty"`
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
func Derive(s *postgres.LifecycleState) Status {
	if s.Delivery == DeliveryFailed {
		return StatusDeliveryFailed
	}
	decision := s.Decision.String
	if decision == "rejected" {
		return StatusRejected
	}
	open, claimed, held := false, false, false
	for _, t := range s.Tasks {
		switch customs.TaskStatus(t.Status) {
		case customs.TaskOpen:
			open = true
		case customs.TaskClaimed:
			claimed = true
		case customs.TaskDone:
			if t.Outcome.String != "fail" {
				continue
			}
			var r TaskResult
			if len(t.Result) > 0 {
				json.Unmarshal(t.Result, &r)
			}
			if len(r.SealsBroken) > 0 || t.Workflow == string(customs.WorkflowDirectTransit) {
				held = true
				continue
			}
			if r.Disposition == string(StatusDestroyed) {
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
	case s.Delivery != DeliveryDelivered:
		return StatusAccepted
	case open || decision == "inspection_required":
		return StatusInspectionRequired
	case decision == "released":
		return StatusReleased
	}
	return StatusDelivered
}

// Refresh locks a declaration in tx (postgres.LockLifecycle: a caller that
// holds the lock already takes it again at no cost), re-derives its status
// and records a change on the timeline. It returns the new status and
// whether it changed.
func Refresh(ctx context.Context, tx *sqlx.Tx, id string, at time.Time, actor, note string, data []byte) (Status, bool, error) {
	st, err := postgres.LockLifecycle(ctx, tx, id)
	if err != nil {
		return "", false, err
	}
	return RefreshLocked(ctx, tx, id, st, at, actor, note, data)
}

// RefreshLocked is Refresh for a caller that has just read and locked the
// state with postgres.LockLifecycle in tx and changed nothing the status
// depends on since but what it set in st; it saves reading it again.
func RefreshLocked(ctx context.Context, tx *sqlx.Tx, id string, st *postgres.LifecycleState, at time.Time, actor, note string, data []byte) (Status, bool, error) {
	next := Derive(st)
	if string(next) == st.Status {
		return next, false, nil
	}
	if why := explain(st, next); why != "" {
		note = why + " (" + note + ")"
	}
	if _, err := postgres.ChangeStatus(ctx, tx, postgres.StatusChange{DeclarationID: id, Status: string(next), At: at, Actor: actor, Note: note, Data: data}); err != nil {
		return "", false, fmt.Errorf("refresh %s: %w", id, err)
	}
	return next, true, nil
}

// explain says why Derive gave a status, for the timeline: the event that
// triggered the change is not always its reason (a delivery with tasks
// open makes the goods wait for inspection).
func explain(st *postgres.LifecycleState, s Status) string {
	var open []string
	for _, t := range st.Tasks {
		if t.Status == string(customs.TaskOpen) || t.Status == string(customs.TaskClaimed) {
			open = append(open, t.Workflow)
		}
	}
	switch s {
	case StatusInspectionRequired:
		switch {
		case len(open) > 0:
			return "waiting for inspection: " + strings.Join(open, ", ")
		case st.Decision.String == "inspection_required":
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

// Locked is one declaration for RefreshAllLocked: its state as just read
// and locked (postgres.LockLifecycles), and the event to record.
type Locked struct {
	ID          string
	State       *postgres.LifecycleState
	At          time.Time
	Actor, Note string
	Data        []byte
}

// RefreshAllLocked is RefreshLocked for many declarations (the outbox
// records a batch of deliveries at once): every status derived, and the
// ones that changed written with their timeline entries and webhook events
// in one statement (postgres.ChangeStatuses). Each declaration must appear
// once. It returns the statuses derived and which changed, in order.
func RefreshAllLocked(ctx context.Context, tx sqlx.ExtContext, ls []Locked) ([]Status, []bool, error) {
	next := make([]Status, len(ls))
	changed := make([]bool, len(ls))
	var cs []postgres.StatusChange
	for i, l := range ls {
		next[i] = Derive(l.State)
		if string(next[i]) == l.State.Status {
			continue
		}
		changed[i] = true
		note := l.Note
		if why := explain(l.State, next[i]); why != "" {
			note = why + " (" + note + ")"
		}
		cs = append(cs, postgres.StatusChange{DeclarationID: l.ID, Status: string(next[i]), At: l.At, Actor: l.Actor, Note: note, Data: l.Data})
	}
	if _, err := postgres.ChangeStatuses(ctx, tx, cs); err != nil {
		return nil, nil, fmt.Errorf("refresh: %w", err)
	}
	return next, changed, nil
}
