package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/net/netutil"

	"github.com/jjj/gateway/gateway"
	"github.com/jjj/gateway/internal/apikey"
	"github.com/jjj/gateway/internal/clearance"
	"github.com/jjj/gateway/internal/document"
	"github.com/jjj/gateway/internal/inspection"
	"github.com/jjj/gateway/internal/outbox"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/routing"
	"github.com/jjj/gateway/internal/translate"
)

// serveConfig is everything `gatewayd serve` is configured with.
type serveConfig struct {
	databaseURL  string
	maxConns     int // DATABASE_MAX_CONNS; zero means postgres's default
	addr         string
	reviewCentre string
	registries   map[string]string // region -> URL
	syncInterval time.Duration
	rates        string
	seedSecret   string
	maxBody      int64
	noMigrate    bool
	common       *common
	// webhookTargets: WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOW_PRIVATE.
	webhookAllowHTTP, webhookAllowPrivate bool
	// http are the server's limits (HTTP_READ_TIMEOUT, HTTP_IDLE_TIMEOUT,
	// MAX_CONNECTIONS).
	http httpLimits
	// limits are the API's (MAX_CONCURRENT_INTAKE, KEY_RATE_LIMIT).
	limits gateway.Limits
	// publicURL: PUBLIC_URL.
	publicURL string
	// rejectionRetention: REJECTION_RETENTION.
	rejectionRetention time.Duration
	// tuning holds the settings of tuningSettings by variable name, checked
	// by runServe; "" means the package's default.
	tuning map[string]string
}

// tuningSettings are serve's settings beyond operations.md's table, each an
// environment variable with its flag like the others. They are checked
// when parsed and handed to the wire_*.go files as text in
// serveConfig.tuning (unset: absent, the package's default, given here
// for --help).
var tuningSettings = []struct {
	name, kind, def, help string
}{
	{"OUTBOX_CONCURRENCY", "deliveries", "16", "deliveries in flight at once"},
	{"OUTBOX_BATCH", "rows", "64", "outbox rows claimed at a time"},
	{"OUTBOX_LEASE", "duration", "2m", "how long a claimed delivery is held before another process may take it"},
	{"OUTBOX_POLL", "duration", "250ms", "time between looks for due deliveries"},
	{"OUTBOX_RETRY_BASE", "duration", "1s", "first wait before re-sending a delivery"},
	{"OUTBOX_RETRY_CAP", "duration", "5m", "longest wait between re-sends"},
	{"REVIEW_CENTRE_TIMEOUT", "duration", "10s", "time limit of one call to the review centre"},
	{"REVIEW_CENTRE_BREAKER_TIMEOUT", "duration", "10s", "how long the review centre's circuit stays open before a probe"},
	{"CREDIT_PAGE_SIZE", "records", "1000", "records asked of a registry per page"},
	{"CREDIT_REGISTRY_TIMEOUT", "duration", "30s", "time limit of one call to a registry"},
	{"CREDIT_BREAKER_TIMEOUT", "duration", "30s", "how long a registry's circuit stays open before a probe"},
	{"CREDIT_CACHE_POLL", "duration", "1s", "how often the ratings cache looks for changes (other processes' syncs)"},
	{"WEBHOOK_POLL", "duration", "1s", "time between looks for due webhook events"},
	{"WEBHOOK_TIMEOUT", "duration", "10s", "time limit of one webhook call"},
	{"WEBHOOK_CONCURRENCY", "count", "64", "most webhook calls in flight at once, each to a different webhook"},
	{"WEBHOOK_RETRY_BASE", "duration", "10s", "first wait before re-sending a webhook event"},
	{"WEBHOOK_RETRY_CAP", "duration", "30m", "longest wait between webhook re-sends"},
	{"WEBHOOK_SUSPEND_AFTER", "attempts", "12", "failed attempts in a row that suspend a webhook"},
	{"TRACK_SESSION_TTL", "duration", "8h", "lifetime of a tracking page session"},
	{"WARNING_OVERDUE_CHECK", "duration", "1m", "how often overdue warning acknowledgements are looked for and logged"},
}

// tuningFlag defines a tuning setting: typed, with no value of its own
// unless given, so that the package's default applies.
func tuningFlag(fs *flag.FlagSet, name, kind, def, help string) *string {
	p := new(string)
	var v value
	if kind == "duration" {
		v = &tuningValue{p, &durationValue{new(time.Duration), false}}
	} else {
		v = &tuningValue{p, &intValue{new(int), 1, kind}}
	}
	bind(fs, name, v, false, help).def = def
	return p
}

// tuningValue keeps the text of a checked value.
type tuningValue struct {
	p *string
	value
}

func (v *tuningValue) Set(s string) error {
	if err := v.value.Set(s); err != nil {
		return err
	}
	*v.p = s
	return nil
}
func (v *tuningValue) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	return *v.p
}

const serveAbout = `Runs the gateway: the HTTP API, the outbox dispatcher that delivers to the
review centre, credit sync and re-routing. Applies pending migrations first
unless --no-migrate. Logs JSON lines on standard error at LOG_LEVEL. On
SIGTERM or SIGINT it stops accepting, finishes the requests in flight, lets
the workers finish their unit of work, and exits 0.

Exit status: 0 after a graceful stop; 1 when it cannot start (database,
listen address, code tables); 2 on bad usage (unknown flag, a required
setting missing, a malformed value).`

func runServe(ctx context.Context, args []string) error {
	fs := newFlagSet("serve", "gatewayd serve [--no-migrate] [flags]", serveAbout)
	c := commonFlags(fs)
	dbURL := secretFlag(fs, "DATABASE_URL", "PostgreSQL connection string (required)")
	maxConns := countFlag(fs, "DATABASE_MAX_CONNS", 20, "connections", "database connections open at once (the pool)")
	addr := envFlag(fs, "GATEWAY_ADDR", "127.0.0.1:8080", "listen address, host:port")
	rc := urlFlag(fs, "REVIEW_CENTRE_URL", "the review centre's base URL (required)")
	bj := urlFlag(fs, "CREDIT_REGISTRY_BJ", "Beijing credit registry base URL; unset: not synced")
	tj := urlFlag(fs, "CREDIT_REGISTRY_TJ", "Tianjin credit registry base URL; unset: not synced")
	he := urlFlag(fs, "CREDIT_REGISTRY_HE", "Hebei credit registry base URL; unset: not synced")
	interval := durationFlag(fs, "CREDIT_SYNC_INTERVAL", time.Minute, "time between credit syncs")
	rates := ratesFlag(fs, "RANDOM_INSPECTION_RATES", "general=0.03,advanced=0.005", "random inspection rate by rating, each a fraction 0-1; a rating left out: 0")
	secret := secretFlag(fs, "RANDOM_SEED_SECRET", "the secret behind the day's random seeds (required)")
	maxBody := bytesFlag(fs, "MAX_BODY_BYTES", 4194304, "largest declaration accepted")
	logLevel := choiceFlag(fs, "LOG_LEVEL", "info", []string{"debug", "info", "warn", "error"}, "least level logged (JSON lines on standard error)")
	allowHTTP := boolFlag(fs, "WEBHOOK_ALLOW_HTTP", false, "allow plain-http webhook URLs (tests, demos)")
	allowPrivate := boolFlag(fs, "WEBHOOK_ALLOW_PRIVATE", false, "allow webhook hosts on loopback, private and link-local addresses (intranet deployments, tests)")
	readTimeout := durationFlag(fs, "HTTP_READ_TIMEOUT", 60*time.Second, "a request (headers and body) must arrive whole within this")
	idleTimeout := durationFlag(fs, "HTTP_IDLE_TIMEOUT", 120*time.Second, "an idle keep-alive connection is closed after this")
	maxConnections := countFlag(fs, "MAX_CONNECTIONS", 4096, "connections", "connections open at once; more wait to be accepted")
	maxIntake := countFlag(fs, "MAX_CONCURRENT_INTAKE", 2*runtime.NumCPU(), "declarations", "declarations read and parsed at once (submit and validate); the others wait in line, 10s at most (default 2 × CPUs)")
	keyRate := countOrZeroFlag(fs, "KEY_RATE_LIMIT", 200, "requests/s", "requests per second per key, burst twice that; 0 is no limit")
	retention := durationFlag(fs, "REJECTION_RETENTION", 720*time.Hour, "how long rejection records are kept")
	publicURL := urlFlag(fs, "PUBLIC_URL", "the URL people and partners reach the gateway at (through its proxy); https makes the tracking page's cookies Secure, and its sign-in checks Origin against it")
	noMigrate := fs.Bool("no-migrate", false, "do not apply pending migrations at start")
	tuning := make(map[string]*string, len(tuningSettings))
	for _, t := range tuningSettings {
		tuning[t.name] = tuningFlag(fs, t.name, t.kind, t.def, t.help)
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("serve takes no arguments, not %q", fs.Args())}
	}
	cfg := serveConfig{databaseURL: *dbURL, maxConns: *maxConns, addr: *addr, reviewCentre: *rc, rates: *rates,
		seedSecret: *secret, syncInterval: *interval, maxBody: *maxBody, noMigrate: *noMigrate, common: c,
		registries: map[string]string{}, tuning: map[string]string{},
		webhookAllowHTTP: *allowHTTP, webhookAllowPrivate: *allowPrivate,
		http:      httpLimits{read: *readTimeout, idle: *idleTimeout, maxConns: *maxConnections},
		limits:    gateway.Limits{MaxConcurrentIntake: *maxIntake, KeyRateLimit: float64(*keyRate)},
		publicURL: *publicURL, rejectionRetention: *retention}
	switch {
	case cfg.databaseURL == "":
		return usageError{"DATABASE_URL is required (or --database-url)"}
	case cfg.reviewCentre == "":
		return usageError{"REVIEW_CENTRE_URL is required (or --review-centre-url)"}
	case cfg.seedSecret == "":
		return usageError{"RANDOM_SEED_SECRET is required (or --random-seed-secret)"}
	}
	for region, u := range map[string]string{"BJ": *bj, "TJ": *tj, "HE": *he} {
		if u != "" {
			cfg.registries[region] = u
		}
	}
	for name, v := range tuning {
		if *v != "" {
			cfg.tuning[name] = *v
		}
	}
	log, err := newLogger(os.Stderr, *logLevel)
	if err != nil {
		return err
	}
	tuneGC()
	a, err := newApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	return a.run(ctx)
}

// app is a running gateway: the HTTP server and its background workers.
type app struct {
	cfg     serveConfig
	log     *slog.Logger
	db      *postgres.DB
	server  *gateway.Server
	workers []func(ctx context.Context)
	// rerouteNudge wakes the re-route worker after a credit change.
	rerouteNudge chan struct{}
}

func newApp(ctx context.Context, cfg serveConfig, log *slog.Logger) (*app, error) {
	tables, err := cfg.common.tables()
	if err != nil {
		return nil, err
	}
	lim, err := cfg.common.limits()
	if err != nil {
		return nil, err
	}
	rates, err := parseRates(cfg.rates)
	if err != nil {
		return nil, err
	}
	reg, err := registry(tables, lim)
	if err != nil {
		return nil, err
	}
	engine, err := routing.New(routing.Config{Tables: tables, Rates: rates})
	if err != nil {
		return nil, err
	}
	db, err := postgres.Connect(ctx, postgres.Config{URL: cfg.databaseURL, MaxConns: cfg.maxConns})
	if err != nil {
		return nil, err
	}
	if !cfg.noMigrate {
		applied, err := db.Migrate(ctx)
		if err != nil {
			db.Close()
			return nil, err
		}
		if len(applied) > 0 {
			log.Info("migrations applied", "names", applied)
		}
	}
	metrics := prometheus.NewRegistry()
	metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a := &app{cfg: cfg, log: log, db: db}
	facts := &clearance.LiveFacts{SeedSecret: []byte(cfg.seedSecret)}
	svc := &clearance.Service{Store: postgres.DeclarationStore{DB: db}, Translator: &translate.Translator{Adapters: reg, Engine: engine}, Engine: engine, Tables: tables, Facts: facts}
	insp := &inspection.Service{Store: inspection.Adapt[postgres.Tx](postgres.InspectionStore{DB: db}), Engine: engine, Tables: tables,
		Facts: facts, Adapters: reg,
		ReplayFunc: func(ctx context.Context, id int64, actor, note string, at time.Time) error {
			return outbox.Replay(ctx, outbox.Adapt[postgres.Tx](db), inspection.Lifecycle{}, id, actor, note, at)
		}}
	a.server = &gateway.Server{
		Config:     gateway.Config{MaxBodyBytes: cfg.maxBody, Limits: cfg.limits, PublicURL: cfg.publicURL},
		DB:         db,
		Adapters:   reg,
		Tables:     tables,
		Keys:       &apikey.Keys{Store: db, ValidScope: apikey.ScopeChecker(tables)},
		Clearance:  svc,
		Inspection: insp,
		// The register is part of intake (citations are checked and
		// written off there), so it is always served.
		Documents: &document.Service{Store: postgres.DocumentStore{DB: db}, Tables: tables},
		Logger:    log,
		Metrics:   metrics,
	}
	if err := a.wire(ctx, tables, engine, svc, insp, facts, metrics); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

// run serves until ctx ends, then stops gracefully: no new requests, the
// ones in flight finished, the workers stopped between units of work.
func (a *app) run(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.cfg.addr)
	if err != nil {
		a.db.Close()
		return fmt.Errorf("listen on %s: %w", a.cfg.addr, err)
	}
	return a.serveOn(ctx, ln)
}

func (a *app) serveOn(ctx context.Context, ln net.Listener) error {
	defer a.db.Close()
	srv := a.cfg.http.server(a.server.Handler())
	ln = netutil.LimitListener(ln, a.cfg.http.connections())
	workCtx, stopWork := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, w := range a.workers {
		wg.Add(1)
		go func() { defer wg.Done(); w(workCtx) }()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.log.Info("gateway listening", "addr", ln.Addr().String())
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	a.log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		a.log.Error("shutdown", "err", err)
	}
	stopWork()
	wg.Wait()
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return nil
}
