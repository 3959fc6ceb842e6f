package gateway_test

import (
	"context"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/schemas"
	"github.com/jjj/gateway/schemas/schematest"
)

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
