package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jjj/gateway/internal/credit"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/inspection"
)

// wireCredit wires the credit capability into the app: a client per
// configured registry (CREDIT_REGISTRY_*), the sync loop every
// CREDIT_SYNC_INTERVAL as a worker, the in-memory ratings cache as routing's
// rating source (and its poller as a worker), the credit API, and the sync
// metrics on the app's registry.
//
// Tuning beyond operations.md's table, read from the environment here only
// (defaults in parentheses): CREDIT_PAGE_SIZE (1000), CREDIT_REGISTRY_TIMEOUT
// (30s), CREDIT_BREAKER_TIMEOUT (30s), CREDIT_CACHE_POLL (1s).
func (a *app) wireCredit(ctx context.Context, d *deps) error {
	var (
		ccfg     credit.ClientConfig
		poll     time.Duration
		pageSize int
	)
	if err := a.tuneDurations(map[string]*time.Duration{"CREDIT_REGISTRY_TIMEOUT": &ccfg.Timeout,
		"CREDIT_BREAKER_TIMEOUT": &ccfg.BreakerOpen, "CREDIT_CACHE_POLL": &poll}); err != nil {
		return err
	}
	if err := a.tuneCounts(map[string]*int{"CREDIT_PAGE_SIZE": &pageSize}); err != nil {
		return err
	}

	sources := map[customs.Region]credit.Source{}
	for region, u := range a.cfg.registries {
		c := ccfg
		c.Region, c.URL = customs.Region(region), u
		client, err := credit.NewClient(c)
		if err != nil {
			return usageError{fmt.Sprintf("CREDIT_REGISTRY_%s: %v", region, err)}
		}
		sources[c.Region] = client
	}
	cache, err := credit.NewCache(credit.CacheConfig{Store: a.db, PollInterval: poll, Logger: a.log})
	if err != nil {
		return err
	}
	syncer, err := credit.New(credit.Config{
		Sources:    sources,
		Store:      a.db,
		PageSize:   pageSize,
		Interval:   a.cfg.syncInterval,
		Cache:      cache,
		OnChange:   a.creditRatingsChanged(d),
		Logger:     a.log,
		Registerer: d.metrics,
	})
	if err != nil {
		return err
	}
	d.facts.Ratings = cache
	a.rerouteNudge = make(chan struct{}, 1)
	a.workers = append(a.workers, cache.Run, syncer.Run, func(ctx context.Context) {
		d.insp.RunReroutes(ctx, inspection.ReroutesConfig{Nudge: a.rerouteNudge,
			OnError: func(err error) { a.log.Error("re-route after a credit change", "err", err) }})
	})
	a.server.Credit = syncer
	if len(sources) == 0 {
		a.log.Info("no credit registry configured (CREDIT_REGISTRY_BJ, _TJ, _HE): credit is not synced")
	}
	return nil
}

// creditRatingsChanged is called after each committed page (and each
// expiry re-evaluation) with the enterprises whose effective rating
// changed. The re-route requests were queued in that page's transaction
// (postgres.RequestReroute); this only wakes the worker that drains them,
// so a crash in between loses nothing.
func (a *app) creditRatingsChanged(d *deps) func(ctx context.Context, usccs []string) error {
	return func(ctx context.Context, usccs []string) error {
		a.log.Info("effective credit ratings changed", "enterprises", len(usccs))
		select {
		case a.rerouteNudge <- struct{}{}:
		default:
		}
		return nil
	}
}
