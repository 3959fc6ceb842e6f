package gateway

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/document"
)

// The register of supporting documents (documents.md), served when
// Server.Documents is set. Who may do what is the service's to decide.
type documentHandlers struct {
	s *Server
}

func (h documentHandlers) key(r *http.Request) (customs.DocumentKey, error) {
	kind, err := document.ParseKind(r.PathValue("kind"))
	if err != nil {
		return customs.DocumentKey{}, err
	}
	return customs.DocumentKey{Kind: kind, Number: r.PathValue("number")}, nil
}

func (h documentHandlers) issue(w http.ResponseWriter, r *http.Request) error {
	// The edge's checks (UTF-8, no NUL, one JSON value) as for every body;
	// the service reads the fields itself, to report each at its path.
	var body json.RawMessage
	if err := DecodeJSON(r, &body); err != nil {
		return err
	}
	d, err := h.s.Documents.Issue(r.Context(), body, PrincipalFrom(r.Context()))
	if err != nil {
		return err
	}
	noteTarget(r, string(d.Kind)+"/"+d.Number)
	w.Header().Set("Location", "/v1/documents/"+string(d.Kind)+"/"+d.Number)
	return WriteJSON(w, http.StatusCreated, document.NewView(d, true))
}

func (h documentHandlers) get(w http.ResponseWriter, r *http.Request) error {
	k, err := h.key(r)
	if err != nil {
		return err
	}
	d, err := h.s.Documents.Get(r.Context(), k, PrincipalFrom(r.Context()))
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, document.NewView(d, true))
}

func (h documentHandlers) revoke(w http.ResponseWriter, r *http.Request) error {
	noteTarget(r, r.PathValue("kind")+"/"+r.PathValue("number"))
	k, err := h.key(r)
	if err != nil {
		return err
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	d, err := h.s.Documents.Revoke(r.Context(), k, req.Reason, PrincipalFrom(r.Context()))
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, document.NewView(d, true))
}

// list reads kind, holder, issuer, state, cursor and limit; the cursor is
// the last document's register sequence, as for declarations.
func (h documentHandlers) list(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := customs.DocumentFilter{Kind: q.Get("kind"), Holder: q.Get("holder"), Issuer: q.Get("issuer"), State: customs.DocumentState(q.Get("state"))}
	if f.Kind != "" {
		if _, err := document.ParseKind(f.Kind); err != nil {
			return badQuery("kind", customs.ProblemInvalidEnum, "kind must be dg_packaging_use, special_article_approval or quarantine_permit")
		}
	}
	switch f.State {
	case "", customs.DocumentActive, customs.DocumentUsedUp, customs.DocumentRevoked:
	default:
		return badQuery("state", customs.ProblemInvalidEnum, "state must be active, used_up or revoked")
	}
	limit, cursor, err := pageParams(r)
	if err != nil {
		return err
	}
	f.Limit, f.Before = limit, cursor
	docs, err := h.s.Documents.List(r.Context(), f, PrincipalFrom(r.Context()))
	if err != nil {
		return err
	}
	items := make([]document.View, len(docs))
	for i := range docs {
		items[i] = document.NewView(&docs[i], false)
	}
	var next *string
	if len(docs) == limit {
		c := strconv.FormatInt(docs[len(docs)-1].Seq, 10)
		next = &c
	}
	return WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next": next})
}
