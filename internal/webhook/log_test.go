package webhook_test

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/jjj/gateway/internal/webhook"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// A failed call's log line names the declaration, the key that joins it to
// the intake's access log line (and so to the request id).
func TestFailedCallIsLoggedWithItsDeclaration(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rc := newReceiver(t)
	rc.setAnswer(func(webhook.Event, int) int { return http.StatusBadGateway })
	b.hook(t, entA, rc.srv.URL)
	b.declare(t, "d_logged", entA)
	var logs lockedBuffer
	w := b.worker(t, webhook.Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if _, err := w.RunOnce(b.ctx); err != nil {
		t.Fatal(err)
	}
	logs.mu.Lock()
	out := logs.b.String()
	logs.mu.Unlock()
	if !strings.Contains(out, `"msg":"webhook call failed"`) || !strings.Contains(out, `"declaration":"d_logged"`) {
		t.Errorf("log: %s", out)
	}
}

// Webhook calls by outcome are on /metrics.
func TestDeliveriesByOutcomeOnMetrics(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rc := newReceiver(t)
	var fail atomic.Bool
	fail.Store(true)
	rc.setAnswer(func(webhook.Event, int) int {
		if fail.Load() {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	b.hook(t, entA, rc.srv.URL)
	b.declare(t, "d_counted", entA)
	reg := prometheus.NewRegistry()
	w := b.worker(t, webhook.Config{Metrics: reg, BackoffBase: time.Millisecond, BackoffMax: time.Millisecond})
	if _, err := w.RunOnce(b.ctx); err != nil {
		t.Fatal(err)
	}
	fail.Store(false)
	time.Sleep(5 * time.Millisecond)
	drain(t, w)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`gateway_webhook_deliveries_total{outcome="failed"} 1`, `gateway_webhook_deliveries_total{outcome="delivered"} 1`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("no %q in\n%s", want, body)
		}
	}
}
