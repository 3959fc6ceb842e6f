package credit

import (
	"context"
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// stateCollector reports, at scrape time, each configured registry's
// circuit breaker and how far its sync lags: one cheap query of the sync
// state table (one row per registry) per scrape. The label set is the
// configured registries (at most BJ, TJ, HE).
//
// The lag is the time since the registry's last successful sync; a
// registry never synced reports +Inf, so that an alert on "lag above N"
// fires for it too.
type stateCollector struct {
	s       *Syncer
	breaker *prometheus.Desc
	lag     *prometheus.Desc
}

func newStateCollector(s *Syncer) *stateCollector {
	return &stateCollector{s: s,
		breaker: prometheus.NewDesc("gateway_credit_registry_breaker_state",
			"Each credit registry's circuit breaker: 0 closed, 1 half-open, 2 open.", []string{"registry"}, nil),
		lag: prometheus.NewDesc("gateway_credit_sync_lag_seconds",
			"Seconds since each registry's last successful credit sync (+Inf: never).", []string{"registry"}, nil),
	}
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.breaker
	ch <- c.lag
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	for _, r := range c.s.regions {
		state := 0.0
		if b, ok := c.s.cfg.Sources[r].(breakerReporter); ok {
			switch b.BreakerState() {
			case "half-open":
				state = 1
			case "open":
				state = 2
			}
		}
		ch <- prometheus.MustNewConstMetric(c.breaker, prometheus.GaugeValue, state, string(r))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	states, err := c.s.cfg.Store.CreditSyncStates(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.lag, err)
		return
	}
	now := c.s.cfg.NowFunc()
	for _, r := range c.s.regions {
		lag := math.Inf(1)
		if st, ok := states[r]; ok && !st.LastSuccess.IsZero() {
			lag = now.Sub(st.LastSuccess).Seconds()
		}
		ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, lag, string(r))
	}
}
