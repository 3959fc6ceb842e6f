package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// ratingFrom rates one enterprise dishonest from a day on (effectiveFrom),
// as the merged credit view would.
type ratingFrom struct {
	uscc, from string
}

func (r ratingFrom) Ratings(_ context.Context, usccs []string, day string) (map[string]customs.Rating, error) {
	for _, u := range usccs {
		if u == r.uscc && day >= r.from {
			return map[string]customs.Rating{u: customs.RatingDishonest}, nil
		}
	}
	return nil, nil
}

// TestRerouteUsesTodaysCredit: a declaration received on one day whose
// importer turns dishonest with effect from a later day is routed again
// with the rating of the day of the re-route (credit.md: changes take
// effect at once), not that of the day of receipt; the draw stays keyed by
// the day of receipt.
func TestRerouteUsesTodaysCredit(t *testing.T) {
	t.Parallel()
	const uscc = "91120113600138724G"
	received := time.Date(2026, 11, 27, 3, 0, 0, 0, time.UTC) // 2026-11-27 in Beijing
	b := setup(t, options{inspection: true, ratings: ratingFrom{uscc: uscc, from: "2026-11-28"}})
	clock := received
	b.svc.NowFunc = func() time.Time { return clock }
	port := b.key(t, customs.CallerPort, "tianjin")
	r := b.do(t, "POST", "/v1/ports/tianjin/declarations", port, "application/xml", readSample(t, "tianjin", "import-ordinary-machinery.xml"))
	if r.status != 201 || r.json["route"].(map[string]any)["lane"] != "release" {
		t.Fatalf("submit: %d %.300s", r.status, r.body)
	}
	id := r.json["id"].(string)

	// 2026-11-27T17:00Z is already 2026-11-28 in Beijing.
	clock = time.Date(2026, 11, 27, 17, 0, 0, 0, time.UTC)
	n, err := b.insp.Reroute(context.Background(), []string{id}, "system:credit", "the enterprise's credit rating changed")
	if err != nil || n != 1 {
		t.Fatalf("Reroute: %d %v", n, err)
	}
	d := b.do(t, "GET", "/v1/declarations/"+id, b.admin, "", nil)
	route := d.json["route"].(map[string]any)
	if route["lane"] != "port_inspection" {
		t.Fatalf("lane after re-route: %v (%v)", route["lane"], route["reasons"])
	}
	if re := route["reasons"].([]any); len(re) != 1 || re[0].(map[string]any)["rule"] != "credit.dishonest" {
		t.Errorf("reasons %v", re)
	}
	draw := b.do(t, "GET", "/v1/admin/draws/"+id, b.admin, "", nil)
	if draw.status != 200 || draw.json["matches"] != true {
		t.Errorf("draw after re-route: %d %.300s", draw.status, draw.body)
	}
}
