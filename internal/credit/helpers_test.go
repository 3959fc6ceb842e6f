package credit_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/credit"
	"github.com/jjj/gateway/internal/credit/sim"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// clock is a settable NowFunc.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// beijingNoon is noon of day (yyyy-MM-dd) in Beijing time.
func beijingNoon(t testing.TB, day string) time.Time {
	d, err := time.ParseInLocation("2006-01-02", day, customs.Beijing)
	if err != nil {
		t.Fatal(err)
	}
	return d.Add(12 * time.Hour)
}

// changes records the calls of OnChange.
type changes struct {
	mu    sync.Mutex
	calls [][]string
}

func (c *changes) hook(_ context.Context, usccs []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, append([]string(nil), usccs...))
	return nil
}

func (c *changes) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, call := range c.calls {
		out = append(out, call...)
	}
	return out
}

func (c *changes) reset() {
	c.mu.Lock()
	c.calls = nil
	c.mu.Unlock()
}

// testBundle is a syncer over a fresh database and simulated registries.
type testBundle struct {
	db      *postgres.DB
	syncer  *credit.Syncer
	cache   *credit.Cache
	clock   *clock
	changes *changes
	sims    map[customs.Region]*sim.Registry
	urls    map[customs.Region]string
}

type options struct {
	db       *postgres.DB
	sims     map[customs.Region]*sim.Registry
	pageSize int
	now      time.Time
	// flushEvery, mergeBatch and cacheSpan: zero for the defaults.
	flushEvery time.Duration
	mergeBatch int
	cacheSpan  int64
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// applyPage stages p and flushes, as a sync does with its last page.
func (b *testBundle) applyPage(ctx context.Context, p customs.CreditPage) error {
	if _, err := b.db.StageCreditPage(ctx, p); err != nil {
		return err
	}
	return b.syncer.Flush(ctx)
}

func setup(t testing.TB, o options) *testBundle {
	t.Helper()
	b := &testBundle{db: o.db, clock: &clock{t: o.now}, changes: &changes{}, sims: o.sims, urls: map[customs.Region]string{}}
	if b.db == nil {
		b.db = pgtest.New(t)
	}
	if b.clock.t.IsZero() {
		b.clock.t = beijingNoon(t, "2026-11-27")
	}
	sources := map[customs.Region]credit.Source{}
	for region, s := range o.sims {
		srv := httptest.NewServer(s)
		t.Cleanup(srv.Close)
		b.urls[region] = srv.URL
		c, err := credit.NewClient(credit.ClientConfig{Region: region, URL: srv.URL, RetryMax: -1,
			BreakerFailures: 2, BreakerOpen: 200 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		sources[region] = c
	}
	var err error
	if b.cache, err = credit.NewCache(credit.CacheConfig{Store: b.db, Span: o.cacheSpan, Logger: quiet()}); err != nil {
		t.Fatal(err)
	}
	b.syncer, err = credit.New(credit.Config{Sources: sources, Store: b.db, PageSize: o.pageSize, NowFunc: b.clock.Now,
		Cache: b.cache, OnChange: b.changes.hook, Logger: quiet(), FlushEvery: o.flushEvery, MergeBatch: o.mergeBatch})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// readSample reads a file of testdata/samples.
func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "samples", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sampleSims serves the sample pages, one simulator per region.
func sampleSims(t testing.TB) map[customs.Region]*sim.Registry {
	t.Helper()
	out := map[customs.Region]*sim.Registry{}
	for _, r := range []customs.Region{customs.RegionBJ, customs.RegionTJ, customs.RegionHE} {
		names, _ := filepath.Glob(filepath.Join("testdata", "samples", strings.ToLower(string(r))+"-page-*.json"))
		sort.Strings(names)
		var pages [][]byte
		for _, n := range names {
			pages = append(pages, readSample(t, filepath.Base(n)))
		}
		s, err := sim.New(sim.Config{Region: r, Pages: pages})
		if err != nil {
			t.Fatal(err)
		}
		out[r] = s
	}
	return out
}

// rec is a published record for hand-written pages.
type rec struct {
	USCC          string  `json:"uscc"`
	Name          string  `json:"name"`
	Rating        string  `json:"rating"`
	Reason        string  `json:"reason"`
	EffectiveFrom string  `json:"effectiveFrom"`
	ExpiresAt     *string `json:"expiresAt"`
	Version       int64   `json:"version"`
	UpdatedAt     string  `json:"updatedAt"`
	Deleted       bool    `json:"deleted"`
}

func strp(s string) *string { return &s }

// pages builds a feed of hand-written pages: each slice is a page.
func pages(t testing.TB, region customs.Region, ps ...[]rec) [][]byte {
	t.Helper()
	var out [][]byte
	for i, recs := range ps {
		p := map[string]any{"region": region, "records": recs, "next": nil}
		if i < len(ps)-1 {
			p["next"] = string(region) + "-cursor-" + string(rune('1'+i))
		}
		for j := range recs {
			if recs[j].UpdatedAt == "" {
				recs[j].UpdatedAt = "2026-10-01T00:00:00Z"
			}
			if recs[j].Name == "" {
				recs[j].Name = "某某有限公司"
			}
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func pageSim(t testing.TB, region customs.Region, ps [][]byte) *sim.Registry {
	t.Helper()
	s, err := sim.New(sim.Config{Region: region, Pages: ps})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// uscc makes a valid USCC from a 17-character prefix.
func uscc(prefix17 string) string { return prefix17 + string(customs.USCCCheckChar(prefix17)) }

func (b *testBundle) enterprise(t testing.TB, u string) *customs.MergedCredit {
	t.Helper()
	m, err := b.syncer.Enterprise(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (b *testBundle) status(t testing.TB) map[customs.Region]credit.RegistryStatus {
	t.Helper()
	st, err := b.syncer.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[customs.Region]credit.RegistryStatus{}
	for _, s := range st {
		out[s.Region] = s
	}
	return out
}

func (b *testBundle) count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := b.db.Get(&n, q, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

func get(t testing.TB, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return b
}

// postgresPage is the one page of a region's feed (next null), asked from
// the start: the cursor stays where it was.
func postgresPage(region customs.Region, recs []customs.CreditRecord, skips []customs.CreditSkip, now time.Time) customs.CreditPage {
	return customs.CreditPage{Region: region, Records: recs, Skipped: skips, Now: now}
}

func errCursorMoved() error { return customs.ErrCreditCursorMoved }
