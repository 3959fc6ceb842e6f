package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jjj/gateway/gateway"
	"github.com/jjj/gateway/internal/clearance"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/inspection"
	"github.com/jjj/gateway/internal/postgres"
)

// withInspection wires what the inland bureaus' and the operator's
// inspection calls need into the harness server, as gatewayd's
// wireInspection does: risk alerts served to intake from a cache, the
// ratings of o (when set), the bureaus' routes, and the review centre's
// decisions (to move declarations to released).
func withInspection(s *gateway.Server, db *postgres.DB, o options) {
	lf := s.Clearance.Facts.(*clearance.LiveFacts)
	alerts := &inspection.AlertCache{Store: postgres.InspectionStore{DB: db}}
	lf.Alerts = alerts
	if o.ratings != nil {
		lf.Ratings = o.ratings
	}
	s.InspectionDeps = &gateway.InspectionDeps{Alerts: alerts, SeedSecret: lf.SeedSecret}
	s.Deliveries = &gateway.DeliveryDeps{Store: db}
}

// fakeRatings stands in for the merged credit view (internal/credit).
type fakeRatings struct {
	mu sync.Mutex
	m  map[string]customs.Rating
}

func (f *fakeRatings) Ratings(_ context.Context, usccs []string, _ string) (map[string]customs.Rating, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]customs.Rating{}
	for _, u := range usccs {
		if r, ok := f.m[u]; ok {
			out[u] = r
		}
	}
	return out, nil
}

func (f *fakeRatings) set(uscc string, r customs.Rating) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[string]customs.Rating{}
	}
	f.m[uscc] = r
}

var refCounter atomic.Int64

// submit sends a sample under a fresh reference (so one test can send the
// same sample many times), with the ASCII replacements old, new, ... made
// first, after registering the documents it cites, and returns the 201's
// body.
func (b *testBundle) submit(t *testing.T, key, port, name string, repl ...string) map[string]any {
	t.Helper()
	body := readSample(t, port, name+".xml")
	var exp struct {
		Canonical struct {
			PortRef string `json:"portRef"`
		} `json:"canonical"`
		Documents []map[string]any `json:"documents"`
	}
	raw, err := os.ReadFile("testdata/samples/" + port + "/" + name + ".expect.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	// The documents the sample cites are registered first, as
	// samples/README.md says (once: a 409 is no failure).
	b.register(t, exp.Documents)
	ref := exp.Canonical.PortRef
	fresh := ref[:len(ref)-4] + fmt.Sprintf("%04d", refCounter.Add(1)%10000)
	s := strings.Replace(string(body), ref, fresh, 1)
	for i := 0; i+1 < len(repl); i += 2 {
		if !strings.Contains(s, repl[i]) {
			t.Fatalf("%s/%s has no %q to replace", port, name, repl[i])
		}
		s = strings.Replace(s, repl[i], repl[i+1], 1)
	}
	r := b.do(t, "POST", "/v1/ports/"+port+"/declarations", key, "application/xml", []byte(s))
	if r.status != 201 {
		t.Fatalf("submit %s/%s: %d %s", port, name, r.status, r.body)
	}
	return r.json
}

func (b *testBundle) getJSON(t *testing.T, path, key string) map[string]any {
	t.Helper()
	r := b.do(t, "GET", path, key, "", nil)
	if r.status != 200 {
		t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	return r.json
}

func (b *testBundle) post(t *testing.T, path, key string, body any) response {
	t.Helper()
	raw, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return b.do(t, "POST", path, key, "application/json", raw)
}

// deliver marks a declaration delivered with an entry id, as the outbox
// dispatcher does when the review centre acknowledges it.
func (b *testBundle) deliver(t *testing.T, id, entryID string) {
	t.Helper()
	ctx := context.Background()
	tx, err := b.db.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := postgres.LockLifecycle(ctx, tx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`UPDATE declaration SET delivery = 'delivered', entry_id = $2 WHERE id = $1`, id, entryID); err != nil {
		t.Fatal(err)
	}
	// A decision finds the declaration by its entry in declaration_entry
	// (migration 0015), as the receipt's recording writes it.
	if _, err := tx.Exec(`INSERT INTO declaration_entry (entry_id, declaration_id) VALUES ($2, $1)`, id, entryID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := inspection.Refresh(ctx, postgres.Tx{ExtContext: tx}, id, customs.Event{At: time.Now(), Actor: "system:outbox", Note: "delivered, entry id " + entryID, Data: []byte(`{"entryId":"` + entryID + `"}`)}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func routeOf(t *testing.T, decl map[string]any) map[string]any {
	t.Helper()
	r, ok := decl["route"].(map[string]any)
	if !ok {
		t.Fatalf("no route in %v", decl)
	}
	return r
}

func tasksOf(t *testing.T, decl map[string]any) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, x := range routeOf(t, decl)["tasks"].([]any) {
		out = append(out, x.(map[string]any))
	}
	return out
}

// taskID returns the id of the route's task of a workflow.
func taskID(t *testing.T, decl map[string]any, workflow string) string {
	t.Helper()
	for _, tk := range tasksOf(t, decl) {
		if tk["workflow"] == workflow {
			return tk["id"].(string)
		}
	}
	t.Fatalf("no %s task in %v", workflow, routeOf(t, decl)["tasks"])
	return ""
}

func rulesOf(t *testing.T, decl map[string]any) []string {
	t.Helper()
	var out []string
	for _, x := range routeOf(t, decl)["reasons"].([]any) {
		out = append(out, x.(map[string]any)["rule"].(string))
	}
	return out
}

// timelineOf returns a declaration's timeline as "status actor" steps.
func timelineOf(t *testing.T, decl map[string]any) []string {
	t.Helper()
	var out []string
	for _, x := range decl["timeline"].([]any) {
		e := x.(map[string]any)
		out = append(out, e["status"].(string)+" "+e["actor"].(string))
	}
	return out
}

func listIDs(t *testing.T, r response) []string {
	t.Helper()
	items, ok := r.json["items"].([]any)
	if !ok {
		t.Fatalf("no items: %d %s", r.status, r.body)
	}
	var out []string
	for _, x := range items {
		out = append(out, x.(map[string]any)["id"].(string))
	}
	slices.Sort(out)
	return out
}

func sorted(s ...string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func (b *testBundle) status(t *testing.T, id string) string {
	t.Helper()
	return b.getJSON(t, "/v1/declarations/"+id, b.admin)["status"].(string)
}
