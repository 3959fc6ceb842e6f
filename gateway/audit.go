package gateway

import (
	"context"
	"net/http"
	"path"
	"strconv"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// AuditLog is where the audit trail is kept (postgres.DB implements it).
type AuditLog interface {
	AppendAudit(ctx context.Context, e customs.AuditEntry) error
	AuditEntries(ctx context.Context, f customs.AuditFilter) ([]customs.AuditEntry, error)
}

// audited names the action of each state-changing route. The trail is
// written by the HTTP layer, once the call is answered, for every call
// made with a valid key — done or refused (outcome "ok" or the error
// code). Calls without a valid key are in the access log only: recording
// them would let anyone on the network fill the trail.
//
// A declaration's creation is written inside intake's transaction
// (auditEntry, clearance.SubmitOptions.Audit): its entry and the declaration
// are stored together or not at all. Every other entry is written right
// after the call, not inside its transaction: a crash between the two
// loses the entry, never the change, and the access log line (same
// request id) still shows the call. A failure to write it is logged at
// error level.
var audited = map[string]customs.AuditAction{
	"POST /v1/ports/{port}/declarations":        customs.AuditSubmit,
	"POST /v1/tasks/{id}/claim":                 customs.AuditClaim,
	"POST /v1/tasks/{id}/result":                customs.AuditResult,
	"POST /v1/review-centre/decisions":          customs.AuditDecision,
	"POST /v1/admin/deliveries/{id}/replay":     customs.AuditReplay,
	"POST /v1/admin/deliveries/replay":          customs.AuditReplayMatching,
	"POST /v1/admin/keys":                       customs.AuditKeyCreate,
	"DELETE /v1/admin/keys/{id}":                customs.AuditKeyRevoke,
	"POST /v1/admin/risk-alerts":                customs.AuditAlertCreate,
	"DELETE /v1/admin/risk-alerts/{id}":         customs.AuditAlertEnd,
	"POST /v1/webhooks":                         customs.AuditWebhookRegister,
	"DELETE /v1/webhooks/{id}":                  customs.AuditWebhookDelete,
	"POST /v1/webhooks/{id}/resume":             customs.AuditWebhookResume,
	"POST /v1/admin/webhooks/{id}/resume":       customs.AuditWebhookResume,
	"POST /v1/admin/credit/sync":                customs.AuditCreditSyncStart,
	"POST /v1/warnings":                         customs.AuditWarningIssue,
	"POST /v1/warnings/{id}/ack":                customs.AuditWarningAck,
	"POST /v1/warnings/{id}/lift":               customs.AuditWarningLift,
	"POST /v1/documents":                        customs.AuditDocumentIssue,
	"POST /v1/documents/{kind}/{number}/revoke": customs.AuditDocumentRevoke,
	"GET /v1/trace":                             customs.AuditTrace,
	"GET /v1/warnings/{id}/trace":               customs.AuditTrace,
}

// noteTarget names what a call made, when neither its path nor its
// Location header does (a new key).
func noteTarget(r *http.Request, target string) {
	if ri := infoFrom(r.Context()); ri != nil {
		ri.target = target
	}
}

// auditEntry is the entry of r's call, done with status (outcome "ok"),
// without its Target and At; nil when the call is not audited. A service
// that stores the entry with the change sets those two itself.
func (s *Server) auditEntry(r *http.Request, status int) *customs.AuditEntry {
	action, ok := audited[r.Pattern]
	ri := infoFrom(r.Context())
	if !ok || ri == nil || ri.keyID == "" || s.Audit == nil {
		return nil
	}
	return &customs.AuditEntry{KeyID: ri.keyID, Role: customs.CallerRole(ri.role), Actor: ri.actor,
		RequestID: ri.id, Action: action, Outcome: "ok", Status: status}
}

// audit records a finished call when its route is audited, unless the
// service wrote its entry with the change.
func (s *Server) audit(r *http.Request, ri *requestInfo, w http.ResponseWriter, status int) {
	if ri.audited {
		return
	}
	e := s.auditEntry(r, status)
	if e == nil {
		return
	}
	target := ri.target
	if target == "" {
		target = r.PathValue("id")
	}
	if target == "" && status < 300 {
		if loc := w.Header().Get("Location"); loc != "" {
			target = path.Base(loc)
		}
	}
	if target == "" {
		target = ri.declaration
	}
	if target == "" {
		target = r.PathValue("port")
	}
	if status >= 400 {
		e.Outcome = string(ri.code)
		if e.Outcome == "" {
			e.Outcome = strconv.Itoa(status)
		}
	}
	e.At, e.Target = time.Now().UTC(), target
	if err := s.Audit.AppendAudit(context.WithoutCancel(r.Context()), *e); err != nil {
		s.Logger.ErrorContext(r.Context(), "audit entry not written", "requestId", ri.id, "action", string(e.Action), "target", target, "err", err)
	}
}

// listAudit is GET /v1/admin/audit: the trail newest first, a page at a
// time; the cursor is an entry's id, so pages do not shift while entries
// are added.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) error {
	if _, err := Require(r, customs.CallerAdmin); err != nil {
		return err
	}
	limit, before, err := pageParams(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := customs.AuditFilter{Actor: q.Get("actor"), Action: customs.AuditAction(q.Get("action")), Before: before, Limit: limit}
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return &customs.Error{Code: customs.CodeBadRequest, Message: "since must be an RFC 3339 time",
				Problems: []customs.Problem{{Code: "invalid_query", Path: "since", Message: "since " + strconv.Quote(v) + " is not an RFC 3339 time (2026-01-02T15:04:05Z)"}}}
		}
		f.Since = t
	}
	rows, err := s.Audit.AuditEntries(r.Context(), f)
	if err != nil {
		return err
	}
	type item struct {
		ID        string    `json:"id"`
		At        time.Time `json:"at"`
		KeyID     string    `json:"keyId"`
		Role      string    `json:"role"`
		Actor     string    `json:"actor"`
		RequestID string    `json:"requestId"`
		Action    string    `json:"action"`
		Target    string    `json:"target"`
		Outcome   string    `json:"outcome"`
		Status    int       `json:"status"`
	}
	items := make([]item, len(rows))
	for i, e := range rows {
		items[i] = item{ID: strconv.FormatInt(e.ID, 10), At: e.At.UTC(), KeyID: e.KeyID, Role: string(e.Role), Actor: e.Actor,
			RequestID: e.RequestID, Action: string(e.Action), Target: e.Target, Outcome: e.Outcome, Status: e.Status}
	}
	var next *string
	if len(rows) == limit {
		c := strconv.FormatInt(rows[len(rows)-1].ID, 10)
		next = &c
	}
	return WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next": next})
}
