package gateway

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestErrorAfterAnswerBegan: a handler that fails once its answer has
// begun (a write to a client gone away) leaves the answer as it was,
// instead of a second status and a problem appended to the body, and the
// failure is logged.
func TestErrorAfterAnswerBegan(t *testing.T) {
	var log bytes.Buffer
	s := &Server{Logger: slog.New(slog.NewTextHandler(&log, nil))}
	s.Handler() // sets up the metrics serve records
	h := s.open(func(w http.ResponseWriter, r *http.Request) error {
		if err := WriteRawJSON(w, http.StatusCreated, []byte(`{"id":"x"}`)); err != nil {
			return err
		}
		return errors.New("write: broken pipe")
	})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != http.StatusCreated || string(body) != `{"id":"x"}` {
		t.Errorf("answer %d %s, want 201 {\"id\":\"x\"}", rec.Code, body)
	}
	if !strings.Contains(log.String(), "broken pipe") {
		t.Errorf("failure not logged: %s", log.String())
	}
}
