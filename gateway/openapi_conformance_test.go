package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/adapters/beijing"
	"github.com/jjj/gateway/adapters/hebei"
	"github.com/jjj/gateway/adapters/tianjin"
	"github.com/jjj/gateway/gateway"
	"github.com/jjj/gateway/gateway/openapi"
	"github.com/jjj/gateway/internal/apikey"
	"github.com/jjj/gateway/internal/clearance"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/credit"
	creditsim "github.com/jjj/gateway/internal/credit/sim"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/document"
	"github.com/jjj/gateway/internal/inspection"
	"github.com/jjj/gateway/internal/outbox"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/postgres/pgtest"
	"github.com/jjj/gateway/internal/reviewcentre"
	rcsim "github.com/jjj/gateway/internal/reviewcentre/sim"
	"github.com/jjj/gateway/internal/routing"
	"github.com/jjj/gateway/internal/translate"
	"github.com/jjj/gateway/internal/warning"
	"github.com/jjj/gateway/internal/webhook"
)

// The contract's conformance: the real server, with every extension
// gatewayd wires, driven through calls of every role, and every answer
// (status, content type, headers, body) checked against the OpenAPI
// document by kin-openapi's response validator. Requests that should
// succeed are checked against the document too, including that the key's
// role is one the operation lists. Every operation of the document must be
// exercised at least once.

// contract is the document, loaded and validated once, with its router.
type contract struct {
	doc    *openapi3.T
	router routers.Router
}

var (
	contractOnce sync.Once
	contractDoc  *contract
	contractErr  error
)

func loadContract(t *testing.T) *contract {
	t.Helper()
	contractOnce.Do(func() {
		// The non-JSON bodies of the document (XML, HTML, CSS) are text: the
		// library's plain-text decoder reads them as the strings the
		// document's schemas say they are.
		for _, ct := range []string{"application/xml", "text/xml", "text/html", "text/css"} {
			openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
		}
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(openapi.Document())
		if err != nil {
			contractErr = err
			return
		}
		router, err := legacy.NewRouter(doc)
		if err != nil {
			contractErr = err
			return
		}
		contractDoc = &contract{doc: doc, router: router}
	})
	if contractErr != nil {
		t.Fatalf("the OpenAPI document: %v", contractErr)
	}
	return contractDoc
}

// route finds the operation of a request. A path of the document that is
// the request's path exactly wins over templates and over the router's
// reading of a trailing slash ("/track/" is its own operation).
func (c *contract) route(req *http.Request) (*routers.Route, map[string]string, error) {
	if item := c.doc.Paths.Value(req.URL.Path); item != nil {
		if op := item.GetOperation(req.Method); op != nil {
			return &routers.Route{Spec: c.doc, Path: req.URL.Path, PathItem: item, Method: req.Method, Operation: op}, map[string]string{}, nil
		}
	}
	return c.router.FindRoute(req)
}

// operations lists the document's operations as "METHOD /path".
func (c *contract) operations() []string {
	var out []string
	for path, item := range c.doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, method+" "+path)
		}
	}
	sort.Strings(out)
	return out
}

// confBundle is the whole API over a fresh database: intake, bureaus,
// deliveries to a simulated review centre (which can be told to refuse),
// enterprises, webhooks, the tracking page, credit from a simulated
// registry, and regional warnings with the trace.
type confBundle struct {
	*testBundle
	contract *contract
	// roles are the roles of the keys made, to check requests against the
	// roles the document lists.
	roles map[string]apikey.Role
	// refuse makes the review centre refuse every declaration (422).
	refuse atomic.Bool
	// seen are the operations exercised, "METHOD /path" as in the document.
	mu   sync.Mutex
	seen map[string]bool
	// client follows no redirects: a 303 is an answer to check.
	client *http.Client
}

func setupConformance(t *testing.T) *confBundle {
	t.Helper()
	db := pgtest.New(t)
	tables := codes.MustEmbedded()
	cfg := adapters.Config{Tables: tables}
	reg := adapters.NewRegistry()
	reg.Register(tianjin.MustNew(cfg))
	reg.Register(hebei.MustNew(cfg))
	reg.Register(beijing.MustNew(cfg))
	engine, err := routing.New(routing.Config{Tables: tables, Rates: map[customs.Rating]float64{customs.RatingGeneral: 0.05}})
	if err != nil {
		t.Fatal(err)
	}
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	keys := &apikey.Keys{Store: db, ValidScope: apikey.ScopeChecker(tables), CacheTTL: time.Millisecond}
	alerts := &inspection.AlertCache{Store: postgres.InspectionStore{DB: db}}
	secret := []byte("conformance-secret")
	s := &gateway.Server{
		Config:   gateway.Config{MaxBodyBytes: 256 << 10},
		DB:       db,
		Adapters: reg,
		Tables:   tables,
		Keys:     keys,
		Clearance: &clearance.Service{Store: postgres.DeclarationStore{DB: db}, Translator: &translate.Translator{Adapters: reg, Engine: engine}, Engine: engine, Tables: tables,
			Facts: &clearance.LiveFacts{SeedSecret: secret, Alerts: alerts}},
		Logger: discard,
	}

	// A registry with a few records, for the credit calls.
	regSim, err := creditsim.New(creditsim.Config{Region: customs.RegionTJ, Records: 5, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	regSrv := httptest.NewServer(regSim)
	t.Cleanup(regSrv.Close)
	regClient, err := credit.NewClient(credit.ClientConfig{Region: customs.RegionTJ, URL: regSrv.URL})
	if err != nil {
		t.Fatal(err)
	}
	syncer, err := credit.New(credit.Config{Sources: map[customs.Region]credit.Source{customs.RegionTJ: regClient}, Store: db, Logger: discard})
	if err != nil {
		t.Fatal(err)
	}

	s.Inspection = newInspection(db, engine, tables, s.Clearance.Facts, reg)
	s.InspectionDeps = &gateway.InspectionDeps{Alerts: alerts, SeedSecret: secret}
	s.Deliveries = &gateway.DeliveryDeps{Store: db}
	// The receivers' names resolve to a public address, as a real
	// enterprise's would; nothing is called.
	dns := fixedDNS{"hooks.example.com": {netip.MustParseAddr("93.184.215.14")}}
	s.Enterprises = &gateway.EnterpriseConfig{Webhooks: webhook.NewRegistry(db, webhook.RegistryConfig{Targets: webhook.Targets{Resolver: dns}}), Sessions: db}
	s.Credit = syncer
	// Warnings as gatewayd wires them: served to intake through the alert
	// cache, re-routes through inspection, the overdue gauge on /metrics.
	alerts.Warnings = db
	s.Warnings = &warning.Service{Store: db, Tables: tables, Reroute: s.Inspection, Alerts: alerts, Logger: discard}
	s.Metrics = prometheus.NewRegistry()
	s.Metrics.MustRegister(&warning.OverdueCollector{Service: s.Warnings})
	s.Documents = &document.Service{Store: postgres.DocumentStore{DB: db}, Tables: tables}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)

	b := &confBundle{testBundle: &testBundle{srv: srv, db: db, keys: keys, svc: s.Clearance}, contract: loadContract(t),
		roles: map[string]apikey.Role{}, seen: map[string]bool{}}
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	b.client = &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	b.admin = b.keyOf(t, apikey.RoleAdmin, "")

	// The review centre, behind a switch that refuses everything.
	sim := rcsim.New(rcsim.Config{})
	t.Cleanup(sim.Close)
	rcSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b.refuse.Load() && r.Method == http.MethodPost {
			io.Copy(io.Discard, r.Body)
			w.WriteHeader(http.StatusUnprocessableEntity)
			return
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(rcSrv.Close)
	client, err := reviewcentre.New(reviewcentre.Config{URL: rcSrv.URL, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	d, err := outbox.New(outbox.Adapt[postgres.Tx](db), client, outbox.Config{Lifecycle: inspection.Lifecycle{}, PollInterval: 20 * time.Millisecond, Lease: 10 * time.Second, Logger: discard}, client.MaxDuration())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return b
}

// keyOf makes a key and remembers its role.
func (b *confBundle) keyOf(t *testing.T, role apikey.Role, scope string) string {
	t.Helper()
	k := b.key(t, role, scope)
	b.roles[k] = role
	return k
}

// exchange is one call and the status it must be answered with.
type exchange struct {
	method, path, key string
	contentType       string
	body              []byte
	header            map[string]string
	want              int
}

// call makes the exchange, checks the status, and validates the request
// (when it should succeed) and the answer against the document.
func (b *confBundle) call(t *testing.T, x exchange) response {
	t.Helper()
	req, err := http.NewRequest(x.method, b.srv.URL+x.path, bytes.NewReader(x.body))
	if err != nil {
		t.Fatal(err)
	}
	if x.key != "" {
		req.Header.Set("Authorization", "Bearer "+x.key)
	}
	if x.contentType != "" {
		req.Header.Set("Content-Type", x.contentType)
	}
	for k, v := range x.header {
		req.Header.Set(k, v)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	r := response{status: resp.StatusCode, header: resp.Header, body: body}
	if ct := resp.Header.Get("Content-Type"); len(body) > 0 && (ct == "application/json" || ct == "application/problem+json") {
		if err := json.Unmarshal(body, &r.json); err != nil {
			t.Fatalf("%s %s: bad JSON %q: %v", x.method, x.path, body, err)
		}
	}
	if r.status != x.want {
		t.Errorf("%s %s: status %d, want %d: %.400s", x.method, x.path, r.status, x.want, body)
	}
	b.validate(t, x, req, r)
	return r
}

func (b *confBundle) validate(t *testing.T, x exchange, req *http.Request, r response) {
	t.Helper()
	ctx := context.Background()
	route, params, err := b.contract.route(req)
	if err != nil {
		t.Errorf("%s %s: not in the document: %v", x.method, x.path, err)
		return
	}
	b.mu.Lock()
	b.seen[route.Method+" "+route.Path] = true
	b.mu.Unlock()
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: b.authenticate}}
	if x.want < 400 {
		vreq := req.Clone(ctx)
		vreq.Body = io.NopCloser(bytes.NewReader(x.body))
		in.Request = vreq
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
			t.Errorf("%s %s: the request does not conform to the document: %v", x.method, x.path, err)
		}
		in.Request = req
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: r.status, Header: r.header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}}
	out.SetBodyBytes(r.body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("%s %s: the %d answer does not conform to the document: %v\n%.600s", x.method, x.path, r.status, err, r.body)
	}
}

// authenticate checks that the caller's key has a role the operation's
// security requirement names (one requirement per role; none named: any).
func (b *confBundle) authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	h := in.RequestValidationInput.Request.Header.Get("Authorization")
	key, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return errors.New("no bearer key")
	}
	role, ok := b.roles[key]
	if !ok {
		return errors.New("a key this test did not make")
	}
	if len(in.Scopes) == 0 || slices.Contains(in.Scopes, string(role)) {
		return nil
	}
	return fmt.Errorf("a %s key answered though the document allows %v", role, in.Scopes)
}

var confRef atomic.Int64

// sample reads a sample with its reference replaced by a fresh one (so
// that one sample can be submitted many times) and returns it with that
// reference.
func sample(t *testing.T, port, name string) (body []byte, ref string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata/samples", port, name+".expect.json"))
	if err != nil {
		t.Fatal(err)
	}
	var exp struct {
		Canonical struct {
			PortRef string `json:"portRef"`
		} `json:"canonical"`
	}
	if err := json.Unmarshal(raw, &exp); err != nil {
		t.Fatal(err)
	}
	body = readSample(t, port, name+".xml")
	old := exp.Canonical.PortRef
	ref = old[:len(old)-5] + fmt.Sprintf("%05d", confRef.Add(1)%100000)
	return bytes.Replace(body, []byte(old), []byte(ref), 1), ref
}

// TestConformance drives the API through representative calls of every
// role and checks every answer against the OpenAPI document.
func TestConformance(t *testing.T) {
	t.Parallel()
	b := setupConformance(t)
	const (
		xml   = "application/xml"
		js    = "application/json"
		form  = "application/x-www-form-urlencoded"
		entA  = "91130802MA0D2KR498" // the hazchem sample's consignee
		other = "91120116MA0750QG78" // the coal sample's consignee
	)
	admin := b.admin
	portTJ := b.keyOf(t, apikey.RolePort, "tianjin")
	portHE := b.keyOf(t, apikey.RolePort, "hebei")
	bureauHaz := b.keyOf(t, apikey.RoleBureau, "130000")
	bureauCoal := b.keyOf(t, apikey.RoleBureau, "120000")
	ent := b.keyOf(t, apikey.RoleEnterprise, entA)
	rc := b.keyOf(t, apikey.RoleReviewCentre, "")
	registry := b.keyOf(t, apikey.RoleRegistry, "TJ")

	// Health, metrics and the contract: no key.
	b.call(t, exchange{method: "GET", path: "/healthz", want: 200})
	b.call(t, exchange{method: "GET", path: "/readyz", want: 200})
	b.call(t, exchange{method: "GET", path: "/metrics", want: 200})
	doc := b.call(t, exchange{method: "GET", path: "/v1/openapi.json", want: 200})
	b.call(t, exchange{method: "GET", path: "/v1/openapi.json", header: map[string]string{"If-None-Match": doc.header.Get("ETag")}, want: 304})
	b.call(t, exchange{method: "GET", path: "/v1/schemas/nope.xsd", want: 404})

	// Ports: every schema GET /v1/ports names is served where the
	// document says.
	ports := b.call(t, exchange{method: "GET", path: "/v1/ports", key: portTJ, want: 200})
	list, _ := ports.json["ports"].([]any)
	if len(list) != 3 {
		t.Fatalf("ports: %v", ports.json)
	}
	for _, p := range list {
		file, _ := p.(map[string]any)["schema"].(string)
		x := b.call(t, exchange{method: "GET", path: openapi.SchemaURL(file), want: 200})
		if !bytes.Contains(x.body, []byte("<xs:schema")) && !bytes.Contains(x.body, []byte("XMLSchema")) {
			t.Errorf("%s is not an XSD: %.200s", file, x.body)
		}
	}
	b.call(t, exchange{method: "GET", path: "/v1/ports", want: 401})
	b.call(t, exchange{method: "GET", path: "/v1/ports", key: "not-a-key", want: 401})

	// Every sample of every dialect through validate: the preview, or the
	// sample's own refusal.
	for _, port := range []string{"tianjin", "hebei", "beijing"} {
		files, err := filepath.Glob(filepath.Join("testdata/samples", port, "*.expect.json"))
		if err != nil || len(files) == 0 {
			t.Fatalf("samples of %s: %v", port, err)
		}
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var exp struct {
				File      string           `json:"file"`
				Status    int              `json:"status"`
				Documents []map[string]any `json:"documents"`
			}
			if err := json.Unmarshal(raw, &exp); err != nil {
				t.Fatal(err)
			}
			// The documents a sample cites are registered first (an admin
			// names the issuer).
			for _, d := range exp.Documents {
				delete(d, "revoked")
				body, _ := json.Marshal(d)
				b.call(t, exchange{method: "POST", path: "/v1/documents", key: admin, contentType: js, body: body, want: 201})
			}
			want := exp.Status
			if want == 201 {
				want = 200
			}
			b.call(t, exchange{method: "POST", path: "/v1/ports/" + port + "/declarations/validate", key: admin, contentType: xml,
				body: readSample(t, port, exp.File), want: want})
		}
	}

	// Intake: a port's submissions and each refusal in api.md's order.
	haz, _ := sample(t, "tianjin", "import-hazchem-sodium-cyanide-inland")
	created := b.call(t, exchange{method: "POST", path: "/v1/ports/tianjin/declarations", key: portTJ, contentType: xml, body: haz, want: 201})
	hazID, _ := created.json["id"].(string)
	if hazID == "" || created.header.Get("Location") != "/v1/declarations/"+hazID {
		t.Fatalf("201 without id or Location: %v %v", created.header, created.json)
	}
	b.call(t, exchange{method: "POST", path: "/v1/ports/tianjin/declarations", key: portTJ, contentType: "text/xml; charset=utf-8", body: haz, want: 200})
	b.call(t, exchange{method: "POST", path: "/v1/ports/tianjin/declarations", key: portTJ, contentType: xml,
		body: bytes.Replace(haz, []byte("</"), []byte("\n</"), 1), want: 409})
	refused := b.call(t, exchange{method: "POST", path: "/v1/ports/tianjin/declarations", key: portTJ, contentType: xml,
		body: readSample(t, "tianjin", "invalid-uscc-check-character.xml"), want: 422})
	if refused.json["port"] != "tianjin" || refused.json["portRef"] == nil {
		t.Errorf("a 422 without port and portRef: %s", refused.body)
	}
	b.call(t, exchange{method: "POST", path: "/v1/ports/tianjin/declarations", key: portTJ, contentType: xml, body: readSample(t, "tianjin", "invalid-malformed-xml.xml"), want: 400})
	b.call(t, exchange{method: "POST", path: "/v1/ports/tianjin/declarations", key: portTJ, contentType: xml,
		body: append([]byte("<DecMessage>"), bytes.Repeat([]byte("<x/>"), 80<<10)...), want: 413})
	b.call(t, exchange{method: "POST", path: "/v1/ports/tianjin/declarations", key: portTJ, contentType: "application/json", body: []byte(`{}`), want: 415})
	b.call(t, exchange{method: "POST", path: "/v1/ports/hebei/declarations", key: portTJ, contentType: xml, body: haz, want: 403})
	b.call(t, exchange{method: "POST", path: "/v1/ports/nowhere/declarations", key: admin, contentType: xml, body: haz, want: 404})
	b.call(t, exchange{method: "POST", path: "/v1/ports/tianjin/declarations/validate", key: portHE, contentType: xml, body: haz, want: 403})
	coal, _ := sample(t, "tianjin", "import-coal-thermal")
	coalDecl := b.call(t, exchange{method: "POST", path: "/v1/ports/tianjin/declarations", key: portTJ, contentType: xml, body: coal, want: 201})
	uld, _ := sample(t, "beijing", "import-direct-transit-pinggu-uld")
	b.call(t, exchange{method: "POST", path: "/v1/ports/beijing/declarations", key: admin, contentType: xml, body: uld, want: 201})
	export, _ := sample(t, "hebei", "export-steel-wire-rod")
	b.call(t, exchange{method: "POST", path: "/v1/ports/hebei/declarations", key: portHE, contentType: xml, body: export, want: 201})

	// Reading declarations, within each key's scope.
	b.call(t, exchange{method: "GET", path: "/v1/declarations/" + hazID, key: portTJ, want: 200})
	b.call(t, exchange{method: "GET", path: "/v1/declarations/" + hazID, key: ent, want: 200})
	b.call(t, exchange{method: "GET", path: "/v1/declarations/" + hazID, key: bureauHaz, want: 200})
	b.call(t, exchange{method: "GET", path: "/v1/declarations/" + hazID, key: portHE, want: 404})
	b.call(t, exchange{method: "GET", path: "/v1/declarations/" + hazID, key: rc, want: 403})
	b.call(t, exchange{method: "GET", path: "/v1/declarations/" + hazID + "/canonical", key: portTJ, want: 200})
	b.call(t, exchange{method: "GET", path: "/v1/declarations/d_nothing/canonical", key: admin, want: 404})
	all := b.call(t, exchange{method: "GET", path: "/v1/declarations?limit=2", key: admin, want: 200})
	if next, _ := all.json["next"].(string); next == "" {
		t.Errorf("a full page without next: %.300s", all.body)
	} else {
		b.call(t, exchange{method: "GET", path: "/v1/declarations?limit=2&cursor=" + url.QueryEscape(next), key: admin, want: 200})
	}
	b.call(t, exchange{method: "GET", path: "/v1/declarations?status=accepted&port=tianjin&since=2020-01-01T00:00:00Z", key: portTJ, want: 200})
	b.call(t, exchange{method: "GET", path: "/v1/declarations?enterprise=" + entA, key: ent, want: 200})
	b.call(t, exchange{method: "GET", path: "/v1/declarations?limit=0", key: admin, want: 400})
	b.call(t, exchange{method: "GET", path: "/v1/declarations", key: registry, want: 403})

	// Bureaus: list, claim, result; another bureau's work is not theirs.
	tasks := b.call(t, exchange{method: "GET", path: "/v1/bureaus/130000/tasks?status=open&workflow=hazchem", key: bureauHaz, want: 200})
	hazTask := firstID(t, tasks)
	b.call(t, exchange{method: "GET", path: "/v1/bureaus/130000/tasks", key: bureauCoal, want: 404})
	b.call(t, exchange{method: "GET", path: "/v1/bureaus/130000/tasks?status=lost", key: bureauHaz, want: 400})
	b.call(t, exchange{method: "POST", path: "/v1/tasks/" + hazTask + "/claim", key: bureauCoal, want: 403})
	b.call(t, exchange{method: "POST", path: "/v1/tasks/" + hazTask + "/claim", key: bureauHaz, want: 200})
	b.call(t, exchange{method: "POST", path: "/v1/tasks/" + hazTask + "/claim", key: bureauHaz, want: 409})
	b.call(t, exchange{method: "POST", path: "/v1/tasks/t_nothing/claim", key: bureauHaz, want: 404})
	b.call(t, exchange{method: "POST", path: "/v1/tasks/" + hazTask + "/result", key: bureauHaz, contentType: js,
		body: []byte(`{"outcome": "pass", "findings": "packaging intact, UN 1689 marks in order"}`), want: 200})
	b.call(t, exchange{method: "POST", path: "/v1/tasks/" + hazTask + "/result", key: bureauHaz, contentType: js, body: []byte(`{"outcome": "pass"}`), want: 409})
	b.call(t, exchange{method: "POST", path: "/v1/tasks/" + hazTask + "/result", key: bureauHaz, contentType: js, body: []byte(`{"verdict": "pass"}`), want: 400})
	coalTasks := b.call(t, exchange{method: "GET", path: "/v1/bureaus/120000/tasks", key: bureauCoal, want: 200})
	coalTask := firstID(t, coalTasks)
	b.call(t, exchange{method: "POST", path: "/v1/tasks/" + coalTask + "/claim", key: admin, want: 200})
	lab := `"lab": {"ash": 12.1, "sulfur": 0.8, "mercury": 0.12, "arsenic": 9, "phosphorus": 0.02, "chlorine": 0.05, "fluorine": 85, "calorific": 24.6}`
	b.call(t, exchange{method: "POST", path: "/v1/tasks/" + coalTask + "/result", key: bureauCoal, contentType: js,
		body: []byte(`{"distanceKm": 420, ` + lab + `, "outcome": "fail"}`), want: 422})
	b.call(t, exchange{method: "POST", path: "/v1/tasks/" + coalTask + "/result", key: bureauCoal, contentType: js,
		body: []byte(`{"distanceKm": 420, ` + lab + `}`), want: 200})
	b.call(t, exchange{method: "GET", path: "/v1/bureaus/120000/tasks?status=done", key: admin, want: 200})

	// Credit: a sync, the shared view, ratings.
	b.call(t, exchange{method: "POST", path: "/v1/admin/credit/sync?wait=true", key: admin, want: 200})
	b.call(t, exchange{method: "POST", path: "/v1/admin/credit/sync", key: admin, want: 202})
	b.call(t, exchange{method: "GET", path: "/v1/admin/credit/sync", key: admin, want: 200})
	b.call(t, exchange{method: "GET", path: "/v1/admin/credit/sync", key: registry, want: 403})
	records := b.call(t, exchange{method: "GET", path: "/v1/credit/records?after=0&limit=2", key: registry, want: 200})
	b.call(t, exchange{method: "GET", path: "/v1/credit/records?after=-1", key: registry, want: 400})
	b.call(t, exchange{method: "GET", path: "/v1/credit/records", key: portTJ, want: 403})
	if items, _ := records.json["items"].([]any); len(items) == 0 {
		t.Errorf("the registry's records were not synced: %s", records.body)
	} else {
		uscc := items[0].(map[string]any)["uscc"].(string)
		b.call(t, exchange{method: "GET", path: "/v1/enterprises/" + uscc + "/credit", key: bureauHaz, want: 200})
	}
	b.call(t, exchange{method: "GET", path: "/v1/enterprises/" + entA + "/credit", key: ent, want: 200})
	b.call(t, exchange{method: "GET", path: "/v1/enterprises/" + other + "/credit", key: ent, want: 404})
	b.call(t, exchange{method: "GET", path: "/v1/enterprises/" + entA + "/credit", key: rc, want: 403})

	// Webhooks: an enterprise's own, and the operator's view.
	hook := b.call(t, exchange{method: "POST", path: "/v1/webhooks", key: ent, contentType: js,
		body: []byte(`{"url": "https://hooks.example.com/jjj", "secret": "0123456789abcdef0123"}`), want: 201})
	hookID, _ := hook.json["id"].(string)
	b.call(t, exchange{method: "POST", path: "/v1/webhooks", key: ent, contentType: js, body: []byte(`{"url": "ftp://x", "secret": "short"}`), want: 422})
	b.call(t, exchange{method: "POST", path: "/v1/webhooks", key: ent, contentType: js, body: []byte(`{"url": "https://x.example.com", "secret": "0123456789abcdef", "extra": 1}`), want: 400})
	b.call(t, exchange{method: "POST", path: "/v1/webhooks", key: portTJ, contentType: js, body: []byte(`{"url": "https://x.example.com", "secret": "0123456789abcdef"}`), want: 403})
	b.call(t, exchange{method: "GET", path: "/v1/webhooks", key: ent, want: 200})
	b.call(t, exchange{method: "GET", path: "/v1/webhooks/" + hookID, key: ent, want: 200})
	b.call(t, exchange{method: "POST", path: "/v1/webhooks/" + hookID + "/resume", key: ent, want: 200})
	b.call(t, exchange{method: "GET", path: "/v1/admin/webhooks?state=active", key: admin, want: 200})
	b.call(t, exchange{method: "GET", path: "/v1/admin/webhooks?state=asleep", key: admin, want: 400})
	b.call(t, exchange{method: "POST", path: "/v1/admin/webhooks/" + hookID + "/resume", key: admin, want: 200})
	b.call(t, exchange{method: "DELETE", path: "/v1/webhooks/" + hookID, key: ent, want: 204})
	b.call(t, exchange{method: "GET", path: "/v1/webhooks/" + hookID, key: ent, want: 404})
	b.call(t, exchange{method: "POST", path: "/v1/admin/webhooks/wh_nothing/resume", key: admin, want: 404})

	// Deliveries and the review centre's decisions.
	b.waitSettled(t)
	hazView := b.call(t, exchange{method: "GET", path: "/v1/declarations/" + hazID, key: admin, want: 200})
	entry, _ := hazView.json["entryId"].(string)
	if entry == "" {
		t.Fatalf("delivered without an entry id: %.300s", hazView.body)
	}
	decide := func(key, decision string, want int) {
		b.call(t, exchange{method: "POST", path: "/v1/review-centre/decisions", key: key, contentType: js,
			body: []byte(fmt.Sprintf(`{"entryId": %q, "decision": %q, "reason": "checked"}`, entry, decision)), want: want})
	}
	decide(rc, "inspection_required", 200)
	decide(rc, "released", 200)
	decide(rc, "released", 200)
	decide(rc, "rejected", 409)
	decide(portTJ, "released", 403)
	decide(rc, "approved", 422)
	b.call(t, exchange{method: "POST", path: "/v1/review-centre/decisions", key: rc, contentType: js,
		body: []byte(`{"entryId": "020220269999999999", "decision": "released"}`), want: 404})
	b.call(t, exchange{method: "POST", path: "/v1/review-centre/decisions", key: rc, contentType: js, body: []byte(`{"entryId": 1}`), want: 400})

	// Two deliveries the review centre refuses for good: one replayed by
	// id, the other by the bulk replay.
	b.refuse.Store(true)
	for range 2 {
		m, _ := sample(t, "tianjin", "import-ordinary-machinery")
		b.call(t, exchange{method: "POST", path: "/v1/ports/tianjin/declarations", key: portTJ, contentType: xml, body: m, want: 201})
	}
	dead := b.waitDead(t, 2)
	b.refuse.Store(false)
	b.call(t, exchange{method: "GET", path: "/v1/admin/deliveries?state=dead,retrying&limit=1", key: admin, want: 200})
	b.call(t, exchange{method: "GET", path: "/v1/admin/deliveries?state=lost", key: admin, want: 400})
	b.call(t, exchange{method: "POST", path: "/v1/admin/deliveries/" + dead[0] + "/replay", key: admin, want: 200})
	b.call(t, exchange{method: "POST", path: "/v1/admin/deliveries/" + dead[0] + "/replay", key: admin, want: 409})
	b.call(t, exchange{method: "POST", path: "/v1/admin/deliveries/999999/replay", key: admin, want: 404})
	bulk := b.call(t, exchange{method: "POST", path: "/v1/admin/deliveries/replay", key: admin, contentType: js,
		body: []byte(`{"port": "tianjin", "from": "2020-01-01T00:00:00Z", "reason": ""}`), want: 200})
	if n, _ := bulk.json["replayed"].(float64); n != 1 {
		t.Errorf("bulk replay: %s", bulk.body)
	}
	b.call(t, exchange{method: "POST", path: "/v1/admin/deliveries/replay", key: admin, contentType: js,
		body: []byte(`{"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}`), want: 400})
	b.waitSettled(t)
	b.call(t, exchange{method: "GET", path: "/v1/admin/deliveries", key: admin, want: 200})

	// The operator: keys, rejections, risk alerts, draws.
	made := b.call(t, exchange{method: "POST", path: "/v1/admin/keys", key: admin, contentType: js,
		body: []byte(`{"role": "bureau", "scope": "130100", "name": "Shijiazhuang", "expiresAt": "2099-01-01T00:00:00Z"}`), want: 201})
	madeID, _ := made.json["id"].(string)
	b.call(t, exchange{method: "POST", path: "/v1/admin/keys", key: admin, contentType: js, body: []byte(`{"role": "king"}`), want: 422})
	b.call(t, exchange{method: "POST", path: "/v1/admin/keys", key: portTJ, contentType: js, body: []byte(`{"role": "admin"}`), want: 403})
	b.call(t, exchange{method: "GET", path: "/v1/admin/keys", key: admin, want: 200})
	b.call(t, exchange{method: "DELETE", path: "/v1/admin/keys/" + madeID, key: admin, want: 204})
	b.call(t, exchange{method: "DELETE", path: "/v1/admin/keys/k_nothing", key: admin, want: 404})
	if k, _ := made.json["key"].(string); k != "" {
		b.call(t, exchange{method: "GET", path: "/v1/ports", key: k, want: 401})
	}
	rej := b.call(t, exchange{method: "GET", path: "/v1/admin/rejections?limit=1", key: admin, want: 200})
	if next, _ := rej.json["next"].(string); next != "" {
		b.call(t, exchange{method: "GET", path: "/v1/admin/rejections?cursor=" + next, key: admin, want: 200})
	} else {
		t.Errorf("no rejections recorded: %s", rej.body)
	}
	b.call(t, exchange{method: "GET", path: "/v1/admin/rejections?cursor=x", key: admin, want: 400})
	alert := b.call(t, exchange{method: "POST", path: "/v1/admin/risk-alerts", key: admin, contentType: js,
		body: []byte(`{"hsPrefix": "8457", "origin": "DEU", "action": "port_inspection", "reason": "regional warning", "expiresAt": "2099-01-01T00:00:00Z"}`), want: 201})
	alertID, _ := alert.json["id"].(string)
	b.call(t, exchange{method: "POST", path: "/v1/admin/risk-alerts", key: admin, contentType: js, body: []byte(`{"action": "release"}`), want: 422})
	b.call(t, exchange{method: "GET", path: "/v1/admin/risk-alerts?active=true", key: admin, want: 200})
	b.call(t, exchange{method: "DELETE", path: "/v1/admin/risk-alerts/" + alertID, key: admin, want: 204})
	b.call(t, exchange{method: "DELETE", path: "/v1/admin/risk-alerts/ra_nothing", key: admin, want: 404})
	coalID, _ := coalDecl.json["id"].(string)
	b.call(t, exchange{method: "GET", path: "/v1/admin/draws/" + coalID, key: admin, want: 200})
	b.call(t, exchange{method: "GET", path: "/v1/admin/draws/d_nothing", key: admin, want: 404})

	// Regional warnings: issued by a Hebei bureau, acknowledged by Tianjin,
	// traced as JSON and CSV, lifted by the issuer; a port-only warning of
	// Tianjin lifted by an operator. Notify only, so that no route changes.
	warnBody := func(match string) []byte {
		return []byte(`{"kind": "quality_risk", "title": "Cyanide drums", "reason": "leaking drums found at Caofeidian", "match": ` + match +
			`, "action": "notify", "expiresAt": "` + time.Now().Add(30*24*time.Hour).UTC().Format(time.RFC3339) + `"}`)
	}
	wn := b.call(t, exchange{method: "POST", path: "/v1/warnings", key: bureauHaz, contentType: js,
		body: warnBody(`{"hsPrefix": null, "origin": null, "uscc": "` + entA + `", "port": null}`), want: 201})
	wnID, _ := wn.json["id"].(string)
	if acks, _ := wn.json["acks"].([]any); wnID == "" || wn.header.Get("Location") != "/v1/warnings/"+wnID || wn.json["region"] != "HE" || len(acks) != 2 {
		t.Fatalf("a warning of Hebei owing two acknowledgements: %v %s", wn.header, wn.body)
	}
	b.call(t, exchange{method: "POST", path: "/v1/warnings", key: bureauHaz, contentType: js,
		body: []byte(`{"kind": "flood", "title": "", "reason": "x", "match": {}, "action": "notify"}`), want: 422})
	b.call(t, exchange{method: "POST", path: "/v1/warnings", key: bureauHaz, contentType: js, body: []byte(`{"kind": "quality_risk", "colour": "red"}`), want: 400})
	b.call(t, exchange{method: "POST", path: "/v1/warnings", key: admin, contentType: js, body: warnBody(`{"hsPrefix": "2837"}`), want: 403})
	b.call(t, exchange{method: "GET", path: "/v1/warnings?state=active&region=HE&limit=10", key: bureauCoal, want: 200})
	b.call(t, exchange{method: "GET", path: "/v1/warnings?overdue=true", key: admin, want: 200})
	b.call(t, exchange{method: "GET", path: "/v1/warnings?state=asleep", key: admin, want: 400})
	b.call(t, exchange{method: "GET", path: "/v1/warnings", key: ent, want: 403})
	b.call(t, exchange{method: "GET", path: "/v1/warnings", want: 401})
	b.call(t, exchange{method: "GET", path: "/v1/warnings/" + wnID, key: admin, want: 200})
	b.call(t, exchange{method: "GET", path: "/v1/warnings/wn_nothing", key: bureauCoal, want: 404})
	b.call(t, exchange{method: "GET", path: "/v1/warnings/" + wnID, key: portTJ, want: 403})
	ack := func(key, body string, want int) response {
		return b.call(t, exchange{method: "POST", path: "/v1/warnings/" + wnID + "/ack", key: key, contentType: js, body: []byte(body), want: want})
	}
	ack(bureauCoal, `{"measures": ""}`, 422)
	acked := ack(bureauCoal, `{"measures": "drums of this consignee held at Tianjin for inspection"}`, 200)
	if !strings.Contains(string(acked.body), `"bureau":"120000"`) {
		t.Errorf("the acknowledgement of Tianjin was not recorded: %s", acked.body)
	}
	ack(bureauCoal, `{"measures": "again"}`, 409)
	ack(bureauHaz, `{"measures": "our own"}`, 409)
	ack(admin, `{"measures": "operator"}`, 403)
	b.call(t, exchange{method: "POST", path: "/v1/warnings/wn_nothing/ack", key: bureauCoal, contentType: js, body: []byte(`{"measures": "x"}`), want: 404})

	// The trace: the hazchem declaration is its consignee's only one, so
	// a page of one has a next page, which is empty.
	traced := b.call(t, exchange{method: "GET", path: "/v1/trace?uscc=" + entA + "&limit=1", key: bureauCoal, want: 200})
	if items, _ := traced.json["items"].([]any); len(items) != 1 || items[0].(map[string]any)["declarationId"] != hazID || traced.json["next"] == nil {
		t.Errorf("trace of %s: %s", entA, traced.body)
	}
	csvAccept := map[string]string{"Accept": "text/csv"}
	page1 := b.call(t, exchange{method: "GET", path: "/v1/trace?uscc=" + entA + "&limit=1", key: admin, header: csvAccept, want: 200})
	next := page1.header.Get("X-Next-Cursor")
	if next == "" || !strings.HasPrefix(page1.header.Get("Content-Type"), "text/csv") || !bytes.Contains(page1.body, []byte(hazID)) {
		t.Errorf("trace as CSV: %v %s", page1.header, page1.body)
	}
	page2 := b.call(t, exchange{method: "GET", path: "/v1/trace?uscc=" + entA + "&limit=1&cursor=" + url.QueryEscape(next), key: admin, header: csvAccept, want: 200})
	if page2.header.Get("X-Next-Cursor") != "" || bytes.Count(page2.body, []byte("\n")) != 1 {
		t.Errorf("the last CSV page has a next cursor or rows: %v %q", page2.header, page2.body)
	}
	b.call(t, exchange{method: "GET", path: "/v1/trace", key: bureauHaz, want: 422})
	b.call(t, exchange{method: "GET", path: "/v1/trace?origin=DEU&since=yesterday", key: bureauHaz, want: 400})
	b.call(t, exchange{method: "GET", path: "/v1/trace?origin=DEU", key: ent, want: 403})
	wt := b.call(t, exchange{method: "GET", path: "/v1/warnings/" + wnID + "/trace", key: bureauCoal, want: 200})
	if items, _ := wt.json["items"].([]any); len(items) != 1 || items[0].(map[string]any)["declarationId"] != hazID {
		t.Errorf("trace of warning %s: %s", wnID, wt.body)
	}
	wtCSV := b.call(t, exchange{method: "GET", path: "/v1/warnings/" + wnID + "/trace", key: bureauHaz, header: csvAccept, want: 200})
	if !bytes.Contains(wtCSV.body, []byte(hazID)) {
		t.Errorf("trace of warning %s as CSV: %s", wnID, wtCSV.body)
	}
	b.call(t, exchange{method: "GET", path: "/v1/warnings/wn_nothing/trace", key: admin, want: 404})

	// Lifting: only the issuer or an operator, once.
	lift := func(id, key, body string, want int) response {
		return b.call(t, exchange{method: "POST", path: "/v1/warnings/" + id + "/lift", key: key, contentType: js, body: []byte(body), want: want})
	}
	lift(wnID, bureauCoal, `{"reason": "not ours"}`, 403)
	lift(wnID, bureauHaz, `{"reason": ""}`, 422)
	if lifted := lift(wnID, bureauHaz, `{"reason": "drums resealed"}`, 200); lifted.json["state"] != "lifted" {
		t.Errorf("lifted: %s", lifted.body)
	}
	lift(wnID, bureauHaz, `{"reason": "again"}`, 409)
	lift("wn_nothing", admin, `{"reason": "x"}`, 404)
	portOnly := b.call(t, exchange{method: "POST", path: "/v1/warnings", key: bureauCoal, contentType: js,
		body: warnBody(`{"port": "tianjin"}`), want: 201})
	portOnlyID, _ := portOnly.json["id"].(string)
	b.call(t, exchange{method: "GET", path: "/v1/warnings/" + portOnlyID + "/trace", key: admin, want: 422})
	lift(portOnlyID, admin, `{"reason": "the berth is clear"}`, 200)

	// The register of supporting documents.
	docBody := []byte(`{"kind": "special_article_approval", "number": "130000SPA2026000001", "holder": "` + entA + `", "validFrom": "2026-01-01", "validUntil": "2098-12-31", "quantity": "5", "unit": "007", "level": "B"}`)
	b.call(t, exchange{method: "POST", path: "/v1/documents", key: bureauHaz, contentType: js, body: docBody, want: 201})
	b.call(t, exchange{method: "POST", path: "/v1/documents", key: bureauHaz, contentType: js, body: docBody, want: 409})
	b.call(t, exchange{method: "POST", path: "/v1/documents", key: bureauHaz, contentType: js, body: []byte(`{"kind": "x"}`), want: 422})
	b.call(t, exchange{method: "POST", path: "/v1/documents", key: bureauHaz, contentType: js, body: []byte(`[1]`), want: 400})
	b.call(t, exchange{method: "POST", path: "/v1/documents", key: portTJ, contentType: js, body: docBody, want: 403})
	docPath := "/v1/documents/special_article_approval/130000SPA2026000001"
	b.call(t, exchange{method: "GET", path: docPath, key: ent, want: 200})
	b.call(t, exchange{method: "GET", path: docPath, key: bureauCoal, want: 200})
	b.call(t, exchange{method: "GET", path: "/v1/documents/special_article_approval/NONE", key: admin, want: 404})
	b.call(t, exchange{method: "GET", path: "/v1/documents?kind=special_article_approval&limit=1", key: bureauCoal, want: 200})
	b.call(t, exchange{method: "GET", path: "/v1/documents?state=x", key: admin, want: 400})
	b.call(t, exchange{method: "GET", path: "/v1/documents", key: ent, want: 403})
	b.call(t, exchange{method: "POST", path: docPath + "/revoke", key: bureauCoal, contentType: js, body: []byte(`{"reason": "not ours"}`), want: 403})
	b.call(t, exchange{method: "POST", path: docPath + "/revoke", key: bureauHaz, contentType: js, body: []byte(`{}`), want: 422})
	b.call(t, exchange{method: "POST", path: docPath + "/revoke", key: bureauHaz, contentType: js, body: []byte(`{"reason": "withdrawn"}`), want: 200})
	b.call(t, exchange{method: "POST", path: "/v1/documents/special_article_approval/NONE/revoke", key: admin, contentType: js, body: []byte(`{"reason": "x"}`), want: 404})

	// The tracking page: HTML, signed out and signed in.
	signin := b.call(t, exchange{method: "GET", path: "/track?lang=en", want: 200})
	b.call(t, exchange{method: "GET", path: "/track/", want: 301})
	b.call(t, exchange{method: "GET", path: "/track/static/track.css", want: 200})
	b.call(t, exchange{method: "GET", path: "/track/declarations/" + hazID, want: 303})
	b.call(t, exchange{method: "POST", path: "/track/signin", contentType: form, body: []byte("key=" + url.QueryEscape(ent) + "&csrf=wrong"), want: 403})
	tok := confCSRF(t, signin.body)
	b.call(t, exchange{method: "POST", path: "/track/signin", contentType: form, body: []byte("key=nope&csrf=" + tok), want: 401})
	b.call(t, exchange{method: "POST", path: "/track/signin", contentType: form, body: []byte("key=" + url.QueryEscape(ent) + "&csrf=" + tok), want: 303})
	home := b.call(t, exchange{method: "GET", path: "/track", want: 200})
	b.call(t, exchange{method: "GET", path: "/track?cursor=bad", want: 400})
	b.call(t, exchange{method: "GET", path: "/track/declarations/" + hazID, want: 200})
	b.call(t, exchange{method: "GET", path: "/track/declarations/" + coalID, want: 404})
	b.call(t, exchange{method: "POST", path: "/track/signout", contentType: form, body: []byte("csrf=wrong"), want: 403})
	b.call(t, exchange{method: "POST", path: "/track/signout", contentType: form, body: []byte("csrf=" + confCSRF(t, home.body)), want: 303})

	checkAuditTrail(t, b, map[string]string{"haz": hazID, "hazTask": hazTask, "coalTask": coalTask, "dead": dead[0],
		"key": madeID, "alert": alertID, "hook": hookID, "portKey": portTJ})

	// Every operation of the document was exercised.
	for _, op := range b.contract.operations() {
		if !b.seen[op] {
			t.Errorf("%s: no call of this test exercised it", op)
		}
	}
}

var confCSRFRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func confCSRF(t *testing.T, page []byte) string {
	t.Helper()
	m := confCSRFRe.FindSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf token in the page: %.500s", page)
	}
	return string(m[1])
}

func firstID(t *testing.T, r response) string {
	t.Helper()
	items, _ := r.json["items"].([]any)
	if len(items) == 0 {
		t.Fatalf("no items: %.300s", r.body)
	}
	id, _ := items[0].(map[string]any)["id"].(string)
	return id
}

// waitSettled waits until no delivery is pending or retrying.
func (b *confBundle) waitSettled(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		n := b.count(t, `SELECT count(*) FROM outbox WHERE state NOT IN ('completed', 'discarded')`)
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries still unsettled", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitDead waits for n dead deliveries and returns their ids.
func (b *confBundle) waitDead(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var ids []string
		if err := b.db.Select(&ids, `SELECT id::text FROM outbox WHERE state = 'discarded' ORDER BY id`); err != nil {
			t.Fatal(err)
		}
		if len(ids) >= n {
			return ids
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d dead deliveries, want %d", len(ids), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestConformanceDatabaseDown: when the database cannot be reached, the
// readiness probe and a keyed call answer as the document says (503, with
// the readiness problem naming the database).
func TestConformanceDatabaseDown(t *testing.T) {
	t.Parallel()
	// Nothing listens on port 1: every connection is refused.
	down := &postgres.DB{DB: sqlx.MustOpen("postgres", "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")}
	t.Cleanup(func() { down.Close() })
	s := &gateway.Server{DB: down, Keys: &apikey.Keys{Store: down}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	b := &confBundle{testBundle: &testBundle{srv: srv}, contract: loadContract(t), roles: map[string]apikey.Role{},
		seen: map[string]bool{}, client: http.DefaultClient}
	r := b.call(t, exchange{method: "GET", path: "/readyz", want: 503})
	if r.json["dependency"] != "database" {
		t.Errorf("readyz names %v, want the database", r.json["dependency"])
	}
	b.call(t, exchange{method: "GET", path: "/v1/ports", key: "any-key", want: 503})
	b.call(t, exchange{method: "GET", path: "/healthz", want: 200})
}
