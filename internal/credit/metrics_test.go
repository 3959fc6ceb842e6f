package credit_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jjj/gateway/internal/credit"
	"github.com/jjj/gateway/internal/credit/sim"
	"github.com/jjj/gateway/internal/customs"
)

// scrape reads /metrics as Prometheus does.
func scrape(t *testing.T, reg *prometheus.Registry) string {
	t.Helper()
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, b)
	}
	return string(b)
}

// Each registry's breaker and sync lag are on /metrics: a registry that is
// down has an open breaker and an infinite lag (never synced); one that
// synced, a closed breaker and a lag of moments.
func TestBreakerAndLagOnMetrics(t *testing.T) {
	t.Parallel()
	sims := map[customs.Region]*sim.Registry{}
	for i, r := range []customs.Region{customs.RegionTJ, customs.RegionHE} {
		s, err := sim.New(sim.Config{Region: r, Records: 20, Seed: uint64(30 + i)})
		if err != nil {
			t.Fatal(err)
		}
		sims[r] = s
	}
	sims[customs.RegionHE].SetDown(true)
	b := setup(t, options{sims: sims})
	reg := prometheus.NewRegistry()
	s, err := credit.New(credit.Config{Sources: sourcesOf(t, b), Store: b.db, NowFunc: b.clock.Now, Registerer: reg, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	before := scrape(t, reg)
	for _, want := range []string{`gateway_credit_sync_lag_seconds{registry="TJ"} +Inf`, `gateway_credit_registry_breaker_state{registry="TJ"} 0`} {
		if !strings.Contains(before, want) {
			t.Errorf("before a sync: no %q in\n%s", want, grepLines(before, "gateway_credit_"))
		}
	}
	for range 3 {
		s.SyncAll(context.Background())
	}
	after := scrape(t, reg)
	for _, want := range []string{`gateway_credit_sync_lag_seconds{registry="HE"} +Inf`, `gateway_credit_registry_breaker_state{registry="HE"} 2`,
		`gateway_credit_registry_breaker_state{registry="TJ"} 0`} {
		if !strings.Contains(after, want) {
			t.Errorf("no %q in\n%s", want, grepLines(after, "gateway_credit_"))
		}
	}
	if strings.Contains(after, `gateway_credit_sync_lag_seconds{registry="TJ"} +Inf`) || !strings.Contains(after, `gateway_credit_sync_lag_seconds{registry="TJ"}`) {
		t.Errorf("TJ synced but its lag is\n%s", grepLines(after, "gateway_credit_sync_lag"))
	}
	if strings.Contains(after, `registry="BJ"`) {
		t.Error("a registry not configured is reported")
	}
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
