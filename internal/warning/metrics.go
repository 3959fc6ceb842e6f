package warning

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// OverdueCollector exports gateway_warning_acks_overdue: the
// acknowledgements of active warnings past due and not given, by the
// region that owes them. The label set is bounded: always the three
// regions, zero included, so an alert rule sees a region recover.
type OverdueCollector struct {
	Service *Service
	// Timeout bounds the database read of one scrape; zero means 2s.
	Timeout time.Duration
}

var overdueDesc = prometheus.NewDesc("gateway_warning_acks_overdue",
	"Acknowledgements of active regional warnings past due and not given, by the region that owes them.", []string{"region"}, nil)

// Describe implements prometheus.Collector.
func (c *OverdueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- overdueDesc }

// Collect implements prometheus.Collector. A failed read reports the
// error on the metric, so the scrape shows it rather than a false zero.
func (c *OverdueCollector) Collect(ch chan<- prometheus.Metric) {
	t := c.Timeout
	if t == 0 {
		t = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), t)
	defer cancel()
	n, err := c.Service.Store.OverdueAcks(ctx, c.Service.now())
	if err != nil {
		ch <- prometheus.NewInvalidMetric(overdueDesc, err)
		return
	}
	for _, r := range Regions {
		ch <- prometheus.MustNewConstMetric(overdueDesc, prometheus.GaugeValue, float64(n[r]), r)
	}
}
