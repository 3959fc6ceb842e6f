package warning

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

// Store keeps warnings, their acknowledgements and the trace's data.
// Methods return CodeNotFound and CodeConflict as documented on each
// implementation, and wrap anything else; ctx bounds the database call.
type Store interface {
	// InsertWarning stores w (setting w.Seq) with its acknowledgements and
	// queues the re-route of reroute (USCCs, or "*" for all) in the same
	// transaction.
	InsertWarning(ctx context.Context, w *customs.RegionalWarning, reroute []string, why string) error
	Warning(ctx context.Context, id string) (*customs.RegionalWarning, error)
	AckWarning(ctx context.Context, id string, a customs.WarningAck) (*customs.RegionalWarning, error)
	LiftWarning(ctx context.Context, id, by, reason string, at time.Time) (*customs.RegionalWarning, error)
	Warnings(ctx context.Context, f customs.WarningFilter) ([]customs.RegionalWarning, error)
	OverdueAcks(ctx context.Context, at time.Time) (map[string]int, error)
	NoteOverdue(ctx context.Context, at time.Time) ([]customs.OverdueAck, error)
	Trace(ctx context.Context, q customs.TraceQuery) ([]customs.TraceHit, error)
	AuditTrace(ctx context.Context, a customs.TraceAudit) error
}

// Rerouter re-routes at once the pending declarations of targets that a
// change queued with actor and why; on error the request stays queued.
type Rerouter interface {
	RerouteRequested(ctx context.Context, targets []string, actor, why string) (int, error)
}

// AlertCache is the alerts intake applies; Invalidate makes it reload.
type AlertCache interface {
	Invalidate()
}

// Regions are the three regions, in the order acknowledgements are listed.
var Regions = []string{"BJ", "TJ", "HE"}

// Service issues, acknowledges, lifts and lists warnings, and traces.
type Service struct {
	Store  Store
	Tables *codes.Tables
	// Reroute and Alerts, when set, make a warning with an inspection
	// action act on goods at once (nil: only at the next reload/re-route).
	Reroute Rerouter
	Alerts  AlertCache
	// Logger: nil means slog.Default().
	Logger *slog.Logger
	// NowFunc: nil means time.Now.
	NowFunc func() time.Time
}

func (s *Service) now() time.Time {
	if s.NowFunc != nil {
		return s.NowFunc().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func (s *Service) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

// AckWindow is how long a region has to acknowledge a warning of a kind:
// six hours for public health (seed task 30), a day for the others.
func AckWindow(k customs.WarningKind) time.Duration {
	if k == customs.WarningPublicHealth {
		return 6 * time.Hour
	}
	return 24 * time.Hour
}

// NewWarning is a bureau's request for a warning (warnings.md). Match
// fields are null or a value; an empty string counts as not given.
type NewWarning struct {
	Kind      string     `json:"kind"`
	Title     string     `json:"title"`
	Reason    string     `json:"reason"`
	Match     *NewMatch  `json:"match"`
	Action    string     `json:"action"`
	ExpiresAt *time.Time `json:"expiresAt"`
}

// NewMatch is the match of a NewWarning.
type NewMatch struct {
	HSPrefix *string `json:"hsPrefix"`
	Origin   *string `json:"origin"`
	USCC     *string `json:"uscc"`
	Port     *string `json:"port"`
}

// Bounds of the free text, so that a warning fits on a duty officer's
// screen and in a log line.
const (
	maxTitle = 200
	maxText  = 4000
)

func str(p *string) string {
	if p == nil {
		return ""
	}
	return strings.TrimSpace(*p)
}

// region returns the region of a bureau key; CodeForbidden for any other.
func (s *Service) region(who customs.Principal, what string) (string, error) {
	if who.Role != customs.CallerBureau {
		return "", customs.Errorf(customs.CodeForbidden, "only a bureau key may %s a warning", what)
	}
	b, ok := s.Tables.Bureaus[who.Scope]
	if !ok || !slices.Contains(Regions, b.Region) {
		return "", customs.Errorf(customs.CodeForbidden, "bureau %s belongs to no region", who.Scope)
	}
	return b.Region, nil
}

func checkText(ps *customs.Problems, path, v string, max int) {
	switch {
	case v == "":
		ps.Add(path, customs.ProblemMissingField, "%s is required", strings.TrimPrefix(path, "/"))
	case !utf8.ValidString(v) || strings.ContainsRune(v, 0):
		ps.Add(path, customs.ProblemInvalidValue, "%s must be text", strings.TrimPrefix(path, "/"))
	case utf8.RuneCountInString(v) > max:
		ps.Add(path, customs.ProblemInvalidValue, "%s is longer than %d characters", strings.TrimPrefix(path, "/"), max)
	}
}

// validMatch checks a match, adding each problem at prefix+field.
func (s *Service) validMatch(ps *customs.Problems, prefix string, m *customs.WarningMatch, minHS int) {
	if m.HSPrefix != "" && (!customs.AllDigits(m.HSPrefix) || len(m.HSPrefix) < minHS || len(m.HSPrefix) > 10) {
		ps.Add(prefix+"hsPrefix", customs.ProblemInvalidHSCode, "hsPrefix must be %d to 10 digits", minHS)
	}
	if m.Origin != "" {
		if _, ok := s.Tables.CountryByAlpha3[m.Origin]; !ok {
			ps.Add(prefix+"origin", customs.ProblemUnknownCountry, "origin must be an alpha-3 country code")
		}
	}
	if m.USCC != "" {
		if ok, _ := customs.CheckUSCC(m.USCC); !ok {
			ps.Add(prefix+"uscc", customs.ProblemInvalidUSCC, "invalid USCC %q", m.USCC)
		}
	}
	if m.Port != "" {
		switch customs.Port(m.Port) {
		case customs.PortTianjin, customs.PortHebei, customs.PortBeijing:
		default:
			if _, ok := s.Tables.Customs[m.Port]; !ok {
				ps.Add(prefix+"port", customs.ProblemInvalidEnum, "port must be tianjin, hebei, beijing or a port customs code")
			}
		}
	}
}

// Issue makes a warning from a bureau. A warning with an inspection action
// is applied to new declarations at once (the alert cache reloads), and
// the pending declarations are re-routed through the queue risk alerts
// use: queued in the warning's transaction, worked here at once, and left
// to the re-route worker if that fails (the warning is issued anyway).
// CodeInvalid with every problem at its JSON path; CodeForbidden for a key
// that is not a bureau's.
func (s *Service) Issue(ctx context.Context, n NewWarning, who customs.Principal) (*customs.RegionalWarning, error) {
	region, err := s.region(who, "issue")
	if err != nil {
		return nil, err
	}
	now := s.now()
	var ps customs.Problems
	switch customs.WarningKind(n.Kind) {
	case customs.WarningPublicHealth, customs.WarningQualityRisk, customs.WarningPlantAnimal:
	case "":
		ps.Add("/kind", customs.ProblemMissingField, "kind is required")
	default:
		ps.Add("/kind", customs.ProblemInvalidEnum, "kind must be public_health, quality_risk or plant_animal")
	}
	n.Title, n.Reason = strings.TrimSpace(n.Title), strings.TrimSpace(n.Reason)
	checkText(&ps, "/title", n.Title, maxTitle)
	checkText(&ps, "/reason", n.Reason, maxText)
	var m customs.WarningMatch
	if n.Match == nil {
		ps.Add("/match", customs.ProblemMissingField, "match is required: give at least one of hsPrefix, origin, uscc, port")
	} else {
		m = customs.WarningMatch{HSPrefix: str(n.Match.HSPrefix), Origin: strings.ToUpper(str(n.Match.Origin)),
			USCC: customs.NormalizeUSCC(str(n.Match.USCC)), Port: strings.ToLower(str(n.Match.Port))}
		if m == (customs.WarningMatch{}) {
			ps.Add("/match", customs.ProblemMissingField, "give at least one of hsPrefix, origin, uscc, port")
		}
		s.validMatch(&ps, "/match/", &m, 2)
		if m.Port != "" {
			if _, ok := s.Tables.Customs[m.Port]; ok {
				// A customs code is compared as given; only port ids fold.
				m.Port = str(n.Match.Port)
			}
		}
	}
	switch customs.WarningAction(n.Action) {
	case customs.WarningNotify, customs.WarningPortInspection, customs.WarningDestinationInspection:
	case "":
		ps.Add("/action", customs.ProblemMissingField, "action is required")
	default:
		ps.Add("/action", customs.ProblemInvalidEnum, "action must be notify, port_inspection or destination_inspection")
	}
	switch {
	case n.ExpiresAt == nil:
		ps.Add("/expiresAt", customs.ProblemMissingField, "expiresAt is required")
	case !n.ExpiresAt.After(now):
		ps.Add("/expiresAt", customs.ProblemInvalidDate, "expiresAt must be in the future")
	case n.ExpiresAt.After(now.AddDate(1, 0, 0)):
		ps.Add("/expiresAt", customs.ProblemInvalidDate, "expiresAt must be at most a year ahead")
	}
	if err := ps.Err(customs.CodeInvalid, "warning does not validate"); err != nil {
		return nil, err
	}
	w := &customs.RegionalWarning{ID: "wn_" + ulid.Make().String(), Kind: customs.WarningKind(n.Kind), Title: n.Title, Reason: n.Reason,
		Match: m, Action: customs.WarningAction(n.Action), ExpiresAt: n.ExpiresAt.UTC().Truncate(time.Microsecond),
		Issuer: who.Scope, Region: region, IssuedAt: now, IssuedBy: who.Actor(), State: customs.WarningActive}
	due := now.Add(AckWindow(w.Kind))
	for _, r := range Regions {
		if r != region {
			w.Acks = append(w.Acks, customs.WarningAck{Region: r, Due: due})
		}
	}
	acts := w.Action != customs.WarningNotify
	var target []string
	why := "warning " + w.ID + " issued"
	if acts {
		target = []string{"*"}
		if m.USCC != "" {
			target = []string{m.USCC}
		}
	}
	if err := s.Store.InsertWarning(ctx, w, target, why); err != nil {
		return nil, err
	}
	s.logger().InfoContext(ctx, "warning issued", "warning", w.ID, "kind", w.Kind, "action", w.Action, "issuer", w.Issuer, "region", w.Region, "due", due)
	if acts {
		if s.Alerts != nil {
			s.Alerts.Invalidate()
		}
		if s.Reroute != nil {
			if n, err := s.Reroute.RerouteRequested(ctx, target, w.IssuedBy, why); err != nil {
				s.logger().WarnContext(ctx, "warning re-route left queued", "warning", w.ID, "err", err)
			} else {
				s.logger().InfoContext(ctx, "warning re-routed pending declarations", "warning", w.ID, "changed", n)
			}
		}
	}
	return w, nil
}

// Get returns a warning to a bureau or admin key. CodeNotFound, CodeForbidden.
func (s *Service) Get(ctx context.Context, id string, who customs.Principal) (*customs.RegionalWarning, error) {
	if err := readable(who); err != nil {
		return nil, err
	}
	return s.Store.Warning(ctx, id)
}

func readable(who customs.Principal) error {
	if who.Role != customs.CallerBureau && who.Role != customs.CallerAdmin {
		return customs.Errorf(customs.CodeForbidden, "warnings are open to bureau and admin keys")
	}
	return nil
}

// Ack records the acknowledgement of the caller's region, late or not.
// CodeConflict for the issuing region, a second acknowledgement, or a
// warning no longer active; CodeInvalid when measures are missing.
func (s *Service) Ack(ctx context.Context, id, measures string, who customs.Principal) (*customs.RegionalWarning, error) {
	region, err := s.region(who, "acknowledge")
	if err != nil {
		return nil, err
	}
	measures = strings.TrimSpace(measures)
	var ps customs.Problems
	checkText(&ps, "/measures", measures, maxText)
	if err := ps.Err(customs.CodeInvalid, "acknowledgement does not validate"); err != nil {
		return nil, err
	}
	w, err := s.Store.Warning(ctx, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if region == w.Region {
		return nil, customs.Errorf(customs.CodeConflict, "warning %s was issued by region %s; it acknowledges its own warning to nobody", id, region)
	}
	if st := w.StateAt(now); st != customs.WarningActive {
		return nil, customs.Errorf(customs.CodeConflict, "warning %s is %s; it asks for no acknowledgement any more", id, st)
	}
	a := customs.WarningAck{Region: region, At: &now, Bureau: who.Scope, Measures: measures}
	for _, owed := range w.Acks {
		if owed.Region == region {
			a.Late = now.After(owed.Due)
		}
	}
	w, err = s.Store.AckWarning(ctx, id, a)
	if err != nil {
		return nil, err
	}
	if a.Late {
		s.logger().WarnContext(ctx, "warning acknowledged late", "warning", id, "region", region, "bureau", who.Scope)
	} else {
		s.logger().InfoContext(ctx, "warning acknowledged", "warning", id, "region", region, "bureau", who.Scope)
	}
	return w, nil
}

// Lift ends a warning before its expiry, by its issuing bureau or an
// admin. New declarations are no longer routed by it; tasks it made stay.
// CodeForbidden for another bureau, CodeConflict when not active,
// CodeInvalid without a reason.
func (s *Service) Lift(ctx context.Context, id, reason string, who customs.Principal) (*customs.RegionalWarning, error) {
	if err := readable(who); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	var ps customs.Problems
	checkText(&ps, "/reason", reason, maxText)
	if err := ps.Err(customs.CodeInvalid, "lift does not validate"); err != nil {
		return nil, err
	}
	w, err := s.Store.Warning(ctx, id)
	if err != nil {
		return nil, err
	}
	if who.Role == customs.CallerBureau && who.Scope != w.Issuer {
		return nil, customs.Errorf(customs.CodeForbidden, "only the issuing bureau %s or an operator may lift warning %s", w.Issuer, id)
	}
	w, err = s.Store.LiftWarning(ctx, id, who.Actor(), reason, s.now())
	if err != nil {
		return nil, err
	}
	if w.Action != customs.WarningNotify && s.Alerts != nil {
		s.Alerts.Invalidate()
	}
	s.logger().InfoContext(ctx, "warning lifted", "warning", id, "by", who.Actor())
	return w, nil
}

// ListQuery is the list's query, read by the HTTP layer.
type ListQuery struct {
	State    customs.WarningState
	Overdue  bool
	Region   string
	AfterAt  time.Time
	AfterSeq int64
	Limit    int
}

// List lists warnings newest first for bureau and admin keys.
func (s *Service) List(ctx context.Context, q ListQuery, who customs.Principal) ([]customs.RegionalWarning, time.Time, error) {
	if err := readable(who); err != nil {
		return nil, time.Time{}, err
	}
	now := s.now()
	ws, err := s.Store.Warnings(ctx, customs.WarningFilter{State: q.State, Overdue: q.Overdue, Region: q.Region, At: now,
		AfterAt: q.AfterAt, AfterSeq: q.AfterSeq, Limit: q.Limit})
	return ws, now, err
}

// Now is the service's clock, for views that show state and lateness.
func (s *Service) Now() time.Time { return s.now() }

// NoteOverdue logs each acknowledgement that became overdue since the
// last look, once, and returns them. gatewayd runs it every minute.
func (s *Service) NoteOverdue(ctx context.Context) ([]customs.OverdueAck, error) {
	acks, err := s.Store.NoteOverdue(ctx, s.now())
	if err != nil {
		return nil, err
	}
	for _, a := range acks {
		s.logger().WarnContext(ctx, "warning acknowledgement overdue", "warning", a.WarningID, "kind", a.Kind,
			"issuer", a.Issuer, "region", a.Region, "due", a.Due)
	}
	return acks, nil
}

// WatchOverdue runs NoteOverdue every interval until ctx ends.
func (s *Service) WatchOverdue(ctx context.Context, every time.Duration) {
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.NoteOverdue(ctx); err != nil && ctx.Err() == nil {
			s.logger().ErrorContext(ctx, "overdue watch", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
