package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/jjj/gateway/gateway"
	"github.com/jjj/gateway/internal/apikey"
	"github.com/jjj/gateway/internal/clearance"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/routing"
	"github.com/jjj/gateway/internal/translate"
)

// serveConfig is everything `gatewayd serve` is configured with.
type serveConfig struct {
	databaseURL  string
	addr         string
	reviewCentre string
	registries   map[string]string // region -> URL
	syncInterval time.Duration
	rates        string
	seedSecret   string
	maxBody      int64
	noMigrate    bool
	common       *common
}

func runServe(ctx context.Context, args []string) error {
	fs := newFlagSet("serve")
	c := commonFlags(fs)
	dbURL := envFlag(fs, "DATABASE_URL", "", "PostgreSQL connection string (required)")
	addr := envFlag(fs, "GATEWAY_ADDR", "127.0.0.1:8080", "listen address")
	rc := envFlag(fs, "REVIEW_CENTRE_URL", "", "the review centre's base URL (required)")
	bj := envFlag(fs, "CREDIT_REGISTRY_BJ", "", "Beijing credit registry base URL")
	tj := envFlag(fs, "CREDIT_REGISTRY_TJ", "", "Tianjin credit registry base URL")
	he := envFlag(fs, "CREDIT_REGISTRY_HE", "", "Hebei credit registry base URL")
	interval := envFlag(fs, "CREDIT_SYNC_INTERVAL", "1m", "time between credit syncs")
	rates := envFlag(fs, "RANDOM_INSPECTION_RATES", "general=0.03,advanced=0.005", "random inspection rates by rating")
	secret := envFlag(fs, "RANDOM_SEED_SECRET", "", "the secret behind the day's random seeds (required)")
	maxBody := envFlag(fs, "MAX_BODY_BYTES", "4194304", "largest declaration accepted, in bytes")
	noMigrate := fs.Bool("no-migrate", false, "do not apply pending migrations at start")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg := serveConfig{databaseURL: *dbURL, addr: *addr, reviewCentre: *rc, rates: *rates, seedSecret: *secret,
		noMigrate: *noMigrate, common: c, registries: map[string]string{}}
	for region, u := range map[string]string{"BJ": *bj, "TJ": *tj, "HE": *he} {
		if u != "" {
			cfg.registries[region] = u
		}
	}
	switch {
	case cfg.databaseURL == "":
		return usageError{"DATABASE_URL is required"}
	case cfg.reviewCentre == "":
		return usageError{"REVIEW_CENTRE_URL is required"}
	case cfg.seedSecret == "":
		return usageError{"RANDOM_SEED_SECRET is required"}
	}
	var err error
	if cfg.syncInterval, err = parseDuration("CREDIT_SYNC_INTERVAL", *interval); err != nil {
		return err
	}
	if cfg.maxBody, err = strconv.ParseInt(*maxBody, 10, 64); err != nil || cfg.maxBody < 1 {
		return usageError{"MAX_BODY_BYTES must be a positive whole number"}
	}
	log, err := c.logger(os.Stderr)
	if err != nil {
		return err
	}
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
	ln      net.Listener
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
	db, err := postgres.Open(ctx, cfg.databaseURL)
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
	svc := &clearance.Service{DB: db, Translator: &translate.Translator{Adapters: reg, Engine: engine}, Engine: engine, Tables: tables, Facts: facts}
	a.server = &gateway.Server{
		Config:    gateway.Config{MaxBodyBytes: cfg.maxBody},
		DB:        db,
		Adapters:  reg,
		Tables:    tables,
		Keys:      &apikey.Keys{Store: db, ValidScope: apikey.ScopeChecker(tables)},
		Clearance: svc,
		Logger:    log,
		Metrics:   metrics,
	}
	if err := a.wire(ctx, tables, engine, svc, facts, metrics); err != nil {
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
	srv := &http.Server{Handler: a.server.Handler(), ReadHeaderTimeout: 10 * time.Second}
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
