package gateway_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jjj/gateway/gateway"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/warning"
)

// warningHarness is what a warnings test drives: the service with its
// clock, and what it logged.
type warningHarness struct {
	svc   *warning.Service
	clock *warnClock
	logs  *syncBuffer
}

// warnClock runs with real time (declarations are received in real time)
// plus an offset a test adds to.
type warnClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *warnClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().UTC().Add(c.offset)
}

func (c *warnClock) Add(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// String is what was logged (syncBuffer: accesslog_test.go).
func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// withWarnings wires warnings as gatewayd does: the alert cache serves
// them to intake, the inspection service re-routes, the gauge is on the
// server's registry.
func withWarnings(s *gateway.Server, db *postgres.DB, h *warningHarness) {
	h.clock = &warnClock{}
	h.logs = &syncBuffer{}
	h.svc = &warning.Service{Store: db, Tables: s.Tables, Reroute: s.Inspection, NowFunc: h.clock.Now,
		Logger: slog.New(slog.NewTextHandler(h.logs, nil))}
	if s.InspectionDeps != nil {
		s.InspectionDeps.Alerts.Warnings = db
		h.svc.Alerts = s.InspectionDeps.Alerts
	}
	s.Metrics = prometheus.NewRegistry()
	s.Metrics.MustRegister(&warning.OverdueCollector{Service: h.svc})
	s.Warnings = h.svc
}

func warningBody(over map[string]any) map[string]any {
	m := map[string]any{"kind": "quality_risk", "title": "Spindle bearings", "reason": "cracked bearings found at Caofeidian",
		"match":  map[string]any{"hsPrefix": "8457", "origin": nil, "uscc": nil, "port": nil},
		"action": "port_inspection", "expiresAt": time.Now().Add(30 * 24 * time.Hour).UTC().Format(time.RFC3339)}
	for k, v := range over {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

type warningKeys struct {
	hebei, tangshan, tianjin, tianjin2, beijing, port string
}

func newWarningKeys(t *testing.T, b *testBundle) warningKeys {
	return warningKeys{
		hebei:    b.key(t, customs.CallerBureau, "130000"),
		tangshan: b.key(t, customs.CallerBureau, "130200"),
		tianjin:  b.key(t, customs.CallerBureau, "120000"),
		tianjin2: b.key(t, customs.CallerBureau, "120100"),
		beijing:  b.key(t, customs.CallerBureau, "110000"),
		port:     b.key(t, customs.CallerPort, "tianjin"),
	}
}

func problemPaths(r response) map[string]string {
	out := map[string]string{}
	errs, _ := r.json["errors"].([]any)
	for _, e := range errs {
		m := e.(map[string]any)
		p, _ := m["path"].(string)
		out[p] = m["code"].(string)
	}
	return out
}

// TestWarningIssueAckLift: point 1 of the issue on the real database.
func TestWarningIssueAckLift(t *testing.T) {
	t.Parallel()
	h := &warningHarness{}
	b := setup(t, options{warnings: h})
	k := newWarningKeys(t, b)

	// Every problem at once, each at its JSON path.
	bad := b.post(t, "/v1/warnings", k.hebei, map[string]any{"kind": "flood", "title": "", "reason": "x",
		"match": map[string]any{"hsPrefix": "8", "origin": "XXX", "uscc": "123", "port": "shanghai"}, "action": "stop",
		"expiresAt": time.Now().Add(400 * 24 * time.Hour).UTC().Format(time.RFC3339)})
	if bad.status != 422 {
		t.Fatalf("bad warning: %d %s", bad.status, bad.body)
	}
	want := map[string]string{"/kind": "invalid_enum", "/title": "missing_field", "/match/hsPrefix": "invalid_hs_code",
		"/match/origin": "unknown_country", "/match/uscc": "invalid_uscc", "/match/port": "invalid_enum",
		"/action": "invalid_enum", "/expiresAt": "invalid_date"}
	if got := problemPaths(bad); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("problems %v, want %v", got, want)
	}
	for _, c := range []struct {
		name string
		body map[string]any
		path string
	}{
		{"no matcher", warningBody(map[string]any{"match": map[string]any{}}), "/match"},
		{"no match", warningBody(map[string]any{"match": nil}), "/match"},
		{"no expiry", warningBody(map[string]any{"expiresAt": nil}), "/expiresAt"},
		{"past expiry", warningBody(map[string]any{"expiresAt": "2020-01-01T00:00:00Z"}), "/expiresAt"},
	} {
		r := b.post(t, "/v1/warnings", k.hebei, c.body)
		if _, ok := problemPaths(r)[c.path]; r.status != 422 || !ok {
			t.Errorf("%s: %d %s, want 422 at %s", c.name, r.status, r.body, c.path)
		}
	}
	if n := b.count(t, `SELECT count(*) FROM warning`); n != 0 {
		t.Fatalf("%d warnings stored from refused requests", n)
	}
	// Only bureaus issue; others read nothing.
	if r := b.post(t, "/v1/warnings", b.admin, warningBody(nil)); r.status != 403 {
		t.Errorf("admin issues: %d", r.status)
	}
	if r := b.do(t, "GET", "/v1/warnings", k.port, "", nil); r.status != 403 {
		t.Errorf("port key lists: %d", r.status)
	}

	before := h.clock.Now()
	r := b.post(t, "/v1/warnings", k.hebei, warningBody(nil))
	if r.status != 201 {
		t.Fatalf("issue: %d %s", r.status, r.body)
	}
	id := r.json["id"].(string)
	if r.json["issuer"] != "130000" || r.json["region"] != "HE" || r.json["state"] != "active" || r.header.Get("Location") != "/v1/warnings/"+id {
		t.Errorf("issued: %s", r.body)
	}
	issued, _ := time.Parse(time.RFC3339Nano, r.json["issuedAt"].(string))
	if issued.Before(before.Truncate(time.Microsecond)) || issued.After(h.clock.Now()) {
		t.Errorf("issuedAt %s is not the service's clock (%s)", issued, before)
	}
	acks := r.json["acks"].([]any)
	if len(acks) != 2 {
		t.Fatalf("acks %v, want BJ and TJ", acks)
	}
	for i, region := range []string{"BJ", "TJ"} {
		a := acks[i].(map[string]any)
		due, _ := time.Parse(time.RFC3339Nano, a["due"].(string))
		if a["region"] != region || a["at"] != nil || a["bureau"] != nil || a["measures"] != nil || !due.Equal(issued.Add(24*time.Hour)) {
			t.Errorf("ack %d: %v, want %s due %s", i, a, region, issued.Add(24*time.Hour))
		}
	}
	ph := b.post(t, "/v1/warnings", k.tianjin, warningBody(map[string]any{"kind": "public_health", "action": "notify"}))
	if ph.status != 201 {
		t.Fatalf("public health: %d %s", ph.status, ph.body)
	}
	for _, a := range ph.json["acks"].([]any) {
		a := a.(map[string]any)
		due, _ := time.Parse(time.RFC3339Nano, a["due"].(string))
		issuedAt, _ := time.Parse(time.RFC3339Nano, ph.json["issuedAt"].(string))
		if due.Sub(issuedAt) != 6*time.Hour || a["region"] == "TJ" {
			t.Errorf("public health ack %v: want other regions due in 6 h", a)
		}
	}

	// Acknowledgements: not by the issuing region, once per region.
	ack := func(key string) response {
		return b.post(t, "/v1/warnings/"+id+"/ack", key, map[string]any{"measures": "holding all 8457 at the quay"})
	}
	if r := ack(k.tangshan); r.status != 409 {
		t.Errorf("ack by the issuing region: %d %s", r.status, r.body)
	}
	if r := b.post(t, "/v1/warnings/"+id+"/ack", k.tianjin, map[string]any{"measures": " "}); r.status != 422 || problemPaths(r)["/measures"] == "" {
		t.Errorf("ack without measures: %d %s", r.status, r.body)
	}
	r = ack(k.tianjin)
	if r.status != 200 {
		t.Fatalf("ack: %d %s", r.status, r.body)
	}
	tj := r.json["acks"].([]any)[1].(map[string]any)
	if tj["region"] != "TJ" || tj["bureau"] != "120000" || tj["measures"] != "holding all 8457 at the quay" || tj["at"] == nil || tj["late"] != false {
		t.Errorf("TJ ack: %v", tj)
	}
	if r := ack(k.tianjin2); r.status != 409 {
		t.Errorf("second TJ ack: %d %s", r.status, r.body)
	}
	if r := b.do(t, "GET", "/v1/warnings/wn_missing", k.beijing, "", nil); r.status != 404 {
		t.Errorf("unknown warning: %d", r.status)
	}

	// Lift: the issuing bureau or admin, once.
	if r := b.post(t, "/v1/warnings/"+id+"/lift", k.tangshan, map[string]any{"reason": "x"}); r.status != 403 {
		t.Errorf("lift by another bureau of the region: %d", r.status)
	}
	if r := b.post(t, "/v1/warnings/"+id+"/lift", k.hebei, map[string]any{}); r.status != 422 {
		t.Errorf("lift without reason: %d", r.status)
	}
	r = b.post(t, "/v1/warnings/"+id+"/lift", k.hebei, map[string]any{"reason": "supplier recalled the lot"})
	if r.status != 200 || r.json["state"] != "lifted" || r.json["liftReason"] != "supplier recalled the lot" {
		t.Fatalf("lift: %d %s", r.status, r.body)
	}
	if r := b.post(t, "/v1/warnings/"+id+"/lift", b.admin, map[string]any{"reason": "again"}); r.status != 409 {
		t.Errorf("lift twice: %d", r.status)
	}
	if r := ack(k.beijing); r.status != 409 {
		t.Errorf("ack of a lifted warning: %d", r.status)
	}
	if r := b.post(t, "/v1/warnings/"+ph.json["id"].(string)+"/lift", b.admin, map[string]any{"reason": "ops"}); r.status != 200 {
		t.Errorf("admin lift: %d %s", r.status, r.body)
	}

	// The list: filters, newest first, a stable cursor.
	for i := 0; i < 3; i++ {
		h.clock.Add(time.Minute)
		if r := b.post(t, "/v1/warnings", k.beijing, warningBody(map[string]any{"action": "notify", "title": fmt.Sprintf("n%d", i)})); r.status != 201 {
			t.Fatal(r.status)
		}
	}
	list := b.getJSON(t, "/v1/warnings?state=lifted", k.tianjin)
	if n := len(list["items"].([]any)); n != 2 {
		t.Errorf("lifted: %d items", n)
	}
	list = b.getJSON(t, "/v1/warnings?region=BJ&state=active", b.admin)
	var titles []string
	for _, it := range list["items"].([]any) {
		titles = append(titles, it.(map[string]any)["title"].(string))
	}
	if strings.Join(titles, ",") != "n2,n1,n0" {
		t.Errorf("BJ active: %v, want newest first", titles)
	}
	var paged []string
	cursor := ""
	for page := 0; page < 5; page++ {
		l := b.getJSON(t, "/v1/warnings?limit=2"+cursor, k.hebei)
		for _, it := range l["items"].([]any) {
			paged = append(paged, it.(map[string]any)["id"].(string))
		}
		if l["next"] == nil {
			break
		}
		// A warning issued while paging lands on the first page, not here.
		b.post(t, "/v1/warnings", k.beijing, warningBody(map[string]any{"action": "notify"}))
		cursor = "&cursor=" + l["next"].(string)
	}
	if len(paged) != 5 || paged[4] != id {
		t.Errorf("paged %v: want the 5 first warnings, the oldest last", paged)
	}
	for _, q := range []string{"state=gone", "overdue=yes", "region=SH", "limit=0", "cursor=bad"} {
		if r := b.do(t, "GET", "/v1/warnings?"+q, k.hebei, "", nil); r.status != 400 {
			t.Errorf("%s: %d", q, r.status)
		}
	}
}

// TestWarningOverdue: point 3, the injected clock moved past due.
func TestWarningOverdue(t *testing.T) {
	t.Parallel()
	h := &warningHarness{}
	b := setup(t, options{warnings: h})
	k := newWarningKeys(t, b)
	r := b.post(t, "/v1/warnings", k.hebei, warningBody(map[string]any{"kind": "public_health", "action": "notify"}))
	if r.status != 201 {
		t.Fatalf("issue: %d %s", r.status, r.body)
	}
	id := r.json["id"].(string)
	overdueIDs := func() []string {
		var out []string
		for _, it := range b.getJSON(t, "/v1/warnings?overdue=true", k.tianjin)["items"].([]any) {
			out = append(out, it.(map[string]any)["id"].(string))
		}
		return out
	}
	gauge := func() string {
		m := b.do(t, "GET", "/metrics", "", "", nil)
		var lines []string
		for _, l := range strings.Split(string(m.body), "\n") {
			if strings.HasPrefix(l, "gateway_warning_acks_overdue{") {
				lines = append(lines, l)
			}
		}
		return strings.Join(lines, " ")
	}
	if got := overdueIDs(); len(got) != 0 {
		t.Errorf("overdue before due: %v", got)
	}
	if g := gauge(); g != `gateway_warning_acks_overdue{region="BJ"} 0 gateway_warning_acks_overdue{region="HE"} 0 gateway_warning_acks_overdue{region="TJ"} 0` {
		t.Errorf("gauge before due: %s", g)
	}

	h.clock.Add(6*time.Hour + time.Second)
	if got := overdueIDs(); len(got) != 1 || got[0] != id {
		t.Fatalf("overdue after due: %v", got)
	}
	w := b.getJSON(t, "/v1/warnings/"+id, k.beijing)
	for _, a := range w["acks"].([]any) {
		if a.(map[string]any)["overdue"] != true {
			t.Errorf("ack %v not shown overdue", a)
		}
	}
	if g := gauge(); g != `gateway_warning_acks_overdue{region="BJ"} 1 gateway_warning_acks_overdue{region="HE"} 0 gateway_warning_acks_overdue{region="TJ"} 1` {
		t.Errorf("gauge after due: %s", g)
	}
	noted, err := h.svc.NoteOverdue(context.Background())
	if err != nil || len(noted) != 2 {
		t.Fatalf("NoteOverdue: %v %v", noted, err)
	}
	if again, _ := h.svc.NoteOverdue(context.Background()); len(again) != 0 {
		t.Errorf("overdue logged twice: %v", again)
	}
	if logs := h.logs.String(); strings.Count(logs, "warning acknowledgement overdue") != 2 || !strings.Contains(logs, "warning="+id) {
		t.Errorf("log: %s", logs)
	}

	// Late, and taken.
	r = b.post(t, "/v1/warnings/"+id+"/ack", k.tianjin, map[string]any{"measures": "all cold-chain imports sampled"})
	if r.status != 200 {
		t.Fatalf("late ack: %d %s", r.status, r.body)
	}
	tj := r.json["acks"].([]any)[1].(map[string]any)
	if tj["region"] != "TJ" || tj["late"] != true || tj["overdue"] != false {
		t.Errorf("late ack: %v", tj)
	}
	if !strings.Contains(h.logs.String(), "warning acknowledged late") {
		t.Errorf("late ack not logged")
	}
	if g := gauge(); !strings.Contains(g, `{region="TJ"} 0`) || !strings.Contains(g, `{region="BJ"} 1`) {
		t.Errorf("gauge after TJ's late ack: %s", g)
	}
	b.post(t, "/v1/warnings/"+id+"/ack", k.beijing, map[string]any{"measures": "done"})
	if got := overdueIDs(); len(got) != 0 {
		t.Errorf("overdue after both acks: %v", got)
	}
}

// TestWarningActsAtAllPorts: point 2. A Hebei bureau's warning re-routes a
// pending Tianjin declaration at once, routes a new Beijing one with it,
// and after the lift new ones are not routed by it.
func TestWarningActsAtAllPorts(t *testing.T) {
	t.Parallel()
	h := &warningHarness{}
	b := setup(t, options{inspection: true, warnings: h})
	k := newWarningKeys(t, b)
	tjPort := b.key(t, customs.CallerPort, "tianjin")
	bjPort := b.key(t, customs.CallerPort, "beijing")
	pending := b.submit(t, tjPort, "tianjin", "import-ordinary-machinery")
	if pending["route"].(map[string]any)["lane"] != "release" {
		t.Fatalf("before: %v", pending["route"])
	}
	notify := b.post(t, "/v1/warnings", k.hebei, warningBody(map[string]any{"action": "notify"}))
	if notify.status != 201 {
		t.Fatal(notify.status)
	}
	if got := b.getJSON(t, "/v1/declarations/"+pending["id"].(string), b.admin)["route"].(map[string]any)["lane"]; got != "release" {
		t.Errorf("a notify warning changed the route: %v", got)
	}

	r := b.post(t, "/v1/warnings", k.hebei, warningBody(nil))
	if r.status != 201 {
		t.Fatalf("issue: %d %s", r.status, r.body)
	}
	wid := r.json["id"].(string)
	if n := b.count(t, `SELECT count(*) FROM reroute_request`); n != 0 {
		t.Errorf("%d re-route requests left after the re-route at once", n)
	}
	hasWarningReason := func(route map[string]any) bool {
		for _, re := range route["reasons"].([]any) {
			m := re.(map[string]any)
			ev, _ := m["evidence"].(map[string]any)
			if m["rule"] == "risk.alert" && ev["warning"] == wid {
				return true
			}
		}
		return false
	}
	d := b.getJSON(t, "/v1/declarations/"+pending["id"].(string), b.admin)
	route := d["route"].(map[string]any)
	if route["lane"] != "port_inspection" || !hasWarningReason(route) {
		t.Errorf("pending Tianjin declaration after the warning: %v", route)
	}

	fresh := b.submit(t, bjPort, "beijing", "import-ordinary-smartphones", `hs="8517130000"`, `hs="8457101000"`)
	route = fresh["route"].(map[string]any)
	if route["lane"] != "port_inspection" || !hasWarningReason(route) {
		t.Errorf("new Beijing declaration: %v", route)
	}

	if r := b.post(t, "/v1/warnings/"+wid+"/lift", k.hebei, map[string]any{"reason": "cleared"}); r.status != 200 {
		t.Fatalf("lift: %d", r.status)
	}
	after := b.submit(t, bjPort, "beijing", "import-ordinary-smartphones", `hs="8517130000"`, `hs="8457101000"`)
	if route := after["route"].(map[string]any); route["lane"] != "release" || hasWarningReason(route) {
		t.Errorf("new declaration after the lift: %v", route)
	}
	// Tasks the warning made stay.
	if got := b.getJSON(t, "/v1/declarations/"+fresh["id"].(string), b.admin)["route"].(map[string]any)["lane"]; got != "port_inspection" {
		t.Errorf("lift undid a route: %v", got)
	}
}

// TestTrace: point 4 on the real database: the reduced view across the
// ports, the cursor, CSV, the audit.
func TestTrace(t *testing.T) {
	t.Parallel()
	h := &warningHarness{}
	b := setup(t, options{warnings: h})
	k := newWarningKeys(t, b)
	tjPort := b.key(t, customs.CallerPort, "tianjin")
	bjPort := b.key(t, customs.CallerPort, "beijing")
	var ids []string
	for i := 0; i < 3; i++ {
		ids = append(ids, b.submit(t, tjPort, "tianjin", "import-ordinary-machinery")["id"].(string))
	}
	bj := b.submit(t, bjPort, "beijing", "import-ordinary-smartphones", `hs="8517130000"`, `hs="8457101000"`)["id"].(string)
	b.submit(t, bjPort, "beijing", "import-ordinary-smartphones") // 8517: not matched

	tr := b.do(t, "GET", "/v1/trace?hsPrefix=8457", k.beijing, "", nil)
	if tr.status != 200 {
		t.Fatalf("trace: %d %s", tr.status, tr.body)
	}
	items := tr.json["items"].([]any)
	var got []string
	for _, it := range items {
		got = append(got, it.(map[string]any)["declarationId"].(string))
	}
	if want := []string{bj, ids[2], ids[1], ids[0]}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("trace ids %v, want %v (newest first)", got, want)
	}
	first := items[1].(map[string]any)
	matched := first["matched"].([]any)
	if len(matched) != 1 || matched[0].(map[string]any)["hsCode"] != "8457101000" || matched[0].(map[string]any)["origin"] != "DEU" ||
		first["port"] != "tianjin" || fmt.Sprint(first["containers"]) != "[MSCU4729152 TGHU3812047]" || fmt.Sprint(first["enterprises"]) == "[]" {
		t.Errorf("trace item: %v", first)
	}
	// Never names or values.
	for _, s := range []string{"天津北辰精密机械有限公司", "486000", "立式加工中心"} {
		if bytes.Contains(tr.body, []byte(s)) {
			t.Errorf("trace shows %q", s)
		}
	}
	// Both criteria on the same item; origin alone; a container.
	if n := len(b.getJSON(t, "/v1/trace?hsPrefix=8466&origin=DEU", k.tianjin)["items"].([]any)); n != 3 {
		t.Errorf("8466 from DEU: %d", n)
	}
	if n := len(b.getJSON(t, "/v1/trace?hsPrefix=8466&origin=KOR", k.tianjin)["items"].([]any)); n != 0 {
		t.Errorf("8466 from KOR: %d", n)
	}
	if n := len(b.getJSON(t, "/v1/trace?container=TGHU3812047", k.tianjin)["items"].([]any)); n != 3 {
		t.Errorf("container: %d", n)
	}
	if n := len(b.getJSON(t, "/v1/trace?hsPrefix=8457&until="+time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), b.admin)["items"].([]any)); n != 0 {
		t.Errorf("window before the declarations: %d", n)
	}

	// The cursor walks every row once, even while new ones arrive.
	var walked []string
	cursor := ""
	pages := 0
	for page := 0; page < 10; page++ {
		pages++
		l := b.getJSON(t, "/v1/trace?hsPrefix=8457&limit=1"+cursor, k.hebei)
		for _, it := range l["items"].([]any) {
			walked = append(walked, it.(map[string]any)["declarationId"].(string))
		}
		if l["next"] == nil {
			break
		}
		b.submit(t, tjPort, "tianjin", "import-ordinary-machinery")
		cursor = "&cursor=" + l["next"].(string)
	}
	if fmt.Sprint(walked) != fmt.Sprint(got) {
		t.Errorf("walked %v, want %v", walked, got)
	}

	// CSV: one row per matched item.
	csvResp := b.doAccept(t, "/v1/trace?origin=DEU&limit=2", k.hebei, "text/csv")
	if csvResp.status != 200 || !strings.HasPrefix(csvResp.header.Get("Content-Type"), "text/csv") || csvResp.header.Get("X-Next-Cursor") == "" {
		t.Fatalf("csv: %d %v %s", csvResp.status, csvResp.header, csvResp.body)
	}
	rows, err := csv.NewReader(bytes.NewReader(csvResp.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 || rows[0][0] != "declarationId" || rows[1][10] != "8457101000" || rows[2][10] != "8466939000" || rows[1][0] != rows[2][0] {
		t.Errorf("csv rows: %v", rows)
	}

	// Problems at their parameters; other roles refused.
	bad := b.do(t, "GET", "/v1/trace?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", k.hebei, "", nil)
	if paths := problemPaths(bad); bad.status != 422 || paths[""] != "missing_field" || paths["since"] != "invalid_date" {
		t.Errorf("bad trace: %d %s", bad.status, bad.body)
	}
	if r := b.do(t, "GET", "/v1/trace?hsPrefix=84", tjPort, "", nil); r.status != 403 {
		t.Errorf("port key traces: %d", r.status)
	}

	// A warning's trace: its match from 90 days before it was issued.
	w := b.post(t, "/v1/warnings", k.hebei, warningBody(map[string]any{"action": "notify", "match": map[string]any{"hsPrefix": "8466", "origin": "DEU"}}))
	wt := b.getJSON(t, "/v1/warnings/"+w.json["id"].(string)+"/trace", k.beijing)
	if n := len(wt["items"].([]any)); n < 3 {
		t.Errorf("warning trace: %d items", n)
	}

	// Every call audited with its criteria and key; refused ones are not
	// answered and not counted.
	var audited int
	if err := b.db.Get(&audited, `SELECT count(*) FROM trace_audit`); err != nil {
		t.Fatal(err)
	}
	if want := 1 + 4 + pages + 1 + 1; audited != want {
		t.Errorf("%d trace calls audited, want %d", audited, want)
	}
	var crit string
	if err := b.db.Get(&crit, `SELECT criteria::text FROM trace_audit WHERE format = 'csv'`); err != nil || !strings.Contains(crit, `"origin": "DEU"`) {
		t.Errorf("csv audit criteria %s %v", crit, err)
	}
}

func (b *testBundle) doAccept(t *testing.T, path, key, accept string) response {
	t.Helper()
	return b.doHeaders(t, "GET", path, key, map[string]string{"Accept": accept})
}

func (b *testBundle) doHeaders(t *testing.T, method, path, key string, headers map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, b.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := response{status: resp.StatusCode, header: resp.Header}
	r.body, _ = io.ReadAll(resp.Body)
	return r
}

// TestWarningsAreNotForEnterprises: point 5. Warnings and traces are the
// bureaus' (and operators'): an enterprise key gets none of them, and the
// tracking page has no route that shows them.
func TestWarningsAreNotForEnterprises(t *testing.T) {
	t.Parallel()
	h := &warningHarness{}
	b := setup(t, options{warnings: h})
	k := newWarningKeys(t, b)
	ent := b.key(t, customs.CallerEnterprise, "91120113600138724G")
	w := b.post(t, "/v1/warnings", k.hebei, warningBody(map[string]any{"action": "notify", "match": map[string]any{"uscc": "91120113600138724G"}}))
	if w.status != 201 {
		t.Fatalf("issue: %d %s", w.status, w.body)
	}
	id := w.json["id"].(string)
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/warnings"}, {"GET", "/v1/warnings/" + id}, {"GET", "/v1/warnings/" + id + "/trace"},
		{"GET", "/v1/trace?uscc=91120113600138724G"}, {"POST", "/v1/warnings/" + id + "/ack"}, {"POST", "/v1/warnings/" + id + "/lift"},
		{"POST", "/v1/warnings"},
	} {
		var r response
		if c.method == "POST" {
			r = b.post(t, c.path, ent, map[string]any{"measures": "x", "reason": "x"})
			if c.path == "/v1/warnings" {
				r = b.post(t, c.path, ent, warningBody(nil))
			}
		} else {
			r = b.do(t, c.method, c.path, ent, "", nil)
		}
		if r.status != 403 || bytes.Contains(r.body, []byte(w.json["title"].(string))) {
			t.Errorf("enterprise %s %s: %d %s", c.method, c.path, r.status, r.body)
		}
	}
	if n := b.count(t, `SELECT count(*) FROM trace_audit`); n != 0 {
		t.Errorf("%d refused traces audited as answered", n)
	}
	for _, rt := range gateway.Routes() {
		if strings.HasPrefix(rt.Pattern, "/track") && (strings.Contains(rt.Pattern, "warning") || strings.Contains(rt.Pattern, "trace")) {
			t.Errorf("the tracking page serves %s %s", rt.Method, rt.Pattern)
		}
	}
}
