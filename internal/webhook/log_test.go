package webhook_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

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
