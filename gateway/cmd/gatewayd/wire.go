package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jjj/gateway/internal/clearance"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/inspection"
	"github.com/jjj/gateway/internal/routing"
)

// deps are what the capabilities are wired from.
type deps struct {
	tables  *codes.Tables
	engine  *routing.Engine
	svc     *clearance.Service
	insp    *inspection.Service
	facts   *clearance.LiveFacts
	metrics *prometheus.Registry
}

// wire adds the background workers and API extensions of each capability
// (delivery, credit, inspection, enterprises) to the app. Each capability
// has its own wire_*.go file.
func (a *app) wire(ctx context.Context, tables *codes.Tables, engine *routing.Engine, svc *clearance.Service, insp *inspection.Service, facts *clearance.LiveFacts, metrics *prometheus.Registry) error {
	d := &deps{tables: tables, engine: engine, svc: svc, insp: insp, facts: facts, metrics: metrics}
	for _, w := range []func(context.Context, *deps) error{a.wireDelivery, a.wireCredit, a.wireInspection, a.wireWarnings, a.wireEnterprise, a.wireRetention} {
		if err := w(ctx, d); err != nil {
			return err
		}
	}
	return nil
}

// tuneDurations sets each duration whose tuning setting (tuningSettings,
// by name) is given; unset ones keep their zero, the package's default.
func (a *app) tuneDurations(dsts map[string]*time.Duration) error {
	for name, dst := range dsts {
		if s := a.cfg.tuning[name]; s != "" {
			v, err := parseDuration(name, s)
			if err != nil {
				return err
			}
			*dst = v
		}
	}
	return nil
}

// tuneCounts is tuneDurations for the settings that count something.
func (a *app) tuneCounts(dsts map[string]*int) error {
	for name, dst := range dsts {
		if s := a.cfg.tuning[name]; s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				return usageError{fmt.Sprintf("%s: %q is not a positive whole number", name, s)}
			}
			*dst = n
		}
	}
	return nil
}
