package main

import (
	"context"
	"fmt"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/jjj/gateway/gateway"
	"github.com/jjj/gateway/internal/inspection"
	"github.com/jjj/gateway/internal/outbox"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/reviewcentre"
)

// wireDelivery wires the delivery capability into the app: the review
// centre client (REVIEW_CENTRE_URL), the outbox dispatcher as a worker, the
// operator's delivery calls and the review centre's decisions, and their
// metrics.
//
// Tuning beyond operations.md's table, read from the environment here only
// (defaults in parentheses): OUTBOX_CONCURRENCY (16), OUTBOX_BATCH (64),
// OUTBOX_LEASE (2m), OUTBOX_POLL (250ms), OUTBOX_RETRY_BASE (1s),
// OUTBOX_RETRY_CAP (5m), REVIEW_CENTRE_TIMEOUT (10s),
// REVIEW_CENTRE_BREAKER_TIMEOUT (10s).
func (a *app) wireDelivery(ctx context.Context, d *deps) error {
	var (
		cfg  outbox.Config
		rcfg = reviewcentre.Config{URL: a.cfg.reviewCentre}
	)
	if err := a.tuneDurations(map[string]*time.Duration{
		"OUTBOX_LEASE": &cfg.Lease, "OUTBOX_POLL": &cfg.PollInterval,
		"OUTBOX_RETRY_BASE": &cfg.Retry.Base, "OUTBOX_RETRY_CAP": &cfg.Retry.Cap,
		"REVIEW_CENTRE_TIMEOUT": &rcfg.Timeout, "REVIEW_CENTRE_BREAKER_TIMEOUT": &rcfg.BreakerTimeout,
	}); err != nil {
		return err
	}
	if err := a.tuneCounts(map[string]*int{"OUTBOX_CONCURRENCY": &cfg.Concurrency, "OUTBOX_BATCH": &cfg.BatchSize}); err != nil {
		return err
	}
	rcfg.OnStateChange = func(from, to gobreaker.State) {
		a.log.Warn("review centre circuit breaker", "from", from.String(), "to", to.String())
	}
	client, err := reviewcentre.New(rcfg)
	if err != nil {
		return usageError{"REVIEW_CENTRE_URL: " + err.Error()}
	}
	metrics := outbox.NewMetrics(client.BreakerState)
	if err := metrics.Register(d.metrics); err != nil {
		return fmt.Errorf("delivery metrics: %w", err)
	}
	cfg.Metrics = metrics
	cfg.Logger = a.log
	cfg.Lifecycle = inspection.Lifecycle{}
	disp, err := outbox.New(outbox.Adapt[postgres.Tx](a.db), client, cfg, client.MaxDuration())
	if err != nil {
		return usageError{err.Error()}
	}
	a.workers = append(a.workers, disp.Run)
	a.server.Deliveries = &gateway.DeliveryDeps{Store: a.db}
	return nil
}
