package gateway

import (
	"net/http"

	"github.com/jjj/gateway/gateway/openapi"
	"github.com/jjj/gateway/gateway/track"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Route is one entry of the API's route table: a method and a Go 1.22
// ServeMux pattern, as api.md (and the OpenAPI document) name them.
type Route struct {
	Method, Pattern string
}

// Routes returns the route table: every route the gateway serves when
// every capability is wired, in the table's order.
func Routes() []Route {
	out := make([]Route, len(routes))
	for i, r := range routes {
		out[i] = Route{r.method, r.pattern}
	}
	return out
}

// route is one row of the table: who may call it (open, a key, the
// tracking page's session), the handler, and the capability it needs
// wired on the Server (nil: always served).
type route struct {
	method, pattern string
	handler         func(s *Server) http.Handler
	needs           func(s *Server) bool
}

// The route table: the one place routes are registered. Read it as
// api.md's index; the handlers live with their capability's file.
var routes = []route{
	// Operations.
	{"GET", "/healthz", public(func(s *Server) HandlerFunc { return s.healthz }), nil},
	{"GET", "/readyz", public(func(s *Server) HandlerFunc { return s.readyz }), nil},
	{"GET", "/metrics", func(s *Server) http.Handler { return promhttp.HandlerFor(s.Metrics, promhttp.HandlerOpts{}) }, nil},

	// Ports: intake (declarations.go).
	{"GET", "/v1/ports", keyed(func(s *Server) HandlerFunc { return s.listPorts }), nil},
	{"POST", "/v1/ports/{port}/declarations", keyed(func(s *Server) HandlerFunc { return s.submit }), nil},
	{"POST", "/v1/ports/{port}/declarations/validate", keyed(func(s *Server) HandlerFunc { return s.validate }), nil},
	{"GET", "/v1/declarations/{id}", keyed(func(s *Server) HandlerFunc { return s.getDeclaration }), nil},
	{"GET", "/v1/declarations/{id}/canonical", keyed(func(s *Server) HandlerFunc { return s.getCanonical }), nil},

	// Operator: keys and rejections (keys.go, declarations.go).
	{"POST", "/v1/admin/keys", keyed(func(s *Server) HandlerFunc { return s.createKey }), nil},
	{"GET", "/v1/admin/keys", keyed(func(s *Server) HandlerFunc { return s.listKeys }), nil},
	{"DELETE", "/v1/admin/keys/{id}", keyed(func(s *Server) HandlerFunc { return s.revokeKey }), nil},
	{"GET", "/v1/admin/rejections", keyed(func(s *Server) HandlerFunc { return s.listRejections }), nil},
	{"GET", "/v1/admin/audit", keyed(func(s *Server) HandlerFunc { return s.listAudit }), nil},

	// The machine-readable contract (openapi_routes.go): open, no key.
	{"GET", "/v1/openapi.json", func(s *Server) http.Handler { return s.open(serveOpenAPI) }, nil},
	{"GET", "/v1/schemas/{file}", public(func(s *Server) HandlerFunc { return openapi.ServeSchema }), nil},

	// Delivery to the review centre and its decisions (deliveries.go).
	{"GET", "/v1/admin/deliveries", keyed(func(s *Server) HandlerFunc { return s.deliveries.list }), hasDeliveries},
	{"POST", "/v1/admin/deliveries/replay", keyed(func(s *Server) HandlerFunc { return s.deliveries.replayMatching }), hasDeliveries},
	{"POST", "/v1/admin/deliveries/{id}/replay", keyed(func(s *Server) HandlerFunc { return s.deliveries.replayOne }), hasDeliveries},
	{"POST", "/v1/review-centre/decisions", keyed(func(s *Server) HandlerFunc { return s.deliveries.decide }), hasDeliveries},

	// Bureaus, risk alerts and draws (inspection.go).
	{"GET", "/v1/bureaus/{bureau}/tasks", keyed(func(s *Server) HandlerFunc { return s.inspection.listTasks }), hasInspection},
	{"POST", "/v1/tasks/{id}/claim", keyed(func(s *Server) HandlerFunc { return s.inspection.claim }), hasInspection},
	{"POST", "/v1/tasks/{id}/result", keyed(func(s *Server) HandlerFunc { return s.inspection.result }), hasInspection},
	{"POST", "/v1/admin/risk-alerts", keyed(func(s *Server) HandlerFunc { return s.inspection.createAlert }), hasInspection},
	{"GET", "/v1/admin/risk-alerts", keyed(func(s *Server) HandlerFunc { return s.inspection.listAlerts }), hasInspection},
	{"DELETE", "/v1/admin/risk-alerts/{id}", keyed(func(s *Server) HandlerFunc { return s.inspection.deleteAlert }), hasInspection},
	{"GET", "/v1/admin/draws/{declarationId}", keyed(func(s *Server) HandlerFunc { return s.inspection.draw }), hasInspection},

	// Credit (credit.go).
	{"GET", "/v1/enterprises/{uscc}/credit", keyed(func(s *Server) HandlerFunc { return s.credit.enterprise }), hasCredit},
	{"GET", "/v1/credit/records", keyed(func(s *Server) HandlerFunc { return s.credit.records }), hasCredit},
	{"GET", "/v1/admin/credit/sync", keyed(func(s *Server) HandlerFunc { return s.credit.status }), hasCredit},
	{"POST", "/v1/admin/credit/sync", keyed(func(s *Server) HandlerFunc { return s.credit.sync }), hasCredit},

	// Enterprises: the list and webhooks (enterprises.go).
	{"GET", "/v1/declarations", keyed(func(s *Server) HandlerFunc { return s.enterprises.listDeclarations }), hasEnterprises},
	{"POST", "/v1/webhooks", keyed(func(s *Server) HandlerFunc { return s.enterprises.createWebhook }), hasEnterprises},
	{"GET", "/v1/webhooks", keyed(func(s *Server) HandlerFunc { return s.enterprises.listWebhooks }), hasEnterprises},
	{"GET", "/v1/webhooks/{id}", keyed(func(s *Server) HandlerFunc { return s.enterprises.getWebhook }), hasEnterprises},
	{"DELETE", "/v1/webhooks/{id}", keyed(func(s *Server) HandlerFunc { return s.enterprises.deleteWebhook }), hasEnterprises},
	{"POST", "/v1/webhooks/{id}/resume", keyed(func(s *Server) HandlerFunc { return s.enterprises.resumeWebhook }), hasEnterprises},
	{"GET", "/v1/admin/webhooks", keyed(func(s *Server) HandlerFunc { return s.enterprises.adminWebhooks }), hasEnterprises},
	{"POST", "/v1/admin/webhooks/{id}/resume", keyed(func(s *Server) HandlerFunc { return s.enterprises.adminResumeWebhook }), hasEnterprises},

	// Regional warnings and trace (warnings.go).
	{"POST", "/v1/warnings", keyed(func(s *Server) HandlerFunc { return s.createWarning }), hasWarnings},
	{"GET", "/v1/warnings", keyed(func(s *Server) HandlerFunc { return s.listWarnings }), hasWarnings},
	{"GET", "/v1/warnings/{id}", keyed(func(s *Server) HandlerFunc { return s.getWarning }), hasWarnings},
	{"POST", "/v1/warnings/{id}/ack", keyed(func(s *Server) HandlerFunc { return s.ackWarning }), hasWarnings},
	{"POST", "/v1/warnings/{id}/lift", keyed(func(s *Server) HandlerFunc { return s.liftWarning }), hasWarnings},
	{"GET", "/v1/warnings/{id}/trace", keyed(func(s *Server) HandlerFunc { return s.traceWarning }), hasWarnings},
	{"GET", "/v1/trace", keyed(func(s *Server) HandlerFunc { return s.trace }), hasWarnings},

	// The register of supporting documents (documents.go).
	{"POST", "/v1/documents", keyed(func(s *Server) HandlerFunc { return documentHandlers{s}.issue }), hasDocuments},
	{"GET", "/v1/documents", keyed(func(s *Server) HandlerFunc { return documentHandlers{s}.list }), hasDocuments},
	{"GET", "/v1/documents/{kind}/{number}", keyed(func(s *Server) HandlerFunc { return documentHandlers{s}.get }), hasDocuments},
	{"POST", "/v1/documents/{kind}/{number}/revoke", keyed(func(s *Server) HandlerFunc { return documentHandlers{s}.revoke }), hasDocuments},

	// The tracking page (gateway/track): HTML, signed in by session.
	{"GET", "/track", page((*track.Site).Home), hasEnterprises},
	{"GET", "/track/{$}", page((*track.Site).Root), hasEnterprises},
	{"POST", "/track/signin", page((*track.Site).SignIn), hasEnterprises},
	{"POST", "/track/signout", page((*track.Site).SignOut), hasEnterprises},
	{"GET", "/track/declarations/{id}", page((*track.Site).Detail), hasEnterprises},
	{"GET", "/track/static/track.css", page((*track.Site).Stylesheet), hasEnterprises},
}

// public serves a handler that needs no key.
func public(h func(s *Server) HandlerFunc) func(*Server) http.Handler {
	return func(s *Server) http.Handler { return s.open(h(s)) }
}

// keyed serves a handler that needs a valid key (PrincipalFrom).
func keyed(h func(s *Server) HandlerFunc) func(*Server) http.Handler {
	return func(s *Server) http.Handler { return s.auth(h(s)) }
}

// page serves a page of the tracking site.
func page(h func(*track.Site) http.Handler) func(*Server) http.Handler {
	return func(s *Server) http.Handler { return h(s.track) }
}

func hasDeliveries(s *Server) bool  { return s.Deliveries != nil }
func hasInspection(s *Server) bool  { return s.InspectionDeps != nil }
func hasCredit(s *Server) bool      { return s.Credit != nil }
func hasEnterprises(s *Server) bool { return s.Enterprises != nil }
func hasWarnings(s *Server) bool    { return s.Warnings != nil }
func hasDocuments(s *Server) bool   { return s.Documents != nil }
