package gateway

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jjj/gateway/internal/apikey"
	"github.com/jjj/gateway/internal/credit"
	"github.com/jjj/gateway/internal/customs"
)

// CreditService is what the credit routes need. *credit.Syncer satisfies it.
type CreditService interface {
	// Enterprise returns the merged record as of today; nil when unknown.
	Enterprise(ctx context.Context, uscc string) (*customs.MergedCredit, error)
	// Records returns merged records changed after version after, in order.
	Records(ctx context.Context, after int64, limit int) ([]customs.MergedCredit, error)
	Status(ctx context.Context) ([]credit.RegistryStatus, error)
	// SyncNow starts a sync; with wait it returns when the sync is done.
	SyncNow(ctx context.Context, wait bool) error
}

// The credit API (api.md "Enterprises and credit", "Credit (shared
// view)", the operator's credit sync) is served when Server.Credit is set.
type creditHandlers struct{ c CreditService }

// CreditSourceJSON is one regional record behind a merged rating.
type CreditSourceJSON struct {
	Region        string  `json:"region"`
	Published     string  `json:"published"`
	Rating        string  `json:"rating"`
	Version       int64   `json:"version"`
	Reason        string  `json:"reason"`
	EffectiveFrom *string `json:"effectiveFrom"`
	ExpiresAt     *string `json:"expiresAt"`
}

// CreditJSON is a merged credit record (api.md). Version is the shared
// view's change number; 0 for an enterprise no registry has published.
type CreditJSON struct {
	USCC      string             `json:"uscc"`
	Name      string             `json:"name,omitempty"`
	Rating    customs.Rating     `json:"rating"`
	Watch     bool               `json:"watch"`
	Version   int64              `json:"version"`
	UpdatedAt *time.Time         `json:"updatedAt,omitempty"`
	Sources   []CreditSourceJSON `json:"sources"`
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// NewCreditJSON renders a merged record.
func NewCreditJSON(m *customs.MergedCredit) CreditJSON {
	at := m.ChangedAt.UTC()
	out := CreditJSON{USCC: m.USCC, Name: m.Name, Rating: m.Rating, Watch: m.Watch, Version: m.Version, UpdatedAt: &at,
		Sources: make([]CreditSourceJSON, len(m.Sources))}
	for i, s := range m.Sources {
		out.Sources[i] = CreditSourceJSON{Region: string(s.Region), Published: s.Published, Rating: string(s.Rating), Version: s.Version,
			Reason: s.Reason, EffectiveFrom: nullable(s.EffectiveFrom), ExpiresAt: nullable(s.ExpiresAt)}
	}
	return out
}

// enterprise: admin, port and bureau keys, and an enterprise key for its
// own USCC; any other USCC is 404 for an enterprise, as if it did not
// exist. A code that fails the check is 404 too (there is no such
// enterprise), with the problem code invalid_uscc.
func (h creditHandlers) enterprise(w http.ResponseWriter, r *http.Request) error {
	p, err := Require(r, apikey.RoleAdmin, apikey.RolePort, apikey.RoleBureau, apikey.RoleEnterprise)
	if err != nil {
		return err
	}
	uscc := customs.NormalizeUSCC(r.PathValue("uscc"))
	if p.Role == apikey.RoleEnterprise && customs.NormalizeUSCC(p.Scope) != uscc {
		return customs.Errorf(customs.CodeNotFound, "no enterprise %s", uscc)
	}
	if ok, _ := customs.CheckUSCC(uscc); !ok {
		return &customs.Error{Code: customs.CodeNotFound, Message: "no enterprise " + uscc,
			Problems: []customs.Problem{{Code: "invalid_uscc", Message: uscc + " is not a valid unified social credit code"}}}
	}
	m, err := h.c.Enterprise(r.Context(), uscc)
	if err != nil {
		return err
	}
	if m == nil {
		return WriteJSON(w, http.StatusOK, CreditJSON{USCC: uscc, Rating: customs.RatingGeneral, Sources: []CreditSourceJSON{}})
	}
	return WriteJSON(w, http.StatusOK, NewCreditJSON(m))
}

// records: the shared view, for registry and admin keys. limit defaults to
// 100 and is at most 1000; next is the last version given when the page is
// full (there may be more), null otherwise.
func (h creditHandlers) records(w http.ResponseWriter, r *http.Request) error {
	if _, err := Require(r, apikey.RoleRegistry, apikey.RoleAdmin); err != nil {
		return err
	}
	q := r.URL.Query()
	var after int64
	if s := q.Get("after"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return badParam("after", "after must be the last version read (a whole number from 0)")
		}
		after = n
	}
	limit := 100
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return badParam("limit", "limit must be a whole number from 1")
		}
		limit = min(n, 1000)
	}
	ms, err := h.c.Records(r.Context(), after, limit)
	if err != nil {
		return err
	}
	out := struct {
		Items []CreditJSON `json:"items"`
		Next  *string      `json:"next"`
	}{Items: make([]CreditJSON, len(ms))}
	for i := range ms {
		out.Items[i] = NewCreditJSON(&ms[i])
	}
	if len(ms) == limit {
		n := strconv.FormatInt(ms[len(ms)-1].Version, 10)
		out.Next = &n
	}
	return WriteJSON(w, http.StatusOK, out)
}

func (h creditHandlers) status(w http.ResponseWriter, r *http.Request) error {
	if _, err := Require(r, apikey.RoleAdmin); err != nil {
		return err
	}
	st, err := h.c.Status(r.Context())
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, map[string]any{"registries": st})
}

// sync starts a sync of every registry. It answers 202 with the status at
// once; with ?wait=true it answers 200 with the status after the sync (a
// registry that failed shows its lastError).
func (h creditHandlers) sync(w http.ResponseWriter, r *http.Request) error {
	if _, err := Require(r, apikey.RoleAdmin); err != nil {
		return err
	}
	wait := strings.EqualFold(r.URL.Query().Get("wait"), "true")
	code := http.StatusAccepted
	if wait {
		code = http.StatusOK
		// A registry's failure is in its status, not an error of this call.
		if err := h.c.SyncNow(r.Context(), true); err != nil && r.Context().Err() != nil {
			return err
		}
	} else if err := h.c.SyncNow(r.Context(), false); err != nil {
		return err
	}
	st, err := h.c.Status(r.Context())
	if err != nil {
		return err
	}
	return WriteJSON(w, code, map[string]any{"registries": st})
}
