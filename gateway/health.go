// Liveness and readiness (operations.md): /healthz answers while the
// process runs, /readyz only with the database up and migrated.

package gateway

import (
	"encoding/json"
	"net/http"
	"strings"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	return WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 {"database": "ok", "migrations": "ok"}, or 503 naming
// what is down. The 503 is an error, so it is a problem (api.md: every
// error is one) that also carries the same "database" and "migrations"
// members as the 200, so a probe can read either form.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if err := s.DB.PingContext(ctx); err != nil {
		return notReady(w, "database", "database_down", "down: "+err.Error(), map[string]string{"database": "down: " + err.Error()})
	}
	pending, err := s.DB.Pending(ctx)
	if err != nil {
		return notReady(w, "database", "database_down", "error: "+err.Error(), map[string]string{"database": "error: " + err.Error()})
	}
	if len(pending) > 0 {
		msg := "pending: " + strings.Join(pending, ", ")
		return notReady(w, "migrations", "migrations_pending", msg, map[string]string{"database": "ok", "migrations": msg})
	}
	return WriteJSON(w, http.StatusOK, map[string]string{"database": "ok", "migrations": "ok"})
}

func notReady(w http.ResponseWriter, dependency, code, msg string, members map[string]string) error {
	body := map[string]any{
		"type":       "https://jjj-gateway.example/problems/unavailable",
		"title":      "unavailable",
		"status":     http.StatusServiceUnavailable,
		"detail":     dependency + " " + msg,
		"dependency": dependency,
		"errors":     []ProblemError{{Code: code, Message: dependency + " " + msg}},
	}
	for k, v := range members {
		body[k] = v
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, err = w.Write(b)
	return err
}
