package gateway

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/inspection"
)

// InspectionDeps are what the inland bureaus' and the risk-alert calls need.
type InspectionDeps struct {
	Alerts *inspection.AlertCache
	// SeedSecret is RANDOM_SEED_SECRET, to redo draws.
	SeedSecret []byte
}

// The bureaus' task calls, risk alerts and draws (api.md Bureaus,
// Operator) are served when Server.InspectionDeps is set.
type inspectionHandlers struct {
	s *Server
	d InspectionDeps
}

func (h *inspectionHandlers) listTasks(w http.ResponseWriter, r *http.Request) error {
	p, err := Require(r, customs.CallerBureau, customs.CallerAdmin)
	if err != nil {
		return err
	}
	// An unknown bureau does not exist (404), and another bureau's tasks are
	// resources outside the key's scope: 404 as if they did not exist
	// (api.md's keys table; issue: "a bureau key sees only its own tasks").
	// Acting on another bureau's task (claim, result) is 403.
	bureau := r.PathValue("bureau")
	if _, ok := h.s.Tables.Bureaus[bureau]; !ok {
		return customs.Errorf(customs.CodeNotFound, "bureau %s not found", bureau)
	}
	if p.Role == customs.CallerBureau && p.Scope != bureau {
		return customs.Errorf(customs.CodeNotFound, "bureau %s not found", bureau)
	}
	q := r.URL.Query()
	f := customs.TaskFilter{Owner: bureau, Status: q.Get("status"), Workflow: q.Get("workflow"), Limit: 50}
	switch f.Status {
	case "", "open", "claimed", "done", "withdrawn":
	default:
		return badQuery("status", customs.ProblemInvalidEnum, "status must be open, claimed, done or withdrawn")
	}
	if w := customs.Workflow(f.Workflow); w != "" && !slices.Contains(customs.Workflows, w) {
		return badQuery("workflow", customs.ProblemInvalidEnum,
			"workflow must be hazchem, coal, iron_ore, food, grain, special_articles, direct_transit or inspection")
	}
	// The cursor is "<createdAt>~<id>", not pageParams' integer: read the
	// limit alone.
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return badQuery("limit", "invalid_limit", "limit must be a whole number from 1 to 500")
		}
		f.Limit = n
	}
	if c := q.Get("cursor"); c != "" {
		at, id, ok := strings.Cut(c, "~")
		t, err := time.Parse(time.RFC3339Nano, at)
		if !ok || err != nil {
			return badQuery("cursor", "invalid_cursor", "cursor is not one this API gave")
		}
		f.AfterAt, f.AfterID = t, id
	}
	items, err := h.s.Inspection.ListTasks(r.Context(), f)
	if err != nil {
		return err
	}
	var next *string
	if len(items) == f.Limit {
		last := items[len(items)-1]
		c := last.CreatedAt.Format(time.RFC3339Nano) + "~" + last.ID
		next = &c
	}
	return WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next": next})
}

func (h *inspectionHandlers) claim(w http.ResponseWriter, r *http.Request) error {
	p, err := Require(r, customs.CallerBureau, customs.CallerAdmin)
	if err != nil {
		return err
	}
	t, err := h.s.Inspection.Claim(r.Context(), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, t)
}

func (h *inspectionHandlers) result(w http.ResponseWriter, r *http.Request) error {
	p, err := Require(r, customs.CallerBureau, customs.CallerAdmin)
	if err != nil {
		return err
	}
	var req inspection.ResultRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	t, err := h.s.Inspection.Result(r.Context(), r.PathValue("id"), req, p)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, t)
}

type alertView struct {
	ID        string     `json:"id"`
	HSPrefix  *string    `json:"hsPrefix"`
	Origin    *string    `json:"origin"`
	USCC      *string    `json:"uscc"`
	Port      *string    `json:"port"`
	Action    string     `json:"action"`
	Reason    string     `json:"reason"`
	ExpiresAt *time.Time `json:"expiresAt"`
	CreatedAt time.Time  `json:"createdAt"`
	CreatedBy string     `json:"createdBy"`
	// Rerouted counts the pending declarations whose route the alert
	// changed; ReroutePending says the re-route could not be done at once
	// and is queued (it follows within seconds).
	Rerouted       *int `json:"rerouted,omitempty"`
	ReroutePending bool `json:"reroutePending,omitempty"`
}

func newAlertView(a *customs.RiskAlert) alertView {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	v := alertView{ID: a.ID, HSPrefix: opt(a.HSPrefix), Origin: opt(a.Origin), USCC: opt(a.USCC), Port: opt(a.Port),
		Action: string(a.Action), Reason: a.Reason, CreatedAt: a.CreatedAt.UTC(), CreatedBy: a.CreatedBy}
	if a.ExpiresAt != nil {
		t := a.ExpiresAt.UTC()
		v.ExpiresAt = &t
	}
	return v
}

func (h *inspectionHandlers) createAlert(w http.ResponseWriter, r *http.Request) error {
	p, err := Require(r, customs.CallerAdmin)
	if err != nil {
		return err
	}
	var req inspection.NewAlert
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	row, n, err := h.s.Inspection.CreateAlert(r.Context(), req, p, h.d.Alerts)
	if err != nil {
		return err
	}
	v := newAlertView(row)
	if n >= 0 {
		v.Rerouted = &n
	} else {
		v.ReroutePending = true
	}
	w.Header().Set("Location", "/v1/admin/risk-alerts/"+row.ID)
	return WriteJSON(w, http.StatusCreated, v)
}

func (h *inspectionHandlers) listAlerts(w http.ResponseWriter, r *http.Request) error {
	if _, err := Require(r, customs.CallerAdmin); err != nil {
		return err
	}
	rows, err := h.s.Inspection.ListAlerts(r.Context(), r.URL.Query().Get("active") == "true")
	if err != nil {
		return err
	}
	items := make([]alertView, len(rows))
	for i := range rows {
		items[i] = newAlertView(&rows[i])
	}
	return WriteJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (h *inspectionHandlers) deleteAlert(w http.ResponseWriter, r *http.Request) error {
	if _, err := Require(r, customs.CallerAdmin); err != nil {
		return err
	}
	if err := h.s.Inspection.DeleteAlert(r.Context(), r.PathValue("id"), h.d.Alerts); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *inspectionHandlers) draw(w http.ResponseWriter, r *http.Request) error {
	if _, err := Require(r, customs.CallerAdmin); err != nil {
		return err
	}
	d, err := h.s.Inspection.Redraw(r.Context(), r.PathValue("declarationId"), h.d.SeedSecret)
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, d)
}
