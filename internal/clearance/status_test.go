package clearance_test

import (
	"database/sql"
	"testing"

	"github.com/jjj/gateway/internal/clearance"
	"github.com/jjj/gateway/internal/postgres"
)

// task builds a stored task for Derive: status, and for a done task its
// outcome and result JSON.
func task(workflow, status, outcome, result string) postgres.TaskRow {
	t := postgres.TaskRow{Workflow: workflow, Status: status}
	if outcome != "" {
		t.Outcome = sql.NullString{String: outcome, Valid: true}
	}
	if result != "" {
		t.Result = []byte(result)
	}
	return t
}

func decision(s string) sql.NullString {
	if s == "" {
		return sql.NullString{}
	}
	return sql.NullString{String: s, Valid: true}
}

func TestDerive(t *testing.T) {
	t.Parallel()
	var (
		open      = task("food", "open", "", "")
		claimed   = task("food", "claimed", "", "")
		passed    = task("food", "done", "pass", `{"outcome":"pass"}`)
		failed    = task("food", "done", "fail", `{"outcome":"fail","disposition":"returned"}`)
		failedNoD = task("hazchem", "done", "fail", `{"outcome":"fail"}`)
		destroyed = task("hazchem", "done", "fail", `{"outcome":"fail","disposition":"destroyed"}`)
		sealsHeld = task("direct_transit", "done", "fail", `{"outcome":"fail","sealsBroken":["CIQ1"]}`)
		transitNo = task("direct_transit", "done", "fail", `{"outcome":"fail"}`)
		transitOK = task("direct_transit", "done", "pass", `{"outcome":"pass","sealsIntact":["CIQ1"]}`)
		withdrawn = task("inspection", "withdrawn", "", "")
	)
	for _, c := range []struct {
		name     string
		delivery string
		decision string
		tasks    []postgres.TaskRow
		want     clearance.Status
	}{
		{"accepted, no tasks", "pending", "", nil, clearance.StatusAccepted},
		{"accepted with an open task before delivery", "pending", "", []postgres.TaskRow{open}, clearance.StatusAccepted},
		{"delivered, no tasks", "delivered", "", nil, clearance.StatusDelivered},
		{"delivered, every task passed", "delivered", "", []postgres.TaskRow{passed, transitOK}, clearance.StatusDelivered},
		{"delivered with an open task", "delivered", "", []postgres.TaskRow{passed, open}, clearance.StatusInspectionRequired},
		{"withdrawn tasks do not count", "delivered", "", []postgres.TaskRow{withdrawn}, clearance.StatusDelivered},
		{"review centre asks for inspection", "delivered", "inspection_required", nil, clearance.StatusInspectionRequired},
		{"review centre asks, tasks passed", "delivered", "inspection_required", []postgres.TaskRow{passed}, clearance.StatusInspectionRequired},
		{"claimed", "delivered", "", []postgres.TaskRow{claimed, open}, clearance.StatusUnderInspection},
		{"claimed before delivery", "pending", "", []postgres.TaskRow{claimed}, clearance.StatusUnderInspection},
		{"claimed after release by the review centre", "delivered", "released", []postgres.TaskRow{claimed}, clearance.StatusUnderInspection},
		{"released, no tasks", "delivered", "released", nil, clearance.StatusReleased},
		{"released, every task passed", "delivered", "released", []postgres.TaskRow{passed, transitOK, withdrawn}, clearance.StatusReleased},
		{"released with a task open", "delivered", "released", []postgres.TaskRow{passed, open}, clearance.StatusInspectionRequired},
		{"rejected", "delivered", "rejected", []postgres.TaskRow{open}, clearance.StatusRejected},
		{"rejected wins over a failed task", "delivered", "rejected", []postgres.TaskRow{failed}, clearance.StatusRejected},
		{"delivery failed", "failed", "", []postgres.TaskRow{open}, clearance.StatusDeliveryFailed},
		{"failed task: returned", "delivered", "", []postgres.TaskRow{passed, failed}, clearance.StatusReturned},
		{"failed task without disposition: returned", "pending", "", []postgres.TaskRow{failedNoD}, clearance.StatusReturned},
		{"failed task: destroyed", "delivered", "released", []postgres.TaskRow{destroyed, open}, clearance.StatusDestroyed},
		{"failed task wins over a claim", "delivered", "", []postgres.TaskRow{claimed, failed}, clearance.StatusReturned},
		{"broken seal holds the goods", "delivered", "", []postgres.TaskRow{sealsHeld}, clearance.StatusInspectionRequired},
		{"broken seal holds the goods before delivery", "pending", "", []postgres.TaskRow{sealsHeld}, clearance.StatusInspectionRequired},
		{"failed arrival holds even without seals named", "delivered", "released", []postgres.TaskRow{transitNo}, clearance.StatusInspectionRequired},
		{"held goods are not released", "delivered", "released", []postgres.TaskRow{sealsHeld, passed}, clearance.StatusInspectionRequired},
		{"held wins over a claim", "delivered", "", []postgres.TaskRow{sealsHeld, claimed}, clearance.StatusInspectionRequired},
		{"a failed task ends held goods too", "delivered", "", []postgres.TaskRow{sealsHeld, destroyed}, clearance.StatusDestroyed},
	} {
		st := &postgres.LifecycleState{Delivery: c.delivery, Decision: decision(c.decision), Tasks: c.tasks}
		if got := clearance.Derive(st); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}
