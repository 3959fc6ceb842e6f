package gateway

import (
	"context"
	"database/sql"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/jjj/gateway/internal/customs"
)

// The gateway's own metrics beyond HTTP totals. Every label set is
// bounded: ports are the registered ones (anything else is "unknown"),
// outcomes are "accepted", "duplicate" or an error code, rejection codes
// are the problem codes the adapters and checks define (a fixed list in
// the code, never text from the message).
//
// Queue depths are read at scrape time with one cheap query each (the
// pending rows are few and indexed by state), not maintained in memory:
// they are then right across several gateway processes and restarts.
type intakeMetrics struct {
	declarations *prometheus.CounterVec
	rejections   *prometheus.CounterVec
	intake       *prometheus.HistogramVec
	translation  *prometheus.HistogramVec
}

var latencyBuckets = prometheus.ExponentialBuckets(0.0005, 2, 14) // 0.5ms … 4s

func (s *Server) registerMetrics() {
	m := &intakeMetrics{
		declarations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_declarations_total",
			Help: "Declarations submitted, by port and outcome (accepted, duplicate, or the error code of the refusal)."}, []string{"port", "outcome"}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_rejections_total",
			Help: "Problems found in refused declarations, by problem code (one refusal may count several)."}, []string{"code"}),
		intake: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gateway_intake_seconds",
			Help: "Time to answer a submission, by port.", Buckets: latencyBuckets}, []string{"port"}),
		translation: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gateway_translation_seconds",
			Help: "Time to translate and check a port's message (submissions and previews), by port.", Buckets: latencyBuckets}, []string{"port"}),
	}
	s.Metrics.MustRegister(m.declarations, m.rejections, m.intake, m.translation)
	s.intakeMetrics = m
	if s.Clearance != nil && s.Clearance.Translator != nil && s.Clearance.Translator.Observe == nil {
		s.Clearance.Translator.Observe = func(port customs.Port, took time.Duration) {
			m.translation.WithLabelValues(string(port)).Observe(took.Seconds())
		}
	}
	// The storage offers the pool and the queues' depths when it can
	// (*postgres.DB does): optional interfaces, so a test double of
	// Database need not.
	if p, ok := s.DB.(interface{ SQL() *sql.DB }); ok {
		s.Metrics.MustRegister(collectors.NewDBStatsCollector(p.SQL(), "gateway"))
	}
	if g, ok := s.DB.(QueueGauges); ok {
		s.Metrics.MustRegister(&queueCollector{g: g})
	}
}

// portLabel is a port as a label: a registered one, else "unknown".
func (s *Server) portLabel(port customs.Port) string {
	if _, ok := s.Adapters.Get(port); ok {
		return string(port)
	}
	return "unknown"
}

// countSubmission counts a submission's outcome (err nil: accepted, or a
// duplicate when not created).
func (s *Server) countSubmission(port customs.Port, created bool, err error, took time.Duration) {
	m := s.intakeMetrics
	label := s.portLabel(port)
	m.intake.WithLabelValues(label).Observe(took.Seconds())
	switch {
	case err == nil && created:
		m.declarations.WithLabelValues(label, "accepted").Inc()
	case err == nil:
		m.declarations.WithLabelValues(label, "duplicate").Inc()
	default:
		code := customs.ErrorCodeOf(err)
		m.declarations.WithLabelValues(label, string(code)).Inc()
		ps := customs.ProblemsOf(err)
		if len(ps) == 0 {
			m.rejections.WithLabelValues(string(code)).Inc()
		}
		for _, p := range ps {
			m.rejections.WithLabelValues(p.Code).Inc()
		}
	}
}

// QueueGauges reads the queues' depths at scrape time.
type QueueGauges interface {
	QueueDepths(ctx context.Context) (customs.QueueDepths, error)
}

// queueCollector reads the queues at scrape time.
type queueCollector struct{ g QueueGauges }

var (
	outboxDepthDesc = prometheus.NewDesc("gateway_outbox_depth",
		"Outbox messages not yet delivered (available, retryable or running).", nil, nil)
	outboxAgeDesc = prometheus.NewDesc("gateway_outbox_oldest_age_seconds",
		"Age of the oldest undelivered outbox message; 0 when there is none.", nil, nil)
	webhookDepthDesc = prometheus.NewDesc("gateway_webhook_queue_depth",
		"Webhook events waiting to be delivered (pending or running), suspended webhooks' included.", nil, nil)
	webhookSuspendedDesc = prometheus.NewDesc("gateway_webhooks_suspended",
		"Webhooks suspended after failing in a row, waiting for a resume.", nil, nil)
	creditStagedDesc = prometheus.NewDesc("gateway_credit_staged_records",
		"Credit records read from the registries and staged, not yet flushed.", nil, nil)
	creditUnmergedDesc = prometheus.NewDesc("gateway_credit_unmerged_records",
		"Credit records flushed whose enterprises are not merged yet.", nil, nil)
)

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxDepthDesc
	ch <- outboxAgeDesc
	ch <- webhookDepthDesc
	ch <- webhookSuspendedDesc
	ch <- creditStagedDesc
	ch <- creditUnmergedDesc
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	q, err := c.g.QueueDepths(ctx)
	if err != nil {
		// The database is away: the scrape still answers (process, HTTP
		// and pool metrics), without the queues; /readyz says why.
		return
	}
	ch <- prometheus.MustNewConstMetric(outboxDepthDesc, prometheus.GaugeValue, float64(q.Outbox))
	ch <- prometheus.MustNewConstMetric(outboxAgeDesc, prometheus.GaugeValue, q.OutboxOldestSeconds)
	ch <- prometheus.MustNewConstMetric(webhookDepthDesc, prometheus.GaugeValue, float64(q.WebhookEvents))
	ch <- prometheus.MustNewConstMetric(webhookSuspendedDesc, prometheus.GaugeValue, float64(q.WebhooksSuspended))
	ch <- prometheus.MustNewConstMetric(creditStagedDesc, prometheus.GaugeValue, float64(q.CreditStaged))
	ch <- prometheus.MustNewConstMetric(creditUnmergedDesc, prometheus.GaugeValue, float64(q.CreditUnmerged))
}
