package warning

import (
	"context"
	"strings"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// TraceRequest is a trace's criteria as the caller gave them; zero times
// mean the defaults (the last 90 days).
type TraceRequest struct {
	HSPrefix, Origin, USCC, Container string
	Since, Until                      *time.Time
	AfterAt                           time.Time
	AfterSeq                          int64
	Limit                             int
	// Format is how the answer is sent (json or csv), for the audit.
	Format string
}

// DefaultTraceWindow is the trace's window when since is not given
// (warnings.md); MaxTraceWindow bounds since..until so that one call
// cannot read the region's whole history (a year is the investigation
// the index is sized for).
const (
	DefaultTraceWindow = 90 * 24 * time.Hour
	MaxTraceWindow     = 366 * 24 * time.Hour
)

// Trace finds the declarations of the three ports that a risk touches, in
// the reduced view (no names, no values), for bureau and admin keys, and
// records the call in the audit before answering. CodeInvalid with each
// problem at its query parameter.
func (s *Service) Trace(ctx context.Context, r TraceRequest, who customs.Principal) ([]customs.TraceHit, error) {
	if err := readable(who); err != nil {
		return nil, err
	}
	now := s.now()
	q := customs.TraceQuery{HSPrefix: strings.TrimSpace(r.HSPrefix), Origin: strings.ToUpper(strings.TrimSpace(r.Origin)),
		USCC: customs.NormalizeUSCC(strings.TrimSpace(r.USCC)), Container: strings.ToUpper(strings.TrimSpace(r.Container)),
		AfterAt: r.AfterAt, AfterSeq: r.AfterSeq, Limit: r.Limit}
	var ps customs.Problems
	if q.HSPrefix == "" && q.Origin == "" && q.USCC == "" && q.Container == "" {
		ps.Add("", customs.ProblemMissingField, "give at least one of hsPrefix, origin, uscc, container")
	}
	m := customs.WarningMatch{HSPrefix: q.HSPrefix, Origin: q.Origin, USCC: q.USCC}
	s.validMatch(&ps, "", &m, 1)
	q.Until = now
	if r.Until != nil {
		q.Until = r.Until.UTC()
	}
	q.Since = q.Until.Add(-DefaultTraceWindow)
	if r.Since != nil {
		q.Since = r.Since.UTC()
	}
	switch {
	case !q.Since.Before(q.Until):
		ps.Add("since", customs.ProblemInvalidDate, "since must be before until")
	case q.Until.Sub(q.Since) > MaxTraceWindow:
		ps.Add("since", customs.ProblemInvalidDate, "since..until spans more than 366 days")
	}
	if err := ps.Err(customs.CodeInvalid, "trace criteria do not validate"); err != nil {
		return nil, err
	}
	hits, err := s.Store.Trace(ctx, q)
	if err != nil {
		return nil, err
	}
	crit := map[string]string{"since": q.Since.Format(time.RFC3339Nano), "until": q.Until.Format(time.RFC3339Nano)}
	for k, v := range map[string]string{"hsPrefix": q.HSPrefix, "origin": q.Origin, "uscc": q.USCC, "container": q.Container} {
		if v != "" {
			crit[k] = v
		}
	}
	if q.AfterSeq != 0 {
		crit["cursor"] = q.AfterAt.Format(time.RFC3339Nano) + "~" + itoa(q.AfterSeq)
	}
	if err := s.Store.AuditTrace(ctx, customs.TraceAudit{At: now, KeyID: who.KeyID, Role: who.Role, Scope: who.Scope,
		Criteria: crit, Results: len(hits), Format: r.Format}); err != nil {
		return nil, err
	}
	return hits, nil
}

// TraceWarning is the trace of a warning's match (its port left out: a
// trace is across the three ports), from 90 days before it was issued.
func (s *Service) TraceWarning(ctx context.Context, id string, r TraceRequest, who customs.Principal) ([]customs.TraceHit, error) {
	w, err := s.Get(ctx, id, who)
	if err != nil {
		return nil, err
	}
	since := w.IssuedAt.Add(-DefaultTraceWindow)
	until := s.now()
	if until.Sub(since) > MaxTraceWindow {
		until = since.Add(MaxTraceWindow)
	}
	r.HSPrefix, r.Origin, r.USCC, r.Container = w.Match.HSPrefix, w.Match.Origin, w.Match.USCC, ""
	r.Since, r.Until = &since, &until
	if r.HSPrefix == "" && r.Origin == "" && r.USCC == "" {
		// A warning on a port alone names no goods to trace.
		return nil, customs.Errorf(customs.CodeInvalid, "warning %s names only a port; a trace needs goods or an enterprise", id)
	}
	return s.Trace(ctx, r, who)
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
