package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
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
	"github.com/jjj/gateway/internal/inspection"
	"github.com/jjj/gateway/internal/outbox"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/postgres/pgtest"
	"github.com/jjj/gateway/internal/routing"
	"github.com/jjj/gateway/internal/translate"
)

// testBundle is a running API over a fresh database.
type testBundle struct {
	srv   *httptest.Server
	db    *postgres.DB
	keys  *apikey.Keys
	admin string
	// svc is the server's clearance service (re-routes, status refresh).
	svc *clearance.Service
	// insp is the server's inspection service (re-routes, decisions).
	insp *inspection.Service
	// cite, when set (options.citing), changes every decoded declaration:
	// citations made in Go for tests that do not depend on how a dialect
	// writes them.
	cite *citeHook
}

type options struct {
	maxBody int64
	rates   map[customs.Rating]float64
	// inspection serves the bureaus, risk alerts and draws (InspectionDeps)
	// and serves risk alerts, and ratings when set, to intake
	// (inspection_test.go).
	inspection bool
	ratings    clearance.RatingSource
	// warnings, when set, serves the regional warnings and the trace
	// (warnings_test.go) and is filled with what a test drives.
	warnings *warningHarness
	// limits are the HTTP layer's limits (limits_test.go).
	limits gateway.Limits
	// logs receives the server's log as JSON lines; nil discards it.
	logs io.Writer
	// citing wraps every adapter so that the bundle's cite hook changes
	// what it decodes (documents_test.go).
	citing bool
}

func setup(t *testing.T, o options) *testBundle {
	t.Helper()
	db := pgtest.New(t)
	tables := codes.MustEmbedded()
	cfg := adapters.Config{Tables: tables}
	reg := adapters.NewRegistry()
	hook := &citeHook{}
	for _, a := range []adapters.Adapter{tianjin.MustNew(cfg), hebei.MustNew(cfg), beijing.MustNew(cfg)} {
		if o.citing {
			a = citingAdapter{a, hook}
		}
		reg.Register(a)
	}
	if o.rates == nil {
		o.rates = map[customs.Rating]float64{}
	}
	engine, err := routing.New(routing.Config{Tables: tables, Rates: o.rates})
	if err != nil {
		t.Fatal(err)
	}
	keys := &apikey.Keys{Store: db, ValidScope: apikey.ScopeChecker(tables)}
	s := &gateway.Server{
		Config:   gateway.Config{MaxBodyBytes: o.maxBody, Limits: o.limits},
		DB:       db,
		Adapters: reg,
		Tables:   tables,
		Keys:     keys,
		Clearance: &clearance.Service{Store: postgres.DeclarationStore{DB: db}, Translator: &translate.Translator{Adapters: reg, Engine: engine}, Engine: engine, Tables: tables,
			Facts: &clearance.LiveFacts{SeedSecret: []byte("test-secret")}},
		Documents: &document.Service{Store: postgres.DocumentStore{DB: db}, Tables: tables},
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if o.logs != nil {
		s.Logger = slog.New(slog.NewJSONHandler(o.logs, nil))
	}
	s.Inspection = newInspection(db, engine, tables, s.Clearance.Facts, reg)
	if o.inspection {
		withInspection(s, db, o)
	}
	if o.warnings != nil {
		withWarnings(s, db, o.warnings)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	b := &testBundle{srv: srv, db: db, keys: keys, svc: s.Clearance, insp: s.Inspection, cite: hook}
	b.admin = b.key(t, customs.CallerAdmin, "")
	return b
}

func (b *testBundle) key(t *testing.T, role customs.CallerRole, scope string) string {
	t.Helper()
	k, err := b.keys.Create(context.Background(), apikey.NewKey{Role: role, Scope: scope})
	if err != nil {
		t.Fatal(err)
	}
	return k.Key
}

// newInspection is the inspection service over db, wired as gatewayd
// wires it (its store, and replays through the outbox).
func newInspection(db *postgres.DB, engine *routing.Engine, tables *codes.Tables, facts clearance.FactsSource, reg *adapters.Registry) *inspection.Service {
	return &inspection.Service{Store: inspection.Adapt[postgres.Tx](postgres.InspectionStore{DB: db}), Engine: engine, Tables: tables,
		Facts: facts, Adapters: reg,
		ReplayFunc: func(ctx context.Context, id int64, actor, note string, at time.Time) error {
			return outbox.Replay(ctx, outbox.Adapt[postgres.Tx](db), inspection.Lifecycle{}, id, actor, note, at)
		}}
}

// response is an answer with its decoded JSON.
type response struct {
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

func (b *testBundle) do(t *testing.T, method, path, key, contentType string, body []byte) response {
	t.Helper()
	req, err := http.NewRequest(method, b.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := response{status: resp.StatusCode, header: resp.Header}
	r.body, _ = io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); len(r.body) > 0 && (ct == "application/json" || ct == "application/problem+json") {
		if err := json.Unmarshal(r.body, &r.json); err != nil {
			t.Fatalf("%s %s: bad JSON %q: %v", method, path, r.body, err)
		}
	}
	return r
}

func (b *testBundle) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := b.db.Get(&n, q, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

// errorCodes returns the codes of a problem's errors.
func errorCodes(r response) []string {
	var out []string
	errs, _ := r.json["errors"].([]any)
	for _, e := range errs {
		m, _ := e.(map[string]any)
		c, _ := m["code"].(string)
		out = append(out, c)
	}
	return out
}
