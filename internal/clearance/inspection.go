package clearance

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jjj/gateway/internal/canonical"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/routing"
	"github.com/jjj/gateway/internal/view"
)

// routeKey identifies a task across re-routes: its workflow and bureau.
func routeKey(workflow, bureau string) string { return workflow + "@" + bureau }

// Reroute routes the declarations again with today's facts (credit,
// alerts), keeping each one's draw, for those not yet released. A changed
// route is stored with the old one kept on the timeline; open tasks the new
// route no longer has are withdrawn, done tasks stay; a delivered
// declaration's new route is queued for the review centre as a route
// amendment. It returns how many routes changed.
func (s *Service) Reroute(ctx context.Context, ids []string, actor, why string) (int, error) {
	changed := 0
	for _, id := range ids {
		ok, err := s.rerouteOne(ctx, id, actor, why)
		if err != nil {
			return changed, fmt.Errorf("reroute %s: %w", id, err)
		}
		if ok {
			changed++
		}
	}
	return changed, nil
}

// RerouteEnterprises re-routes the pending declarations of enterprises
// whose effective credit rating changed.
func (s *Service) RerouteEnterprises(ctx context.Context, usccs []string) error {
	if len(usccs) == 0 {
		return nil
	}
	ids, err := s.DB.ReroutableDeclarations(ctx, usccs)
	if err != nil {
		return err
	}
	_, err = s.Reroute(ctx, ids, "system:credit", "the enterprise's credit rating changed")
	return err
}

func (s *Service) rerouteOne(ctx context.Context, id, actor, why string) (bool, error) {
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	st, err := postgres.LockLifecycle(ctx, tx, id)
	if err != nil {
		return false, err
	}
	if st.Status.Finished() {
		return false, nil
	}
	var row postgres.DeclarationRow
	if err := tx.GetContext(ctx, &row, `SELECT doc, draw, route_version, port_office, port FROM declaration WHERE id = $1`, id); err != nil {
		return false, err
	}
	var v view.View
	if err := json.Unmarshal(row.Doc, &v); err != nil {
		return false, fmt.Errorf("stored document: %w", err)
	}
	d := v.Declaration()
	// The id keys the draw; the stored document of an older re-route may
	// lack it, the row never does.
	d.ID = id
	if d.DirectTransit != nil {
		d.DirectTransit.Granted = false
	}
	// The draw's seed is that of the day of receipt (routing.md), but
	// credit and alerts are taken as they stand now: a rating that turned
	// dishonest today, or expired since the goods arrived, counts at once
	// (credit.md), and so does an alert that expired since.
	now := s.now().Truncate(time.Microsecond)
	f, err := s.facts(ctx, d, true)
	if err != nil {
		return false, err
	}
	asOf := *d
	asOf.Source.ReceivedAt = now
	live, err := s.facts(ctx, &asOf, false)
	if err != nil {
		return false, err
	}
	f.Ratings, f.Alerts = live.Ratings, live.Alerts
	if len(row.Draw) > 0 {
		var dr customs.Draw
		if err := json.Unmarshal(row.Draw, &dr); err != nil {
			return false, fmt.Errorf("stored draw: %w", err)
		}
		f.Draw = &dr
	}
	route, err := s.Engine.Decide(d, f)
	if err != nil {
		return false, err
	}
	old := v.Route
	if old != nil && sameRoute(old, view.NewRouteView(route)) {
		return false, nil
	}
	// Keep the tasks the new route still has; withdraw the rest.
	existing := map[string]*customs.TaskState{}
	for i := range st.Tasks {
		t := &st.Tasks[i]
		if t.Status == customs.TaskWithdrawn {
			continue
		}
		existing[routeKey(string(t.Workflow), t.Bureau)] = t
	}
	upd := &postgres.RouteUpdate{ID: id, Lane: route.Lane, At: now, Update: map[string][]int{}}
	if len(row.Draw) == 0 && route.Draw != nil {
		// A declaration that needed no draw when it arrived (dishonest)
		// gets one now, from its day's seed; it is kept from here on.
		upd.Draw, _ = json.Marshal(route.Draw)
	}
	var fresh []newTask
	kept := map[string]bool{}
	for i := range route.Tasks {
		t := &route.Tasks[i]
		k := routeKey(string(t.Workflow), t.Bureau)
		if e := existing[k]; e != nil {
			kept[e.ID] = true
			t.ID = e.ID
			t.Status = e.Status
			if e.Status != customs.TaskDone && !sameItems(e.Items, t.Items) {
				upd.Update[e.ID] = t.Items
			}
			continue
		}
		fresh = append(fresh, openTask(t, row.PortOffice))
	}
	for _, e := range existing {
		if !kept[e.ID] && (e.Status == customs.TaskOpen || e.Status == customs.TaskClaimed) {
			upd.Withdraw = append(upd.Withdraw, e.ID)
		}
	}
	sort.Strings(upd.Withdraw)
	if len(fresh) > 0 {
		upd.New, _ = json.Marshal(fresh)
	}
	d.Route = route
	nv := view.NewView(d)
	upd.Doc, err = json.Marshal(nv)
	if err != nil {
		return false, err
	}
	upd.Canonical = canonical.Marshal(d)
	if _, err := postgres.UpdateRoute(ctx, tx, upd); err != nil {
		return false, err
	}
	data, _ := json.Marshal(map[string]any{"previous": old, "route": nv.Route, "withdrawn": upd.Withdraw})
	if err := postgres.AddTimeline(ctx, tx, postgres.StatusChange{DeclarationID: id, Status: string(st.Status), At: now, Actor: actor,
		Note: "re-routed (" + string(route.Lane) + "): " + why, Data: data}); err != nil {
		return false, err
	}
	if st.Delivery == customs.DeliveryDelivered {
		// n counts the amendments, not the route versions: a route changed
		// before delivery went out with the declaration itself.
		if _, err := postgres.EnqueueRoute(ctx, tx, id, canonical.MarshalRoute(route), now); err != nil {
			return false, err
		}
	}
	// Timeline data is never NULL: the timeline readers scan it as JSON.
	after, _ := json.Marshal(map[string]any{"lane": route.Lane, "withdrawn": upd.Withdraw})
	if _, _, err := Refresh(ctx, tx, id, now, actor, "status after re-route", after); err != nil {
		return false, err
	}
	return true, tx.Commit()
}

func sameItems(a []int64, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if int(a[i]) != b[i] {
			return false
		}
	}
	return true
}

// sameRoute compares what a route decides, not the ids of its tasks.
func sameRoute(a, b *view.RouteView) bool {
	key := func(r *view.RouteView) string {
		var sb strings.Builder
		sb.WriteString(string(r.Lane))
		for _, t := range r.Tasks {
			fmt.Fprintf(&sb, "|%s@%s%v", t.Workflow, view.Str(t.Bureau), t.Items)
		}
		for _, re := range r.Reasons {
			ev, _ := json.Marshal(re.Evidence)
			item := 0
			if re.Item != nil {
				item = *re.Item
			}
			fmt.Fprintf(&sb, "|%s#%d%s", re.Rule, item, ev)
		}
		return sb.String()
	}
	return key(a) == key(b)
}

// AlertCache serves the active risk alerts to intake from memory, reloading
// them from the database at most every TTL (and at once after a change in
// this process), so intake needs no extra round trip. An alert made on
// another gateway process reaches this one within TTL.
type AlertCache struct {
	DB *postgres.DB
	// TTL: zero means 2s.
	TTL time.Duration

	mu         sync.Mutex
	loaded     time.Time // zero: never loaded, or invalidated
	gen        int       // bumped by Invalidate
	refreshing bool
	rows       []postgres.AlertRow
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
		rows, err := c.DB.Alerts(ctx, false, at)
		c.mu.Lock()
		c.refreshing = false
		switch {
		case err != nil && must:
			c.mu.Unlock()
			return nil, err
		case err == nil && gen == c.gen:
			c.rows, c.loaded = rows, time.Now()
		case err == nil:
			c.rows = rows // invalidated meanwhile: use, but load again next time
		}
	}
	rows := c.rows
	c.mu.Unlock()
	var out []routing.Alert
	for i := range rows {
		if r := &rows[i]; !r.ExpiresAt.Valid || r.ExpiresAt.Time.After(at) {
			out = append(out, AlertFromRow(r))
		}
	}
	return out, nil
}

// AlertFromRow converts a stored alert for the engine.
func AlertFromRow(r *postgres.AlertRow) routing.Alert {
	return routing.Alert{ID: r.ID, HSPrefix: r.HSPrefix.String, Origin: r.Origin.String, USCC: r.USCC.String,
		Port: customs.Port(r.Port.String), Action: customs.Lane(r.Action), Reason: r.Reason}
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
func (s *Service) CreateAlert(ctx context.Context, n NewAlert, who customs.Principal, cache *AlertCache) (*postgres.AlertRow, int, error) {
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
		if _, ok := s.Translator.Adapters.Get(customs.Port(n.Port)); !ok {
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
	row := &postgres.AlertRow{ID: NewID("ra_"), Action: n.Action, Reason: n.Reason, CreatedAt: now, CreatedBy: who.Actor()}
	set := func(dst *sql.NullString, v string) {
		if v != "" {
			dst.String, dst.Valid = v, true
		}
	}
	set(&row.HSPrefix, n.HSPrefix)
	set(&row.Origin, n.Origin)
	set(&row.USCC, n.USCC)
	set(&row.Port, n.Port)
	if n.ExpiresAt != nil {
		row.ExpiresAt.Time, row.ExpiresAt.Valid = n.ExpiresAt.UTC().Truncate(time.Microsecond), true
	}
	// The alert and the re-route it asks for are stored together, so a
	// failure (or a crash) after the commit leaves the re-route queued for
	// RunReroutes rather than lost; it is then done here at once.
	target := []string{postgres.AllDeclarations}
	if n.USCC != "" {
		target = []string{n.USCC}
	}
	why := "risk alert " + row.ID + " added"
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	if err := postgres.InsertAlert(ctx, tx, row); err != nil {
		return nil, 0, err
	}
	if err := postgres.RequestRerouteAs(ctx, tx, target, who.Actor(), why); err != nil {
		return nil, 0, err
	}
	if err := tx.Commit(); err != nil {
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
	return row, changed, s.DB.ForgetReroutes(ctx, why)
}

// rerouteTargets re-routes the pending declarations of the USCCs, or all
// of them for postgres.AllDeclarations.
func (s *Service) rerouteTargets(ctx context.Context, usccs []string, actor, why string) (int, error) {
	for _, u := range usccs {
		if u == postgres.AllDeclarations {
			usccs = nil
			break
		}
	}
	ids, err := s.DB.ReroutableDeclarations(ctx, usccs)
	if err != nil {
		return 0, err
	}
	return s.Reroute(ctx, ids, actor, why)
}

// ReroutesConfig configures RunReroutes.
type ReroutesConfig struct {
	// Settle is how old a request must be before it is worked, so that the
	// rating cache of the process that works it has seen the change; zero
	// means 2s (the credit cache polls every second).
	Settle time.Duration
	// Poll is how often the queue is looked at; zero means 1s.
	Poll time.Duration
	// Nudge, when it receives, makes the worker look now (after Settle).
	Nudge <-chan struct{}
	// OnError is told of a failed batch, which stays queued; nil ignores.
	OnError func(error)
}

// RunReroutes works the durable queue of re-route requests that credit
// changes leave (postgres.RequestReroute) until ctx ends: it re-routes the
// pending declarations of each enterprise named and then deletes the
// requests; a batch that fails stays queued and is tried again.
func (s *Service) RunReroutes(ctx context.Context, cfg ReroutesConfig) {
	if cfg.Settle == 0 {
		cfg.Settle = 2 * time.Second
	}
	if cfg.Poll == 0 {
		cfg.Poll = time.Second
	}
	t := time.NewTicker(cfg.Poll)
	defer t.Stop()
	for {
		for {
			n, err := s.RerouteQueued(ctx, cfg.Settle)
			if err != nil && cfg.OnError != nil && ctx.Err() == nil {
				cfg.OnError(err)
			}
			if err != nil || n == 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-cfg.Nudge:
			select {
			case <-ctx.Done():
				return
			case <-time.After(cfg.Settle):
			}
		}
	}
}

// RerouteQueued works one batch of queued re-route requests at least
// settle old, and returns how many requests it took.
func (s *Service) RerouteQueued(ctx context.Context, settle time.Duration) (int, error) {
	b, err := s.DB.ClaimReroutes(ctx, settle, 100)
	if err != nil {
		return 0, err
	}
	if len(b.Requests) == 0 {
		return 0, b.Release()
	}
	// One re-route per asker and reason, each enterprise once.
	type key struct{ actor, reason string }
	var order []key
	groups := map[key][]string{}
	seen := map[key]map[string]bool{}
	for _, r := range b.Requests {
		k := key{r.Actor, r.Reason}
		if seen[k] == nil {
			seen[k] = map[string]bool{}
			order = append(order, k)
		}
		if !seen[k][r.USCC] {
			seen[k][r.USCC] = true
			groups[k] = append(groups[k], r.USCC)
		}
	}
	for _, k := range order {
		if _, err := s.rerouteTargets(ctx, groups[k], k.actor, k.reason); err != nil {
			b.Release()
			return 0, err
		}
	}
	return len(b.Requests), b.Done()
}
