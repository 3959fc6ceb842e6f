package gateway_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jjj/gateway/gateway"
	"github.com/jjj/gateway/internal/apikey"
	"github.com/jjj/gateway/internal/canonical"
	"github.com/jjj/gateway/internal/clearance"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/inspection"
	"github.com/jjj/gateway/internal/outbox"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/postgres/pgtest"
	"github.com/jjj/gateway/internal/reviewcentre"
	"github.com/jjj/gateway/internal/reviewcentre/sim"
)

// deliveryBundle is the API with the delivery routes, a review centre
// simulator, and a dispatcher delivering to it.
type deliveryBundle struct {
	*testBundle
	sim *sim.Sim
	rc  string // a reviewcentre key
}

func setupDeliveries(t *testing.T) *deliveryBundle {
	t.Helper()
	db := pgtest.New(t)
	keys := &apikey.Keys{Store: db}
	s := &gateway.Server{DB: db, Keys: keys, Clearance: &clearance.Service{Store: postgres.DeclarationStore{DB: db}}, Inspection: newInspection(db, nil, nil, nil, nil),
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Deliveries: &gateway.DeliveryDeps{Store: db},
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	b := &deliveryBundle{testBundle: &testBundle{srv: srv, db: db, keys: keys, svc: s.Clearance, insp: s.Inspection}, sim: sim.New(sim.Config{})}
	t.Cleanup(b.sim.Close)
	b.admin = b.key(t, customs.CallerAdmin, "")
	b.rc = b.key(t, customs.CallerReviewCentre, "")
	rcSrv := httptest.NewServer(b.sim)
	t.Cleanup(rcSrv.Close)
	client, err := reviewcentre.New(reviewcentre.Config{URL: rcSrv.URL, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	d, err := outbox.New(outbox.Adapt[postgres.Tx](db), client, outbox.Config{PollInterval: 20 * time.Millisecond, Lease: 10 * time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Lifecycle: inspection.Lifecycle{}}, client.MaxDuration())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return b
}

var declSeq atomic.Int64

// declare stores a declaration as the intake does; bad makes its canonical
// XML one the review centre refuses.
func (b *deliveryBundle) declare(t *testing.T, port customs.Port, openTask, bad bool) string {
	t.Helper()
	id := fmt.Sprintf("d_G%08d", declSeq.Add(1))
	at := time.Now().UTC().Truncate(time.Microsecond)
	d := &customs.Declaration{
		ID: id, RuleSet: "2026.1",
		Source:    customs.Source{Port: port, PortRef: "REF-" + id, Dialect: "tianjin/DecMessage-3.1", ReceivedAt: at, Digest: "sha256:" + strings.Repeat("ab", 32)},
		Direction: customs.Import, Customs: customs.CustomsCodes{Declaring: "0202", Port: "0202"},
		Parties:   []customs.Party{{Role: customs.RoleConsignee, USCC: "91130200MA0FK3L20Y"}, {Role: customs.RoleDeclarant, USCC: "91130200MA0FK3L20Y"}},
		Transport: customs.Transport{Mode: "sea"},
		Goods:     []customs.GoodsItem{{Seq: 1, HSCode: "2601111000", Quantity: "1", Unit: "070", Value: "1.00", Currency: "USD", Origin: "BRA"}},
		Route:     &customs.Route{Lane: customs.LaneRelease, RuleSet: "2026.1"},
	}
	xml := canonical.Marshal(d)
	if bad {
		xml = []byte(`<Declaration xmlns="urn:jjj:review-centre:declaration:v1" id="` + id + `"/>`)
	}
	nd := &postgres.NewDeclaration{ID: id, Port: port, PortRef: "REF-" + id, Digest: "sha256:x", Direction: customs.Import, ReceivedAt: at,
		PortOffice: "020000", Enterprises: []string{"91130200MA0FK3L20Y"}, Lane: customs.LaneRelease, Declaration: d,
		Canonical: xml, Actor: "port:" + string(port), Note: "accepted", Route: []byte(`{}`)}
	if openTask {
		nd.Tasks = []byte(`[{"id":"t_` + id + `","workflow":"inspection","bureau":null,"owner":"020000","items":[1],"inspector":null}]`)
	}
	if _, _, _, err := b.db.InsertDeclaration(context.Background(), nd); err != nil {
		t.Fatal(err)
	}
	return id
}

func (b *deliveryBundle) row(t *testing.T, id string) *postgres.DeclarationRow {
	t.Helper()
	r, err := b.db.GetDeclaration(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (b *deliveryBundle) waitDelivery(t *testing.T, id, delivery string) *postgres.DeclarationRow {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var d string
		if err := b.db.Get(&d, `SELECT delivery FROM declaration WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if d == delivery {
			return b.row(t, id)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: delivery %s, want %s", id, d, delivery)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (b *deliveryBundle) decide(t *testing.T, key, entry, decision string) response {
	t.Helper()
	return b.do(t, "POST", "/v1/review-centre/decisions", key, "application/json",
		[]byte(fmt.Sprintf(`{"entryId": %q, "decision": %q, "reason": "checked"}`, entry, decision)))
}

func TestReviewCentreDecisions(t *testing.T) {
	t.Parallel()
	b := setupDeliveries(t)
	plain := b.waitDelivery(t, b.declare(t, customs.PortTianjin, false, false), "delivered")
	held := b.waitDelivery(t, b.declare(t, customs.PortTianjin, true, false), "delivered")
	if plain.Status != "delivered" || held.Status != "inspection_required" {
		t.Fatalf("statuses %s, %s", plain.Status, held.Status)
	}
	entry := plain.EntryID.String
	portKey := b.key(t, customs.CallerPort, "tianjin")
	tlLen := func(id string) int { return b.count(t, `SELECT count(*) FROM timeline WHERE declaration_id = $1`, id) }

	steps := []struct {
		name, key, entry, decision string
		status                     int
		want                       string // the declaration's status after
		timeline                   int    // entries added
	}{
		{"a port key may not decide", portKey, entry, "released", 403, "delivered", 0},
		{"unknown entry id", b.rc, "999920261000000001", "released", 404, "delivered", 0},
		{"unknown decision", b.rc, entry, "approved", 422, "delivered", 0},
		{"released", b.rc, entry, "released", 200, "released", 1},
		{"the same again changes nothing", b.rc, entry, "released", 200, "released", 0},
		{"a different one after released", b.rc, entry, "rejected", 409, "released", 0},
	}
	for _, s := range steps {
		before := tlLen(plain.ID)
		r := b.decide(t, s.key, s.entry, s.decision)
		if r.status != s.status {
			t.Fatalf("%s: %d %s, want %d", s.name, r.status, r.body, s.status)
		}
		if got := b.row(t, plain.ID).Status; got != s.want {
			t.Errorf("%s: status %s, want %s", s.name, got, s.want)
		}
		if r.status == 200 && r.json["status"] != s.want {
			t.Errorf("%s: answer status %v, want %s", s.name, r.json["status"], s.want)
		}
		if added := tlLen(plain.ID) - before; added != s.timeline {
			t.Errorf("%s: %d timeline entries added, want %d", s.name, added, s.timeline)
		}
	}
	tl, _ := b.db.Timeline(context.Background(), plain.ID)
	if last := tl[len(tl)-1]; last.Status != "released" || last.Actor != "reviewcentre" || !strings.Contains(last.Note, "checked") {
		t.Errorf("decision on the timeline: %+v", last)
	}

	// inspection_required may be followed by a final decision; released
	// with a task still open keeps the goods held, and the decision is on
	// the timeline all the same.
	he := held.EntryID.String
	if r := b.decide(t, b.rc, he, "inspection_required"); r.status != 200 || r.json["status"] != "inspection_required" {
		t.Fatalf("inspection_required: %d %s", r.status, r.body)
	}
	before := tlLen(held.ID)
	if r := b.decide(t, b.rc, he, "released"); r.status != 200 || r.json["status"] != "inspection_required" {
		t.Fatalf("released with an open task: %d %s", r.status, r.body)
	}
	if tlLen(held.ID) != before+1 {
		t.Error("a decision that changes no status is not on the timeline")
	}
	if r := b.decide(t, b.rc, he, "rejected"); r.status != 409 {
		t.Errorf("rejected after released: %d", r.status)
	}
}

func TestDeliveriesAndReplay(t *testing.T) {
	t.Parallel()
	b := setupDeliveries(t)
	good := b.declare(t, customs.PortTianjin, false, false)
	bad1 := b.declare(t, customs.PortTianjin, false, true)
	bad2 := b.declare(t, customs.PortHebei, false, true)
	b.waitDelivery(t, good, "delivered")
	b.waitDelivery(t, bad1, "failed")
	b.waitDelivery(t, bad2, "failed")

	if r := b.do(t, "GET", "/v1/admin/deliveries", b.rc, "", nil); r.status != 403 {
		t.Errorf("reviewcentre key lists deliveries: %d", r.status)
	}
	if r := b.do(t, "GET", "/v1/admin/deliveries?state=lost", b.admin, "", nil); r.status != 400 {
		t.Errorf("unknown state: %d", r.status)
	}
	r := b.do(t, "GET", "/v1/admin/deliveries?state=dead", b.admin, "", nil)
	items, _ := r.json["items"].([]any)
	if r.status != 200 || len(items) != 2 {
		t.Fatalf("dead: %d %s", r.status, r.body)
	}
	first := items[0].(map[string]any)
	attempts, _ := first["attempts"].([]any)
	if first["declarationId"] != bad1 || first["state"] != "dead" || first["reason"] == nil || len(attempts) != 1 {
		t.Errorf("dead delivery %v", first)
	} else if a := attempts[0].(map[string]any); a["outcome"] != "rejected" || a["statusCode"] != 422.0 {
		t.Errorf("attempt %v", a)
	}
	r = b.do(t, "GET", "/v1/admin/deliveries?state=delivered", b.admin, "", nil)
	items, _ = r.json["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["entryId"] == nil {
		t.Errorf("delivered: %s", r.body)
	}
	if r := b.do(t, "GET", "/v1/admin/deliveries?state=pending,retrying", b.admin, "", nil); r.status != 200 || len(r.json["items"].([]any)) != 0 {
		t.Errorf("pending: %s", r.body)
	}

	// Replaying a delivered one is a conflict; an unknown one is not found.
	gd, _ := b.db.DeclarationDelivery(context.Background(), good)
	// The answer names its state as the listing does ("delivered", not
	// the outbox's own "completed").
	if r := b.do(t, "POST", fmt.Sprintf("/v1/admin/deliveries/%d/replay", gd.ID), b.admin, "", nil); r.status != 409 ||
		!strings.Contains(r.json["detail"].(string), "(it is delivered)") || strings.Contains(string(r.body), "completed") {
		t.Errorf("replay of a delivered one: %d %s", r.status, r.body)
	}
	if r := b.do(t, "POST", "/v1/admin/deliveries/424242/replay", b.admin, "", nil); r.status != 404 {
		t.Errorf("replay of an unknown one: %d", r.status)
	}
	// Bulk replay by filter: the wrong port matches nothing; the reason and
	// the port match one.
	if r := b.do(t, "POST", "/v1/admin/deliveries/replay", b.admin, "application/json", []byte(`{"port": "beijing"}`)); r.status != 200 || r.json["replayed"] != 0.0 {
		t.Errorf("beijing replay: %d %s", r.status, r.body)
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if r := b.do(t, "POST", "/v1/admin/deliveries/replay", b.admin, "application/json", []byte(`{"from": "`+future+`"}`)); r.json["replayed"] != 0.0 {
		t.Errorf("future replay: %s", r.body)
	}
	r = b.do(t, "POST", "/v1/admin/deliveries/replay", b.admin, "application/json", []byte(`{"port": "hebei", "reason": "VALIDATE", "to": "`+future+`"}`))
	if r.status != 200 || r.json["replayed"] != 1.0 {
		t.Fatalf("hebei replay: %d %s", r.status, r.body)
	}
	tl, _ := b.db.Timeline(context.Background(), bad2)
	if last := tl[len(tl)-1]; last.Actor != "admin" || !strings.Contains(last.Note, "replay") || last.Status != "accepted" {
		t.Errorf("replay on the timeline: %+v", last)
	}
	b.waitDelivery(t, bad2, "failed") // still invalid: refused again

	// A single replay by declaration id, after the message was fixed.
	fixed := b.declare(t, customs.PortTianjin, false, false)
	b.waitDelivery(t, fixed, "delivered")
	var xml []byte
	b.db.Get(&xml, `SELECT canonical FROM declaration WHERE id = $1`, fixed)
	b.db.MustExec(`UPDATE declaration SET canonical = replace(encode($2, 'escape'), $3, $4)::bytea WHERE id = $1`,
		bad1, xml, fixed, bad1)
	r = b.do(t, "POST", "/v1/admin/deliveries/"+bad1+"/replay", b.admin, "", nil)
	if r.status != 200 || r.json["state"] != "pending" {
		t.Fatalf("replay %s: %d %s", bad1, r.status, r.body)
	}
	row := b.waitDelivery(t, bad1, "delivered")
	if row.Status != "delivered" || !row.EntryID.Valid {
		t.Errorf("after replay: %s %v", row.Status, row.EntryID)
	}
	tl, _ = b.db.Timeline(context.Background(), bad1)
	var st []string
	for _, e := range tl {
		st = append(st, e.Status+"/"+e.Actor)
	}
	if got := strings.Join(st, ","); got != "accepted/port:tianjin,delivery_failed/reviewcentre,accepted/admin,delivered/reviewcentre" {
		t.Errorf("timeline %s", got)
	}
}
