// The operator's API keys (api.md "Keys and roles"): made, listed and
// revoked through apikey.Keys.

package gateway

import (
	"net/http"
	"time"

	"github.com/jjj/gateway/internal/apikey"
	"github.com/jjj/gateway/internal/customs"
)

type keyRequest struct {
	Role      customs.CallerRole `json:"role"`
	Scope     string             `json:"scope"`
	Name      string             `json:"name"`
	ExpiresAt *time.Time         `json:"expiresAt"`
}

func (s *Server) createKey(w http.ResponseWriter, r *http.Request) error {
	if _, err := Require(r, customs.CallerAdmin); err != nil {
		return err
	}
	var req keyRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	k, err := s.Keys.Create(r.Context(), apikey.NewKey{Role: req.Role, Scope: req.Scope, Name: req.Name, ExpiresAt: req.ExpiresAt})
	if err != nil {
		return err
	}
	noteTarget(r, k.ID)
	return WriteJSON(w, http.StatusCreated, k)
}

type keyView struct {
	ID        string     `json:"id"`
	Hint      string     `json:"hint"`
	Role      string     `json:"role"`
	Scope     string     `json:"scope,omitempty"`
	Name      string     `json:"name,omitempty"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt *time.Time `json:"expiresAt"`
	RevokedAt *time.Time `json:"revokedAt"`
}

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) error {
	if _, err := Require(r, customs.CallerAdmin); err != nil {
		return err
	}
	keys, err := s.Keys.List(r.Context())
	if err != nil {
		return err
	}
	out := make([]keyView, len(keys))
	for i, k := range keys {
		out[i] = keyView{ID: k.ID, Hint: k.Hint, Role: string(k.Role), Scope: k.Scope, Name: k.Name, CreatedAt: k.CreatedAt, ExpiresAt: k.ExpiresAt, RevokedAt: k.RevokedAt}
	}
	return WriteJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (s *Server) revokeKey(w http.ResponseWriter, r *http.Request) error {
	if _, err := Require(r, customs.CallerAdmin); err != nil {
		return err
	}
	if err := s.Keys.Revoke(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
