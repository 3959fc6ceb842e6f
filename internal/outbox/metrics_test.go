package outbox_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jjj/gateway/internal/reviewcentre/sim"
)

func scrapeText(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// Deliveries by outcome and the review centre's breaker, read from
// /metrics: while the review centre is down the breaker is open (2), and
// once it is back the sends are counted as accepted and the breaker closes.
func TestDeliveryAndBreakerMetricsOnScrape(t *testing.T) {
	t.Parallel()
	b := setup(t, sim.Config{}, nil)
	reg := prometheus.NewRegistry()
	if err := b.metrics.Register(reg); err != nil {
		t.Fatal(err)
	}
	b.sim.SetDown(time.Hour)
	var logs syncBuf
	cfg := testConfig()
	cfg.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	b.run(t, cfg)
	ids := insert(t, b.db, 5, declOpt{})
	waitFor(t, 10*time.Second, "the breaker to open", func() bool {
		return strings.Contains(scrapeText(t, reg), "gateway_review_centre_breaker_state 2")
	})
	b.sim.SetDown(0)
	waitFor(t, 20*time.Second, "every delivery", func() bool { return count(t, b.db).Delivered == 5 })
	waitFor(t, 5*time.Second, "the breaker to close", func() bool {
		return strings.Contains(scrapeText(t, reg), "gateway_review_centre_breaker_state 0")
	})
	// A failed send's log line names its declaration: the key that joins
	// it to the intake's access log line and its request id.
	l := logs.String()
	named := false
	for _, id := range ids {
		named = named || strings.Contains(l, `"declaration":"`+id+`"`)
	}
	if !strings.Contains(l, `"msg":"outbox: transient failure"`) || !named {
		t.Errorf("outbox log without declarations:\n%.2000s", l)
	}
	out := scrapeText(t, reg)
	if !strings.Contains(out, `gateway_review_centre_deliveries_total{outcome="accepted"} 5`) {
		t.Errorf("deliveries:\n%s", out)
	}
	if !strings.Contains(out, `gateway_review_centre_deliveries_total{outcome="transient"}`) && !strings.Contains(out, `gateway_review_centre_deliveries_total{outcome="snoozed"}`) {
		t.Errorf("no failed send counted while down:\n%s", out)
	}
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
