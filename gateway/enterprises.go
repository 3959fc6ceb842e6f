package gateway

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jjj/gateway/gateway/track"
	"github.com/jjj/gateway/internal/clearance"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/webhook"
)

// EnterpriseConfig configures what enterprises see: the declaration list,
// webhooks and the tracking page.
type EnterpriseConfig struct {
	// Webhooks registers and lists the enterprises' webhooks (with the
	// rule of where they may point); required.
	Webhooks *webhook.Registry
	// Sessions keeps the tracking page's sign-ins (*postgres.DB, wired
	// in gatewayd); required.
	Sessions track.SessionStore
	// SessionTTL is how long a sign-in to /track lasts; zero means 8h.
	SessionTTL time.Duration
	// NowFunc: nil means time.Now.
	NowFunc func() time.Time
}

func (c EnterpriseConfig) withDefaults() EnterpriseConfig {
	if c.SessionTTL <= 0 {
		c.SessionTTL = 8 * time.Hour
	}
	if c.NowFunc == nil {
		c.NowFunc = time.Now
	}
	return c
}

// Server.Enterprises, when set, serves GET /v1/declarations, the webhooks (an enterprise's own, and the
// operator's view of all of them) and the tracking page /track.
//
// Readings of api.md where it is silent:
//   - A list item is the declaration exactly as GET /v1/declarations/{id}
//     shows it; a page costs three queries whatever its size.
//   - Filters only narrow the key's scope: enterprise=<another USCC> on an
//     enterprise key lists the declarations both are party to, port=<other
//     port> on a port key lists nothing; an unknown status or port, a bad
//     since, limit or cursor is 400.
//   - "next" is an opaque keyset cursor on the arrival order (seq).
//   - Webhooks: GET /v1/webhooks/{id} is added; DELETE answers 204; an
//     enterprise has at most the registry's maximum (409 beyond); the
//     secret is 16 to 256 bytes, stored as given (it must sign) and never
//     shown again; lastError is the failure's class (webhook.Classify).
//   - The operator sees every webhook, suspended first, with its waiting
//     events, at GET /v1/admin/webhooks?state=, and may resume one at
//     POST /v1/admin/webhooks/{id}/resume.

// requireEnterprise admits enterprise keys only, and only with their USCC:
// an empty scope would read as the operator's "every enterprise".
func requireEnterprise(r *http.Request) (customs.Principal, error) {
	p, err := Require(r, customs.CallerEnterprise)
	if err == nil && p.Scope == "" {
		err = customs.Errorf(customs.CodeForbidden, "this enterprise key has no USCC")
	}
	return p, err
}

type enterprises struct {
	cfg EnterpriseConfig
	s   *Server
}

func badQuery(param, code, format string, args ...any) error {
	e := customs.Errorf(customs.CodeBadRequest, format, args...)
	e.Problems = []customs.Problem{{Path: param, Code: code, Message: e.Message}}
	return e
}

// declarationFilter reads the list's query (api.md): status, port,
// enterprise, since, cursor, limit. Filters only narrow the key's scope,
// which the service adds; a filter naming another port or enterprise
// than the key's own simply finds nothing more than the scope allows.
func (e *enterprises) declarationFilter(r *http.Request) (customs.DeclarationFilter, error) {
	q := r.URL.Query()
	f := customs.DeclarationFilter{Limit: 50}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return f, badQuery("limit", "invalid_limit", "limit must be a whole number from 1 to 500")
		}
		f.Limit = n
	}
	if v := q.Get("status"); v != "" {
		if !customs.IsStatus(v) {
			return f, badQuery("status", customs.ProblemInvalidEnum, "unknown status %q", v)
		}
		f.Status = v
	}
	if v := q.Get("port"); v != "" {
		if _, ok := e.s.Adapters.Get(customs.Port(v)); !ok {
			return f, badQuery("port", "unknown_port", "unknown port %q (GET /v1/ports lists them)", v)
		}
		f.Port = v
	}
	if v := q.Get("enterprise"); v != "" {
		f.Enterprise = customs.NormalizeUSCC(v)
	}
	if v := q.Get("since"); v != "" {
		// A "+" of a zone offset sent unescaped arrives as a space: no RFC
		// 3339 time has one, so it can only be that.
		t, err := time.Parse(time.RFC3339, strings.ReplaceAll(v, " ", "+"))
		if err != nil {
			return f, badQuery("since", customs.ProblemInvalidDate, "since must be an RFC 3339 time")
		}
		f.Since = t
	}
	if v := q.Get("cursor"); v != "" {
		n, err := clearance.DecodeCursor(v)
		if err != nil {
			return f, err
		}
		f.Before = n
	}
	return f, nil
}

func (e *enterprises) listDeclarations(w http.ResponseWriter, r *http.Request) error {
	p := PrincipalFrom(r.Context())
	if _, ok := clearance.ScopeOf(p); !ok {
		return customs.Errorf(customs.CodeForbidden, "a %s key may not list declarations", p.Role)
	}
	f, err := e.declarationFilter(r)
	if err != nil {
		return err
	}
	page, err := e.s.Clearance.List(r.Context(), p, f)
	if err != nil {
		return err
	}
	var next *string
	if page.Next != 0 {
		c := clearance.EncodeCursor(page.Next)
		next = &c
	}
	return WriteJSON(w, http.StatusOK, map[string]any{"items": page.Items, "next": next})
}

// webhookView is a webhook as its enterprise sees it; the secret is never
// shown again.
type webhookView struct {
	ID            string     `json:"id"`
	URL           string     `json:"url"`
	State         string     `json:"state"`
	CreatedAt     time.Time  `json:"createdAt"`
	Failures      int        `json:"failures"`
	LastError     *string    `json:"lastError"`
	LastAttemptAt *time.Time `json:"lastAttemptAt"`
	LastSuccessAt *time.Time `json:"lastSuccessAt"`
	SuspendedAt   *time.Time `json:"suspendedAt"`
	// Enterprise and Pending are shown to the operator only.
	Enterprise string `json:"enterprise,omitempty"`
	Pending    *int   `json:"pending,omitempty"`
}

func newWebhookView(w *customs.Webhook) webhookView {
	v := webhookView{ID: w.ID, URL: w.URL, State: string(w.State), CreatedAt: w.CreatedAt.UTC(), Failures: w.Failures}
	if w.LastError != "" {
		s := w.LastError
		v.LastError = &s
	}
	v.LastAttemptAt = nullTime(w.LastAttemptAt, !w.LastAttemptAt.IsZero())
	v.LastSuccessAt = nullTime(w.LastSuccessAt, !w.LastSuccessAt.IsZero())
	v.SuspendedAt = nullTime(w.SuspendedAt, !w.SuspendedAt.IsZero())
	return v
}

func nullTime(t time.Time, ok bool) *time.Time {
	if !ok {
		return nil
	}
	u := t.UTC()
	return &u
}

type webhookRequest struct {
	URL    string `json:"url"`
	Secret string `json:"secret"`
}

func (e *enterprises) createWebhook(w http.ResponseWriter, r *http.Request) error {
	p, err := requireEnterprise(r)
	if err != nil {
		return err
	}
	var req webhookRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	hook, err := e.cfg.Webhooks.Register(r.Context(), p.Scope, req.URL, req.Secret)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/webhooks/"+hook.ID)
	return WriteJSON(w, http.StatusCreated, newWebhookView(hook))
}

func (e *enterprises) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	p, err := requireEnterprise(r)
	if err != nil {
		return err
	}
	rows, err := e.cfg.Webhooks.List(r.Context(), p.Scope)
	if err != nil {
		return err
	}
	items := make([]webhookView, len(rows))
	for i := range rows {
		items[i] = newWebhookView(&rows[i])
	}
	return WriteJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (e *enterprises) getWebhook(w http.ResponseWriter, r *http.Request) error {
	p, err := requireEnterprise(r)
	if err != nil {
		return err
	}
	row, err := e.cfg.Webhooks.Get(r.Context(), r.PathValue("id"), p.Scope)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, newWebhookView(row))
}

func (e *enterprises) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	p, err := requireEnterprise(r)
	if err != nil {
		return err
	}
	if err := e.cfg.Webhooks.Delete(r.Context(), r.PathValue("id"), p.Scope); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (e *enterprises) resumeWebhook(w http.ResponseWriter, r *http.Request) error {
	p, err := requireEnterprise(r)
	if err != nil {
		return err
	}
	row, err := e.cfg.Webhooks.Resume(r.Context(), r.PathValue("id"), p.Scope)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, newWebhookView(row))
}

// adminWebhooks shows the operator every webhook, suspended ones first,
// with how many events each has waiting: ?state=active|suspended.
func (e *enterprises) adminWebhooks(w http.ResponseWriter, r *http.Request) error {
	if _, err := Require(r, customs.CallerAdmin); err != nil {
		return err
	}
	rows, err := e.cfg.Webhooks.ByState(r.Context(), customs.WebhookState(r.URL.Query().Get("state")))
	if err != nil {
		return err
	}
	items := make([]webhookView, len(rows))
	for i := range rows {
		items[i] = newWebhookView(&rows[i])
		items[i].Enterprise = rows[i].Enterprise
		n := rows[i].Pending
		items[i].Pending = &n
	}
	return WriteJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (e *enterprises) adminResumeWebhook(w http.ResponseWriter, r *http.Request) error {
	if _, err := Require(r, customs.CallerAdmin); err != nil {
		return err
	}
	row, err := e.cfg.Webhooks.Resume(r.Context(), r.PathValue("id"), "")
	if err != nil {
		return err
	}
	v := newWebhookView(row)
	v.Enterprise = row.Enterprise
	return WriteJSON(w, http.StatusOK, v)
}
