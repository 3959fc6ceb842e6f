package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/jjj/gateway/internal/customs"
)

func readSample(t *testing.T, port, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/samples/" + port + "/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSubmitStoresDeclarationTimelineTasksAndOutboxTogether(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	port := b.key(t, customs.CallerPort, "tianjin")
	body := readSample(t, "tianjin", "import-hazchem-acetone-port.xml")

	r := b.do(t, "POST", "/v1/ports/tianjin/declarations", port, "application/xml", body)
	if r.status != 201 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	id, _ := r.json["id"].(string)
	if !strings.HasPrefix(id, "d_") || r.header.Get("Location") != "/v1/declarations/"+id {
		t.Fatalf("id %q, Location %q", id, r.header.Get("Location"))
	}
	if r.json["status"] != "accepted" || r.json["entryId"] != nil {
		t.Errorf("status %v entryId %v, want accepted and null", r.json["status"], r.json["entryId"])
	}
	if n := b.count(t, `SELECT count(*) FROM declaration WHERE id = $1`, id); n != 1 {
		t.Errorf("declarations %d", n)
	}
	if n := b.count(t, `SELECT count(*) FROM timeline WHERE declaration_id = $1 AND status = 'accepted'`, id); n != 1 {
		t.Errorf("timeline entries %d", n)
	}
	if n := b.count(t, `SELECT count(*) FROM outbox WHERE declaration_id = $1 AND idempotency_key = $1 AND state = 'available'`, id); n != 1 {
		t.Errorf("outbox rows %d", n)
	}
	route, _ := r.json["route"].(map[string]any)
	tasks, _ := route["tasks"].([]any)
	if n := b.count(t, `SELECT count(*) FROM task WHERE declaration_id = $1`, id); n != len(tasks) || n == 0 {
		t.Errorf("stored tasks %d, route tasks %d", n, len(tasks))
	}

	got := b.do(t, "GET", "/v1/declarations/"+id, port, "", nil)
	if got.status != 200 || got.json["portRef"] != r.json["portRef"] || got.json["digest"] != r.json["digest"] {
		t.Fatalf("GET: %d %s", got.status, got.body)
	}
	xml := b.do(t, "GET", "/v1/declarations/"+id+"/canonical", port, "", nil)
	if xml.status != 200 || !bytes.Contains(xml.body, []byte(`<Declaration xmlns="urn:jjj:review-centre:declaration:v1" id="`+id+`"`)) {
		t.Fatalf("canonical: %d %.200s", xml.status, xml.body)
	}
}

func TestResendSameBytesIs200AndOtherBytesIs409(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	port := b.key(t, customs.CallerPort, "tianjin")
	body := readSample(t, "tianjin", "import-ordinary-machinery.xml")
	first := b.do(t, "POST", "/v1/ports/tianjin/declarations", port, "application/xml", body)
	if first.status != 201 {
		t.Fatalf("first: %d %s", first.status, first.body)
	}
	again := b.do(t, "POST", "/v1/ports/tianjin/declarations", port, "text/xml; charset=utf-8", body)
	if again.status != 200 || again.json["id"] != first.json["id"] {
		t.Fatalf("resend: %d id %v want 200 id %v", again.status, again.json["id"], first.json["id"])
	}
	changed := bytes.Replace(body, []byte("<GrossWet>"), []byte("<GrossWet>1"), 1)
	if bytes.Equal(changed, body) {
		t.Fatal("fixture has no GrossWet to change")
	}
	conflict := b.do(t, "POST", "/v1/ports/tianjin/declarations", port, "application/xml", changed)
	if conflict.status != 409 || errorCodes(conflict)[0] != "conflict" || conflict.json["port"] != "tianjin" {
		t.Fatalf("conflict: %d %s", conflict.status, conflict.body)
	}
	if n := b.count(t, `SELECT count(*) FROM declaration`); n != 1 {
		t.Errorf("declarations stored: %d, want 1", n)
	}
	if n := b.count(t, `SELECT count(*) FROM outbox`); n != 1 {
		t.Errorf("outbox rows: %d, want 1", n)
	}
}

func TestRefusalsInOrderAndOnlyARejectionStored(t *testing.T) {
	t.Parallel()
	b := setup(t, options{maxBody: 64 << 10})
	port := b.key(t, customs.CallerPort, "tianjin")
	valid := readSample(t, "tianjin", "import-ordinary-machinery.xml")
	big := append(bytes.Repeat([]byte(" "), 65<<10), valid...)
	cases := []struct {
		name, ct string
		body     []byte
		status   int
		code     string
	}{
		{"too large beats content type", "text/plain", big, 413, "too_large"},
		{"not xml", "application/json", valid, 415, "not_xml"},
		{"no content type", "", valid, 415, "not_xml"},
		{"malformed", "application/xml", readSample(t, "tianjin", "invalid-malformed-xml.xml"), 400, "malformed_xml"},
		{"doctype", "application/xml", readSample(t, "tianjin", "invalid-doctype-entity.xml"), 400, "doctype_forbidden"},
		{"invalid", "application/xml", readSample(t, "tianjin", "invalid-uscc-check-character.xml"), 422, "invalid_uscc"},
		{"vendor xml type", "application/vnd.port+xml", readSample(t, "tianjin", "invalid-currency-rmb.xml"), 422, "unknown_currency"},
	}
	for _, c := range cases {
		r := b.do(t, "POST", "/v1/ports/tianjin/declarations", port, c.ct, c.body)
		if r.status != c.status {
			t.Errorf("%s: status %d want %d: %s", c.name, r.status, c.status, r.body)
			continue
		}
		if r.header.Get("Content-Type") != "application/problem+json" || r.json["status"] != float64(c.status) {
			t.Errorf("%s: not a problem: %s", c.name, r.body)
		}
		if codes := errorCodes(r); len(codes) == 0 || codes[0] != c.code {
			t.Errorf("%s: codes %v want %s", c.name, codes, c.code)
		}
	}
	if n := b.count(t, `SELECT count(*) FROM declaration`); n != 0 {
		t.Errorf("declarations stored: %d", n)
	}
	if n := b.count(t, `SELECT count(*) FROM outbox`); n != 0 {
		t.Errorf("outbox rows: %d", n)
	}
	if n := b.count(t, `SELECT count(*) FROM rejection`); n != len(cases) {
		t.Errorf("rejections: %d want %d", n, len(cases))
	}
	r := b.do(t, "GET", "/v1/admin/rejections", b.admin, "", nil)
	items, _ := r.json["items"].([]any)
	if r.status != 200 || len(items) != len(cases) {
		t.Fatalf("rejections list: %d %s", r.status, r.body)
	}
}

func TestInvalidDeclarationListsEveryProblemWithPortRef(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	port := b.key(t, customs.CallerPort, "tianjin")
	body := readSample(t, "tianjin", "import-ordinary-machinery.xml")
	body = bytes.Replace(body, []byte("<TradeCurr>EUR</TradeCurr>"), []byte("<TradeCurr>RMB</TradeCurr>"), -1)
	body = bytes.Replace(body, []byte("<CodeTS>"), []byte("<CodeTS>9"), -1)
	r := b.do(t, "POST", "/v1/ports/tianjin/declarations", port, "application/xml", body)
	if r.status != 422 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if r.json["portRef"] == nil || r.json["port"] != "tianjin" || r.json["type"] != "https://jjj-gateway.example/problems/invalid-declaration" {
		t.Errorf("problem head: %s", r.body)
	}
	seen := map[string]int{}
	for _, c := range errorCodes(r) {
		seen[c]++
	}
	if seen["unknown_currency"] < 1 || seen["invalid_hs_code"] < 1 {
		t.Errorf("want every problem, got %v", seen)
	}
	for _, e := range r.json["errors"].([]any) {
		m := e.(map[string]any)
		if p, _ := m["path"].(string); !strings.HasPrefix(p, "/DecMessage/") {
			t.Errorf("error without a DecMessage path: %v", m)
		}
	}
}

func TestValidateStoresNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	port := b.key(t, customs.CallerPort, "tianjin")
	r := b.do(t, "POST", "/v1/ports/tianjin/declarations/validate", port, "application/xml", readSample(t, "tianjin", "import-coal-thermal.xml"))
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	for _, k := range []string{"id", "status", "entryId", "timeline"} {
		if _, ok := r.json[k]; ok {
			t.Errorf("preview has %q", k)
		}
	}
	if r.json["route"] == nil {
		t.Error("preview has no route")
	}
	if n := b.count(t, `SELECT count(*) FROM declaration`) + b.count(t, `SELECT count(*) FROM rejection`); n != 0 {
		t.Errorf("stored %d rows", n)
	}
	bad := b.do(t, "POST", "/v1/ports/tianjin/declarations/validate", port, "application/xml", readSample(t, "tianjin", "invalid-container-check-digit.xml"))
	if bad.status != 422 || errorCodes(bad)[0] != "invalid_container_number" {
		t.Fatalf("invalid preview: %d %s", bad.status, bad.body)
	}
}

func TestKeysAndScopes(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	tj := b.key(t, customs.CallerPort, "tianjin")
	he := b.key(t, customs.CallerPort, "hebei")
	body := readSample(t, "tianjin", "import-ordinary-machinery.xml")

	if r := b.do(t, "POST", "/v1/ports/tianjin/declarations", "", "application/xml", body); r.status != 401 || errorCodes(r)[0] != "unauthorized" {
		t.Errorf("no key: %d %s", r.status, r.body)
	}
	if r := b.do(t, "POST", "/v1/ports/tianjin/declarations", "gw_notakey", "application/xml", body); r.status != 401 {
		t.Errorf("unknown key: %d", r.status)
	}
	if r := b.do(t, "POST", "/v1/ports/tianjin/declarations", he, "application/xml", body); r.status != 403 || errorCodes(r)[0] != "forbidden" {
		t.Errorf("other port's key: %d %s", r.status, r.body)
	}
	if r := b.do(t, "POST", "/v1/ports/shanghai/declarations", tj, "application/xml", body); r.status != 404 || errorCodes(r)[0] != "unknown_port" {
		t.Errorf("unknown port: %d %s", r.status, r.body)
	}
	created := b.do(t, "POST", "/v1/ports/tianjin/declarations", tj, "application/xml", body)
	id, _ := created.json["id"].(string)
	if r := b.do(t, "GET", "/v1/declarations/"+id, he, "", nil); r.status != 404 || errorCodes(r)[0] != "not_found" {
		t.Errorf("other port reads: %d %s", r.status, r.body)
	}
	if r := b.do(t, "GET", "/v1/declarations/"+id+"/canonical", he, "", nil); r.status != 404 {
		t.Errorf("other port reads canonical: %d", r.status)
	}
	if r := b.do(t, "GET", "/v1/declarations/"+id, b.admin, "", nil); r.status != 200 {
		t.Errorf("admin reads: %d", r.status)
	}
	if r := b.do(t, "GET", "/v1/admin/keys", tj, "", nil); r.status != 403 {
		t.Errorf("port lists keys: %d", r.status)
	}

	mk := b.do(t, "POST", "/v1/admin/keys", b.admin, "application/json", []byte(`{"role":"port","scope":"beijing","name":"capital"}`))
	if mk.status != 201 || mk.json["key"] == nil {
		t.Fatalf("create key: %d %s", mk.status, mk.body)
	}
	bj := mk.json["key"].(string)
	if r := b.do(t, "GET", "/v1/ports", bj, "", nil); r.status != 200 || len(r.json["ports"].([]any)) != 3 {
		t.Fatalf("ports: %d %s", r.status, r.body)
	}
	list := b.do(t, "GET", "/v1/admin/keys", b.admin, "", nil)
	if bytes.Contains(list.body, []byte(bj)) {
		t.Error("key list shows a secret")
	}
	if r := b.do(t, "POST", "/v1/admin/keys", b.admin, "application/json", []byte(`{"role":"port","scope":"shanghai"}`)); r.status != 422 {
		t.Errorf("bad scope: %d %s", r.status, r.body)
	}
	if r := b.do(t, "DELETE", "/v1/admin/keys/"+mk.json["id"].(string), b.admin, "", nil); r.status != 204 {
		t.Fatalf("revoke: %d", r.status)
	}
	if r := b.do(t, "GET", "/v1/ports", bj, "", nil); r.status != 401 {
		t.Errorf("revoked key: %d", r.status)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	if r := b.do(t, "GET", "/healthz", "", "", nil); r.status != 200 {
		t.Errorf("healthz %d", r.status)
	}
	if r := b.do(t, "GET", "/readyz", "", "", nil); r.status != 200 || r.json["database"] != "ok" {
		t.Errorf("readyz %d %s", r.status, r.body)
	}
	if r := b.do(t, "GET", "/metrics", "", "", nil); r.status != 200 || !bytes.Contains(r.body, []byte("gateway_http_requests_total")) {
		t.Errorf("metrics %d", r.status)
	}
	if _, err := b.db.Exec(`UPDATE schema_migrations SET version = version - 1`); err != nil {
		t.Fatal(err)
	}
	if r := b.do(t, "GET", "/readyz", "", "", nil); r.status != 503 {
		t.Errorf("readyz with migrations pending: %d %s", r.status, r.body)
	}
}

// TestSubmitAnswerIsTheDeclarationAsGetShowsIt: the 201 answer, a resend's
// 200, GET and the list item are one JSON shape with the same values, the
// first timeline entry's data (the route) included.
func TestSubmitAnswerIsTheDeclarationAsGetShowsIt(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	port := b.key(t, customs.CallerPort, "tianjin")
	body := readSample(t, "tianjin", "import-hazchem-acetone-port.xml")
	created := b.do(t, "POST", "/v1/ports/tianjin/declarations", port, "application/xml", body)
	if created.status != 201 {
		t.Fatalf("status %d: %s", created.status, created.body)
	}
	id := created.json["id"].(string)
	again := b.do(t, "POST", "/v1/ports/tianjin/declarations", port, "application/xml", body)
	got := b.do(t, "GET", "/v1/declarations/"+id, port, "", nil)
	// GET /v1/declarations is an extension (Enterprises): ask its service.
	page, err := b.svc.List(context.Background(), customs.Principal{Role: customs.CallerPort, Scope: "tianjin"}, customs.DeclarationFilter{Limit: 10})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("list: %v %v", page, err)
	}
	raw, _ := json.Marshal(page.Items[0])
	var item map[string]any
	if err := json.Unmarshal(raw, &item); err != nil {
		t.Fatal(err)
	}
	for name, other := range map[string]map[string]any{"resend": again.json, "GET": got.json, "list item": item} {
		if !reflect.DeepEqual(created.json, other) {
			t.Errorf("201 and %s differ:\n 201 %s\nother %v", name, created.body, other)
		}
	}
}
