package inspection

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/jjj/gateway/internal/clearance"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
)

// AlertCache serves the active risk alerts to intake from memory, reloading
// them from the database at most every TTL (and at once after a change in
// this process), so intake needs no extra round trip. An alert made on
// another gateway process reaches this one within TTL.
type AlertCache struct {
	// Store gives the alerts (Reads.Alerts).
	Store interface {
		Alerts(ctx context.Context, active bool, at time.Time) ([]customs.RiskAlert, error)
	}
	// Warnings, when set, adds the regional warnings that act on goods
	// (warnings.md): each is applied exactly as a risk alert.
	Warnings WarningAlerts
	// TTL: zero means 2s.
	TTL time.Duration

	mu         sync.Mutex
	loaded     time.Time // zero: never loaded, or invalidated
	gen        int       // bumped by Invalidate
	refreshing bool
	rows       []customs.RiskAlert
	warns      []customs.RiskAlert
}

// WarningAlerts gives the regional warnings that act on goods as risk
// alerts (expired ones may be included; the cache drops them).
type WarningAlerts interface {
	WarningAlerts(ctx context.Context) ([]customs.RiskAlert, error)
}

// Invalidate forces a reload on the next use.
func (c *AlertCache) Invalidate() {
	c.mu.Lock()
	c.loaded = time.Time{}
	c.gen++
	c.mu.Unlock()
}

// ActiveAlerts implements AlertSource. The database is read outside the
// lock: while one caller refreshes stale alerts, the others go on with the
// ones they have; only a cache that was never loaded, or was invalidated by
// a change in this process, makes its caller wait for the database.
func (c *AlertCache) ActiveAlerts(ctx context.Context, at time.Time) ([]routing.Alert, error) {
	ttl := c.TTL
	if ttl == 0 {
		ttl = 2 * time.Second
	}
	c.mu.Lock()
	must := c.loaded.IsZero()
	stale := must || time.Since(c.loaded) > ttl
	if stale && (must || !c.refreshing) {
		c.refreshing = true
		gen := c.gen
		c.mu.Unlock()
		rows, err := c.Store.Alerts(ctx, false, at)
		var warns []customs.RiskAlert
		if err == nil && c.Warnings != nil {
			warns, err = c.Warnings.WarningAlerts(ctx)
		}
		c.mu.Lock()
		c.refreshing = false
		switch {
		case err != nil && must:
			c.mu.Unlock()
			return nil, err
		case err == nil && gen == c.gen:
			c.rows, c.warns, c.loaded = rows, warns, time.Now()
		case err == nil:
			c.rows, c.warns = rows, warns // invalidated meanwhile: use, but load again next time
		}
	}
	rows, warns := c.rows, c.warns
	c.mu.Unlock()
	var out []routing.Alert
	for i := range rows {
		if r := &rows[i]; r.ExpiresAt == nil || r.ExpiresAt.After(at) {
			out = append(out, RoutingAlert(r))
		}
	}
	for i := range warns {
		if r := &warns[i]; r.ExpiresAt == nil || r.ExpiresAt.After(at) {
			a := RoutingAlert(r)
			a.Warning = true
			out = append(out, a)
		}
	}
	return out, nil
}

// RoutingAlert is a stored alert as the engine matches it.
func RoutingAlert(r *customs.RiskAlert) routing.Alert {
	return routing.Alert{ID: r.ID, HSPrefix: r.HSPrefix, Origin: r.Origin, USCC: r.USCC,
		Port: customs.Port(r.Port), Action: r.Action, Reason: r.Reason}
}

// NewAlert is an operator's request for a risk alert.
type NewAlert struct {
	HSPrefix  string     `json:"hsPrefix"`
	Origin    string     `json:"origin"`
	USCC      string     `json:"uscc"`
	Port      string     `json:"port"`
	Action    string     `json:"action"`
	Reason    string     `json:"reason"`
	ExpiresAt *time.Time `json:"expiresAt"`
}

// CreateAlert stores a risk alert and re-routes the pending declarations it
// matches. It returns how many routes changed, or -1 when the re-route
// failed here and was left queued for RunReroutes. CodeInvalid when no
// matcher is given or a value is malformed.
func (s *Service) CreateAlert(ctx context.Context, n NewAlert, who customs.Principal, cache *AlertCache) (*customs.RiskAlert, int, error) {
	var ps customs.Problems
	n.USCC = customs.NormalizeUSCC(strings.TrimSpace(n.USCC))
	n.HSPrefix = strings.TrimSpace(n.HSPrefix)
	n.Origin = strings.ToUpper(strings.TrimSpace(n.Origin))
	n.Port = strings.ToLower(strings.TrimSpace(n.Port))
	if n.HSPrefix == "" && n.Origin == "" && n.USCC == "" && n.Port == "" {
		ps.Add("", customs.ProblemMissingField, "give at least one of hsPrefix, origin, uscc, port")
	}
	if n.HSPrefix != "" && (!customs.AllDigits(n.HSPrefix) || len(n.HSPrefix) > 10) {
		ps.Add("/hsPrefix", customs.ProblemInvalidHSCode, "hsPrefix must be 1 to 10 digits")
	}
	if n.Origin != "" {
		if _, ok := s.Tables.CountryByAlpha3[n.Origin]; !ok {
			ps.Add("/origin", customs.ProblemUnknownCountry, "origin must be an alpha-3 country of codes/countries.csv")
		}
	}
	if n.USCC != "" {
		if ok, _ := customs.CheckUSCC(n.USCC); !ok {
			ps.Add("/uscc", customs.ProblemInvalidUSCC, "invalid USCC %q", n.USCC)
		}
	}
	if n.Port != "" {
		if _, ok := s.Adapters.Get(customs.Port(n.Port)); !ok {
			if _, ok := s.Tables.Customs[n.Port]; !ok {
				ps.Add("/port", customs.ProblemInvalidEnum, "port must be a port id or a customs code")
			}
		}
	}
	switch customs.Lane(n.Action) {
	case customs.LanePortInspection, customs.LaneDestinationInspection:
	default:
		ps.Add("/action", customs.ProblemInvalidEnum, "action must be port_inspection or destination_inspection")
	}
	// Times as the database keeps them (UTC, microseconds), so that the
	// answer shows what the list will.
	now := s.now().Truncate(time.Microsecond)
	switch {
	case n.ExpiresAt == nil:
		// routing.md: an alert names an action and an expiry; one that
		// never ends would stop matching goods long after the risk.
		ps.Add("/expiresAt", customs.ProblemMissingField, "expiresAt is required")
	case !n.ExpiresAt.After(now):
		ps.Add("/expiresAt", customs.ProblemInvalidDate, "expiresAt must be in the future")
	}
	if err := ps.Err(customs.CodeInvalid, "risk alert does not validate"); err != nil {
		return nil, 0, err
	}
	row := &customs.RiskAlert{ID: clearance.NewID("ra_"), HSPrefix: n.HSPrefix, Origin: n.Origin, USCC: n.USCC, Port: n.Port,
		Action: customs.Lane(n.Action), Reason: n.Reason, CreatedAt: now, CreatedBy: who.Actor()}
	if n.ExpiresAt != nil {
		exp := n.ExpiresAt.UTC().Truncate(time.Microsecond)
		row.ExpiresAt = &exp
	}
	// The alert and the re-route it asks for are stored together, so a
	// failure (or a crash) after the commit leaves the re-route queued for
	// RunReroutes rather than lost; it is then done here at once.
	target := []string{AllDeclarations}
	if n.USCC != "" {
		target = []string{n.USCC}
	}
	why := "risk alert " + row.ID + " added"
	err := s.Store.InTx(ctx, func(tx Tx) error {
		if err := tx.InsertAlert(ctx, row); err != nil {
			return err
		}
		return tx.RequestReroute(ctx, target, who.Actor(), why)
	})
	if err != nil {
		return nil, 0, err
	}
	if cache != nil {
		cache.Invalidate()
	}
	changed, err := s.rerouteTargets(ctx, target, who.Actor(), why)
	if err != nil {
		// Stored and queued: the worker re-routes, the operator is not
		// told the alert failed.
		return row, -1, nil
	}
	return row, changed, s.Store.ForgetReroutes(ctx, why)
}

// ListAlerts lists the risk alerts, newest first; with active set only
// those in force now.
func (s *Service) ListAlerts(ctx context.Context, active bool) ([]customs.RiskAlert, error) {
	return s.Store.Alerts(ctx, active, s.now())
}

// DeleteAlert ends a risk alert now, and makes cache (if any) load the
// alerts again, so that intake here stops applying it at once. Routes it
// gave stay until the next re-route. CodeNotFound for an unknown alert.
func (s *Service) DeleteAlert(ctx context.Context, id string, cache *AlertCache) error {
	ok, err := s.Store.DeleteAlert(ctx, id, s.now())
	if err != nil {
		return err
	}
	if !ok {
		return customs.Errorf(customs.CodeNotFound, "risk alert %s not found", id)
	}
	if cache != nil {
		cache.Invalidate()
	}
	return nil
}
