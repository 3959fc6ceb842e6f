package main

import (
	"context"
	"time"

	"github.com/jjj/gateway/internal/inspection"
	"github.com/jjj/gateway/internal/warning"
)

// wireWarnings wires the regional warnings and the trace (warnings.md):
// the service, warnings with an inspection action served to intake through
// the risk-alert cache (wireInspection made it), re-routes through the
// queue the alerts use (worked by the re-route worker if not at once), the
// overdue watch as a worker (WARNING_OVERDUE_CHECK, 1m) and the overdue
// gauge on the app's registry.
func (a *app) wireWarnings(ctx context.Context, d *deps) error {
	var every time.Duration
	if err := a.tuneDurations(map[string]*time.Duration{"WARNING_OVERDUE_CHECK": &every}); err != nil {
		return err
	}
	svc := &warning.Service{Store: a.db, Tables: d.tables, Reroute: d.insp, Logger: a.log}
	if c, ok := d.facts.Alerts.(*inspection.AlertCache); ok {
		c.Warnings = a.db
		svc.Alerts = c
	}
	d.metrics.MustRegister(&warning.OverdueCollector{Service: svc})
	a.workers = append(a.workers, func(ctx context.Context) { svc.WatchOverdue(ctx, every) })
	a.server.Warnings = svc
	return nil
}
