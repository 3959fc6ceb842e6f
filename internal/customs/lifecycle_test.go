package customs_test

import (
	"encoding/json"
	"testing"

	"github.com/jjj/gateway/internal/customs"
)

// task builds a stored task for Derive: status, and for a done task its
// outcome and result JSON, read as storage reads it.
func task(workflow, status, outcome, result string) customs.TaskState {
	t := customs.TaskState{Workflow: customs.Workflow(workflow), Status: customs.TaskStatus(status), Outcome: outcome}
	if result != "" {
		if err := json.Unmarshal([]byte(result), &t.Result); err != nil {
			panic(err)
		}
	}
	return t
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
		tasks    []customs.TaskState
		want     customs.Status
	}{
		{"accepted, no tasks", "pending", "", nil, customs.StatusAccepted},
		{"accepted with an open task before delivery", "pending", "", []customs.TaskState{open}, customs.StatusAccepted},
		{"delivered, no tasks", "delivered", "", nil, customs.StatusDelivered},
		{"delivered, every task passed", "delivered", "", []customs.TaskState{passed, transitOK}, customs.StatusDelivered},
		{"delivered with an open task", "delivered", "", []customs.TaskState{passed, open}, customs.StatusInspectionRequired},
		{"withdrawn tasks do not count", "delivered", "", []customs.TaskState{withdrawn}, customs.StatusDelivered},
		{"review centre asks for inspection", "delivered", "inspection_required", nil, customs.StatusInspectionRequired},
		{"review centre asks, tasks passed", "delivered", "inspection_required", []customs.TaskState{passed}, customs.StatusInspectionRequired},
		{"claimed", "delivered", "", []customs.TaskState{claimed, open}, customs.StatusUnderInspection},
		{"claimed before delivery", "pending", "", []customs.TaskState{claimed}, customs.StatusUnderInspection},
		{"claimed after release by the review centre", "delivered", "released", []customs.TaskState{claimed}, customs.StatusUnderInspection},
		{"released, no tasks", "delivered", "released", nil, customs.StatusReleased},
		{"released, every task passed", "delivered", "released", []customs.TaskState{passed, transitOK, withdrawn}, customs.StatusReleased},
		{"released with a task open", "delivered", "released", []customs.TaskState{passed, open}, customs.StatusInspectionRequired},
		{"rejected", "delivered", "rejected", []customs.TaskState{open}, customs.StatusRejected},
		{"rejected wins over a failed task", "delivered", "rejected", []customs.TaskState{failed}, customs.StatusRejected},
		{"delivery failed", "failed", "", []customs.TaskState{open}, customs.StatusDeliveryFailed},
		{"failed task: returned", "delivered", "", []customs.TaskState{passed, failed}, customs.StatusReturned},
		{"failed task without disposition: returned", "pending", "", []customs.TaskState{failedNoD}, customs.StatusReturned},
		{"failed task: destroyed", "delivered", "released", []customs.TaskState{destroyed, open}, customs.StatusDestroyed},
		{"failed task wins over a claim", "delivered", "", []customs.TaskState{claimed, failed}, customs.StatusReturned},
		{"broken seal holds the goods", "delivered", "", []customs.TaskState{sealsHeld}, customs.StatusInspectionRequired},
		{"broken seal holds the goods before delivery", "pending", "", []customs.TaskState{sealsHeld}, customs.StatusInspectionRequired},
		{"failed arrival holds even without seals named", "delivered", "released", []customs.TaskState{transitNo}, customs.StatusInspectionRequired},
		{"held goods are not released", "delivered", "released", []customs.TaskState{sealsHeld, passed}, customs.StatusInspectionRequired},
		{"held wins over a claim", "delivered", "", []customs.TaskState{sealsHeld, claimed}, customs.StatusInspectionRequired},
		{"a failed task ends held goods too", "delivered", "", []customs.TaskState{sealsHeld, destroyed}, customs.StatusDestroyed},
	} {
		st := &customs.Lifecycle{Delivery: customs.DeliveryState(c.delivery), Decision: customs.Decision(c.decision), Tasks: c.tasks}
		if got := customs.Derive(st); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}
