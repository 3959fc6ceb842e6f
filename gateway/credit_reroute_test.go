package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/credit"
	"github.com/jjj/gateway/internal/credit/sim"
	"github.com/jjj/gateway/internal/customs"
)

// lateRatings lets the harness be built before the credit cache, which
// needs the harness's database.
type lateRatings struct{ c *credit.Cache }

func (l *lateRatings) Ratings(ctx context.Context, usccs []string, day string) (map[string]customs.Rating, error) {
	return l.c.Ratings(ctx, usccs, day)
}

// TestDishonestInHebeiAloneReroutesEverywhere: an importer whose
// declaration came in through Tianjin is graded D by the Hebei registry
// alone. After the sync its merged rating is dishonest, and its accepted
// declaration is routed again (durably: the request is queued in the
// credit page's transaction) with credit.dishonest and an inspection task
// at the port, the old route kept on the timeline.
func TestDishonestInHebeiAloneReroutesEverywhere(t *testing.T) {
	t.Parallel()
	ratings := &lateRatings{}
	b := setup(t, options{inspection: true, ratings: ratings})
	var err error
	if ratings.c, err = credit.NewCache(credit.CacheConfig{Store: b.db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}); err != nil {
		t.Fatal(err)
	}
	const uscc = "91120113600138724G"
	port := b.key(t, customs.CallerPort, "tianjin")
	r := b.do(t, "POST", "/v1/ports/tianjin/declarations", port, "application/xml", readSample(t, "tianjin", "import-ordinary-machinery.xml"))
	if r.status != 201 || r.json["route"].(map[string]any)["lane"] != "release" {
		t.Fatalf("submit: %d %.300s", r.status, r.body)
	}
	id := r.json["id"].(string)

	page, _ := json.Marshal(map[string]any{"region": "HE", "next": nil, "records": []map[string]any{{
		"uscc": uscc, "name": "天津北辰精密机械有限公司", "rating": "D", "reason": "走私违法", "effectiveFrom": "2026-01-01",
		"expiresAt": nil, "version": 1, "updatedAt": "2026-11-20T08:00:00Z", "deleted": false}}})
	he, err := sim.New(sim.Config{Region: customs.RegionHE, Pages: [][]byte{page}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(he)
	t.Cleanup(srv.Close)
	client, err := credit.NewClient(credit.ClientConfig{Region: customs.RegionHE, URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	syncer, err := credit.New(credit.Config{Sources: map[customs.Region]credit.Source{customs.RegionHE: client}, Store: b.db,
		Cache: ratings.c, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := syncer.SyncAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := b.count(t, `SELECT count(*) FROM reroute_request WHERE uscc = $1`, uscc); n != 1 {
		t.Fatalf("re-route requests queued: %d", n)
	}
	got, err := ratings.c.Ratings(context.Background(), []string{uscc}, customs.BeijingDay(time.Now()))
	if err != nil || got[uscc] != customs.RatingDishonest {
		t.Fatalf("merged rating %v %v", got, err)
	}
	n, err := b.insp.RerouteQueued(context.Background(), 0)
	if err != nil || n != 1 {
		t.Fatalf("RerouteQueued: %d %v", n, err)
	}
	if left := b.count(t, `SELECT count(*) FROM reroute_request`); left != 0 {
		t.Errorf("%d requests left", left)
	}

	d := b.do(t, "GET", "/v1/declarations/"+id, b.admin, "", nil)
	route := d.json["route"].(map[string]any)
	if route["lane"] != "port_inspection" {
		t.Fatalf("lane after re-route: %v", route["lane"])
	}
	var rules []string
	for _, re := range route["reasons"].([]any) {
		rules = append(rules, re.(map[string]any)["rule"].(string))
	}
	if strings.Join(rules, ",") != "credit.dishonest" {
		t.Errorf("rules %v", rules)
	}
	tasks := route["tasks"].([]any)
	if len(tasks) != 1 || tasks[0].(map[string]any)["workflow"] != "inspection" || tasks[0].(map[string]any)["bureau"] != nil {
		t.Errorf("tasks %v", tasks)
	}
	rerouted := false
	for _, e := range d.json["timeline"].([]any) {
		m := e.(map[string]any)
		if strings.HasPrefix(m["note"].(string), "re-routed") && m["actor"] == "system:credit" {
			rerouted = true
		}
	}
	if !rerouted {
		t.Errorf("no re-route on the timeline: %v", d.json["timeline"])
	}
	list := b.do(t, "GET", "/v1/bureaus/120000/tasks", b.admin, "", nil)
	if items := list.json["items"].([]any); len(items) != 1 {
		t.Errorf("Xingang's office lists %d tasks", len(items))
	}
}
