package inspection

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jjj/gateway/internal/canonical"
	"github.com/jjj/gateway/internal/clearance"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/outbox"
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
	ids, err := s.Store.ReroutableDeclarations(ctx, usccs)
	if err != nil {
		return err
	}
	_, err = s.Reroute(ctx, ids, "system:credit", "the enterprise's credit rating changed")
	return err
}

func (s *Service) rerouteOne(ctx context.Context, id, actor, why string) (bool, error) {
	changed := false
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		changed, err = s.reroute(ctx, tx, id, actor, why)
		return err
	})
	return changed, err
}

// reroute routes declaration id again in tx and reports whether its
// route changed.
func (s *Service) reroute(ctx context.Context, tx Tx, id, actor, why string) (bool, error) {
	st, err := tx.LockLifecycle(ctx, id)
	if err != nil {
		return false, err
	}
	if st.Status.Finished() {
		return false, nil
	}
	row, err := tx.Declaration(ctx, id)
	if err != nil {
		return false, err
	}
	d := row.Declaration
	// The route is decided again from the declaration alone; the old one
	// is kept for the comparison and the timeline.
	var old *view.RouteView
	if d.Route != nil {
		old = view.NewRouteView(d.Route)
	}
	d.Route = nil
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
	if row.Draw != nil {
		f.Draw = row.Draw
	}
	if keys := customs.CitedDocuments(d); len(keys) > 0 {
		facts, err := s.Store.DocumentFacts(ctx, d.ID, keys)
		if err != nil {
			return false, err
		}
		f.FirstUse, f.Issuer = customs.DocumentFacts(facts)
	}
	route, err := s.Engine.Decide(d, f)
	if err != nil {
		return false, err
	}
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
	upd := &customs.RouteChange{PortOffice: row.PortOffice, At: now, Update: map[string][]int{}}
	if row.Draw == nil && route.Draw != nil {
		// A declaration that needed no draw when it arrived (dishonest)
		// gets one now, from its day's seed; it is kept from here on.
		upd.Draw = route.Draw
	}
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
		clearance.OpenTask(t)
		upd.New = append(upd.New, *t)
	}
	for _, e := range existing {
		if !kept[e.ID] && (e.Status == customs.TaskOpen || e.Status == customs.TaskClaimed) {
			upd.Withdraw = append(upd.Withdraw, e.ID)
		}
	}
	sort.Strings(upd.Withdraw)
	d.Route = route
	nv := view.NewView(d)
	upd.Declaration = d
	upd.RouteJSON = view.AppendRouteJSON(nil, nv.Route)
	upd.Canonical = canonical.Marshal(d)
	if err := tx.UpdateRoute(ctx, upd); err != nil {
		return false, err
	}
	data, _ := json.Marshal(map[string]any{"previous": old, "route": nv.Route, "withdrawn": upd.Withdraw})
	if err := tx.AddTimeline(ctx, customs.StatusChange{DeclarationID: id, Status: st.Status,
		Event: customs.Event{At: now, Actor: actor, Note: "re-routed (" + string(route.Lane) + "): " + why, Data: data}}); err != nil {
		return false, err
	}
	if st.Delivery == customs.DeliveryDelivered {
		// n counts the amendments, not the route versions: a route changed
		// before delivery went out with the declaration itself.
		if _, err := outbox.EnqueueRoute(ctx, tx, id, route, now); err != nil {
			return false, err
		}
	}
	// Timeline data is never NULL: the timeline readers scan it as JSON.
	after, _ := json.Marshal(map[string]any{"lane": route.Lane, "withdrawn": upd.Withdraw})
	if _, _, err := Refresh(ctx, tx, id, customs.Event{At: now, Actor: actor, Note: "status after re-route", Data: after}); err != nil {
		return false, err
	}
	return true, nil
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

// rerouteTargets re-routes the pending declarations of the USCCs, or all
// of them for AllDeclarations.
func (s *Service) rerouteTargets(ctx context.Context, usccs []string, actor, why string) (int, error) {
	for _, u := range usccs {
		if u == AllDeclarations {
			usccs = nil
			break
		}
	}
	ids, err := s.Store.ReroutableDeclarations(ctx, usccs)
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
// changes leave (Tx.RequestReroute) until ctx ends: it re-routes the
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
	n := 0
	err := s.Store.ClaimReroutes(ctx, settle, 100, func(reqs []customs.RerouteRequest) error {
		// One re-route per asker and reason, each enterprise once.
		type key struct{ actor, reason string }
		var order []key
		groups := map[key][]string{}
		seen := map[key]map[string]bool{}
		for _, r := range reqs {
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
				return err
			}
		}
		n = len(reqs)
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}
