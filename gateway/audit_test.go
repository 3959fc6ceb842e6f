package gateway_test

// Regression tests for deviations from api.md found by a black-box audit of
// the running gateway.

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// A known path asked with a method it does not take is a 405 problem with
// an Allow header, not a 404 and not net/http's plain-text 405.
func TestWrongMethodIsA405Problem(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	for _, c := range []struct {
		method, path string
		allow        []string
	}{
		{"DELETE", "/v1/ports", []string{"GET"}},
		{"PUT", "/v1/declarations/d_x", []string{"GET"}},
		{"GET", "/v1/ports/tianjin/declarations", []string{"POST"}},
		{"GET", "/v1/tasks/t_x/claim", []string{"POST"}},
		{"POST", "/healthz", []string{"GET"}},
		{"PATCH", "/v1/admin/keys", []string{"GET", "POST"}},
		{"GET", "/v1/admin/keys/k_x", []string{"DELETE"}},
		{"POST", "/v1/admin/risk-alerts/ra_x", []string{"DELETE"}},
	} {
		r := b.do(t, c.method, c.path, b.admin, "", nil)
		if r.status != 405 || r.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s: %d %s %s, want a 405 problem", c.method, c.path, r.status, r.header.Get("Content-Type"), r.body)
			continue
		}
		allow := r.header.Get("Allow")
		for _, m := range c.allow {
			if !strings.Contains(allow, m) {
				t.Errorf("%s %s: Allow %q lacks %s", c.method, c.path, allow, m)
			}
		}
		if codes := errorCodes(r); len(codes) != 1 || codes[0] != "method_not_allowed" || r.json["status"] != float64(405) {
			t.Errorf("%s %s: %s", c.method, c.path, r.body)
		}
	}
	// Unknown paths, trailing slashes included, stay 404 problems.
	for _, path := range []string{"/v1/nothing", "/v1/ports/", "/v1/declarations/"} {
		if r := b.do(t, "GET", path, b.admin, "", nil); r.status != 404 || r.header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("GET %s: %d %s", path, r.status, r.body)
		}
	}
}

// api.md: for an export, transport has arrivalCountry instead of
// departureCountry, and parts the dialect does not give are null, not
// absent. The Hebei export has no country of arrival in its own message.
func TestTransportCountryKeyIsAlwaysThere(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	he := b.key(t, customs.CallerPort, "hebei")
	tj := b.key(t, customs.CallerPort, "tianjin")
	for _, c := range []struct {
		key, port, sample, want, not string
	}{
		{he, "hebei", "export-steel-wire-rod", "arrivalCountry", "departureCountry"},
		{tj, "tianjin", "export-steel-plate", "arrivalCountry", "departureCountry"},
		{tj, "tianjin", "import-ordinary-machinery", "departureCountry", "arrivalCountry"},
	} {
		raw := readSample(t, c.port, c.sample+".xml")
		for _, path := range []string{"/validate", ""} {
			r := b.do(t, "POST", "/v1/ports/"+c.port+"/declarations"+path, c.key, "application/xml", raw)
			if r.status != 200 && r.status != 201 {
				t.Fatalf("%s%s: %d %s", c.sample, path, r.status, r.body)
			}
			views := []map[string]any{r.json}
			if path == "" {
				views = append(views, b.getJSON(t, "/v1/declarations/"+r.json["id"].(string), b.admin))
			}
			for _, v := range views {
				tr, _ := v["transport"].(map[string]any)
				if _, ok := tr[c.want]; !ok {
					t.Errorf("%s%s: transport %v has no %s", c.sample, path, tr, c.want)
				}
				if _, ok := tr[c.not]; ok {
					t.Errorf("%s%s: transport %v has %s", c.sample, path, tr, c.not)
				}
			}
		}
	}
}

// GET /v1/admin/deliveries without ?state= lists every delivery.
func TestDeliveriesWithoutStateListEverything(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	tj := b.key(t, customs.CallerPort, "tianjin")
	d := b.submit(t, tj, "tianjin", "import-ordinary-machinery")
	for _, q := range []string{"", "?state=pending", "?state=pending,dead"} {
		r := b.do(t, "GET", "/v1/admin/deliveries"+q, b.admin, "", nil)
		items, _ := r.json["items"].([]any)
		if r.status != 200 || len(items) != 1 || items[0].(map[string]any)["declarationId"] != d["id"] {
			t.Errorf("deliveries%s: %d %s", q, r.status, r.body)
		}
	}
	if r := b.do(t, "GET", "/v1/admin/deliveries?state=dead", b.admin, "", nil); len(r.json["items"].([]any)) != 0 {
		t.Errorf("dead: %s", r.body)
	}
}

// A coal result always carries failed ([] when it passed), and a failing
// coal result may name its disposition.
func TestCoalResultFailedAndDisposition(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	he := b.key(t, customs.CallerPort, "hebei")
	tangshan := b.key(t, customs.CallerBureau, "130200")

	d := b.submit(t, he, "hebei", "import-coal-coking")
	b.claim(t, taskID(t, d, "coal"), tangshan)
	r := b.post(t, "/v1/tasks/"+taskID(t, d, "coal")+"/result", tangshan, map[string]any{"distanceKm": 420, "lab": coalLab(nil)})
	if f, ok := r.json["failed"].([]any); r.status != 200 || !ok || len(f) != 0 {
		t.Errorf("pass: %d %s, want failed: []", r.status, r.body)
	}
	list := b.getJSON(t, "/v1/bureaus/130200/tasks?status=done", tangshan)
	for _, it := range list["items"].([]any) {
		if f, ok := it.(map[string]any)["failed"].([]any); !ok || len(f) != 0 {
			t.Errorf("listed done coal task without failed: []: %v", it)
		}
	}
	open := b.submit(t, he, "hebei", "import-coal-coking")
	if tk := b.getJSON(t, "/v1/bureaus/130200/tasks?status=open", tangshan)["items"].([]any); len(tk) != 1 || tk[0].(map[string]any)["failed"] != nil {
		t.Errorf("an open coal task has no failed yet: %v", tk)
	}

	b.claim(t, taskID(t, open, "coal"), tangshan)
	bad := b.post(t, "/v1/tasks/"+taskID(t, open, "coal")+"/result", tangshan,
		map[string]any{"distanceKm": 420, "lab": coalLab(map[string]float64{"sulfur": 3.4}), "disposition": "burned"})
	if bad.status != 422 || !strings.Contains(strings.Join(errorCodes(bad), ","), "invalid_enum") {
		t.Errorf("bad disposition: %d %s", bad.status, bad.body)
	}
	r = b.post(t, "/v1/tasks/"+taskID(t, open, "coal")+"/result", tangshan,
		map[string]any{"distanceKm": 420, "lab": coalLab(map[string]float64{"sulfur": 3.4}), "disposition": "destroyed"})
	if f, _ := r.json["failed"].([]any); r.status != 200 || r.json["outcome"] != "fail" || len(f) != 1 {
		t.Fatalf("fail: %d %s", r.status, r.body)
	}
	if st := b.status(t, open["id"].(string)); st != "destroyed" {
		t.Errorf("status %s, want destroyed", st)
	}
}

// A 422 that is not about a declaration does not say it is.
func TestNonDeclaration422Title(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	r := b.do(t, "POST", "/v1/admin/keys", b.admin, "application/json", []byte(`{"role":"port"}`))
	if r.status != 422 || strings.Contains(r.json["title"].(string), "declaration") || strings.HasSuffix(r.json["type"].(string), "invalid-declaration") {
		t.Errorf("key request: %d %s", r.status, r.body)
	}
	tj := b.key(t, customs.CallerPort, "tianjin")
	r = b.do(t, "POST", "/v1/ports/tianjin/declarations", tj, "application/xml", readSample(t, "tianjin", "invalid-uscc-check-character.xml"))
	if r.status != 422 || r.json["title"] != "declaration does not validate" || r.json["port"] != "tianjin" || r.json["portRef"] == nil {
		t.Errorf("declaration: %d %s", r.status, r.body)
	}
}

// Rejection records have string ids, as every id the gateway makes.
func TestRejectionIDsAreStrings(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	tj := b.key(t, customs.CallerPort, "tianjin")
	b.do(t, "POST", "/v1/ports/tianjin/declarations", tj, "application/xml", []byte("<x"))
	r := b.getJSON(t, "/v1/admin/rejections", b.admin)
	items := r["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("rejections: %v", r)
	}
	if _, ok := items[0].(map[string]any)["id"].(string); !ok {
		t.Errorf("rejection id is not a string: %v", items[0])
	}
}

// A bureau listing another (known) bureau's tasks acts for another scope:
// 403. An unknown bureau is 404; bad query values are 400 at their
// parameter.
func TestBureauTaskListScope(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	bu := b.key(t, customs.CallerBureau, "120000")
	for _, c := range []struct {
		path   string
		status int
		code   string
	}{
		{"/v1/bureaus/130100/tasks", 404, "not_found"},
		{"/v1/bureaus/999999/tasks", 404, "not_found"},
		{"/v1/bureaus/120000/tasks?status=lost", 400, "invalid_enum"},
		{"/v1/bureaus/120000/tasks?workflow=lost", 400, "invalid_enum"},
		{"/v1/bureaus/120000/tasks?limit=501", 400, "invalid_limit"},
		{"/v1/bureaus/120000/tasks?cursor=zzz", 400, "invalid_cursor"},
	} {
		r := b.do(t, "GET", c.path, bu, "", nil)
		if codes := errorCodes(r); r.status != c.status || len(codes) != 1 || codes[0] != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.path, r.status, r.body, c.status, c.code)
		}
	}
}

// /readyz is 503 when the database is gone: a problem that still names the
// dependency in a "database" member.
func TestReadyzDown(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	if r := b.do(t, "GET", "/readyz", "", "", nil); r.status != 200 || r.json["database"] != "ok" {
		t.Fatalf("readyz: %d %s", r.status, r.body)
	}
	b.db.Close()
	r := b.do(t, "GET", "/readyz", "", "", nil)
	if r.status != 503 || r.header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("readyz down: %d %s %s", r.status, r.header.Get("Content-Type"), r.body)
	}
	var p struct {
		Status   int    `json:"status"`
		Title    string `json:"title"`
		Database string `json:"database"`
		Errors   []struct {
			Path *string `json:"path"`
			Code string  `json:"code"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != 503 || p.Title == "" || !strings.HasPrefix(p.Database, "down") || len(p.Errors) != 1 || p.Errors[0].Path != nil || p.Errors[0].Code != "database_down" {
		t.Errorf("readyz down: %s", r.body)
	}
}

// since with a zone offset whose "+" came unescaped (a space) is still the
// RFC 3339 time it was meant to be.
func TestListSinceWithUnescapedPlus(t *testing.T) {
	t.Parallel()
	b := setupEnterprise(t)
	id := b.submit(t, "import-ordinary-machinery.xml", ref(9001), "")
	past := time.Now().Add(-time.Hour).In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339)
	future := time.Now().Add(time.Hour).In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339)
	for _, c := range []struct {
		since string
		want  []string
	}{
		{strings.Replace(past, "+", "%2B", 1), []string{id}},
		{past, []string{id}}, // "+" unescaped: a space on arrival
		{future, nil},
	} {
		if got := declIDs(t, b.do(t, "GET", "/v1/declarations?since="+c.since, b.admin, "", nil)); !slices.Equal(got, c.want) {
			t.Errorf("since=%s: %v, want %v", c.since, got, c.want)
		}
	}
}

// A key request without a role says the role is missing.
func TestKeyWithoutRole(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	r := b.do(t, "POST", "/v1/admin/keys", b.admin, "application/json", []byte(`{"scope":"tianjin"}`))
	if codes := errorCodes(r); r.status != 422 || len(codes) != 1 || codes[0] != "missing_field" {
		t.Errorf("no role: %d %s", r.status, r.body)
	}
}
