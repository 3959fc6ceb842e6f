package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jjj/gateway/internal/clearance"
	"github.com/jjj/gateway/internal/customs"
)

func (s *Server) listPorts(w http.ResponseWriter, r *http.Request) error {
	return WriteJSON(w, http.StatusOK, map[string]any{"ports": s.Adapters.Infos()})
}

// readDeclaration applies api.md's first checks in order: the port, the
// role, size (413, after the body is drained: drainOversize), content type
// (415). Reading the XML (400) and validation (422) follow in the service.
func (s *Server) readDeclaration(w http.ResponseWriter, r *http.Request) (customs.Port, []byte, error) {
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
		drainOversize(w, r)
		return port, nil, tooLarge(max)
	}
	body, err := readBody(http.MaxBytesReader(nil, r.Body, max), r.ContentLength)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			drainOversize(w, r)
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

// readBody reads a body of size bytes (the Content-Length, -1 when
// unknown) into one buffer of that size: io.ReadAll would start at 512
// bytes and grow, copying, to twice a declaration's size. The spare
// bytes.MinRead are where the read finds the end without growing the
// buffer; the body is never longer than its Content-Length (net/http cuts
// it there).
func readBody(body io.Reader, size int64) ([]byte, error) {
	if size < 0 {
		return io.ReadAll(body)
	}
	buf := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	_, err := buf.ReadFrom(body)
	return buf.Bytes(), err
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
	release, err := s.guard.intakeTurn(w, r)
	if err != nil {
		return &DeclarationError{Port: customs.Port(r.PathValue("port")), Err: err}
	}
	// Once parsed, the turn is traded for room among the declarations
	// waiting for the database (storeTurn): release changes then.
	defer func() { release() }()
	start := time.Now()
	port, body, err := s.readDeclaration(w, r)
	if err != nil {
		if c := customs.ErrorCodeOf(err); c == customs.CodeTooLarge || c == customs.CodeNotXML {
			s.Clearance.RecordRejection(r.Context(), port, body, StatusOf(c), err)
		}
		s.countSubmission(port, false, err, time.Since(start))
		return &DeclarationError{Port: port, Err: err}
	}
	res, err := s.Clearance.SubmitWith(r.Context(), port, body, PrincipalFrom(r.Context()), clearance.SubmitOptions{
		Audit:  s.auditEntry(r, http.StatusCreated),
		Parsed: func() { release = s.guard.storeTurn(r.Context(), len(body), release) },
	})
	s.countSubmission(port, err == nil && res.Created, err, time.Since(start))
	if err != nil {
		return s.declarationError(port, err)
	}
	noteDeclaration(r, res.ID)
	if res.Audited {
		infoFrom(r.Context()).audited = true
	}
	if !res.Created {
		return WriteRawJSON(w, http.StatusOK, res.Body)
	}
	w.Header().Set("Location", "/v1/declarations/"+res.ID)
	return WriteRawJSON(w, http.StatusCreated, res.Body)
}

// declarationError names the port and, where the service could read it,
// the portRef (clearance.RefusedError) of a refused declaration.
func (s *Server) declarationError(port customs.Port, err error) error {
	de := &DeclarationError{Port: port, Err: err}
	var re *clearance.RefusedError
	if c := customs.ErrorCodeOf(err); (c == customs.CodeInvalid || c == customs.CodeConflict) && errors.As(err, &re) {
		de.PortRef = re.PortRef
	}
	return de
}

func (s *Server) validate(w http.ResponseWriter, r *http.Request) error {
	release, err := s.guard.intakeTurn(w, r)
	if err != nil {
		return &DeclarationError{Port: customs.Port(r.PathValue("port")), Err: err}
	}
	defer release()
	port, body, err := s.readDeclaration(w, r)
	if err != nil {
		return &DeclarationError{Port: port, Err: err}
	}
	out, err := s.Clearance.Preview(r.Context(), port, body)
	if err != nil {
		return s.declarationError(port, err)
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

func (s *Server) listRejections(w http.ResponseWriter, r *http.Request) error {
	if _, err := Require(r, customs.CallerAdmin); err != nil {
		return err
	}
	limit, before, err := pageParams(r)
	if err != nil {
		return err
	}
	rows, err := s.Clearance.Rejections(r.Context(), before, limit)
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
		items[i] = item{ID: strconv.FormatInt(row.ID, 10), Port: string(row.Port), ReceivedAt: row.ReceivedAt.UTC(), Status: row.Status,
			Digest: row.Digest, Errors: json.RawMessage(row.Errors)}
		if row.PortRef != "" {
			ref := row.PortRef
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
