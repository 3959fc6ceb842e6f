// Package gateway is the gateway's HTTP API (api.md): routing of requests to
// the services, authentication by API key, and the one place that turns
// errors into RFC 9457 problem details. Handlers return errors; Error
// decides the status.
package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/gateway/track"
	"github.com/jjj/gateway/internal/apikey"
	"github.com/jjj/gateway/internal/clearance"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/document"
	"github.com/jjj/gateway/internal/inspection"
	"github.com/jjj/gateway/internal/warning"
)

// Config configures the HTTP layer.
type Config struct {
	// MaxBodyBytes is the largest declaration accepted; zero means 4 MiB.
	MaxBodyBytes int64
	// Limits hold against hostile input (limits.go).
	Limits Limits
	// PublicURL is where people reach the gateway (PUBLIC_URL): https
	// makes the tracking page's cookies Secure, and its sign-in and
	// sign-out check Origin against it.
	PublicURL string
}

// Server serves the API. Its exported fields are its dependencies, set by
// the caller before Handler is called.
type Server struct {
	Config    Config
	DB        Database
	Adapters  *adapters.Registry
	Tables    *codes.Tables
	Keys      *apikey.Keys
	Clearance *clearance.Service
	// Inspection serves tasks, alerts, draws, the review centre's
	// decisions and replays.
	Inspection *inspection.Service
	Logger     *slog.Logger
	// Audit keeps the audit trail; nil means DB.
	Audit AuditLog
	// Metrics is the registry /metrics serves; nil means a new one.
	Metrics *prometheus.Registry

	// The capabilities beyond intake: each one set serves its routes
	// (routes.go); one left nil leaves them out, as gatewayd's wiring and
	// the tests choose.
	Deliveries     *DeliveryDeps
	InspectionDeps *InspectionDeps
	Credit         CreditService
	Enterprises    *EnterpriseConfig
	// Warnings serves the regional warnings and the trace (warnings.md).
	Warnings *warning.Service
	// Documents is the register of supporting documents (documents.md).
	Documents *document.Service

	deliveries  *deliveryHandlers
	inspection  *inspectionHandlers
	credit      creditHandlers
	enterprises *enterprises
	track       *track.Site

	guard *guard

	requests      *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	intakeMetrics *intakeMetrics
}

// Database is what the HTTP layer asks of the storage itself, beyond the
// services (*postgres.DB, wired in gatewayd): whether it is up and
// migrated (/readyz), and whether an error means it could not be reached,
// which is answered 503 "try again later" rather than as our bug.
type Database interface {
	// PingContext reaches the database.
	PingContext(ctx context.Context) error
	// Pending names the migrations not yet applied.
	Pending(ctx context.Context) ([]string, error)
	// Unavailable reports whether err means the database could not be
	// reached or is shutting down, rather than that a query was wrong.
	Unavailable(err error) bool
}

type ctxKey int

const principalKey ctxKey = 0

// PrincipalFrom returns the authenticated caller of a request.
func PrincipalFrom(ctx context.Context) customs.Principal {
	p, _ := ctx.Value(principalKey).(*customs.Principal)
	if p == nil {
		return customs.Principal{}
	}
	return *p
}

// HandlerFunc is a handler that returns its error for Error to answer.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Handler returns the API's handler.
func (s *Server) Handler() http.Handler {
	if s.Config.MaxBodyBytes <= 0 {
		s.Config.MaxBodyBytes = 4 << 20
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.Metrics == nil {
		s.Metrics = prometheus.NewRegistry()
	}
	if a, ok := s.DB.(AuditLog); ok && s.Audit == nil {
		s.Audit = a
	}
	s.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "status"})
	s.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gateway_http_request_seconds", Help: "HTTP request latency by route.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}, []string{"route"})
	s.Metrics.MustRegister(s.requests, s.duration)
	s.registerMetrics()

	s.guard = newGuard(s.Config.Limits)
	s.deliveries = &deliveryHandlers{d: s.Deliveries, s: s}
	if s.InspectionDeps != nil {
		s.inspection = &inspectionHandlers{s: s, d: *s.InspectionDeps}
	}
	s.credit = creditHandlers{c: s.Credit}
	if s.Enterprises != nil {
		cfg := s.Enterprises.withDefaults()
		s.enterprises = &enterprises{cfg: cfg, s: s}
		s.track = track.New(track.Config{SessionTTL: cfg.SessionTTL, NowFunc: cfg.NowFunc, PublicURL: s.Config.PublicURL})
		s.track.Keys, s.track.Sessions, s.track.Declarations = limitedKeys{s}, cfg.Sessions, s.Clearance
		s.track.Tables, s.track.Logger = s.Tables, s.Logger
		if s.Documents != nil {
			s.track.Documents = s.Documents
		}
		s.track.Serve = func(h func(http.ResponseWriter, *http.Request) error) http.Handler { return s.open(h) }
	}
	mux := http.NewServeMux()
	for _, rt := range routes {
		if rt.needs == nil || rt.needs(s) {
			mux.Handle(rt.method+" "+rt.pattern, rt.handler(s))
		}
	}
	mux.Handle("/", s.open(func(w http.ResponseWriter, r *http.Request) error {
		if allow := allowedMethods(mux, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			return customs.Errorf(codeMethodNotAllowed, "%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", "))
		}
		return customs.Errorf(customs.CodeNotFound, "no such resource: %s %s", r.Method, r.URL.Path)
	}))
	// The access log wraps the mux itself (it reads the route the mux
	// matched from the request the mux saw); checkBytes logs what it
	// refuses at the edge through the access log too.
	return s.checkBytes(s.accessLog(mux))
}

// codeMethodNotAllowed answers a known path asked with a method it does not
// take. It is the HTTP layer's own code (405), not a domain one: the catch-all
// "/" pattern would otherwise turn it into a 404, and net/http's own 405 is
// plain text, not a problem.
const codeMethodNotAllowed customs.ErrorCode = "method_not_allowed"

// probeMethods are the methods tried to find what a path does allow.
var probeMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// allowedMethods returns the methods that some pattern other than the
// catch-all serves for r's path (HEAD with GET, as net/http does).
func allowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var allow []string
	for _, m := range probeMethods {
		if m == r.Method {
			continue
		}
		probe := &http.Request{Method: m, URL: r.URL, Host: r.Host, Header: http.Header{}}
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/" {
			allow = append(allow, m)
			if m == http.MethodGet {
				allow = append(allow, http.MethodHead)
			}
		}
	}
	return allow
}

// statusWriter remembers the status for metrics, and whether the answer
// has begun: an error after that cannot be answered any more.
type statusWriter struct {
	http.ResponseWriter
	status  int
	started bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.started {
		w.status, w.started = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.started = true
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) serve(w http.ResponseWriter, r *http.Request, h HandlerFunc) {
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w, status: 200}
	if err := h(sw, r); err != nil {
		if sw.started {
			// Most often the client went away while the answer was being
			// written; a problem appended to a sent answer would garble it.
			s.Logger.WarnContext(r.Context(), "error after the answer began", "method", r.Method, "path", r.URL.Path, "status", sw.status, "err", err)
		} else {
			s.Error(sw, r, err)
		}
	}
	route := r.Pattern
	if route == "" {
		route = "unmatched"
	}
	s.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
	s.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
}

// Open wraps a handler that needs no key.
func (s *Server) open(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, h) })
}

// auth wraps a handler that needs a valid key; the principal is in the
// request's context (PrincipalFrom).
func (s *Server) auth(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serve(w, r, func(w http.ResponseWriter, r *http.Request) error {
			key, ok := bearer(r)
			if !ok {
				return customs.Errorf(customs.CodeUnauthorized, "an API key is required (Authorization: Bearer <key>)")
			}
			p, err := limitedKeys{s}.Authenticate(r.Context(), key)
			if err != nil {
				retryAfter(w, err)
				return err
			}
			if ri := infoFrom(r.Context()); ri != nil {
				ri.keyID, ri.role, ri.port, ri.actor = p.KeyID, string(p.Role), p.Scope, p.Actor()
			}
			if err := s.guard.keyRate(w, p); err != nil {
				return err
			}
			return h(w, r.WithContext(context.WithValue(r.Context(), principalKey, p)))
		})
	})
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const p = "Bearer "
	if len(h) <= len(p) || !strings.EqualFold(h[:len(p)], p) {
		return "", false
	}
	return strings.TrimSpace(h[len(p):]), true
}

// Require returns CodeForbidden unless the caller has one of the roles.
func Require(r *http.Request, roles ...customs.CallerRole) (customs.Principal, error) {
	p := PrincipalFrom(r.Context())
	for _, role := range roles {
		if p.Role == role {
			return p, nil
		}
	}
	return p, customs.Errorf(customs.CodeForbidden, "this call is not open to %s keys", p.Role)
}

// Problem is an RFC 9457 problem (api.md).
type Problem struct {
	Type    string         `json:"type"`
	Title   string         `json:"title"`
	Status  int            `json:"status"`
	Detail  string         `json:"detail,omitempty"`
	Port    string         `json:"port,omitempty"`
	PortRef *string        `json:"portRef,omitempty"`
	Errors  []ProblemError `json:"errors"`
	// RequestID is the request's id (X-Request-Id), to quote when asking
	// the operator about this answer.
	RequestID string `json:"requestId,omitempty"`
}

// ProblemError is one entry of a problem's errors.
type ProblemError struct {
	Path    *string `json:"path"`
	Code    string  `json:"code"`
	Message string  `json:"message"`
}

// DeclarationError carries the port and portRef of a refused declaration.
type DeclarationError struct {
	Port    customs.Port
	PortRef string
	Err     error
}

func (e *DeclarationError) Error() string { return e.Err.Error() }
func (e *DeclarationError) Unwrap() error { return e.Err }

// StatusOf maps an error code to its HTTP status.
func StatusOf(code customs.ErrorCode) int {
	switch code {
	case customs.CodeInvalid:
		return http.StatusUnprocessableEntity
	case customs.CodeUnreadable, customs.CodeBadRequest:
		return http.StatusBadRequest
	case customs.CodeNotFound:
		return http.StatusNotFound
	case customs.CodeConflict:
		return http.StatusConflict
	case customs.CodeUnauthorized:
		return http.StatusUnauthorized
	case customs.CodeForbidden:
		return http.StatusForbidden
	case customs.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case customs.CodeNotXML:
		return http.StatusUnsupportedMediaType
	case customs.CodeUnavailable:
		return http.StatusServiceUnavailable
	case codeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case customs.CodeBusy:
		return http.StatusServiceUnavailable
	case customs.CodeRateLimited:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

var titles = map[customs.ErrorCode]string{
	customs.CodeInvalid:      "declaration does not validate",
	customs.CodeUnreadable:   "the body cannot be read",
	customs.CodeBadRequest:   "bad request",
	customs.CodeNotFound:     "not found",
	customs.CodeConflict:     "conflict",
	customs.CodeUnauthorized: "unauthorized",
	customs.CodeForbidden:    "forbidden",
	customs.CodeTooLarge:     "too large",
	customs.CodeNotXML:       "not XML",
	customs.CodeUnavailable:  "unavailable",
	customs.CodeInternal:     "internal error",
	codeMethodNotAllowed:     "method not allowed",
	customs.CodeBusy:         "busy",
	customs.CodeRateLimited:  "rate limited",
}

// ProblemType is the problem type URI of an error code (api.md).
func ProblemType(code customs.ErrorCode) string {
	return "https://jjj-gateway.example/problems/" + strings.ReplaceAll(string(code), "_", "-")
}

// Error answers err as a problem. It is the only place that chooses a
// status, and the only place internal errors are logged.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	code := customs.ErrorCodeOf(err)
	if code == customs.CodeInternal && r.Context().Err() != nil && errors.Is(err, context.Canceled) {
		// The caller went away mid-request (a load client at its
		// deadline, a closed browser): not our bug, and nobody reads the
		// answer. Logged as such, counted with nginx's 499.
		s.Logger.InfoContext(r.Context(), "client went away", "method", r.Method, "path", r.URL.Path)
		if ri := infoFrom(r.Context()); ri != nil {
			ri.code = "client_closed"
		}
		w.WriteHeader(499)
		return
	}
	if code == customs.CodeInternal && s.DB != nil && s.DB.Unavailable(err) {
		s.Logger.ErrorContext(r.Context(), "database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		err = &customs.Error{Code: customs.CodeUnavailable, Message: "the database is unavailable; try again later"}
		code = customs.CodeUnavailable
	}
	status := StatusOf(code)
	if ri := infoFrom(r.Context()); ri != nil {
		ri.code = code
	}
	p := Problem{
		Type:   ProblemType(code),
		Title:  titles[code],
		Status: status,
		// The id is echoed in the body too: a problem is often pasted
		// into a complaint without its headers.
		RequestID: RequestID(r.Context()),
	}
	var de *DeclarationError
	isDeclaration := errors.As(err, &de)
	if code == customs.CodeInvalid {
		if isDeclaration || (r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v1/ports/")) {
			p.Type = "https://jjj-gateway.example/problems/invalid-declaration"
		} else {
			// A key request, a task result, a decision: not a declaration.
			p.Title = "the request does not validate"
		}
	}
	if isDeclaration {
		p.Port = string(de.Port)
		if de.PortRef != "" && len(de.PortRef) <= customs.MaxPortRef {
			ref := de.PortRef
			p.PortRef = &ref
		}
	}
	if code == customs.CodeInternal {
		s.Logger.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		p.Errors = []ProblemError{{Code: "internal", Message: "internal error"}}
	} else {
		msg := customs.Quote(customs.ErrorMessage(err), 2*customs.MaxQuoted)
		p.Detail = msg
		for _, pr := range customs.BoundProblems(customs.ProblemsOf(err)) {
			pe := ProblemError{Code: pr.Code, Message: pr.Message}
			if pr.Path != "" {
				path := pr.Path
				pe.Path = &path
			}
			p.Errors = append(p.Errors, pe)
		}
		if len(p.Errors) == 0 {
			p.Errors = []ProblemError{{Code: string(code), Message: msg}}
		}
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="gateway"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}

// WriteJSON answers v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return WriteRawJSON(w, status, b)
}

// WriteRawJSON answers a JSON body as is.
func WriteRawJSON(w http.ResponseWriter, status int, b []byte) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err := w.Write(b)
	return err
}

// DecodeJSON reads a JSON request body into v, refusing unknown fields,
// bytes that are not UTF-8, a NUL in a string (cleanJSON) and anything
// after the one value.
func DecodeJSON(r *http.Request, v any) error {
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 1<<20))
	if err == nil {
		err = cleanJSON(b)
		if err != nil {
			return err
		}
	}
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err = dec.Decode(v); err == nil {
			if _, terr := dec.Token(); terr != io.EOF {
				err = errors.New("the body holds more than one JSON value")
			}
		}
	}
	if err != nil {
		return &customs.Error{Code: customs.CodeBadRequest, Message: "the body is not the JSON this call takes",
			Problems: []customs.Problem{{Code: "invalid_json", Message: customs.Quote(err.Error(), customs.MaxQuoted)}}}
	}
	return nil
}
