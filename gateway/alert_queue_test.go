package gateway_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/clearance"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/routing"
)

// TestAlertRerouteIsQueuedWithTheAlert: the re-route a new alert asks for
// is stored in the alert's own transaction and forgotten once done at once;
// a request left queued (as after a failure or a crash) is done by the
// worker with the operator as actor.
func TestAlertRerouteIsQueuedWithTheAlert(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	port := b.key(t, customs.CallerPort, "tianjin")
	r := b.do(t, "POST", "/v1/ports/tianjin/declarations", port, "application/xml", readSample(t, "tianjin", "import-ordinary-machinery.xml"))
	if r.status != 201 {
		t.Fatalf("submit: %d", r.status)
	}
	id := r.json["id"].(string)

	a := b.post(t, "/v1/admin/risk-alerts", b.admin, alertBody(nil))
	if a.status != 201 || a.json["rerouted"] != float64(1) {
		t.Fatalf("alert: %d %s", a.status, a.body)
	}
	if n := b.count(t, `SELECT count(*) FROM reroute_request`); n != 0 {
		t.Errorf("%d requests left after the re-route was done at once", n)
	}

	// An alert stored with its request but not yet worked, as a crash
	// right after the commit leaves it: the worker re-routes, with the
	// operator who asked as the actor.
	row := &postgres.AlertRow{ID: "ra_crash", Action: "destination_inspection", Reason: "crash", CreatedAt: time.Now().UTC(), CreatedBy: "admin:ops"}
	row.HSPrefix.String, row.HSPrefix.Valid = "8457", true
	if err := postgres.InsertAlert(context.Background(), b.db, row); err != nil {
		t.Fatal(err)
	}
	if err := postgres.RequestRerouteAs(context.Background(), b.db, []string{postgres.AllDeclarations}, "admin:ops", "risk alert ra_crash added"); err != nil {
		t.Fatal(err)
	}
	// The harness's alert cache reloads every 2 s: wait until it has the
	// alert (asking it is what reloads it), not for a fixed time.
	alerts := b.svc.Facts.(*clearance.LiveFacts).Alerts
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		as, err := alerts.ActiveAlerts(context.Background(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(as, func(a routing.Alert) bool { return a.ID == "ra_crash" }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the alert cache never had ra_crash")
		}
	}
	n, err := b.insp.RerouteQueued(context.Background(), 0)
	if err != nil || n != 1 {
		t.Fatalf("RerouteQueued: %d %v", n, err)
	}
	if left := b.count(t, `SELECT count(*) FROM reroute_request`); left != 0 {
		t.Errorf("%d requests left", left)
	}
	d := b.do(t, "GET", "/v1/declarations/"+id, b.admin, "", nil)
	if lane := d.json["route"].(map[string]any)["lane"]; lane != "destination_inspection" {
		t.Errorf("lane %v after the queued re-route", lane)
	}
	found := false
	for _, e := range d.json["timeline"].([]any) {
		m := e.(map[string]any)
		if m["actor"] == "admin:ops" && strings.Contains(m["note"].(string), "ra_crash") {
			found = true
		}
	}
	if !found {
		t.Errorf("no re-route by the operator on the timeline: %v", d.json["timeline"])
	}
}
