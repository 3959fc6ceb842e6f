package main

import (
	"context"
	"time"

	"github.com/jjj/gateway/gateway"
	"github.com/jjj/gateway/internal/webhook"
)

// wireEnterprise wires the enterprise capability into the app: the
// declaration list, webhooks (the enterprise's calls, the operator's view
// and the delivery worker) and the tracking page /track. Where webhooks
// may point (WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOW_PRIVATE) is one rule given
// to both the registry, which checks at registration, and the worker,
// which checks again at every connection.
//
// Tuning beyond operations.md's table, read from the environment here only
// (defaults in parentheses): WEBHOOK_POLL (1s), WEBHOOK_TIMEOUT (10s),
// WEBHOOK_CONCURRENCY (64 calls in flight, one per webhook),
// WEBHOOK_RETRY_BASE (10s), WEBHOOK_RETRY_CAP (30m), WEBHOOK_SUSPEND_AFTER
// (12 failed attempts in a row), TRACK_SESSION_TTL (8h).
func (a *app) wireEnterprise(ctx context.Context, d *deps) error {
	targets := webhook.Targets{AllowHTTP: a.cfg.webhookAllowHTTP, AllowPrivate: a.cfg.webhookAllowPrivate}
	var (
		wcfg = webhook.Config{Logger: a.log, Metrics: d.metrics, Targets: targets}
		ecfg = gateway.EnterpriseConfig{Webhooks: webhook.NewRegistry(a.db, webhook.RegistryConfig{Targets: targets}), Sessions: a.db}
	)
	if err := a.tuneDurations(map[string]*time.Duration{
		"WEBHOOK_POLL": &wcfg.PollInterval, "WEBHOOK_TIMEOUT": &wcfg.Timeout,
		"WEBHOOK_RETRY_BASE": &wcfg.BackoffBase, "WEBHOOK_RETRY_CAP": &wcfg.BackoffMax,
		"TRACK_SESSION_TTL": &ecfg.SessionTTL,
	}); err != nil {
		return err
	}
	if err := a.tuneCounts(map[string]*int{"WEBHOOK_SUSPEND_AFTER": &wcfg.SuspendAfter, "WEBHOOK_CONCURRENCY": &wcfg.Concurrency}); err != nil {
		return err
	}
	worker, err := webhook.New(a.db, wcfg)
	if err != nil {
		return err
	}
	a.workers = append(a.workers, worker.Run)
	a.server.Enterprises = &ecfg
	return nil
}
