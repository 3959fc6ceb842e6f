package gateway_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jjj/gateway/gateway"
)

// TestClientGoneIsNotOurBug: a request whose caller went away ends with
// context.Canceled; that is logged as the client's doing (499), never as
// an internal error (a 5xx is always our bug).
func TestClientGoneIsNotOurBug(t *testing.T) {
	var logs bytes.Buffer
	s := &gateway.Server{Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("POST", "/v1/ports/tianjin/declarations", nil).WithContext(ctx)
	w := httptest.NewRecorder()
	s.Error(w, r, fmt.Errorf("insert declaration: %w", context.Canceled))
	if w.Code != 499 || strings.Contains(logs.String(), "internal error") || !strings.Contains(logs.String(), "client went away") {
		t.Errorf("status %d, log %s", w.Code, logs.String())
	}

	// The same error while the caller still waits is ours: a 500.
	logs.Reset()
	w = httptest.NewRecorder()
	s.Error(w, httptest.NewRequest("GET", "/v1/ports", nil), fmt.Errorf("query: %w", context.Canceled))
	if w.Code != 500 || !strings.Contains(logs.String(), "internal error") {
		t.Errorf("status %d, log %s", w.Code, logs.String())
	}
}
