// Package inspection is what happens to a declaration after intake: the
// bureaus' tasks and their results, the judging of each workflow's
// findings (Judge, pure), risk alerts, re-routing when credit or alerts
// change, the review centre's decisions, and Record, the one place a
// declaration's status moves. It builds on internal/clearance (the
// declaration as intake stored it, the routing facts, how a task is
// opened) and enqueues route amendments through internal/outbox; clearance
// never imports it.
package inspection

import (
	"context"
	"fmt"
	"time"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/internal/clearance"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/routing"
)

// Service is the declaration's life after intake.
type Service struct {
	DB     *postgres.DB
	Engine *routing.Engine
	Tables *codes.Tables
	// Facts loads credit, alerts and the day's seed for re-routes.
	Facts clearance.FactsSource
	// Adapters tell which ports exist, for risk alerts that name one.
	Adapters *adapters.Registry
	// NowFunc: nil means time.Now.
	NowFunc func() time.Time
}

func (s *Service) now() time.Time {
	if s.NowFunc != nil {
		return s.NowFunc().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) facts(ctx context.Context, d *customs.Declaration, draw bool) (routing.Facts, error) {
	if s.Facts == nil {
		return routing.Facts{}, nil
	}
	f, err := s.Facts.Facts(ctx, d, draw)
	if err != nil {
		return f, fmt.Errorf("load routing facts: %w", err)
	}
	return f, nil
}
