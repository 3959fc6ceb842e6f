package clearance

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
)

// RatingSource gives the merged effective credit ratings of enterprises
// (credit.md). Enterprises without an active record may be left out.
type RatingSource interface {
	Ratings(ctx context.Context, usccs []string, day string) (map[string]customs.Rating, error)
}

// AlertSource gives the risk alerts active at a time.
type AlertSource interface {
	ActiveAlerts(ctx context.Context, at time.Time) ([]routing.Alert, error)
}

// LiveFacts loads routing facts for live declarations: credit, alerts and
// the day's seed. A nil source contributes nothing.
type LiveFacts struct {
	// SeedSecret is RANDOM_SEED_SECRET; the day's seed is derived from it.
	SeedSecret []byte
	Ratings    RatingSource
	Alerts     AlertSource

	seed atomic.Pointer[routing.Seed] // the last day's seed: two HMACs saved per declaration
}

// daySeed returns the seed of day, computing it once per day.
func (f *LiveFacts) daySeed(day string) *routing.Seed {
	if s := f.seed.Load(); s != nil && s.Day == day {
		return s
	}
	s := routing.DaySeed(f.SeedSecret, day)
	f.seed.Store(&s)
	return &s
}

// Facts implements FactsSource.
func (f *LiveFacts) Facts(ctx context.Context, d *customs.Declaration, draw bool) (routing.Facts, error) {
	var out routing.Facts
	at := d.Source.ReceivedAt
	if f.Ratings != nil {
		r, err := f.Ratings.Ratings(ctx, d.Enterprises(), customs.BeijingDay(at))
		if err != nil {
			return out, err
		}
		out.Ratings = r
	}
	if f.Alerts != nil {
		a, err := f.Alerts.ActiveAlerts(ctx, at)
		if err != nil {
			return out, err
		}
		out.Alerts = a
	}
	if draw && len(f.SeedSecret) > 0 {
		out.Seed = f.daySeed(customs.BeijingDay(at))
	}
	return out, nil
}
