package outbox_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/canonical"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/inspection"
	"github.com/jjj/gateway/internal/outbox"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/postgres/pgtest"
	"github.com/jjj/gateway/internal/reviewcentre"
	"github.com/jjj/gateway/internal/reviewcentre/sim"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// quietLog drops the dispatcher's logs unless -v asks for them.
func quietLog() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// testDeclaration is a valid canonical declaration of port hebei.
func testDeclaration(id string, at time.Time) *customs.Declaration {
	return &customs.Declaration{
		ID: id, RuleSet: "2026.1",
		Source: customs.Source{Port: customs.PortHebei, PortRef: "HE-" + id, Dialect: "hebei/BJXX-2.1",
			ReceivedAt: at, Digest: "sha256:" + strings.Repeat("ab", 32)},
		Direction: customs.Import,
		Customs:   customs.CustomsCodes{Declaring: "0408", Port: "0408"},
		Parties: []customs.Party{
			{Role: customs.RoleConsignee, USCC: "91130200MA0FK3L20Y"},
			{Role: customs.RoleDeclarant, USCC: "91130200MA0FK3L20Y"},
		},
		Transport: customs.Transport{Mode: "sea"},
		Goods:     []customs.GoodsItem{{Seq: 1, HSCode: "2601111000", Quantity: "150000", Unit: "070", Value: "13500000.00", Currency: "USD", Origin: "BRA"}},
		Route:     &customs.Route{Lane: customs.LaneRelease, RuleSet: "2026.1"},
	}
}

type declOpt struct {
	// canonical replaces the canonical XML (a message the review centre refuses).
	canonical []byte
	// openTask gives the declaration an open port-side task.
	openTask bool
	port     customs.Port
}

var seq struct {
	sync.Mutex
	n int
}

// insert stores n declarations as the intake does (declaration, timeline,
// tasks and outbox row in one statement) and returns their ids in order.
func insert(t testing.TB, db *postgres.DB, n int, o declOpt) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		seq.Lock()
		seq.n++
		id := fmt.Sprintf("d_T%09d", seq.n)
		seq.Unlock()
		at := time.Now().UTC().Truncate(time.Microsecond)
		xml := o.canonical
		if xml == nil {
			xml = canonical.Marshal(testDeclaration(id, at))
		}
		port := o.port
		if port == "" {
			port = customs.PortHebei
		}
		nd := &postgres.NewDeclaration{ID: id, Port: port, PortRef: "HE-" + id, Digest: "sha256:x", Direction: customs.Import,
			ReceivedAt: at, PortOffice: "040800", Enterprises: []string{"91130200MA0FK3L20Y"}, Lane: customs.LaneRelease,
			Declaration: testDeclaration(id, at), Canonical: xml, Actor: "port:hebei", Note: "accepted", Route: []byte(`{}`)}
		if o.openTask {
			nd.Tasks = []byte(`[{"id":"t_` + id + `","workflow":"inspection","bureau":null,"owner":"040800","items":[1],"inspector":null}]`)
		}
		if _, _, created, err := db.InsertDeclaration(context.Background(), nd); err != nil || !created {
			t.Fatalf("insert %s: %v (created %v)", id, err, created)
		}
		ids[i] = id
	}
	return ids
}

type bundle struct {
	db      *postgres.DB
	sim     *sim.Sim
	srv     *httptest.Server
	client  *reviewcentre.Client
	metrics *outbox.Metrics
}

// setup gives a fresh database, a simulator over HTTP (wrapped by wrap if
// given) and a client with test-sized timeouts.
func setup(t testing.TB, sc sim.Config, wrap func(http.Handler) http.Handler) *bundle {
	t.Helper()
	b := &bundle{db: pgtest.New(t), sim: sim.New(sc)}
	t.Cleanup(b.sim.Close)
	var h http.Handler = b.sim
	if wrap != nil {
		h = wrap(h)
	}
	b.srv = httptest.NewServer(h)
	t.Cleanup(b.srv.Close)
	var err error
	b.client, err = reviewcentre.New(reviewcentre.Config{URL: b.srv.URL, Timeout: 2 * time.Second,
		RetryWaitMin: 5 * time.Millisecond, RetryWaitMax: 20 * time.Millisecond, BreakerTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	b.metrics = outbox.NewMetrics(b.client.BreakerState)
	return b
}

// testConfig is a dispatcher configuration sized for tests.
func testConfig() outbox.Config {
	return outbox.Config{Lease: 10 * time.Second, PollInterval: 20 * time.Millisecond, SnoozeDelay: 100 * time.Millisecond,
		Retry: outbox.RetryPolicy{Base: 20 * time.Millisecond, Cap: 300 * time.Millisecond}, Logger: quietLog(), Lifecycle: inspection.Lifecycle{}}
}

// run starts a dispatcher and returns a function that stops it and waits.
func (b *bundle) run(t testing.TB, cfg outbox.Config) (stop func()) {
	t.Helper()
	if cfg.Metrics == nil {
		cfg.Metrics = b.metrics
	}
	d, err := outbox.New(outbox.Adapt[postgres.Tx](b.db), b.client, cfg, b.client.MaxDuration())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	return stop
}

type counts struct {
	Delivered, Failed, Pending int
	Attempts                   int
	States                     map[string]int
}

func count(t testing.TB, db *postgres.DB) counts {
	t.Helper()
	var c counts
	ctx := context.Background()
	rows, err := db.QueryContext(ctx, `SELECT delivery, count(*) FROM declaration GROUP BY delivery`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		var n int
		rows.Scan(&k, &n)
		switch k {
		case "delivered":
			c.Delivered = n
		case "failed":
			c.Failed = n
		default:
			c.Pending += n
		}
	}
	rows.Close()
	c.States = map[string]int{}
	rows, err = db.QueryContext(ctx, `SELECT state, count(*) FROM outbox GROUP BY state`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		var n int
		rows.Scan(&k, &n)
		c.States[k] = n
	}
	rows.Close()
	if err := db.GetContext(ctx, &c.Attempts, `SELECT count(*) FROM delivery_attempt`); err != nil {
		t.Fatal(err)
	}
	return c
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkExactlyOnce asserts every declaration is delivered with the entry id
// the review centre gave it, and the review centre accepted each once.
func checkExactlyOnce(t testing.TB, db *postgres.DB, s *sim.Sim, ids []string) {
	t.Helper()
	entries := s.Entries()
	st := s.Stats()
	if int(st.Distinct) != len(ids) || len(entries) != len(ids) {
		t.Errorf("review centre accepted %d distinct keys (%d entries), want %d", st.Distinct, len(entries), len(ids))
	}
	type row struct {
		ID      string  `db:"id"`
		EntryID *string `db:"entry_id"`
		Status  string  `db:"status"`
	}
	var rows []row
	if err := db.SelectContext(context.Background(), &rows, `SELECT id, entry_id, status FROM declaration`); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		if r.EntryID == nil || entries[r.ID] != *r.EntryID {
			t.Errorf("%s: entry id %v, review centre gave %q", r.ID, r.EntryID, entries[r.ID])
			continue
		}
		if seen[*r.EntryID] {
			t.Errorf("entry id %s given twice", *r.EntryID)
		}
		seen[*r.EntryID] = true
		if r.Status == "accepted" || r.Status == "delivery_failed" {
			t.Errorf("%s: status %s after delivery", r.ID, r.Status)
		}
	}
	var deliveredEntries int
	if err := db.GetContext(context.Background(), &deliveredEntries,
		`SELECT count(*) FROM timeline WHERE status = 'delivered'`); err != nil {
		t.Fatal(err)
	}
	if deliveredEntries != len(ids) {
		t.Errorf("%d 'delivered' timeline entries, want one per declaration (%d)", deliveredEntries, len(ids))
	}
}
