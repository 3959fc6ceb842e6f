package gateway

import (
	"encoding/base64"
	"encoding/csv"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/warning"
)

// The regional warnings and the trace (warnings.md), served when
// Server.Warnings is set. The handlers read the request and write the
// view; the service decides.

type warningMatchView struct {
	HSPrefix *string `json:"hsPrefix"`
	Origin   *string `json:"origin"`
	USCC     *string `json:"uscc"`
	Port     *string `json:"port"`
}

type warningAckView struct {
	Region   string     `json:"region"`
	Due      time.Time  `json:"due"`
	At       *time.Time `json:"at"`
	Bureau   *string    `json:"bureau"`
	Measures *string    `json:"measures"`
	// Late: given after due. Overdue: not given and past due while the
	// warning is active (warnings.md "visible").
	Late    bool `json:"late"`
	Overdue bool `json:"overdue"`
}

type warningView struct {
	ID         string           `json:"id"`
	Kind       string           `json:"kind"`
	Title      string           `json:"title"`
	Reason     string           `json:"reason"`
	Match      warningMatchView `json:"match"`
	Action     string           `json:"action"`
	ExpiresAt  time.Time        `json:"expiresAt"`
	Issuer     string           `json:"issuer"`
	Region     string           `json:"region"`
	IssuedAt   time.Time        `json:"issuedAt"`
	State      string           `json:"state"`
	Acks       []warningAckView `json:"acks"`
	LiftedAt   *time.Time       `json:"liftedAt"`
	LiftedBy   *string          `json:"liftedBy"`
	LiftReason *string          `json:"liftReason"`
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func newWarningView(w *customs.RegionalWarning, now time.Time) warningView {
	v := warningView{ID: w.ID, Kind: string(w.Kind), Title: w.Title, Reason: w.Reason,
		Match:  warningMatchView{optional(w.Match.HSPrefix), optional(w.Match.Origin), optional(w.Match.USCC), optional(w.Match.Port)},
		Action: string(w.Action), ExpiresAt: w.ExpiresAt, Issuer: w.Issuer, Region: w.Region, IssuedAt: w.IssuedAt,
		State: string(w.StateAt(now)), Acks: []warningAckView{}, LiftedAt: w.LiftedAt, LiftedBy: optional(w.LiftedBy), LiftReason: optional(w.LiftReason)}
	for i := range w.Acks {
		a := &w.Acks[i]
		v.Acks = append(v.Acks, warningAckView{Region: a.Region, Due: a.Due, At: a.At, Bureau: optional(a.Bureau),
			Measures: optional(a.Measures), Late: a.Late, Overdue: w.Overdue(a, now)})
	}
	return v
}

// Roles are checked before the body is read, so that a key that may not
// call sees 403 whatever it sends; the service checks them again.

func (s *Server) createWarning(w http.ResponseWriter, r *http.Request) error {
	if _, err := Require(r, customs.CallerBureau); err != nil {
		return err
	}
	var req warning.NewWarning
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	wn, err := s.Warnings.Issue(r.Context(), req, PrincipalFrom(r.Context()))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/warnings/"+wn.ID)
	return WriteJSON(w, http.StatusCreated, newWarningView(wn, s.Warnings.Now()))
}

func (s *Server) getWarning(w http.ResponseWriter, r *http.Request) error {
	wn, err := s.Warnings.Get(r.Context(), r.PathValue("id"), PrincipalFrom(r.Context()))
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, newWarningView(wn, s.Warnings.Now()))
}

func (s *Server) ackWarning(w http.ResponseWriter, r *http.Request) error {
	if _, err := Require(r, customs.CallerBureau); err != nil {
		return err
	}
	var req struct {
		Measures string `json:"measures"`
	}
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	wn, err := s.Warnings.Ack(r.Context(), r.PathValue("id"), req.Measures, PrincipalFrom(r.Context()))
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, newWarningView(wn, s.Warnings.Now()))
}

func (s *Server) liftWarning(w http.ResponseWriter, r *http.Request) error {
	if _, err := Require(r, customs.CallerBureau, customs.CallerAdmin); err != nil {
		return err
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	wn, err := s.Warnings.Lift(r.Context(), r.PathValue("id"), req.Reason, PrincipalFrom(r.Context()))
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, newWarningView(wn, s.Warnings.Now()))
}

// keysetCursor is the opaque cursor of the warning list and the trace: the
// time and sequence number of the last row of the page, under a tag so
// that one list's cursor is refused by the other.
func encodeKeyset(tag string, at time.Time, seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tag + ":" + strconv.FormatInt(at.UnixMicro(), 10) + ":" + strconv.FormatInt(seq, 10)))
}

func decodeKeyset(tag, c string) (time.Time, int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if rest, ok := strings.CutPrefix(string(b), tag+":"); ok {
			us, seqs, _ := strings.Cut(rest, ":")
			u, err1 := strconv.ParseInt(us, 10, 64)
			n, err2 := strconv.ParseInt(seqs, 10, 64)
			if err1 == nil && err2 == nil && n > 0 {
				return time.UnixMicro(u).UTC(), n, nil
			}
		}
	}
	return time.Time{}, 0, badQuery("cursor", "invalid_cursor", "cursor is not one this API gave")
}

// pageLimit reads limit: default 50, at most 500 (as the declarations list).
func pageLimit(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return 50, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 500 {
		return 0, badQuery("limit", "invalid_limit", "limit must be a whole number from 1 to 500")
	}
	return n, nil
}

func (s *Server) listWarnings(w http.ResponseWriter, r *http.Request) error {
	if _, err := Require(r, customs.CallerBureau, customs.CallerAdmin); err != nil {
		return err
	}
	q := r.URL.Query()
	lq := warning.ListQuery{State: customs.WarningState(q.Get("state")), Region: strings.ToUpper(q.Get("region"))}
	switch lq.State {
	case "", customs.WarningActive, customs.WarningLifted, customs.WarningExpired:
	default:
		return badQuery("state", customs.ProblemInvalidEnum, "state must be active, lifted or expired")
	}
	switch q.Get("overdue") {
	case "", "false":
	case "true":
		lq.Overdue = true
	default:
		return badQuery("overdue", customs.ProblemInvalidEnum, "overdue must be true or false")
	}
	if lq.Region != "" && lq.Region != "BJ" && lq.Region != "TJ" && lq.Region != "HE" {
		return badQuery("region", customs.ProblemInvalidEnum, "region must be BJ, TJ or HE")
	}
	var err error
	if lq.Limit, err = pageLimit(r); err != nil {
		return err
	}
	if c := q.Get("cursor"); c != "" {
		if lq.AfterAt, lq.AfterSeq, err = decodeKeyset("w1", c); err != nil {
			return err
		}
	}
	ws, now, err := s.Warnings.List(r.Context(), lq, PrincipalFrom(r.Context()))
	if err != nil {
		return err
	}
	items := make([]warningView, len(ws))
	for i := range ws {
		items[i] = newWarningView(&ws[i], now)
	}
	var next *string
	if len(ws) == lq.Limit {
		c := encodeKeyset("w1", ws[len(ws)-1].IssuedAt, ws[len(ws)-1].Seq)
		next = &c
	}
	return WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next": next})
}

type traceItemView struct {
	Seq                 int    `json:"seq"`
	HSCode              string `json:"hsCode"`
	Origin              string `json:"origin"`
	DestinationDistrict string `json:"destinationDistrict"`
	Quantity            string `json:"quantity"`
	Unit                string `json:"unit"`
}

type traceView struct {
	DeclarationID string          `json:"declarationId"`
	Port          string          `json:"port"`
	PortRef       string          `json:"portRef"`
	ReceivedAt    time.Time       `json:"receivedAt"`
	Direction     string          `json:"direction"`
	Status        string          `json:"status"`
	Enterprises   []string        `json:"enterprises"`
	Matched       []traceItemView `json:"matched"`
	Containers    []string        `json:"containers"`
	Bureaus       []string        `json:"bureaus"`
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// wantsCSV reports whether the caller asked for CSV (Accept: text/csv).
func wantsCSV(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if mt, params, err := mime.ParseMediaType(strings.TrimSpace(part)); err == nil && mt == "text/csv" && params["q"] != "0" {
			return true
		}
	}
	return false
}

// traceRequest reads the trace's query parameters.
func traceRequest(r *http.Request) (warning.TraceRequest, error) {
	q := r.URL.Query()
	if _, err := Require(r, customs.CallerBureau, customs.CallerAdmin); err != nil {
		return warning.TraceRequest{}, err
	}
	tr := warning.TraceRequest{HSPrefix: q.Get("hsPrefix"), Origin: q.Get("origin"), USCC: q.Get("uscc"), Container: q.Get("container"), Format: "json"}
	if wantsCSV(r) {
		tr.Format = "csv"
	}
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"since", &tr.Since}, {"until", &tr.Until}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return tr, badQuery(p.name, customs.ProblemInvalidDate, "%s must be an RFC 3339 time", p.name)
			}
			*p.dst = &t
		}
	}
	var err error
	if tr.Limit, err = pageLimit(r); err != nil {
		return tr, err
	}
	if c := q.Get("cursor"); c != "" {
		if tr.AfterAt, tr.AfterSeq, err = decodeKeyset("t1", c); err != nil {
			return tr, err
		}
	}
	return tr, nil
}

func (s *Server) trace(w http.ResponseWriter, r *http.Request) error {
	// The trail names a trace by its criteria (the query as asked).
	noteTarget(r, "?"+r.URL.RawQuery)
	tr, err := traceRequest(r)
	if err != nil {
		return err
	}
	hits, err := s.Warnings.Trace(r.Context(), tr, PrincipalFrom(r.Context()))
	if err != nil {
		return err
	}
	return writeTrace(w, tr, hits)
}

func (s *Server) traceWarning(w http.ResponseWriter, r *http.Request) error {
	noteTarget(r, r.PathValue("id")+"?"+r.URL.RawQuery)
	tr, err := traceRequest(r)
	if err != nil {
		return err
	}
	hits, err := s.Warnings.TraceWarning(r.Context(), r.PathValue("id"), tr, PrincipalFrom(r.Context()))
	if err != nil {
		return err
	}
	return writeTrace(w, tr, hits)
}

// traceCSVHeader is the CSV's first row: one row per matched item, the
// declaration's fields repeated, lists joined with ";".
var traceCSVHeader = []string{"declarationId", "port", "portRef", "receivedAt", "direction", "status", "enterprises",
	"containers", "bureaus", "seq", "hsCode", "origin", "destinationDistrict", "quantity", "unit"}

// cell keeps a text a spreadsheet would run as a formula inert: a portRef
// or quantity from a port could start with "=", "+", "@" or "-".
func cell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '@', '\t', '\r':
		return "'" + s
	case '-':
		if _, err := strconv.ParseFloat(s, 64); err != nil {
			return "'" + s
		}
	}
	return s
}

// writeTrace answers a trace page as JSON, or as CSV with the next
// cursor in the X-Next-Cursor header (absent on the last page).
func writeTrace(w http.ResponseWriter, tr warning.TraceRequest, hits []customs.TraceHit) error {
	var next *string
	if len(hits) == tr.Limit {
		c := encodeKeyset("t1", hits[len(hits)-1].ReceivedAt, hits[len(hits)-1].Seq)
		next = &c
	}
	if tr.Format == "csv" {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		if next != nil {
			w.Header().Set("X-Next-Cursor", *next)
		}
		w.WriteHeader(http.StatusOK)
		cw := csv.NewWriter(w)
		cw.Write(traceCSVHeader)
		for _, h := range hits {
			for _, it := range h.Matched {
				cw.Write([]string{h.ID, string(h.Port), cell(h.PortRef), h.ReceivedAt.Format(time.RFC3339Nano), string(h.Direction), string(h.Status),
					strings.Join(h.Enterprises, ";"), strings.Join(h.Containers, ";"), strings.Join(h.Bureaus, ";"),
					strconv.Itoa(it.Seq), it.HSCode, it.Origin, it.DestinationDistrict, cell(it.Quantity), cell(it.Unit)})
			}
		}
		cw.Flush()
		return cw.Error()
	}
	items := make([]traceView, len(hits))
	for i, h := range hits {
		v := traceView{DeclarationID: h.ID, Port: string(h.Port), PortRef: h.PortRef, ReceivedAt: h.ReceivedAt, Direction: string(h.Direction),
			Status: string(h.Status), Enterprises: nonNil(h.Enterprises), Containers: nonNil(h.Containers), Bureaus: nonNil(h.Bureaus),
			Matched: make([]traceItemView, len(h.Matched))}
		for j, it := range h.Matched {
			v.Matched[j] = traceItemView(it)
		}
		items[i] = v
	}
	return WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next": next})
}
