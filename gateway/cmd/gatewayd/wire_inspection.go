package main

import (
	"context"

	"github.com/jjj/gateway/gateway"
	"github.com/jjj/gateway/internal/inspection"
	"github.com/jjj/gateway/internal/postgres"
)

// wireInspection wires the inland bureaus' tasks, risk alerts (served to
// intake from a cache) and draws.
func (a *app) wireInspection(ctx context.Context, d *deps) error {
	alerts := &inspection.AlertCache{Store: postgres.InspectionStore{DB: a.db}}
	d.facts.Alerts = alerts
	a.server.InspectionDeps = &gateway.InspectionDeps{
		Alerts:     alerts,
		SeedSecret: []byte(a.cfg.seedSecret),
	}
	return nil
}
