package gateway_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/big"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
)

// drawByHand computes routing.md's draw with crypto/hmac and math/big,
// independently of internal/routing.
func drawByHand(secret, day, id string, roster []string) (seedID string, value float64, inspector string) {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("seed:" + day))
	seed := m.Sum(nil)
	sum := sha256.Sum256(seed)
	seedID = day + ":" + hex.EncodeToString(sum[:])[:8]
	h := hmac.New(sha256.New, seed)
	h.Write([]byte(id))
	hv := h.Sum(nil)
	num := new(big.Float).SetInt(new(big.Int).SetBytes(hv[:8]))
	den := new(big.Float).SetInt(new(big.Int).Lsh(big.NewInt(1), 64))
	value, _ = new(big.Float).Quo(num, den).Float64()
	if len(roster) > 0 {
		inspector = roster[binary.BigEndian.Uint64(hv[8:16])%uint64(len(roster))]
	}
	return seedID, value, inspector
}

func TestDrawIsRecomputed(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true, rates: map[customs.Rating]float64{customs.RatingGeneral: 1}})
	tables := codes.MustEmbedded()
	tj := b.key(t, customs.CallerPort, "tianjin")
	bureau := b.key(t, customs.CallerBureau, "120000")
	const secret = "test-secret" // the harness's RANDOM_SEED_SECRET

	for _, c := range []struct {
		name, sample, rosterOf string
		alert                  map[string]any
	}{
		{"port office roster", "import-ordinary-machinery", "120000", nil},
		{"pilot zone roster when direct transit is granted", "import-direct-transit-shijiazhuang", "130100", nil},
		// An alert's inspection task at an inland bureau does not change
		// whose roster the draw used.
		{"alert task inland", "import-food-beef-registered", "120000", map[string]any{"hsPrefix": "0202", "action": "destination_inspection"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := b.submit(t, tj, "tianjin", c.sample)
			id := d["id"].(string)
			if c.alert != nil {
				over := map[string]any{"hsPrefix": nil}
				for k, v := range c.alert {
					over[k] = v
				}
				if r := b.post(t, "/v1/admin/risk-alerts", b.admin, alertBody(over)); r.status != 201 {
					t.Fatalf("alert: %d %s", r.status, r.body)
				}
				t.Cleanup(func() { b.db.Exec(`UPDATE risk_alert SET deleted_at = now()`) })
			}
			received, err := time.Parse(time.RFC3339Nano, d["receivedAt"].(string))
			if err != nil {
				t.Fatal(err)
			}
			day := received.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
			seedID, value, inspector := drawByHand(secret, day, id, tables.Bureaus[c.rosterOf].Inspectors)
			if inspector == "" {
				t.Fatalf("bureau %s has no roster", c.rosterOf)
			}
			lib := routing.Redraw(routing.DaySeed([]byte(secret), day), id, 1, tables.Bureaus[c.rosterOf].Inspectors)
			if lib.SeedID != seedID || lib.Value != value || lib.Inspector != inspector {
				t.Errorf("routing.Redraw %+v, by hand %s %v %s", lib, seedID, value, inspector)
			}

			var random map[string]any
			for _, re := range routeOf(t, d)["reasons"].([]any) {
				if m := re.(map[string]any); m["rule"] == "random.selected" {
					random = m["evidence"].(map[string]any)
				}
			}
			if random == nil || random["seedId"] != seedID || random["inspector"] != inspector {
				t.Errorf("reason evidence %v, want seed %s inspector %s", random, seedID, inspector)
			}

			r := b.do(t, "GET", "/v1/admin/draws/"+id, b.admin, "", nil)
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			want := map[string]any{"declarationId": id, "seedId": seedID, "value": value, "rate": 1.0, "selected": true, "inspector": inspector, "matches": true}
			if !reflect.DeepEqual(r.json, want) {
				t.Errorf("draw\n got %v\nwant %v", r.json, want)
			}
		})
	}
	if r := b.do(t, "GET", "/v1/admin/draws/d_NOPE", b.admin, "", nil); r.status != 404 {
		t.Errorf("unknown declaration: %d", r.status)
	}
	d := b.submit(t, tj, "tianjin", "import-ordinary-machinery")
	if r := b.do(t, "GET", "/v1/admin/draws/"+d["id"].(string), bureau, "", nil); r.status != 403 {
		t.Errorf("bureau key: %d", r.status)
	}
	// A tampered stored draw no longer matches.
	if _, err := b.db.Exec(`UPDATE declaration SET draw = jsonb_set(draw, '{Value}', '0.5') WHERE id = $1`, d["id"]); err != nil {
		t.Fatal(err)
	}
	if r := b.do(t, "GET", "/v1/admin/draws/"+d["id"].(string), b.admin, "", nil); r.status != 200 || r.json["matches"] != false {
		t.Errorf("tampered draw: %s", r.body)
	}
}

func TestConcurrentClaimsAndReroutes(t *testing.T) {
	t.Parallel()
	ratings := &fakeRatings{}
	b := setup(t, options{inspection: true, ratings: ratings})
	tj := b.key(t, customs.CallerPort, "tianjin")
	bureau := b.key(t, customs.CallerBureau, "120000")
	const uscc = "91120113600138724G"
	ratings.set(uscc, customs.RatingDishonest)
	var ids, tasks []string
	for range 4 {
		d := b.submit(t, tj, "tianjin", "import-ordinary-machinery")
		ids = append(ids, d["id"].(string))
		tasks = append(tasks, taskID(t, d, "inspection"))
	}
	// Every task is claimed by several callers at once while the rating
	// flips back and forth and the declarations are re-routed: exactly one
	// claim of a task wins or the task was withdrawn first; nothing
	// deadlocks or fails.
	var wg sync.WaitGroup
	codes := make([][]int, len(tasks))
	for i, task := range tasks {
		codes[i] = make([]int, 3)
		for j := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i][j] = b.post(t, "/v1/tasks/"+task+"/claim", bureau, nil).status
			}()
		}
	}
	errs := make(chan error, 4)
	for k := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if k%2 == 0 {
				ratings.set(uscc, customs.RatingGeneral)
			} else {
				ratings.set(uscc, customs.RatingDishonest)
			}
			errs <- b.insp.RerouteEnterprises(context.Background(), []string{uscc})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("re-route: %v", err)
		}
	}
	for i, cs := range codes {
		wins := 0
		for _, c := range cs {
			switch c {
			case 200:
				wins++
			case 409:
			default:
				t.Errorf("task %s: claim answered %d", tasks[i], c)
			}
		}
		if wins > 1 {
			t.Errorf("task %s claimed %d times", tasks[i], wins)
		}
		if n := b.count(t, `SELECT count(*) FROM task WHERE id = $1 AND status IN ('claimed', 'withdrawn')`, tasks[i]); wins == 1 && n != 1 {
			t.Errorf("task %s won a claim but is neither claimed nor withdrawn", tasks[i])
		}
	}
	for _, id := range ids {
		if s := b.status(t, id); s != "accepted" && s != "under_inspection" {
			t.Errorf("%s: status %s", id, s)
		}
	}
}
