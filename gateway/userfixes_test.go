package gateway_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// A webhook event's route shows each task as it stood at the change: the
// "released" event after the food task's pass says the task is done, not
// still open as intake left it.
func TestWebhookRouteShowsTasksAtTheChange(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	tj := b.key(t, customs.CallerPort, "tianjin")
	rc := b.key(t, customs.CallerReviewCentre, "")
	bureau := b.key(t, customs.CallerBureau, "110000")

	d := b.submit(t, tj, "tianjin", "import-food-beef-registered")
	id := d["id"].(string)
	task := taskID(t, d, "food")
	var ent string
	if err := b.db.Get(&ent, `SELECT enterprises[1] FROM declaration WHERE id = $1`, id); err != nil || ent == "" {
		t.Fatalf("enterprise of %s: %q %v", id, ent, err)
	}
	if err := b.db.InsertWebhook(context.Background(), &customs.Webhook{ID: "wh_route", Enterprise: ent, URL: "https://hooks.example.com/x",
		Secret: "0123456789abcdef0123", CreatedAt: time.Now()}, 10); err != nil {
		t.Fatal(err)
	}
	b.deliver(t, id, "020220261000000901")
	if r := b.post(t, "/v1/review-centre/decisions", rc, map[string]any{"entryId": "020220261000000901", "decision": "released"}); r.status != 200 {
		t.Fatalf("decision: %d %s", r.status, r.body)
	}
	if r := b.post(t, "/v1/tasks/"+task+"/claim", bureau, nil); r.status != 200 {
		t.Fatalf("claim: %d %s", r.status, r.body)
	}
	if r := b.post(t, "/v1/tasks/"+task+"/result", bureau, map[string]any{"outcome": "pass"}); r.status != 200 {
		t.Fatalf("result: %d %s", r.status, r.body)
	}
	var events []struct {
		Status string `db:"status"`
		Route  []byte `db:"route"`
	}
	if err := b.db.Select(&events, `SELECT status, route FROM webhook_event WHERE declaration_id = $1 ORDER BY id`, id); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"inspection_required": "open", "under_inspection": "claimed", "released": "done"}
	seen := 0
	for _, e := range events {
		var route struct {
			Tasks []struct {
				ID     string `json:"id"`
				Status string `json:"status"`
			} `json:"tasks"`
		}
		if err := json.Unmarshal(e.Route, &route); err != nil || len(route.Tasks) != 1 || route.Tasks[0].ID != task {
			t.Fatalf("%s event route %s: %v", e.Status, e.Route, err)
		}
		if w, ok := want[e.Status]; ok {
			seen++
			if route.Tasks[0].Status != w {
				t.Errorf("%s event: task %s, want %s", e.Status, route.Tasks[0].Status, w)
			}
		}
	}
	if seen < 2 {
		t.Errorf("events %d: want the released one and one before it", len(events))
	}
	// The event says what GET says.
	got := b.getJSON(t, "/v1/declarations/"+id, b.admin)
	if tasksOf(t, got)[0]["status"] != "done" {
		t.Errorf("GET shows %v", tasksOf(t, got)[0])
	}
}

// A result for a task nobody claimed is a conflict that says to claim
// first (api.md: claim, then result); nothing is recorded.
func TestResultWithoutClaimIsAConflict(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	tj := b.key(t, customs.CallerPort, "tianjin")
	bureau := b.key(t, customs.CallerBureau, "110000")
	d := b.submit(t, tj, "tianjin", "import-food-beef-registered")
	task := taskID(t, d, "food")
	r := b.post(t, "/v1/tasks/"+task+"/result", bureau, map[string]any{"outcome": "pass"})
	if r.status != 409 || !contains(errorCodes(r), "task_not_claimed") {
		t.Fatalf("result without a claim: %d %s", r.status, r.body)
	}
	if detail, _ := r.json["detail"].(string); detail == "" || !containsStr(detail, "claim it first") {
		t.Errorf("detail %q does not say to claim first", detail)
	}
	if n := b.count(t, `SELECT count(*) FROM task WHERE id = $1 AND status = 'open' AND result IS NULL`, task); n != 1 {
		t.Errorf("the task changed")
	}
	if r := b.post(t, "/v1/tasks/"+task+"/claim", bureau, nil); r.status != 200 {
		t.Fatal(r.status)
	}
	if r := b.post(t, "/v1/tasks/"+task+"/result", bureau, map[string]any{"outcome": "pass"}); r.status != 200 {
		t.Errorf("result after the claim: %d %s", r.status, r.body)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsStr(s, sub string) bool {
	return len(sub) == 0 || len(s) >= len(sub) && (s[:len(sub)] == sub || containsStr(s[1:], sub))
}

// claim claims a task for key, as a bureau does before posting its result.
func (b *testBundle) claim(t *testing.T, task, key string) {
	t.Helper()
	if r := b.post(t, "/v1/tasks/"+task+"/claim", key, nil); r.status != 200 {
		t.Fatalf("claim %s: %d %s", task, r.status, r.body)
	}
}
