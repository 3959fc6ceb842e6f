package gateway_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jjj/gateway/gateway"
	"github.com/jjj/gateway/internal/clearance"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/inspection"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/routing"
	"github.com/jjj/gateway/schemas"
	"github.com/jjj/gateway/schemas/schematest"
)

// withInspection wires what the inland bureaus' and the operator's
// inspection calls need into the harness server, as gatewayd's
// wireInspection does: risk alerts served to intake from a cache, the
// ratings of o (when set), the bureaus' routes, and the review centre's
// decisions (to move declarations to released).
func withInspection(s *gateway.Server, o options) {
	lf := s.Clearance.Facts.(*clearance.LiveFacts)
	alerts := &inspection.AlertCache{Store: postgres.InspectionStore{DB: s.DB}}
	lf.Alerts = alerts
	if o.ratings != nil {
		lf.Ratings = o.ratings
	}
	s.InspectionDeps = &gateway.InspectionDeps{Alerts: alerts, SeedSecret: lf.SeedSecret}
	s.Deliveries = &gateway.DeliveryDeps{DB: s.DB}
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
// first, and returns the 201's body.
func (b *testBundle) submit(t *testing.T, key, port, name string, repl ...string) map[string]any {
	t.Helper()
	body := readSample(t, port, name+".xml")
	var exp struct {
		Canonical struct {
			PortRef string `json:"portRef"`
		} `json:"canonical"`
	}
	raw, err := os.ReadFile("testdata/samples/" + port + "/" + name + ".expect.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
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

func TestBureauSeesOnlyItsOwnTasks(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	tj := b.key(t, customs.CallerPort, "tianjin")
	he := b.key(t, customs.CallerPort, "hebei")
	coal := b.submit(t, tj, "tianjin", "import-coal-thermal")                                              // coal at 120000 (district)
	xingang := b.submit(t, tj, "tianjin", "import-hazchem-acetone-port")                                   // port-side at 0202 -> 120000
	dongjiang := b.submit(t, tj, "tianjin", "import-hazchem-acetone-port", "<IEPort>0202", "<IEPort>0217") // port-side at 0217 -> 120100
	huanghua := b.submit(t, he, "hebei", "import-hazchem-methanol-bulk-port")                              // port-side at 0409 -> 130900

	for _, d := range []map[string]any{xingang, dongjiang, huanghua} {
		if tk := tasksOf(t, d); len(tk) != 1 || tk[0]["bureau"] != nil || tk[0]["workflow"] != "hazchem" || tk[0]["status"] != "open" {
			t.Fatalf("port-side route tasks %v", tk)
		}
	}
	if tk := tasksOf(t, coal); len(tk) != 1 || tk[0]["bureau"] != "120000" {
		t.Fatalf("coal tasks %v", tk)
	}
	tianjinKey := b.key(t, customs.CallerBureau, "120000")
	dongjiangKey := b.key(t, customs.CallerBureau, "120100")
	cangzhouKey := b.key(t, customs.CallerBureau, "130900")

	for _, c := range []struct {
		bureau, key string
		want        []string
	}{
		{"120000", tianjinKey, sorted(taskID(t, coal, "coal"), taskID(t, xingang, "hazchem"))},
		{"120100", dongjiangKey, []string{taskID(t, dongjiang, "hazchem")}},
		{"130900", cangzhouKey, []string{taskID(t, huanghua, "hazchem")}},
		{"120000", b.admin, sorted(taskID(t, coal, "coal"), taskID(t, xingang, "hazchem"))},
	} {
		r := b.do(t, "GET", "/v1/bureaus/"+c.bureau+"/tasks", c.key, "", nil)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", c.bureau, r.status, r.body)
		}
		if got := listIDs(t, r); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s lists %v, want %v", c.bureau, got, c.want)
		}
		if r.json["next"] != nil {
			t.Errorf("%s: next %v", c.bureau, r.json["next"])
		}
	}
	// The listed task has api.md's fields.
	r := b.do(t, "GET", "/v1/bureaus/120100/tasks", dongjiangKey, "", nil)
	item := r.json["items"].([]any)[0].(map[string]any)
	for _, f := range []string{"id", "declarationId", "workflow", "items", "status", "inspector", "claimedBy", "createdAt", "outcome"} {
		if _, ok := item[f]; !ok {
			t.Errorf("task lacks %q: %v", f, item)
		}
	}
	if item["declarationId"] != dongjiang["id"] || item["status"] != "open" || !reflect.DeepEqual(item["items"], []any{1.0}) {
		t.Errorf("task %v", item)
	}

	// Filters and paging.
	if got := listIDs(t, b.do(t, "GET", "/v1/bureaus/120000/tasks?workflow=coal", tianjinKey, "", nil)); !reflect.DeepEqual(got, []string{taskID(t, coal, "coal")}) {
		t.Errorf("workflow=coal: %v", got)
	}
	if got := b.do(t, "GET", "/v1/bureaus/120000/tasks?status=done", tianjinKey, "", nil); len(got.json["items"].([]any)) != 0 {
		t.Errorf("status=done: %s", got.body)
	}
	page1 := b.do(t, "GET", "/v1/bureaus/120000/tasks?limit=1", tianjinKey, "", nil)
	next, _ := page1.json["next"].(string)
	if len(page1.json["items"].([]any)) != 1 || next == "" {
		t.Fatalf("page 1: %s", page1.body)
	}
	page2 := b.do(t, "GET", "/v1/bureaus/120000/tasks?limit=1&cursor="+next, tianjinKey, "", nil)
	if p1, p2 := listIDs(t, page1), listIDs(t, page2); len(p2) != 1 || p1[0] == p2[0] {
		t.Errorf("pages %v %v", p1, p2)
	}
	if r := b.do(t, "GET", "/v1/bureaus/120000/tasks?status=lost", tianjinKey, "", nil); r.status != 400 {
		t.Errorf("status=lost: %d", r.status)
	}

	// Another bureau's list (outside the key's scope: 404 as if it did not
	// exist), an unknown bureau, a port key (a role that may not: 403).
	for _, c := range []struct {
		path, key string
		status    int
	}{
		{"/v1/bureaus/120000/tasks", dongjiangKey, 404},
		{"/v1/bureaus/130900/tasks", tianjinKey, 404},
		{"/v1/bureaus/999999/tasks", tianjinKey, 404},
		{"/v1/bureaus/999999/tasks", b.admin, 404},
		{"/v1/bureaus/120000/tasks", tj, 403},
		{"/v1/bureaus/120000/tasks", "", 401},
	} {
		if r := b.do(t, "GET", c.path, c.key, "", nil); r.status != c.status {
			t.Errorf("GET %s: %d, want %d", c.path, r.status, c.status)
		}
	}

	// A bureau reads the declarations that have a task of its own, and no other.
	if r := b.do(t, "GET", "/v1/declarations/"+dongjiang["id"].(string), dongjiangKey, "", nil); r.status != 200 {
		t.Errorf("own declaration: %d", r.status)
	}
	if r := b.do(t, "GET", "/v1/declarations/"+xingang["id"].(string), dongjiangKey, "", nil); r.status != 404 {
		t.Errorf("other bureau's declaration: %d", r.status)
	}
}

func TestClaim(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	tj := b.key(t, customs.CallerPort, "tianjin")
	d := b.submit(t, tj, "tianjin", "import-food-beef-registered") // food at 110000
	id := d["id"].(string)
	task := taskID(t, d, "food")
	beijing := b.key(t, customs.CallerBureau, "110000")
	tianjin := b.key(t, customs.CallerBureau, "120000")

	for _, c := range []struct {
		name, path, key string
		status          int
		code            string
	}{
		{"another bureau claims", "/v1/tasks/" + task + "/claim", tianjin, 403, "forbidden"},
		{"another bureau reports", "/v1/tasks/" + task + "/result", tianjin, 403, "forbidden"},
		{"a port claims", "/v1/tasks/" + task + "/claim", tj, 403, "forbidden"},
		{"unknown task", "/v1/tasks/t_NOPE/claim", beijing, 404, "not_found"},
	} {
		r := b.post(t, c.path, c.key, map[string]any{"outcome": "pass"})
		if r.status != c.status || !slices.Contains(errorCodes(r), c.code) {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.status, r.body, c.status, c.code)
		}
	}
	if got := b.status(t, id); got != "accepted" {
		t.Fatalf("status %s before the claim", got)
	}

	r := b.post(t, "/v1/tasks/"+task+"/claim", beijing, nil)
	if r.status != 200 || r.json["status"] != "claimed" || r.json["claimedBy"] != "bureau:110000" || r.json["id"] != task {
		t.Fatalf("claim: %d %s", r.status, r.body)
	}
	again := b.post(t, "/v1/tasks/"+task+"/claim", beijing, nil)
	if again.status != 409 || !slices.Contains(errorCodes(again), "conflict") {
		t.Errorf("second claim: %d %s", again.status, again.body)
	}
	decl := b.getJSON(t, "/v1/declarations/"+id, b.admin)
	if decl["status"] != "under_inspection" {
		t.Errorf("status %v after the claim", decl["status"])
	}
	if tl := timelineOf(t, decl); tl[len(tl)-1] != "under_inspection bureau:110000" {
		t.Errorf("timeline %v", tl)
	}
	if tk := tasksOf(t, decl); tk[0]["status"] != "claimed" {
		t.Errorf("route task %v", tk[0])
	}
	if got := listIDs(t, b.do(t, "GET", "/v1/bureaus/110000/tasks?status=claimed", beijing, "", nil)); !reflect.DeepEqual(got, []string{task}) {
		t.Errorf("claimed list %v", got)
	}
	if got := b.do(t, "GET", "/v1/bureaus/110000/tasks?status=open", beijing, "", nil); len(got.json["items"].([]any)) != 0 {
		t.Errorf("open list %s", got.body)
	}
}

func coalLab(over map[string]float64, drop ...string) map[string]float64 {
	lab := map[string]float64{"ash": 12.1, "sulfur": 0.8, "mercury": 0.12, "arsenic": 9, "phosphorus": 0.02,
		"chlorine": 0.05, "fluorine": 85, "calorific": 24.6}
	for k, v := range over {
		lab[k] = v
	}
	for _, k := range drop {
		delete(lab, k)
	}
	return lab
}

type failed struct {
	Indicator string  `json:"indicator"`
	Value     float64 `json:"value"`
	Limit     float64 `json:"limit"`
	Unit      string  `json:"unit"`
}

func TestCoalResults(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	he := b.key(t, customs.CallerPort, "hebei")
	tangshan := b.key(t, customs.CallerBureau, "130200")
	const lignite, other = "import-coal-lignite", "import-coal-coking"

	for _, c := range []struct {
		name    string
		sample  string
		km      float64
		lab     map[string]float64
		outcome string // what the bureau claims; "" leaves it to the gateway
		want    string
		failed  []failed
		status  string
	}{
		{"lignite within limits", lignite, 420, coalLab(nil), "", "pass", nil, "accepted"},
		{"lignite within limits, pass claimed", lignite, 420, coalLab(nil), "pass", "pass", nil, "accepted"},
		{"lignite ash and sulfur over", lignite, 420, coalLab(map[string]float64{"ash": 31, "sulfur": 1.6}), "", "fail",
			[]failed{{"ash", 31, 30, "%"}, {"sulfur", 1.6, 1.5, "%"}}, "returned"},
		{"lignite over, fail claimed", lignite, 420, coalLab(map[string]float64{"ash": 35}), "fail", "fail",
			[]failed{{"ash", 35, 30, "%"}}, "returned"},
		{"other coal passes where lignite fails", other, 420, coalLab(map[string]float64{"ash": 35, "sulfur": 2.5}), "", "pass", nil, "accepted"},
		{"every basic indicator, other coal", other, 100, coalLab(map[string]float64{"mercury": 0.7, "arsenic": 81, "phosphorus": 0.16,
			"chlorine": 0.31, "fluorine": 250, "ash": 40.5, "sulfur": 3.1}), "", "fail",
			[]failed{{"ash", 40.5, 40, "%"}, {"sulfur", 3.1, 3, "%"}, {"mercury", 0.7, 0.6, "µg/g"}, {"arsenic", 81, 80, "µg/g"},
				{"phosphorus", 0.16, 0.15, "%"}, {"chlorine", 0.31, 0.3, "%"}, {"fluorine", 250, 200, "µg/g"}}, "returned"},
		{"other coal far: long-distance limits", other, 700, coalLab(map[string]float64{"ash": 35, "sulfur": 2.5, "calorific": 17}), "", "fail",
			[]failed{{"ash", 35, 30, "%"}, {"sulfur", 2.5, 2, "%"}, {"calorific", 17, 18, "MJ/kg"}}, "returned"},
		{"other coal at exactly 600 km: basic limits", other, 600, coalLab(map[string]float64{"ash": 35, "sulfur": 2.5, "calorific": 10}), "", "pass", nil, "accepted"},
		{"lignite far within long limits", lignite, 700, coalLab(map[string]float64{"ash": 19, "sulfur": 0.9, "calorific": 16.6}), "", "pass", nil, "accepted"},
		{"lignite far: calorific and ash", lignite, 700, coalLab(map[string]float64{"ash": 21, "calorific": 16}), "", "fail",
			[]failed{{"ash", 21, 20, "%"}, {"calorific", 16, 16.5, "MJ/kg"}}, "returned"},
		{"calorific not needed near", lignite, 420, coalLab(nil, "calorific"), "", "pass", nil, "accepted"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := b.submit(t, he, "hebei", c.sample)
			task := taskID(t, d, "coal")
			body := map[string]any{"distanceKm": c.km, "lab": c.lab}
			if c.outcome != "" {
				body["outcome"] = c.outcome
			}
			r := b.post(t, "/v1/tasks/"+task+"/result", tangshan, body)
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			var got struct {
				Outcome string   `json:"outcome"`
				Status  string   `json:"status"`
				Failed  []failed `json:"failed"`
			}
			if err := json.Unmarshal(r.body, &got); err != nil {
				t.Fatal(err)
			}
			want := c.failed
			if want == nil {
				want = []failed{} // a coal result always carries failed, [] when it passed
			}
			if got.Outcome != c.want || got.Status != "done" || !reflect.DeepEqual(got.Failed, want) {
				t.Errorf("got %s, want outcome %s failed %v", r.body, c.want, c.failed)
			}
			decl := b.getJSON(t, "/v1/declarations/"+d["id"].(string), b.admin)
			if decl["status"] != c.status {
				t.Errorf("status %v, want %s", decl["status"], c.status)
			}
			if tk := tasksOf(t, decl)[0]; tk["status"] != "done" || tk["outcome"] != c.want {
				t.Errorf("route task %v", tk)
			}
			if tl := timelineOf(t, decl); tl[len(tl)-1] != c.status+" bureau:130200" {
				t.Errorf("timeline %v", tl)
			}
			if r := b.post(t, "/v1/tasks/"+task+"/result", tangshan, body); r.status != 409 {
				t.Errorf("second result: %d", r.status)
			}
		})
	}

	// Refused results leave the task open.
	d := b.submit(t, he, "hebei", lignite)
	task := taskID(t, d, "coal")
	for _, c := range []struct {
		name string
		body map[string]any
		code string
		path string
	}{
		{"pass claimed against the limits", map[string]any{"distanceKm": 420, "lab": coalLab(map[string]float64{"ash": 31}), "outcome": "pass"},
			"result_contradicts_rules", "/outcome"},
		{"fail claimed within the limits", map[string]any{"distanceKm": 420, "lab": coalLab(nil), "outcome": "fail"},
			"result_contradicts_rules", "/outcome"},
		{"pass claimed against a long-distance limit", map[string]any{"distanceKm": 601, "lab": coalLab(map[string]float64{"ash": 25}), "outcome": "pass"},
			"result_contradicts_rules", "/outcome"},
		{"missing mercury", map[string]any{"distanceKm": 420, "lab": coalLab(nil, "mercury")}, "missing_field", "/lab/mercury"},
		{"missing calorific far away", map[string]any{"distanceKm": 700, "lab": coalLab(nil, "calorific")}, "missing_field", "/lab/calorific"},
		{"missing distance", map[string]any{"lab": coalLab(nil)}, "missing_field", "/distanceKm"},
		{"negative distance", map[string]any{"distanceKm": -5, "lab": coalLab(nil)}, "invalid_value", "/distanceKm"},
		{"negative lab value", map[string]any{"distanceKm": 420, "lab": coalLab(map[string]float64{"sulfur": -0.1})}, "invalid_value", "/lab/sulfur"},
		{"no lab at all", map[string]any{"distanceKm": 420}, "missing_field", "/lab/ash"},
		{"outcome not an outcome", map[string]any{"distanceKm": 420, "lab": coalLab(nil), "outcome": "maybe"}, "invalid_enum", "/outcome"},
	} {
		r := b.post(t, "/v1/tasks/"+task+"/result", b.admin, c.body)
		if r.status != 422 {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
			continue
		}
		found := false
		for _, e := range r.json["errors"].([]any) {
			m := e.(map[string]any)
			if m["code"] == c.code && m["path"] == c.path {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: errors %s, want %s at %s", c.name, r.body, c.code, c.path)
		}
	}
	if got := listIDs(t, b.do(t, "GET", "/v1/bureaus/130200/tasks?status=open", tangshan, "", nil)); !slices.Contains(got, task) {
		t.Errorf("task not open after refused results: %v", got)
	}
}

func TestDirectTransitArrival(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	tj := b.key(t, customs.CallerPort, "tianjin")
	bj := b.key(t, customs.CallerPort, "beijing")
	sjz := b.key(t, customs.CallerBureau, "130100")
	pinggu := b.key(t, customs.CallerBureau, "110100")
	const s1, s2 = "CIQ2026TJ004471", "CIQ2026TJ004472"

	for i, c := range []struct {
		name          string
		intact        []string
		broken        []string
		outcome       string
		status        string
		held          []string // seals named in the result as missing or broken
		timelineNames []string
	}{
		{"every seal intact", []string{s1, s2}, nil, "pass", "delivered", nil, nil},
		{"a seal missing", []string{s1}, nil, "fail", "inspection_required", []string{s2}, []string{s2}},
		{"a seal broken", []string{s2}, []string{s1}, "fail", "inspection_required", []string{s1}, []string{s1}},
		{"nothing reported", nil, nil, "fail", "inspection_required", []string{s1, s2}, []string{s1, s2}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := b.submit(t, tj, "tianjin", "import-direct-transit-shijiazhuang")
			id := d["id"].(string)
			b.deliver(t, id, fmt.Sprintf("02022026100000%04d", i))
			if s := b.status(t, id); s != "inspection_required" {
				t.Fatalf("status %s with the arrival open", s)
			}
			task := taskID(t, d, "direct_transit")
			if r := b.post(t, "/v1/tasks/"+task+"/claim", sjz, nil); r.status != 200 {
				t.Fatalf("claim: %d %s", r.status, r.body)
			}
			body := map[string]any{"sealsIntact": c.intact, "sealsBroken": c.broken}
			if c.intact == nil {
				body["sealsIntact"] = []string{}
			}
			if c.broken == nil {
				body["sealsBroken"] = []string{}
			}
			r := b.post(t, "/v1/tasks/"+task+"/result", sjz, body)
			if r.status != 200 || r.json["outcome"] != c.outcome {
				t.Fatalf("result: %d %s", r.status, r.body)
			}
			var res struct {
				SealsBroken []string `json:"sealsBroken"`
			}
			raw, _ := json.Marshal(r.json["result"])
			json.Unmarshal(raw, &res)
			if !reflect.DeepEqual(sorted(res.SealsBroken...), sorted(c.held...)) {
				t.Errorf("held seals %v, want %v (%s)", res.SealsBroken, c.held, r.body)
			}
			decl := b.getJSON(t, "/v1/declarations/"+id, b.admin)
			if decl["status"] != c.status {
				t.Errorf("status %v, want %s", decl["status"], c.status)
			}
			tl := decl["timeline"].([]any)
			last := tl[len(tl)-1].(map[string]any)
			if last["actor"] != "bureau:130100" {
				t.Errorf("last step %v", last)
			}
			for _, s := range c.timelineNames {
				if !strings.Contains(last["note"].(string), s) {
					t.Errorf("the timeline does not name seal %s: %v", s, last)
				}
			}
		})
	}

	// A seal reported both intact and broken is refused.
	d := b.submit(t, tj, "tianjin", "import-direct-transit-shijiazhuang")
	task := taskID(t, d, "direct_transit")
	if r := b.post(t, "/v1/tasks/"+task+"/result", sjz, map[string]any{"sealsIntact": []string{s1, s2}, "sealsBroken": []string{s1}}); r.status != 422 {
		t.Errorf("contradictory arrival: %d %s", r.status, r.body)
	}

	// Beijing seals sit on ULDs: the arrival lists them the same way.
	bd := b.submit(t, bj, "beijing", "import-direct-transit-pinggu-uld")
	var seals []string
	for _, u := range bd["equipment"].([]any) {
		for _, s := range u.(map[string]any)["seals"].([]any) {
			seals = append(seals, s.(string))
		}
	}
	if !reflect.DeepEqual(sorted(seals...), []string{"CIQ2026BJ000031", "CIQ2026BJ000032"}) {
		t.Fatalf("beijing seals %v", seals)
	}
	r := b.post(t, "/v1/tasks/"+taskID(t, bd, "direct_transit")+"/result", pinggu, map[string]any{"sealsIntact": seals, "sealsBroken": []string{}})
	if r.status != 200 || r.json["outcome"] != "pass" {
		t.Errorf("beijing arrival: %d %s", r.status, r.body)
	}
}

func TestHazchemAndFoodResults(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	tj := b.key(t, customs.CallerPort, "tianjin")
	bj := b.key(t, customs.CallerPort, "beijing")
	hebeiBureau := b.key(t, customs.CallerBureau, "130000")
	beijingBureau := b.key(t, customs.CallerBureau, "110000")

	for _, c := range []struct {
		name, port, sample, workflow, key string
		body                              map[string]any
		outcome, disposition, status      string
	}{
		{"hazchem destroyed", "tianjin", "import-hazchem-sodium-cyanide-inland", "hazchem", hebeiBureau,
			map[string]any{"outcome": "fail", "findings": "drums corroded, leaking", "disposition": "destroyed"}, "fail", "destroyed", "destroyed"},
		{"hazchem passes", "tianjin", "import-hazchem-sodium-cyanide-inland", "hazchem", hebeiBureau,
			map[string]any{"outcome": "pass", "findings": "packaging and marks as declared"}, "pass", "", "accepted"},
		{"food returned by default", "tianjin", "import-food-beef-registered", "food", beijingBureau,
			map[string]any{"outcome": "fail", "findings": "label lacks the Chinese producer name"}, "fail", "returned", "returned"},
		{"food returned", "beijing", "import-food-salmon-registered", "food", beijingBureau,
			map[string]any{"outcome": "fail", "findings": "temperature log broken", "disposition": "returned"}, "fail", "returned", "returned"},
		{"food passes", "beijing", "import-food-salmon-registered", "food", beijingBureau,
			map[string]any{"outcome": "pass", "findings": "label, documents and samples conform"}, "pass", "", "accepted"},
	} {
		t.Run(c.name, func(t *testing.T) {
			key := tj
			if c.port == "beijing" {
				key = bj
			}
			d := b.submit(t, key, c.port, c.sample)
			task := taskID(t, d, c.workflow)
			r := b.post(t, "/v1/tasks/"+task+"/result", c.key, c.body)
			if r.status != 200 || r.json["outcome"] != c.outcome {
				t.Fatalf("%d %s", r.status, r.body)
			}
			res, _ := r.json["result"].(map[string]any)
			if res["findings"] != c.body["findings"] || (c.disposition != "" && res["disposition"] != c.disposition) {
				t.Errorf("stored result %v", res)
			}
			decl := b.getJSON(t, "/v1/declarations/"+d["id"].(string), b.admin)
			if decl["status"] != c.status {
				t.Errorf("status %v, want %s", decl["status"], c.status)
			}
			tl := timelineOf(t, decl)
			scope := map[string]string{hebeiBureau: "130000", beijingBureau: "110000"}[c.key]
			if want := c.status + " bureau:" + scope; tl[len(tl)-1] != want {
				t.Errorf("timeline %v, want last %q", tl, want)
			}
		})
	}

	d := b.submit(t, tj, "tianjin", "import-food-beef-registered")
	task := taskID(t, d, "food")
	for _, c := range []struct {
		body map[string]any
		code string
	}{
		{map[string]any{"findings": "no outcome"}, "missing_field"},
		{map[string]any{"outcome": "ok"}, "invalid_enum"},
		{map[string]any{"outcome": "fail", "disposition": "burned"}, "invalid_enum"},
	} {
		if r := b.post(t, "/v1/tasks/"+task+"/result", beijingBureau, c.body); r.status != 422 || !slices.Contains(errorCodes(r), c.code) {
			t.Errorf("%v: %d %s", c.body, r.status, r.body)
		}
	}
	if r := b.post(t, "/v1/tasks/"+task+"/result", beijingBureau, map[string]any{"outcome": "pass", "extra": 1}); r.status != 400 {
		t.Errorf("unknown field: %d", r.status)
	}
}

func TestStatusesMoveWithEveryStepOnTheTimeline(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	tj := b.key(t, customs.CallerPort, "tianjin")
	rc := b.key(t, customs.CallerReviewCentre, "")
	bureau := b.key(t, customs.CallerBureau, "110000")

	d := b.submit(t, tj, "tianjin", "import-food-beef-registered")
	id := d["id"].(string)
	task := taskID(t, d, "food")
	b.deliver(t, id, "020220261000000777")
	if r := b.post(t, "/v1/review-centre/decisions", rc, map[string]any{"entryId": "020220261000000777", "decision": "released", "reason": "documents in order"}); r.status != 200 {
		t.Fatalf("decision: %d %s", r.status, r.body)
	}
	if s := b.status(t, id); s != "inspection_required" {
		t.Fatalf("released by the review centre with a task open: %s", s)
	}
	if r := b.post(t, "/v1/tasks/"+task+"/claim", bureau, nil); r.status != 200 {
		t.Fatal(r.status)
	}
	if r := b.post(t, "/v1/tasks/"+task+"/result", bureau, map[string]any{"outcome": "pass", "findings": "ok"}); r.status != 200 {
		t.Fatal(r.status)
	}
	decl := b.getJSON(t, "/v1/declarations/"+id, b.admin)
	want := []string{
		"accepted port:tianjin",
		"inspection_required system:outbox",
		"inspection_required reviewcentre",
		"under_inspection bureau:110000",
		"released bureau:110000",
	}
	if got := timelineOf(t, decl); !reflect.DeepEqual(got, want) {
		t.Errorf("timeline\n got %v\nwant %v", got, want)
	}
	if decl["status"] != "released" || decl["entryId"] != "020220261000000777" {
		t.Errorf("status %v entryId %v", decl["status"], decl["entryId"])
	}

	// The other way round: tasks first, then the review centre.
	d2 := b.submit(t, tj, "tianjin", "import-food-beef-registered")
	id2 := d2["id"].(string)
	b.deliver(t, id2, "020220261000000778")
	if r := b.post(t, "/v1/review-centre/decisions", rc, map[string]any{"entryId": "020220261000000778", "decision": "inspection_required"}); r.status != 200 {
		t.Fatal(r.status)
	}
	if r := b.post(t, "/v1/tasks/"+taskID(t, d2, "food")+"/result", bureau, map[string]any{"outcome": "pass"}); r.status != 200 {
		t.Fatal(r.status)
	}
	if s := b.status(t, id2); s != "inspection_required" {
		t.Errorf("tasks passed, review centre asked for inspection: %s", s)
	}
	if r := b.post(t, "/v1/review-centre/decisions", rc, map[string]any{"entryId": "020220261000000778", "decision": "released"}); r.status != 200 {
		t.Fatal(r.status)
	}
	decl2 := b.getJSON(t, "/v1/declarations/"+id2, b.admin)
	want2 := []string{
		"accepted port:tianjin",
		"inspection_required system:outbox",
		"inspection_required reviewcentre",
		"inspection_required bureau:110000",
		"released reviewcentre",
	}
	if got := timelineOf(t, decl2); !reflect.DeepEqual(got, want2) {
		t.Errorf("timeline\n got %v\nwant %v", got, want2)
	}
}

func alertBody(over map[string]any) map[string]any {
	m := map[string]any{"hsPrefix": "8457", "action": "port_inspection", "reason": "test", "expiresAt": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339)}
	for k, v := range over {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

func TestRiskAlertCalls(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	past := time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	for _, c := range []struct {
		name string
		over map[string]any
		path string
		code string
	}{
		{"no matcher", map[string]any{"hsPrefix": nil}, "", "missing_field"},
		{"no action", map[string]any{"action": nil}, "/action", "invalid_enum"},
		{"unknown action", map[string]any{"action": "release"}, "/action", "invalid_enum"},
		{"expired", map[string]any{"expiresAt": past}, "/expiresAt", "invalid_date"},
		{"no expiry", map[string]any{"expiresAt": nil}, "/expiresAt", "missing_field"},
		{"HS prefix not digits", map[string]any{"hsPrefix": "84.57"}, "/hsPrefix", "invalid_hs_code"},
		{"unknown origin", map[string]any{"origin": "XXX"}, "/origin", "unknown_country"},
		{"bad USCC", map[string]any{"uscc": "91120113600138724A"}, "/uscc", "invalid_uscc"},
		{"unknown port", map[string]any{"port": "shanghai"}, "/port", "invalid_enum"},
	} {
		r := b.post(t, "/v1/admin/risk-alerts", b.admin, alertBody(c.over))
		if r.status != 422 {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
			continue
		}
		found := false
		for _, e := range r.json["errors"].([]any) {
			m := e.(map[string]any)
			p, _ := m["path"].(string)
			found = found || (m["code"] == c.code && p == c.path)
		}
		if !found {
			t.Errorf("%s: %s, want %s at %q", c.name, r.body, c.code, c.path)
		}
	}
	bureau := b.key(t, customs.CallerBureau, "120000")
	if r := b.post(t, "/v1/admin/risk-alerts", bureau, alertBody(nil)); r.status != 403 {
		t.Errorf("bureau creates an alert: %d", r.status)
	}

	exp := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	r := b.post(t, "/v1/admin/risk-alerts", b.admin, map[string]any{"hsPrefix": "8457", "origin": "deu", "uscc": "91120113600138724g",
		"port": "0202", "action": "destination_inspection", "reason": "falsified origin", "expiresAt": exp.Format(time.RFC3339)})
	if r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	id := r.json["id"].(string)
	if r.header.Get("Location") != "/v1/admin/risk-alerts/"+id || r.json["origin"] != "DEU" || r.json["uscc"] != "91120113600138724G" ||
		r.json["action"] != "destination_inspection" || r.json["reason"] != "falsified origin" || r.json["expiresAt"] != exp.Format(time.RFC3339) {
		t.Errorf("created %s (Location %s)", r.body, r.header.Get("Location"))
	}
	other := b.post(t, "/v1/admin/risk-alerts", b.admin, alertBody(map[string]any{"hsPrefix": "2601"}))
	list := b.do(t, "GET", "/v1/admin/risk-alerts", b.admin, "", nil)
	if got := listIDs(t, list); list.status != 200 || !reflect.DeepEqual(got, sorted(id, other.json["id"].(string))) {
		t.Errorf("list %d %s", list.status, list.body)
	}
	if r := b.do(t, "GET", "/v1/admin/risk-alerts", bureau, "", nil); r.status != 403 {
		t.Errorf("bureau lists alerts: %d", r.status)
	}
	if r := b.do(t, "DELETE", "/v1/admin/risk-alerts/"+id, b.admin, "", nil); r.status != 204 {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	if r := b.do(t, "DELETE", "/v1/admin/risk-alerts/"+id, b.admin, "", nil); r.status != 404 {
		t.Errorf("delete again: %d", r.status)
	}
	if got := listIDs(t, b.do(t, "GET", "/v1/admin/risk-alerts", b.admin, "", nil)); !reflect.DeepEqual(got, []string{other.json["id"].(string)}) {
		t.Errorf("list after delete %v", got)
	}
}

func TestRiskAlertsRerouteAndRouteNewDeclarations(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	tj := b.key(t, customs.CallerPort, "tianjin")
	bj := b.key(t, customs.CallerPort, "beijing")
	he := b.key(t, customs.CallerPort, "hebei")
	machinery := b.submit(t, tj, "tianjin", "import-ordinary-machinery")      // 8457101000, 8466939000 DEU; 91120113600138724G; 0202
	phones := b.submit(t, bj, "beijing", "import-ordinary-smartphones")       // 8517..., KOR; 0101
	ore := b.submit(t, he, "hebei", "import-iron-ore")                        // 2601110000 AUS; 911302081047632562; 0408
	methanol := b.submit(t, he, "hebei", "import-hazchem-methanol-bulk-port") // 2905110000 SAU; 0409
	beef := b.submit(t, tj, "tianjin", "import-food-beef-registered")         // 0202..., 0206... AUS; food at 110000
	all := map[string]map[string]any{"machinery": machinery, "phones": phones, "ore": ore, "methanol": methanol, "beef": beef}

	// An expired alert, put straight into the table, matches nothing.
	if _, err := b.db.Exec(`INSERT INTO risk_alert (id, hs_prefix, action, expires_at, created_at, created_by)
		VALUES ('ra_expired', '2601', 'port_inspection', now() - interval '1 hour', now() - interval '2 hours', 'admin')`); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name     string
		alert    map[string]any
		rerouted []string
		// items of the new inspection task (nil: at the port) per declaration
		bureau any
		items  []any
	}{
		{"nothing matches (HS and origin must both match)", map[string]any{"hsPrefix": "8457", "origin": "KOR"}, nil, nil, nil},
		{"HS prefix", map[string]any{"hsPrefix": "8457"}, []string{"machinery"}, nil, []any{1.0}},
		{"origin", map[string]any{"origin": "KOR"}, []string{"phones"}, nil, []any{1.0, 2.0}},
		{"USCC", map[string]any{"uscc": "911302081047632562"}, []string{"ore"}, nil, []any{1.0}},
		{"port customs code", map[string]any{"port": "0409"}, []string{"methanol"}, nil, []any{1.0}},
		{"destination inspection", map[string]any{"hsPrefix": "0206", "action": "destination_inspection"}, []string{"beef"}, "110000", []any{2.0}},
	} {
		over := map[string]any{"hsPrefix": nil}
		for k, v := range c.alert {
			over[k] = v
		}
		r := b.post(t, "/v1/admin/risk-alerts", b.admin, alertBody(over))
		if r.status != 201 {
			t.Fatalf("%s: %d %s", c.name, r.status, r.body)
		}
		alertID := r.json["id"].(string)
		if r.json["rerouted"] != float64(len(c.rerouted)) {
			t.Errorf("%s: rerouted %v, want %d", c.name, r.json["rerouted"], len(c.rerouted))
		}
		for name, d := range all {
			id := d["id"].(string)
			now := b.getJSON(t, "/v1/declarations/"+id, b.admin)
			hit := slices.Contains(c.rerouted, name)
			var alertTask map[string]any
			for _, re := range routeOf(t, now)["reasons"].([]any) {
				m := re.(map[string]any)
				if m["rule"] == "risk.alert" && m["evidence"].(map[string]any)["alertId"] == alertID {
					alertTask = m
				}
			}
			if hit != (alertTask != nil) {
				t.Errorf("%s: %s has the alert's reason: %v", c.name, name, alertTask != nil)
			}
			if !hit {
				continue
			}
			var task map[string]any
			for _, tk := range tasksOf(t, now) {
				if tk["workflow"] == "inspection" {
					task = tk
				}
			}
			if task == nil || task["bureau"] != c.bureau || !reflect.DeepEqual(task["items"], c.items) || task["status"] != "open" {
				t.Errorf("%s: %s inspection task %v", c.name, name, task)
				continue
			}
			// The old route is on the timeline, with who re-routed and why.
			tl := now["timeline"].([]any)
			last := tl[len(tl)-1].(map[string]any)
			data, _ := last["data"].(map[string]any)
			prev, _ := data["previous"].(map[string]any)
			if last["actor"] != "admin" || !strings.Contains(last["note"].(string), alertID) || prev == nil ||
				!reflect.DeepEqual(prev["reasons"], routeOf(t, d)["reasons"]) {
				t.Errorf("%s: %s timeline %v", c.name, name, last)
			}
			// The new task is stored, owned by the port's office or the bureau.
			owner := c.bureau
			if owner == nil {
				owner = map[string]string{"machinery": "120000", "phones": "110000", "ore": "130200", "methanol": "130900"}[name]
			}
			if n := b.count(t, `SELECT count(*) FROM task WHERE id = $1 AND owner = $2 AND status = 'open'`, task["id"], owner); n != 1 {
				t.Errorf("%s: %s task not stored for %v", c.name, name, owner)
			}
			// The canonical XML carries the new route.
			xml := b.do(t, "GET", "/v1/declarations/"+id+"/canonical", b.admin, "", nil)
			if !strings.Contains(string(xml.body), alertID) {
				t.Errorf("%s: canonical XML of %s lacks the alert", c.name, name)
			}
			all[name] = now
		}
	}

	for _, re := range routeOf(t, all["ore"])["reasons"].([]any) {
		if re.(map[string]any)["evidence"].(map[string]any)["alertId"] == "ra_expired" {
			t.Errorf("an expired alert matched: %v", re)
		}
	}

	// Declarations that come after an alert get its task at once.
	after := b.submit(t, tj, "tianjin", "import-ordinary-machinery")
	if rt := routeOf(t, after); rt["lane"] != "port_inspection" || !slices.Contains(rulesOf(t, after), "risk.alert") {
		t.Errorf("after the alert: %v", rt)
	}
	if tk := tasksOf(t, after); len(tk) != 1 || tk[0]["workflow"] != "inspection" || tk[0]["bureau"] != nil {
		t.Errorf("tasks %v", tk)
	}
	// ... and, once it is deleted, no longer.
	for _, a := range b.do(t, "GET", "/v1/admin/risk-alerts", b.admin, "", nil).json["items"].([]any) {
		b.do(t, "DELETE", "/v1/admin/risk-alerts/"+a.(map[string]any)["id"].(string), b.admin, "", nil)
	}
	if later := b.submit(t, tj, "tianjin", "import-ordinary-machinery"); routeOf(t, later)["lane"] != "release" {
		t.Errorf("after deletion: %v", routeOf(t, later))
	}
}

func TestRerouteOfUnchangedDeclarationsChangesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	n := 0
	for _, port := range []string{"tianjin", "hebei", "beijing"} {
		key := b.key(t, customs.CallerPort, port)
		entries, err := os.ReadDir("testdata/samples/" + port)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			name, ok := strings.CutSuffix(e.Name(), ".xml")
			if !ok || strings.HasPrefix(name, "invalid-") {
				continue
			}
			b.submit(t, key, port, name)
			n++
		}
	}
	if n < 20 {
		t.Fatalf("only %d samples", n)
	}
	// Every stored declaration is routed again from its stored document:
	// the same route, so nothing changes.
	r := b.post(t, "/v1/admin/risk-alerts", b.admin, alertBody(map[string]any{"hsPrefix": "0101"}))
	if r.status != 201 || r.json["rerouted"] != 0.0 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if n := b.count(t, `SELECT count(*) FROM declaration WHERE route_version <> 1`); n != 0 {
		t.Errorf("%d routes changed", n)
	}
}

func TestCreditChangeReroutes(t *testing.T) {
	t.Parallel()
	ratings := &fakeRatings{}
	b := setup(t, options{inspection: true, ratings: ratings})
	ctx := context.Background()
	tj := b.key(t, customs.CallerPort, "tianjin")
	bj := b.key(t, customs.CallerPort, "beijing")
	rc := b.key(t, customs.CallerReviewCentre, "")
	portBureau := b.key(t, customs.CallerBureau, "120000")
	const machineryUSCC = "91120113600138724G"

	pending := b.submit(t, tj, "tianjin", "import-ordinary-machinery")
	other := b.submit(t, bj, "beijing", "import-ordinary-smartphones")
	released := b.submit(t, tj, "tianjin", "import-ordinary-machinery")
	b.deliver(t, released["id"].(string), "020220261000000901")
	if r := b.post(t, "/v1/review-centre/decisions", rc, map[string]any{"entryId": "020220261000000901", "decision": "released"}); r.status != 200 || r.json["status"] != "released" {
		t.Fatalf("release: %d %s", r.status, r.body)
	}
	delivered := b.submit(t, tj, "tianjin", "import-ordinary-machinery")
	dID := delivered["id"].(string)
	b.deliver(t, dID, "020220261000000902")
	if s := b.status(t, dID); s != "delivered" {
		t.Fatalf("delivered: %s", s)
	}

	ratings.set(machineryUSCC, customs.RatingDishonest)
	if err := b.insp.RerouteEnterprises(ctx, []string{machineryUSCC}); err != nil {
		t.Fatal(err)
	}

	now := b.getJSON(t, "/v1/declarations/"+pending["id"].(string), b.admin)
	if rt := routeOf(t, now); rt["lane"] != "port_inspection" || !slices.Contains(rulesOf(t, now), "credit.dishonest") {
		t.Errorf("pending: %v", rt)
	}
	tk := tasksOf(t, now)
	if len(tk) != 1 || tk[0]["workflow"] != "inspection" || tk[0]["bureau"] != nil || !reflect.DeepEqual(tk[0]["items"], []any{1.0, 2.0}) {
		t.Fatalf("pending tasks %v", tk)
	}
	tl := now["timeline"].([]any)
	last := tl[len(tl)-1].(map[string]any)
	if last["actor"] != "system:credit" || last["status"] != "accepted" ||
		last["data"].(map[string]any)["previous"].(map[string]any)["lane"] != "release" {
		t.Errorf("timeline %v", last)
	}
	if got := listIDs(t, b.do(t, "GET", "/v1/bureaus/120000/tasks", portBureau, "", nil)); !slices.Contains(got, tk[0]["id"].(string)) {
		t.Errorf("the port office does not list the new task: %v", got)
	}
	if rt := routeOf(t, b.getJSON(t, "/v1/declarations/"+other["id"].(string), b.admin)); rt["lane"] != "release" {
		t.Errorf("other enterprise re-routed: %v", rt)
	}
	rel := b.getJSON(t, "/v1/declarations/"+released["id"].(string), b.admin)
	if routeOf(t, rel)["lane"] != "release" || rel["status"] != "released" {
		t.Errorf("a released declaration was re-routed: %v %v", rel["status"], routeOf(t, rel))
	}
	if n := b.count(t, `SELECT count(*) FROM outbox WHERE kind = 'route' AND declaration_id <> $1`, dID); n != 0 {
		t.Errorf("%d amendments for undelivered declarations", n)
	}

	// After delivery the new route goes to the review centre as an amendment.
	if s := b.status(t, dID); s != "inspection_required" {
		t.Errorf("delivered and re-routed: %s", s)
	}
	var amendment []byte
	if err := b.db.Get(&amendment, `SELECT body FROM outbox WHERE declaration_id = $1 AND kind = 'route' AND idempotency_key = $2 AND state = 'available'`,
		dID, dID+":route:1"); err != nil {
		t.Fatalf("amendment 1: %v", err)
	}
	schematest.Validate(t, schemas.Declaration, amendment)
	if !strings.Contains(string(amendment), `rule="credit.dishonest"`) || !strings.Contains(string(amendment), `lane="port_inspection"`) {
		t.Errorf("amendment %s", amendment)
	}

	// The rating recovers: the inspection tasks are withdrawn, claimed or not.
	dTask := taskID(t, b.getJSON(t, "/v1/declarations/"+dID, b.admin), "inspection")
	if r := b.post(t, "/v1/tasks/"+dTask+"/claim", portBureau, nil); r.status != 200 {
		t.Fatalf("claim: %d %s", r.status, r.body)
	}
	ratings.set(machineryUSCC, customs.RatingGeneral)
	if err := b.insp.RerouteEnterprises(ctx, []string{machineryUSCC}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{pending["id"].(string), dID} {
		d := b.getJSON(t, "/v1/declarations/"+id, b.admin)
		if rt := routeOf(t, d); rt["lane"] != "release" || len(tasksOf(t, d)) != 0 {
			t.Errorf("%s after recovery: %v", id, rt)
		}
	}
	if n := b.count(t, `SELECT count(*) FROM task WHERE id IN ($1, $2) AND status = 'withdrawn'`, tk[0]["id"], dTask); n != 2 {
		t.Errorf("withdrawn tasks %d, want 2", n)
	}
	if r := b.post(t, "/v1/tasks/"+dTask+"/result", portBureau, map[string]any{"outcome": "pass"}); r.status != 409 {
		t.Errorf("result for a withdrawn task: %d", r.status)
	}
	if got := listIDs(t, b.do(t, "GET", "/v1/bureaus/120000/tasks", portBureau, "", nil)); len(got) != 0 {
		t.Errorf("withdrawn tasks listed: %v", got)
	}
	if s := b.status(t, dID); s != "delivered" {
		t.Errorf("status after the withdrawal: %s", s)
	}
	if n := b.count(t, `SELECT count(*) FROM outbox WHERE declaration_id = $1 AND kind = 'route' AND idempotency_key = $2`, dID, dID+":route:2"); n != 1 {
		t.Errorf("second amendment missing")
	}

	// Amendments count from 1 at the first re-route after delivery, however
	// often the route changed before (those changes went with the
	// declaration itself).
	pID := pending["id"].(string)
	b.deliver(t, pID, "020220261000000903")
	ratings.set(machineryUSCC, customs.RatingDishonest)
	if err := b.insp.RerouteEnterprises(ctx, []string{machineryUSCC}); err != nil {
		t.Fatal(err)
	}
	var keys []string
	if err := b.db.Select(&keys, `SELECT idempotency_key FROM outbox WHERE declaration_id = $1 AND kind = 'route' ORDER BY id`, pID); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(keys, []string{pID + ":route:1"}) {
		t.Errorf("amendments of a declaration re-routed before delivery: %v", keys)
	}
}

func TestDishonestOnArrivalGetsItsDrawWhenRerouted(t *testing.T) {
	t.Parallel()
	ratings := &fakeRatings{}
	b := setup(t, options{inspection: true, ratings: ratings, rates: map[customs.Rating]float64{customs.RatingGeneral: 1}})
	tj := b.key(t, customs.CallerPort, "tianjin")
	const uscc = "91120113600138724G"
	ratings.set(uscc, customs.RatingDishonest)
	d := b.submit(t, tj, "tianjin", "import-ordinary-machinery")
	id := d["id"].(string)
	if rules := rulesOf(t, d); !reflect.DeepEqual(rules, []string{"credit.dishonest"}) {
		t.Fatalf("rules %v", rules)
	}
	if r := b.do(t, "GET", "/v1/admin/draws/"+id, b.admin, "", nil); r.status != 404 {
		t.Errorf("draw of a dishonest declaration: %d %s", r.status, r.body)
	}
	ratings.set(uscc, customs.RatingGeneral)
	if err := b.insp.RerouteEnterprises(context.Background(), []string{uscc}); err != nil {
		t.Fatal(err)
	}
	now := b.getJSON(t, "/v1/declarations/"+id, b.admin)
	if rules := rulesOf(t, now); !reflect.DeepEqual(rules, []string{"random.selected"}) {
		t.Fatalf("rules after recovery %v", rules)
	}
	r := b.do(t, "GET", "/v1/admin/draws/"+id, b.admin, "", nil)
	if r.status != 200 || r.json["matches"] != true || r.json["selected"] != true {
		t.Errorf("draw after the re-route: %d %s", r.status, r.body)
	}
	// A second re-route keeps that draw (and the id it is keyed by).
	if _, err := b.insp.Reroute(context.Background(), []string{id}, "admin", "test"); err != nil {
		t.Fatal(err)
	}
	if again := b.getJSON(t, "/v1/declarations/"+id, b.admin); again["id"] != id || !reflect.DeepEqual(routeOf(t, again), routeOf(t, now)) {
		t.Errorf("second re-route changed the route or lost the id: %v", again["id"])
	}
}

// drawByHand computes routing.md's draw with crypto/hmac and math/big,
// independently of internal/routing.
func drawByHand(secret, day, id string, roster []string) (seedID string, value float64, inspector string) {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("seed:" + day))
	seed := m.Sum(nil)
	sum := sha256.Sum256(seed)
	seedID = day + ":" + hex.EncodeToString(sum[:])[:8]
	h := hmac.New(sha256.New, seed)
	h.Write([]byte(id))
	hv := h.Sum(nil)
	num := new(big.Float).SetInt(new(big.Int).SetBytes(hv[:8]))
	den := new(big.Float).SetInt(new(big.Int).Lsh(big.NewInt(1), 64))
	value, _ = new(big.Float).Quo(num, den).Float64()
	if len(roster) > 0 {
		inspector = roster[binary.BigEndian.Uint64(hv[8:16])%uint64(len(roster))]
	}
	return seedID, value, inspector
}

func TestDrawIsRecomputed(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true, rates: map[customs.Rating]float64{customs.RatingGeneral: 1}})
	tables := codes.MustEmbedded()
	tj := b.key(t, customs.CallerPort, "tianjin")
	bureau := b.key(t, customs.CallerBureau, "120000")
	const secret = "test-secret" // the harness's RANDOM_SEED_SECRET

	for _, c := range []struct {
		name, sample, rosterOf string
		alert                  map[string]any
	}{
		{"port office roster", "import-ordinary-machinery", "120000", nil},
		{"pilot zone roster when direct transit is granted", "import-direct-transit-shijiazhuang", "130100", nil},
		// An alert's inspection task at an inland bureau does not change
		// whose roster the draw used.
		{"alert task inland", "import-food-beef-registered", "120000", map[string]any{"hsPrefix": "0202", "action": "destination_inspection"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := b.submit(t, tj, "tianjin", c.sample)
			id := d["id"].(string)
			if c.alert != nil {
				over := map[string]any{"hsPrefix": nil}
				for k, v := range c.alert {
					over[k] = v
				}
				if r := b.post(t, "/v1/admin/risk-alerts", b.admin, alertBody(over)); r.status != 201 {
					t.Fatalf("alert: %d %s", r.status, r.body)
				}
				t.Cleanup(func() { b.db.Exec(`UPDATE risk_alert SET deleted_at = now()`) })
			}
			received, err := time.Parse(time.RFC3339Nano, d["receivedAt"].(string))
			if err != nil {
				t.Fatal(err)
			}
			day := received.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
			seedID, value, inspector := drawByHand(secret, day, id, tables.Bureaus[c.rosterOf].Inspectors)
			if inspector == "" {
				t.Fatalf("bureau %s has no roster", c.rosterOf)
			}
			lib := routing.Redraw(routing.DaySeed([]byte(secret), day), id, 1, tables.Bureaus[c.rosterOf].Inspectors)
			if lib.SeedID != seedID || lib.Value != value || lib.Inspector != inspector {
				t.Errorf("routing.Redraw %+v, by hand %s %v %s", lib, seedID, value, inspector)
			}

			var random map[string]any
			for _, re := range routeOf(t, d)["reasons"].([]any) {
				if m := re.(map[string]any); m["rule"] == "random.selected" {
					random = m["evidence"].(map[string]any)
				}
			}
			if random == nil || random["seedId"] != seedID || random["inspector"] != inspector {
				t.Errorf("reason evidence %v, want seed %s inspector %s", random, seedID, inspector)
			}

			r := b.do(t, "GET", "/v1/admin/draws/"+id, b.admin, "", nil)
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			want := map[string]any{"declarationId": id, "seedId": seedID, "value": value, "rate": 1.0, "selected": true, "inspector": inspector, "matches": true}
			if !reflect.DeepEqual(r.json, want) {
				t.Errorf("draw\n got %v\nwant %v", r.json, want)
			}
		})
	}
	if r := b.do(t, "GET", "/v1/admin/draws/d_NOPE", b.admin, "", nil); r.status != 404 {
		t.Errorf("unknown declaration: %d", r.status)
	}
	d := b.submit(t, tj, "tianjin", "import-ordinary-machinery")
	if r := b.do(t, "GET", "/v1/admin/draws/"+d["id"].(string), bureau, "", nil); r.status != 403 {
		t.Errorf("bureau key: %d", r.status)
	}
	// A tampered stored draw no longer matches.
	if _, err := b.db.Exec(`UPDATE declaration SET draw = jsonb_set(draw, '{Value}', '0.5') WHERE id = $1`, d["id"]); err != nil {
		t.Fatal(err)
	}
	if r := b.do(t, "GET", "/v1/admin/draws/"+d["id"].(string), b.admin, "", nil); r.status != 200 || r.json["matches"] != false {
		t.Errorf("tampered draw: %s", r.body)
	}
}

func TestConcurrentClaimsAndReroutes(t *testing.T) {
	t.Parallel()
	ratings := &fakeRatings{}
	b := setup(t, options{inspection: true, ratings: ratings})
	tj := b.key(t, customs.CallerPort, "tianjin")
	bureau := b.key(t, customs.CallerBureau, "120000")
	const uscc = "91120113600138724G"
	ratings.set(uscc, customs.RatingDishonest)
	var ids, tasks []string
	for range 4 {
		d := b.submit(t, tj, "tianjin", "import-ordinary-machinery")
		ids = append(ids, d["id"].(string))
		tasks = append(tasks, taskID(t, d, "inspection"))
	}
	// Every task is claimed by several callers at once while the rating
	// flips back and forth and the declarations are re-routed: exactly one
	// claim of a task wins or the task was withdrawn first; nothing
	// deadlocks or fails.
	var wg sync.WaitGroup
	codes := make([][]int, len(tasks))
	for i, task := range tasks {
		codes[i] = make([]int, 3)
		for j := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i][j] = b.post(t, "/v1/tasks/"+task+"/claim", bureau, nil).status
			}()
		}
	}
	errs := make(chan error, 4)
	for k := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if k%2 == 0 {
				ratings.set(uscc, customs.RatingGeneral)
			} else {
				ratings.set(uscc, customs.RatingDishonest)
			}
			errs <- b.insp.RerouteEnterprises(context.Background(), []string{uscc})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("re-route: %v", err)
		}
	}
	for i, cs := range codes {
		wins := 0
		for _, c := range cs {
			switch c {
			case 200:
				wins++
			case 409:
			default:
				t.Errorf("task %s: claim answered %d", tasks[i], c)
			}
		}
		if wins > 1 {
			t.Errorf("task %s claimed %d times", tasks[i], wins)
		}
		if n := b.count(t, `SELECT count(*) FROM task WHERE id = $1 AND status IN ('claimed', 'withdrawn')`, tasks[i]); wins == 1 && n != 1 {
			t.Errorf("task %s won a claim but is neither claimed nor withdrawn", tasks[i])
		}
	}
	for _, id := range ids {
		if s := b.status(t, id); s != "accepted" && s != "under_inspection" {
			t.Errorf("%s: status %s", id, s)
		}
	}
}
