package gateway

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jjj/gateway/internal/apikey"
	"github.com/jjj/gateway/internal/customs"
)

func (s *Server) listPorts(w http.ResponseWriter, r *http.Request) error {
	return WriteJSON(w, http.StatusOK, map[string]any{"ports": s.Adapters.Infos()})
}

// readDeclaration applies api.md's first checks in order: the port, the
// role, size (413), content type (415). Reading the XML (400) and
// validation (422) follow in the service.
func (s *Server) readDeclaration(r *http.Request) (customs.Port, []byte, error) {
	port := customs.Port(r.PathValue("port"))
	if _, ok := s.Adapters.Get(port); !ok {
		return port, nil, &customs.Error{Code: customs.CodeNotFound, Message: "unknown port " + string(port),
			Problems: []customs.Problem{{Code: "unknown_port", Message: "no port " + string(port) + " (GET /v1/ports lists them)"}}}
	}
	p, err := Require(r, customs.CallerPort, customs.CallerAdmin)
	if err != nil {
		return port, nil, err
	}
	if p.Role == customs.CallerPort && p.Scope != string(port) {
		return port, nil, customs.Errorf(customs.CodeForbidden, "a key of port %s may not submit for port %s", p.Scope, port)
	}
	max := s.Config.MaxBodyBytes
	if r.ContentLength > max {
		return port, nil, tooLarge(max)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, max))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return port, nil, tooLarge(max)
		}
		return port, nil, &customs.Error{Code: customs.CodeBadRequest, Message: "reading the body: " + err.Error()}
	}
	if !isXMLType(r.Header.Get("Content-Type")) {
		return port, body, &customs.Error{Code: customs.CodeNotXML, Message: "the content type must be application/xml, text/xml or application/*+xml",
			Problems: []customs.Problem{{Code: customs.ProblemNotXML, Message: "content type " + strconv.Quote(r.Header.Get("Content-Type")) + " is not XML"}}}
	}
	return port, body, nil
}

func tooLarge(max int64) error {
	return &customs.Error{Code: customs.CodeTooLarge, Message: "the body is over the size limit",
		Problems: []customs.Problem{{Code: customs.ProblemTooLarge, Message: "the body is larger than " + strconv.FormatInt(max, 10) + " bytes"}}}
}

func isXMLType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch {
	case mt == "application/xml", mt == "text/xml":
		return true
	case strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+xml"):
		return true
	}
	return false
}

func (s *Server) submit(w http.ResponseWriter, r *http.Request) error {
	port, body, err := s.readDeclaration(r)
	if err != nil {
		if c := customs.ErrorCodeOf(err); c == customs.CodeTooLarge || c == customs.CodeNotXML {
			s.Clearance.RecordRejection(r.Context(), port, body, StatusOf(c), err)
		}
		return &DeclarationError{Port: port, Err: err}
	}
	res, err := s.Clearance.Submit(r.Context(), port, body, PrincipalFrom(r.Context()))
	if err != nil {
		return s.declarationError(port, body, err)
	}
	if !res.Created {
		return WriteRawJSON(w, http.StatusOK, res.Body)
	}
	w.Header().Set("Location", "/v1/declarations/"+res.ID)
	return WriteRawJSON(w, http.StatusCreated, res.Body)
}

// declarationError names the port and, where it could be read, the portRef.
func (s *Server) declarationError(port customs.Port, body []byte, err error) error {
	de := &DeclarationError{Port: port, Err: err}
	if c := customs.ErrorCodeOf(err); c == customs.CodeInvalid || c == customs.CodeConflict {
		if a, ok := s.Adapters.Get(port); ok {
			if d, _ := a.Decode(body); d != nil {
				de.PortRef = d.Source.PortRef
			}
		}
	}
	return de
}

func (s *Server) validate(w http.ResponseWriter, r *http.Request) error {
	port, body, err := s.readDeclaration(r)
	if err != nil {
		return &DeclarationError{Port: port, Err: err}
	}
	out, err := s.Clearance.Preview(r.Context(), port, body)
	if err != nil {
		return s.declarationError(port, body, err)
	}
	return WriteRawJSON(w, http.StatusOK, out)
}

func (s *Server) getDeclaration(w http.ResponseWriter, r *http.Request) error {
	if _, err := Require(r, customs.CallerAdmin, customs.CallerPort, customs.CallerBureau, customs.CallerEnterprise); err != nil {
		return err
	}
	b, err := s.Clearance.Get(r.Context(), r.PathValue("id"), PrincipalFrom(r.Context()))
	if err != nil {
		return err
	}
	return WriteRawJSON(w, http.StatusOK, b)
}

func (s *Server) getCanonical(w http.ResponseWriter, r *http.Request) error {
	if _, err := Require(r, customs.CallerAdmin, customs.CallerPort, customs.CallerBureau, customs.CallerEnterprise); err != nil {
		return err
	}
	b, err := s.Clearance.Canonical(r.Context(), r.PathValue("id"), PrincipalFrom(r.Context()))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	_, err = w.Write(b)
	return err
}

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
		return notReady(w, "database", "database_down", "down: "+err.Error(), map[string]string{"database": "down: " + err.Error()})
	}
	pending, err := s.DB.Pending(ctx)
	if err != nil {
		return notReady(w, "database", "database_down", "error: "+err.Error(), map[string]string{"database": "error: " + err.Error()})
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

func (s *Server) listRejections(w http.ResponseWriter, r *http.Request) error {
	if _, err := Require(r, customs.CallerAdmin); err != nil {
		return err
	}
	limit, before, err := pageParams(r)
	if err != nil {
		return err
	}
	rows, err := s.DB.Rejections(r.Context(), before, limit)
	if err != nil {
		return err
	}
	// The id is a string like every id the gateway makes (api.md: opaque
	// strings), though it is a number inside.
	type item struct {
		ID         string    `json:"id"`
		Port       string    `json:"port"`
		PortRef    *string   `json:"portRef"`
		ReceivedAt time.Time `json:"receivedAt"`
		Status     int       `json:"status"`
		Digest     string    `json:"digest"`
		Errors     any       `json:"errors"`
	}
	items := make([]item, len(rows))
	var next *string
	for i, row := range rows {
		items[i] = item{ID: strconv.FormatInt(row.ID, 10), Port: row.Port, ReceivedAt: row.ReceivedAt.UTC(), Status: row.Status, Digest: row.Digest, Errors: row.Errors}
		if row.PortRef.Valid {
			ref := row.PortRef.String
			items[i].PortRef = &ref
		}
	}
	if len(rows) == limit {
		c := strconv.FormatInt(rows[len(rows)-1].ID, 10)
		next = &c
	}
	return WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next": next})
}

// pageParams reads limit (default 50, at most 500) and an integer cursor.
func pageParams(r *http.Request) (limit int, cursor int64, err error) {
	limit = 50
	q := r.URL.Query()
	if v := q.Get("limit"); v != "" {
		n, e := strconv.Atoi(v)
		if e != nil || n < 1 || n > 500 {
			return 0, 0, customs.Errorf(customs.CodeBadRequest, "limit must be a whole number from 1 to 500")
		}
		limit = n
	}
	if v := q.Get("cursor"); v != "" {
		n, e := strconv.ParseInt(v, 10, 64)
		if e != nil || n < 0 {
			return 0, 0, customs.Errorf(customs.CodeBadRequest, "cursor is not one this API gave")
		}
		cursor = n
	}
	return limit, cursor, nil
}
