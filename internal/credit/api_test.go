package credit_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/jjj/gateway/gateway"
	"github.com/jjj/gateway/internal/apikey"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/credit"
	"github.com/jjj/gateway/internal/customs"
)

type api struct {
	srv  *httptest.Server
	keys *apikey.Keys
}

func newAPI(t *testing.T, b *testBundle) *api {
	t.Helper()
	keys := &apikey.Keys{Store: b.db, ValidScope: apikey.ScopeChecker(codes.MustEmbedded())}
	s := &gateway.Server{DB: b.db, Keys: keys, Logger: quiet(), Credit: b.syncer}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &api{srv: srv, keys: keys}
}

func (a *api) key(t *testing.T, role apikey.Role, scope string) string {
	t.Helper()
	k, err := a.keys.Create(context.Background(), apikey.NewKey{Role: role, Scope: scope})
	if err != nil {
		t.Fatal(err)
	}
	return k.Key
}

func (a *api) do(t *testing.T, method, path, key string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, a.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, body)
		}
	}
	return resp.StatusCode
}

type feedPage struct {
	Items []gateway.CreditJSON `json:"items"`
	Next  *string              `json:"next"`
}

// TestAPI: the merged feed read back in order through the API, following
// next; the enterprise view and who may see it; the operator's sync calls.
func TestAPI(t *testing.T) {
	t.Parallel()
	b := setup(t, options{sims: sampleSims(t)})
	a := newAPI(t, b)
	admin := a.key(t, apikey.RoleAdmin, "")
	registry := a.key(t, apikey.RoleRegistry, "TJ")
	port := a.key(t, apikey.RolePort, "tianjin")
	const tjDishonest = "91120116MA0L6N2W6W"
	ent := a.key(t, apikey.RoleEnterprise, tjDishonest)

	var st struct {
		Registries []credit.RegistryStatus `json:"registries"`
	}
	if c := a.do(t, "POST", "/v1/admin/credit/sync?wait=true", admin, &st); c != 200 || len(st.Registries) != 3 {
		t.Fatalf("POST sync: %d %+v", c, st)
	}
	for _, r := range st.Registries {
		if r.LastSuccess == nil || r.Cursor == nil && r.Region != customs.RegionBJ || r.Breaker != "closed" {
			t.Errorf("status after sync: %+v", r)
		}
	}
	if c := a.do(t, "GET", "/v1/admin/credit/sync", admin, &st); c != 200 || st.Registries[2].Skipped != 2 || st.Registries[2].SkippedReasons["invalid_uscc"] != 1 {
		t.Errorf("GET sync: %d %+v", c, st.Registries)
	}
	if c := a.do(t, "GET", "/v1/admin/credit/sync", registry, nil); c != 403 {
		t.Errorf("GET sync with a registry key: %d", c)
	}

	// The feed, in pages of 4, in the order of the global sequence.
	var all []gateway.CreditJSON
	after := "0"
	for i := 0; ; i++ {
		var p feedPage
		if c := a.do(t, "GET", "/v1/credit/records?limit=4&after="+after, registry, &p); c != 200 {
			t.Fatalf("feed: %d", c)
		}
		all = append(all, p.Items...)
		if p.Next == nil {
			break
		}
		after = *p.Next
		if i > 10 {
			t.Fatal("the feed does not end")
		}
	}
	if len(all) != 11 {
		t.Errorf("the feed has %d merged records, want 11", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].Version <= all[i-1].Version {
			t.Errorf("feed out of order: %d after %d", all[i].Version, all[i-1].Version)
		}
	}
	for _, m := range all {
		if m.USCC == tjDishonest && (m.Rating != customs.RatingDishonest || len(m.Sources) != 2) {
			t.Errorf("feed item %+v", m)
		}
	}
	for _, c := range []struct {
		key  string
		want int
	}{{admin, 200}, {port, 403}, {ent, 403}} {
		if got := a.do(t, "GET", "/v1/credit/records", c.key, nil); got != c.want {
			t.Errorf("feed with a key: %d, want %d", got, c.want)
		}
	}
	if c := a.do(t, "GET", "/v1/credit/records?after=x", admin, nil); c != 400 {
		t.Errorf("after=x: %d", c)
	}

	// The enterprise view.
	var m gateway.CreditJSON
	for _, c := range []struct {
		path, key string
		want      int
	}{
		{"/v1/enterprises/" + tjDishonest + "/credit", admin, 200},
		{"/v1/enterprises/" + strings.ToLower(tjDishonest) + "/credit", port, 200},
		{"/v1/enterprises/" + tjDishonest + "/credit", ent, 200},
		{"/v1/enterprises/91110105MA0J2R6T4T/credit", ent, 404},
		{"/v1/enterprises/" + tjDishonest + "/credit", registry, 403},
		{"/v1/enterprises/91130602MA0W4E8D3D/credit", admin, 404},
	} {
		if got := a.do(t, "GET", c.path, c.key, &m); got != c.want {
			t.Errorf("GET %s: %d, want %d", c.path, got, c.want)
		}
	}
	a.do(t, "GET", "/v1/enterprises/"+tjDishonest+"/credit", ent, &m)
	if m.Rating != customs.RatingDishonest || m.Version == 0 || len(m.Sources) != 2 || m.Sources[1].Region != "TJ" || m.Sources[0].ExpiresAt != nil ||
		m.Sources[1].EffectiveFrom == nil || *m.Sources[1].EffectiveFrom != "2026-03-01" {
		t.Errorf("enterprise view %+v", m)
	}
	unknown := uscc("91110000MA0000000")
	if c := a.do(t, "GET", "/v1/enterprises/"+unknown+"/credit", admin, &m); c != 200 || m.Rating != customs.RatingGeneral || len(m.Sources) != 0 || m.Sources == nil {
		t.Errorf("an enterprise with no record: %d %+v", c, m)
	}
}

// TestMetrics: records applied and skipped are counted by registry and
// reason. Applied counts the records a flush wrote: of several versions of
// one record flushed together only the newest is written.
func TestMetrics(t *testing.T) {
	t.Parallel()
	b := setup(t, options{sims: sampleSims(t)})
	reg := prometheus.NewRegistry()
	sources := sourcesOf(t, b)
	s, err := credit.New(credit.Config{Sources: sources, Store: b.db, NowFunc: b.clock.Now, Registerer: reg, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SyncAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			k := mf.GetName()
			for _, l := range m.GetLabel() {
				k += " " + l.GetName() + "=" + l.GetValue()
			}
			got[k] = m.GetCounter().GetValue()
		}
	}
	for k, v := range map[string]float64{
		"gateway_credit_records_skipped_total reason=invalid_uscc registry=HE":   1,
		"gateway_credit_records_skipped_total reason=malformed_date registry=HE": 1,
		"gateway_credit_records_skipped_total reason=unknown_rating registry=BJ": 1,
		"gateway_credit_records_applied_total registry=BJ":                       3,
		"gateway_credit_records_applied_total registry=TJ":                       4, // version 3 and its withdrawal, flushed together: one write
		"gateway_credit_records_applied_total registry=HE":                       6,
	} {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}
