package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// accessLog wraps the whole API: it gives each request its id (taken or
// made, requestid.go), echoes it on the answer, and writes one JSON line
// per request on the server's logger once the answer is done.
//
// The line names the route pattern, never the raw path (a path holds ids
// and, for the tracking page, searches); the caller's key id and role,
// never the key; the port (the path's, or a port key's scope) and the
// declaration where the request has one. Health probes and scrapes are
// logged like any other call: one line per request, no exceptions, so
// that counting lines counts requests.
//
// The request id follows a declaration into the workers by the
// declaration's id: the intake's line holds both, and the outbox's and
// the webhooks' log lines name the declaration ("declaration"). Nothing
// extra is stored with the declaration or the outbox row: a declaration
// has one intake, and the join is one grep.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		ri := &requestInfo{id: id}
		w.Header().Set(RequestIDHeader, id)
		cw := &countingWriter{ResponseWriter: w, status: http.StatusOK}
		r = r.WithContext(context.WithValue(r.Context(), infoKey, ri))
		next.ServeHTTP(cw, r)

		route := r.Pattern
		if route == "" || route == "/" {
			route = "unmatched"
		}
		port := r.PathValue("port")
		if port == "" && ri.role == string(customs.CallerPort) {
			port = ri.port
		}
		decl := ri.declaration
		if decl == "" {
			decl = declarationOfPath(r)
		}
		attrs := []slog.Attr{
			slog.String("requestId", id),
			slog.String("method", r.Method),
			slog.String("route", route),
			slog.Int("status", cw.status),
			slog.Float64("durationMs", float64(time.Since(start).Microseconds())/1000),
			slog.Int64("bytes", cw.bytes),
		}
		if ri.keyID != "" {
			attrs = append(attrs, slog.String("keyId", ri.keyID), slog.String("role", ri.role))
		}
		if port != "" {
			attrs = append(attrs, slog.String("port", port))
		}
		if decl != "" {
			attrs = append(attrs, slog.String("declaration", decl))
		}
		s.Logger.LogAttrs(r.Context(), slog.LevelInfo, "http request", attrs...)
		s.audit(r, ri, w, cw.status)
	})
}

// declarationOfPath is the declaration a route names in its path.
func declarationOfPath(r *http.Request) string {
	if v := r.PathValue("declarationId"); v != "" {
		return v
	}
	if strings.HasPrefix(r.Pattern, "GET /v1/declarations/{id}") || strings.HasPrefix(r.Pattern, "GET /track/declarations/{id}") {
		return r.PathValue("id")
	}
	return ""
}

// countingWriter remembers the status and counts the body's bytes.
type countingWriter struct {
	http.ResponseWriter
	status  int
	bytes   int64
	written bool
}

func (w *countingWriter) WriteHeader(code int) {
	if !w.written {
		w.status, w.written = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *countingWriter) Write(b []byte) (int, error) {
	w.written = true
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *countingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
