// Liveness and readiness (operations.md): /healthz answers while the
// process runs, /readyz only with the database up and migrated.

package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"syscall"
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
		s.Logger.WarnContext(ctx, "readiness: database", "err", err)
		c := dbClass(err, s.DB.Unavailable)
		return notReady(w, "database", "database_down", c, map[string]string{"database": c})
	}
	pending, err := s.DB.Pending(ctx)
	if err != nil {
		s.Logger.WarnContext(ctx, "readiness: migrations", "err", err)
		c := "error: " + migrationClass(err, s.DB.Unavailable)
		return notReady(w, "database", "database_down", c, map[string]string{"database": c})
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

// dbClass names what kind of failure the database's is, never its text:
// that names hosts, users and databases, which is not for a probe's
// caller (the log has it).
func dbClass(err error, unavailable func(error) bool) string {
	var ne net.Error
	var oe *net.OpError
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "down: timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "down: refused"
	case errors.As(err, &oe):
		return "down: unreachable"
	case unavailable(err):
		return "down: unavailable"
	}
	return "down: error"
}

// migrationClass is dbClass for the migrations' state.
func migrationClass(err error, unavailable func(error) bool) string {
	if c := dbClass(err, unavailable); c != "down: error" {
		return c
	}
	return "migration state unknown"
}
