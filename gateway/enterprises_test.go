package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/adapters/beijing"
	"github.com/jjj/gateway/adapters/hebei"
	"github.com/jjj/gateway/adapters/tianjin"
	"github.com/jjj/gateway/gateway"
	"github.com/jjj/gateway/internal/apikey"
	"github.com/jjj/gateway/internal/clearance"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/document"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/postgres/pgtest"
	"github.com/jjj/gateway/internal/routing"
	"github.com/jjj/gateway/internal/translate"
	"github.com/jjj/gateway/internal/view"
	"github.com/jjj/gateway/internal/webhook"
)

// The enterprises of these tests. The tianjin samples name consignee entA
// and declarant agent entD; entB is put in as the consignee of others.
const (
	entA = "91130802MA0D2KR498"
	entD = "91120116732845199J"
	entB = "91130104MA0CF8N241"
)

// entBundle is the API with the enterprise extension over a fresh database.
type entBundle struct {
	*testBundle
	port   string // a tianjin port key
	clock  *testClock
	tables *codes.Tables
}

// testClock is a clock tests move.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.now.IsZero() {
		return time.Now()
	}
	return c.now
}

func (c *testClock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// localTargets lets webhooks point at the tests' local receivers (plain
// http on loopback), as WEBHOOK_ALLOW_HTTP and WEBHOOK_ALLOW_PRIVATE do.
var localTargets = webhook.Targets{AllowHTTP: true, AllowPrivate: true}

func setupEnterprise(t *testing.T) *entBundle {
	t.Helper()
	return setupEnterpriseTargets(t, localTargets)
}

// setupEnterpriseTargets is setupEnterprise with webhooks restricted to
// targets.
func setupEnterpriseTargets(t *testing.T, targets webhook.Targets, config ...func(*gateway.Server)) *entBundle {
	t.Helper()
	db := pgtest.New(t)
	tables := codes.MustEmbedded()
	cfg := adapters.Config{Tables: tables}
	reg := adapters.NewRegistry()
	reg.Register(tianjin.MustNew(cfg))
	reg.Register(hebei.MustNew(cfg))
	reg.Register(beijing.MustNew(cfg))
	engine, err := routing.New(routing.Config{Tables: tables, Rates: map[customs.Rating]float64{}})
	if err != nil {
		t.Fatal(err)
	}
	keys := &apikey.Keys{Store: db, ValidScope: apikey.ScopeChecker(tables), CacheTTL: time.Millisecond}
	clock := &testClock{}
	s := &gateway.Server{
		DB:       db,
		Adapters: reg,
		Tables:   tables,
		Keys:     keys,
		Clearance: &clearance.Service{Store: postgres.DeclarationStore{DB: db}, Translator: &translate.Translator{Adapters: reg, Engine: engine}, Engine: engine, Tables: tables,
			Facts: &clearance.LiveFacts{SeedSecret: []byte("test-secret")}},
		Inspection: newInspection(db, engine, tables, nil, reg),
		Documents:  &document.Service{Store: postgres.DocumentStore{DB: db}, Tables: tables},
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Enterprises: &gateway.EnterpriseConfig{NowFunc: clock.Now, Sessions: db,
			Webhooks: webhook.NewRegistry(db, webhook.RegistryConfig{Targets: targets, MaxPerEnterprise: 3, NowFunc: clock.Now})},
	}
	for _, c := range config {
		c(s)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	b := &entBundle{testBundle: &testBundle{srv: srv, db: db, keys: keys}, clock: clock, tables: tables}
	b.admin = b.key(t, customs.CallerAdmin, "")
	b.port = b.key(t, customs.CallerPort, "tianjin")
	return b
}

var (
	seqNoRe   = regexp.MustCompile(`<ClientSeqNo>[^<]*</ClientSeqNo>`)
	tradeSCCe = regexp.MustCompile(`<TradeCoScc>[^<]*</TradeCoScc>`)
)

// submit posts a tianjin sample under a new reference, with consignee as
// its consignee when given, and returns the declaration's id.
func (b *entBundle) submit(t *testing.T, sample, portRef, consignee string) string {
	t.Helper()
	body := readSample(t, "tianjin", sample)
	body = seqNoRe.ReplaceAll(body, []byte("<ClientSeqNo>"+portRef+"</ClientSeqNo>"))
	if consignee != "" {
		body = tradeSCCe.ReplaceAll(body, []byte("<TradeCoScc>"+consignee+"</TradeCoScc>"))
	}
	r := b.do(t, "POST", "/v1/ports/tianjin/declarations", b.port, "application/xml", body)
	if r.status != 201 {
		t.Fatalf("submit %s as %s: %d %s", sample, portRef, r.status, r.body)
	}
	return r.json["id"].(string)
}

// setStatus moves a declaration's status the way every status change goes.
func (b *entBundle) setStatus(t *testing.T, id, status, actor string) {
	t.Helper()
	if _, err := postgres.ChangeStatus(context.Background(), b.db, postgres.StatusChange{DeclarationID: id, Status: status,
		At: time.Now().UTC(), Actor: actor, Note: "test"}); err != nil {
		t.Fatal(err)
	}
}

func ref(n int) string { return fmt.Sprintf("I2026112700000%04d", n) }

func declIDs(t *testing.T, r response) []string {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("list: %d %s", r.status, r.body)
	}
	var ids []string
	items, _ := r.json["items"].([]any)
	for _, it := range items {
		ids = append(ids, it.(map[string]any)["id"].(string))
	}
	return ids
}

func TestTestUSCCsAreValid(t *testing.T) {
	for _, u := range []string{entA, entB, entD} {
		if ok, _ := customs.CheckUSCC(u); !ok {
			t.Errorf("%s is not a valid USCC", u)
		}
	}
}

// TestEnterpriseScope is the scope rule for every enterprise-visible call:
// a declaration or webhook of another enterprise is 404, never 403.
func TestEnterpriseScope(t *testing.T) {
	t.Parallel()
	b := setupEnterprise(t)
	dA := b.submit(t, "import-hazchem-sodium-cyanide-inland.xml", ref(1), entA)
	dB := b.submit(t, "import-ordinary-machinery.xml", ref(2), entB)
	keyA := b.key(t, customs.CallerEnterprise, entA)
	keyB := b.key(t, customs.CallerEnterprise, entB)
	keyD := b.key(t, customs.CallerEnterprise, entD)
	bureau := b.key(t, customs.CallerBureau, "130000")
	hebeiPort := b.key(t, customs.CallerPort, "hebei")
	rc := b.key(t, customs.CallerReviewCentre, "")

	reads := []struct {
		name string
		key  string
		id   string
		want int
	}{
		{"consignee reads its own", keyA, dA, 200},
		{"consignee reads another's", keyA, dB, 404},
		{"other consignee reads its own", keyB, dB, 200},
		{"other consignee reads A's", keyB, dA, 404},
		{"declarant agent reads both", keyD, dA, 200},
		{"declarant agent reads both", keyD, dB, 200},
		{"bureau with a task", bureau, dA, 200},
		{"bureau without a task", bureau, dB, 404},
		{"another port", hebeiPort, dA, 404},
		{"no such declaration", keyA, "d_01NOSUCHDECLARATION", 404},
	}
	for _, tt := range reads {
		for _, suffix := range []string{"", "/canonical"} {
			r := b.do(t, "GET", "/v1/declarations/"+tt.id+suffix, tt.key, "", nil)
			if r.status != tt.want {
				t.Errorf("%s: GET %s%s: %d, want %d", tt.name, tt.id, suffix, r.status, tt.want)
			}
			if tt.want == 404 && (len(errorCodes(r)) == 0 || errorCodes(r)[0] != "not_found") {
				t.Errorf("%s: GET %s%s: %s, want not_found", tt.name, tt.id, suffix, r.body)
			}
		}
	}

	lists := []struct {
		name  string
		key   string
		query string
		want  []string
	}{
		{"consignee", keyA, "", []string{dA}},
		{"other consignee", keyB, "", []string{dB}},
		{"declarant agent, newest first", keyD, "", []string{dB, dA}},
		{"a filter for another enterprise only narrows", keyA, "?enterprise=" + entB, nil},
		{"a filter for a shared enterprise", keyA, "?enterprise=" + entD, []string{dA}},
		{"bureau", bureau, "", []string{dA}},
		{"port", b.port, "", []string{dB, dA}},
		{"another port", hebeiPort, "", nil},
		{"a port filter beyond the key's port finds nothing", hebeiPort, "?port=tianjin", nil},
		{"admin", b.admin, "", []string{dB, dA}},
		{"admin by enterprise", b.admin, "?enterprise=" + strings.ToLower(entB), []string{dB}},
	}
	for _, tt := range lists {
		got := declIDs(t, b.do(t, "GET", "/v1/declarations"+tt.query, tt.key, "", nil))
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("%s: list %v, want %v", tt.name, got, tt.want)
		}
	}
	if r := b.do(t, "GET", "/v1/declarations", rc, "", nil); r.status != 403 {
		t.Errorf("review centre lists: %d", r.status)
	}
	if r := b.do(t, "GET", "/v1/declarations", "", "", nil); r.status != 401 {
		t.Errorf("no key lists: %d", r.status)
	}

	// Webhooks: registered by A, invisible to B.
	mk := b.do(t, "POST", "/v1/webhooks", keyA, "application/json", []byte(`{"url":"https://erp.example.com/hook","secret":"0123456789abcdef-secret"}`))
	if mk.status != 201 {
		t.Fatalf("register: %d %s", mk.status, mk.body)
	}
	wh := mk.json["id"].(string)
	for _, c := range []struct{ method, path string }{
		{"GET", "/v1/webhooks/" + wh},
		{"DELETE", "/v1/webhooks/" + wh},
		{"POST", "/v1/webhooks/" + wh + "/resume"},
	} {
		if r := b.do(t, c.method, c.path, keyB, "", nil); r.status != 404 || errorCodes(r)[0] != "not_found" {
			t.Errorf("B %s %s: %d %s, want 404", c.method, c.path, r.status, r.body)
		}
	}
	if r := b.do(t, "GET", "/v1/webhooks", keyB, "", nil); r.status != 200 || len(r.json["items"].([]any)) != 0 {
		t.Errorf("B lists webhooks: %d %s", r.status, r.body)
	}
	for _, k := range []string{b.port, bureau, b.admin} {
		if r := b.do(t, "POST", "/v1/webhooks", k, "application/json", []byte(`{"url":"https://x.example/","secret":"0123456789abcdef"}`)); r.status != 403 {
			t.Errorf("non-enterprise registers a webhook: %d", r.status)
		}
	}
	if r := b.do(t, "GET", "/v1/webhooks/"+wh, keyA, "", nil); r.status != 200 || r.json["url"] != "https://erp.example.com/hook" {
		t.Errorf("A reads its webhook: %d %s", r.status, r.body)
	}
	if r := b.do(t, "GET", "/v1/admin/webhooks", keyA, "", nil); r.status != 403 {
		t.Errorf("enterprise reads the operator's view: %d", r.status)
	}
}

// TestListCursorIsStableWhileDeclarationsArrive pages through a list while
// new declarations arrive between the pages: every row that was there is
// seen exactly once, newest first, and the new ones wait for a new first
// page.
func TestListCursorIsStableWhileDeclarationsArrive(t *testing.T) {
	t.Parallel()
	b := setupEnterprise(t)
	keyA := b.key(t, customs.CallerEnterprise, entA)
	var before []string
	for i := 1; i <= 8; i++ {
		before = append(before, b.submit(t, "import-ordinary-machinery.xml", ref(i), entA))
	}
	b.submit(t, "import-ordinary-machinery.xml", ref(50), entB) // another enterprise's: never listed for A
	wantOrder := make([]string, len(before))
	for i := range before {
		wantOrder[i] = before[len(before)-1-i]
	}

	var seen []string
	next := ""
	arrived := 0
	for page := 0; ; page++ {
		q := "/v1/declarations?limit=3"
		if next != "" {
			q += "&cursor=" + url.QueryEscape(next)
		}
		r := b.do(t, "GET", q, keyA, "", nil)
		ids := declIDs(t, r)
		if len(ids) > 3 {
			t.Fatalf("page of %d", len(ids))
		}
		seen = append(seen, ids...)
		// New declarations arrive between every two pages.
		b.submit(t, "import-ordinary-machinery.xml", ref(100+page), entA)
		arrived++
		n, _ := r.json["next"].(string)
		if n == "" {
			if r.json["next"] != nil {
				t.Fatalf("next %v", r.json["next"])
			}
			break
		}
		next = n
		if page > 10 {
			t.Fatal("paging does not end")
		}
	}
	if strings.Join(seen, ",") != strings.Join(wantOrder, ",") {
		t.Errorf("paged\n %v\nwant\n %v", seen, wantOrder)
	}
	first := declIDs(t, b.do(t, "GET", "/v1/declarations?limit=500", keyA, "", nil))
	if len(first) != 8+arrived || arrived != 3 {
		t.Errorf("a new first page has %d rows, want the 8 and the %d that arrived", len(first), arrived)
	}
	exact := b.do(t, "GET", fmt.Sprintf("/v1/declarations?limit=%d", 8+arrived), keyA, "", nil)
	if exact.json["next"] != nil {
		t.Errorf("a page that holds the rest still gives a cursor %v", exact.json["next"])
	}
}

func TestListFiltersAndBadQueries(t *testing.T) {
	t.Parallel()
	b := setupEnterprise(t)
	keyA := b.key(t, customs.CallerEnterprise, entA)
	d1 := b.submit(t, "import-ordinary-machinery.xml", ref(1), entA)
	d2 := b.submit(t, "import-hazchem-sodium-cyanide-inland.xml", ref(2), entA)
	b.setStatus(t, d1, "released", "reviewcentre")

	if got := declIDs(t, b.do(t, "GET", "/v1/declarations?status=released", keyA, "", nil)); strings.Join(got, ",") != d1 {
		t.Errorf("status=released: %v", got)
	}
	if got := declIDs(t, b.do(t, "GET", "/v1/declarations?status=accepted&port=tianjin", keyA, "", nil)); strings.Join(got, ",") != d2 {
		t.Errorf("status=accepted: %v", got)
	}
	future := url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	if got := declIDs(t, b.do(t, "GET", "/v1/declarations?since="+future, keyA, "", nil)); len(got) != 0 {
		t.Errorf("since the future: %v", got)
	}
	past := url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
	if got := declIDs(t, b.do(t, "GET", "/v1/declarations?since="+past, keyA, "", nil)); len(got) != 2 {
		t.Errorf("since an hour ago: %v", got)
	}
	// Items are the declarations as GET shows them.
	r := b.do(t, "GET", "/v1/declarations?limit=1", keyA, "", nil)
	item := r.json["items"].([]any)[0].(map[string]any)
	one := b.do(t, "GET", "/v1/declarations/"+d2, keyA, "", nil)
	a, _ := json.Marshal(item)
	c, _ := json.Marshal(one.json)
	if string(a) != string(c) {
		t.Errorf("list item\n %s\nGET\n %s", a, c)
	}
	for _, q := range []string{"limit=0", "limit=501", "limit=x", "status=stuck", "since=yesterday", "cursor=bogus", "port=shanghai"} {
		if r := b.do(t, "GET", "/v1/declarations?"+q, keyA, "", nil); r.status != 400 {
			t.Errorf("%s: %d %s, want 400", q, r.status, r.body)
		}
	}
	if r := b.do(t, "GET", "/v1/declarations?limit=500", keyA, "", nil); r.status != 200 {
		t.Errorf("limit=500: %d", r.status)
	}
}

func TestWebhookRegistration(t *testing.T) {
	t.Parallel()
	b := setupEnterprise(t)
	keyA := b.key(t, customs.CallerEnterprise, entA)
	bad := []struct {
		body string
		code string
	}{
		{`{"secret":"0123456789abcdef"}`, "missing_field"},
		{`{"url":"ftp://x.example/","secret":"0123456789abcdef"}`, "invalid_url"},
		{`{"url":"https://x.example/"}`, "missing_field"},
		{`{"url":"https://x.example/","secret":"short"}`, "invalid_secret"},
	}
	for _, tt := range bad {
		r := b.do(t, "POST", "/v1/webhooks", keyA, "application/json", []byte(tt.body))
		if r.status != 422 || !strings.Contains(strings.Join(errorCodes(r), ","), tt.code) {
			t.Errorf("%s: %d %s, want 422 %s", tt.body, r.status, r.body, tt.code)
		}
	}
	if r := b.do(t, "POST", "/v1/webhooks", keyA, "application/json", []byte(`{"url":"https://x.example/","secret":"0123456789abcdef","extra":1}`)); r.status != 400 {
		t.Errorf("unknown field: %d", r.status)
	}
	const secret = "a-secret-only-the-erp-knows"
	mk := b.do(t, "POST", "/v1/webhooks", keyA, "application/json", []byte(`{"url":"https://erp.example.com/hook","secret":"`+secret+`"}`))
	if mk.status != 201 || mk.json["state"] != "active" || mk.json["url"] != "https://erp.example.com/hook" || !strings.HasPrefix(mk.json["id"].(string), "wh_") {
		t.Fatalf("register: %d %s", mk.status, mk.body)
	}
	id := mk.json["id"].(string)
	list := b.do(t, "GET", "/v1/webhooks", keyA, "", nil)
	if len(list.json["items"].([]any)) != 1 || strings.Contains(string(list.body)+string(mk.body), secret) {
		t.Errorf("list %s (the secret must never be shown)", list.body)
	}
	for i := 0; i < 2; i++ {
		b.do(t, "POST", "/v1/webhooks", keyA, "application/json", []byte(`{"url":"https://erp.example.com/hook","secret":"`+secret+`"}`))
	}
	if r := b.do(t, "POST", "/v1/webhooks", keyA, "application/json", []byte(`{"url":"https://erp.example.com/hook","secret":"`+secret+`"}`)); r.status != 409 {
		t.Errorf("over the limit: %d %s", r.status, r.body)
	}
	if r := b.do(t, "DELETE", "/v1/webhooks/"+id, keyA, "", nil); r.status != 204 {
		t.Errorf("delete: %d", r.status)
	}
	if r := b.do(t, "GET", "/v1/webhooks/"+id, keyA, "", nil); r.status != 404 {
		t.Errorf("deleted: %d", r.status)
	}
	if r := b.do(t, "DELETE", "/v1/webhooks/"+id, keyA, "", nil); r.status != 404 {
		t.Errorf("deleted twice: %d", r.status)
	}
}

// TestWebhookRegistrationRefusesInnerTargets: without the allow settings,
// a webhook must be https and point at public addresses only; anything
// else is 422 at /url, and nothing is stored.
func TestWebhookRegistrationRefusesInnerTargets(t *testing.T) {
	t.Parallel()
	b := setupEnterpriseTargets(t, webhook.Targets{Resolver: fixedDNS{
		"erp.example.com":  {netip.MustParseAddr("93.184.216.34")},
		"localhost":        {netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")},
		"intranet.example": {netip.MustParseAddr("10.20.30.40")},
	}})
	keyA := b.key(t, apikey.RoleEnterprise, entA)
	for _, tt := range []struct{ url, code string }{
		{"https://127.0.0.1/v1/admin/keys", "forbidden_target"},
		{"https://169.254.169.254/latest/meta-data/", "forbidden_target"},
		{"https://[::1]/hook", "forbidden_target"},
		{"https://localhost:5432/", "forbidden_target"},
		{"https://intranet.example/hook", "forbidden_target"},
		{"https://100.64.0.1/hook", "forbidden_target"},
		{"http://erp.example.com/hook", "invalid_url"},
	} {
		r := b.do(t, "POST", "/v1/webhooks", keyA, "application/json", []byte(`{"url":"`+tt.url+`","secret":"0123456789abcdef"}`))
		errs, _ := r.json["errors"].([]any)
		if r.status != 422 || len(errs) != 1 || errs[0].(map[string]any)["path"] != "/url" || errs[0].(map[string]any)["code"] != tt.code {
			t.Errorf("%s: %d %s, want 422 %s at /url", tt.url, r.status, r.body, tt.code)
		}
	}
	if r := b.do(t, "GET", "/v1/webhooks", keyA, "", nil); len(r.json["items"].([]any)) != 0 {
		t.Errorf("stored: %s", r.body)
	}
	if r := b.do(t, "POST", "/v1/webhooks", keyA, "application/json", []byte(`{"url":"https://erp.example.com/hook","secret":"0123456789abcdef"}`)); r.status != 201 {
		t.Errorf("a public https target: %d %s", r.status, r.body)
	}
}

// fixedDNS answers the names it has; the others do not exist.
type fixedDNS map[string][]netip.Addr

func (d fixedDNS) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := d[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// hookReceiver is an enterprise's endpoint that checks signatures.
type hookReceiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	events []webhook.Event
	fail   bool
	badSig int
}

func newHookReceiver(t *testing.T, secret string) *hookReceiver {
	h := &hookReceiver{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if webhook.Verify(secret, body, r.Header.Get(webhook.TimestampHeader), r.Header.Get(webhook.SignatureHeader), time.Now()) != nil {
			h.badSig++
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if h.fail {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		var e webhook.Event
		json.Unmarshal(body, &e)
		h.events = append(h.events, e)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookReceiver) statuses(id string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, e := range h.events {
		if e.DeclarationID == id {
			out = append(out, e.Status)
		}
	}
	return strings.Join(out, ",")
}

func drainWebhooks(t *testing.T, w *webhook.Worker) {
	t.Helper()
	for i := 0; i < 100; i++ {
		n, err := w.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// TestWebhookDeliveryThroughTheAPI registers through the API, submits
// through the API, and receives the signed events: intake's "accepted"
// and each change after it.
func TestWebhookDeliveryThroughTheAPI(t *testing.T) {
	t.Parallel()
	b := setupEnterprise(t)
	keyA := b.key(t, customs.CallerEnterprise, entA)
	keyB := b.key(t, customs.CallerEnterprise, entB)
	const secret = "a-secret-only-the-erp-knows"
	h := newHookReceiver(t, secret)
	hB := newHookReceiver(t, "b-secret-only-b-knows-it")
	if r := b.do(t, "POST", "/v1/webhooks", keyA, "application/json", []byte(`{"url":"`+h.srv.URL+`","secret":"`+secret+`"}`)); r.status != 201 {
		t.Fatalf("register: %d %s", r.status, r.body)
	}
	if r := b.do(t, "POST", "/v1/webhooks", keyB, "application/json", []byte(`{"url":"`+hB.srv.URL+`","secret":"b-secret-only-b-knows-it"}`)); r.status != 201 {
		t.Fatalf("register B: %d %s", r.status, r.body)
	}
	d := b.submit(t, "import-hazchem-sodium-cyanide-inland.xml", ref(1), entA)
	b.setStatus(t, d, "delivered", "reviewcentre")
	b.setStatus(t, d, "inspection_required", "reviewcentre")

	w, err := webhook.New(b.db, webhook.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Targets: localTargets})
	if err != nil {
		t.Fatal(err)
	}
	drainWebhooks(t, w)
	if got := h.statuses(d); got != "accepted,delivered,inspection_required" {
		t.Errorf("A received %q", got)
	}
	if got := hB.statuses(d); got != "" {
		t.Errorf("B received A's declaration: %q", got)
	}
	h.mu.Lock()
	e := h.events[0]
	badSig := h.badSig
	h.mu.Unlock()
	if badSig != 0 {
		t.Errorf("%d bad signatures", badSig)
	}
	var route view.RouteView
	if err := json.Unmarshal(e.Route, &route); err != nil || route.Lane != "destination_inspection" || len(route.Reasons) == 0 || route.Reasons[0].Rule != routing.RuleHazchemUnsafe {
		t.Errorf("route %s: %v", e.Route, err)
	}
	if e.PortRef != ref(1) || e.Event != "declaration.status" {
		t.Errorf("event %+v", e)
	}
}

// TestFailingWebhookIsShownToTheOperatorAndResumed: a receiver that keeps
// failing is suspended, listed for the operator with what it is owed, and
// gets everything in order once resumed.
func TestFailingWebhookIsShownToTheOperatorAndResumed(t *testing.T) {
	t.Parallel()
	b := setupEnterprise(t)
	keyA := b.key(t, customs.CallerEnterprise, entA)
	keyB := b.key(t, customs.CallerEnterprise, entB)
	const secret = "a-secret-only-the-erp-knows"
	h := newHookReceiver(t, secret)
	h.fail = true
	mk := b.do(t, "POST", "/v1/webhooks", keyA, "application/json", []byte(`{"url":"`+h.srv.URL+`","secret":"`+secret+`"}`))
	id := mk.json["id"].(string)
	d := b.submit(t, "import-ordinary-machinery.xml", ref(1), entA)
	b.setStatus(t, d, "delivered", "reviewcentre")

	w, err := webhook.New(b.db, webhook.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), RetryMax: -1, Targets: localTargets,
		BackoffBase: time.Millisecond, BackoffMax: time.Millisecond, SuspendAfter: 2})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		drainWebhooks(t, w)
		r := b.do(t, "GET", "/v1/webhooks/"+id, keyA, "", nil)
		if r.json["state"] == "suspended" {
			if r.json["lastError"] != "status 502" || r.json["failures"].(float64) != 2 {
				t.Errorf("suspended webhook: %s", r.body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("never suspended: %s", r.body)
		}
		time.Sleep(2 * time.Millisecond)
	}
	ops := b.do(t, "GET", "/v1/admin/webhooks?state=suspended", b.admin, "", nil)
	items, _ := ops.json["items"].([]any)
	if ops.status != 200 || len(items) != 1 {
		t.Fatalf("operator: %d %s", ops.status, ops.body)
	}
	op := items[0].(map[string]any)
	if op["id"] != id || op["enterprise"] != entA || op["pending"].(float64) != 2 || strings.Contains(string(ops.body), secret) {
		t.Errorf("operator sees %s", ops.body)
	}
	if r := b.do(t, "GET", "/v1/admin/webhooks?state=weird", b.admin, "", nil); r.status != 400 {
		t.Errorf("bad state: %d", r.status)
	}

	h.mu.Lock()
	h.fail = false
	h.mu.Unlock()
	if r := b.do(t, "POST", "/v1/webhooks/"+id+"/resume", keyB, "", nil); r.status != 404 {
		t.Errorf("B resumes A's webhook: %d", r.status)
	}
	if r := b.do(t, "POST", "/v1/webhooks/"+id+"/resume", keyA, "", nil); r.status != 200 || r.json["state"] != "active" || r.json["failures"].(float64) != 0 {
		t.Fatalf("resume: %d %s", r.status, r.body)
	}
	drainWebhooks(t, w)
	if got := h.statuses(d); got != "accepted,delivered" {
		t.Errorf("after resume: %q", got)
	}
	// The operator may resume too.
	if r := b.do(t, "POST", "/v1/admin/webhooks/"+id+"/resume", b.admin, "", nil); r.status != 200 || r.json["enterprise"] != entA {
		t.Errorf("operator resume: %d %s", r.status, r.body)
	}
	if r := b.do(t, "POST", "/v1/admin/webhooks/wh_nope/resume", b.admin, "", nil); r.status != 404 {
		t.Errorf("operator resume unknown: %d", r.status)
	}
}
