package sim_test

import (
	"net/http/httptest"
	"testing"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/reviewcentre/sim"
)

// A simulator restarted against a database that holds an earlier run's
// entry ids starts past them (gatewayd sim review-centre --first-serial).
func TestFirstSerial(t *testing.T) {
	t.Parallel()
	s := sim.New(sim.Config{FirstSerial: 4711})
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()
	for i, want := range []string{"040820261000004711", "040820261000004712"} {
		id := []string{"d_A", "d_B"}[i]
		a := do(t, srv.URL, "POST", "/declarations", id, declaration(id, customs.Import, "0408"))
		if a.status != 201 || a.receipt == nil || a.receipt.EntryID != want {
			t.Errorf("%s: %d %s, want entry id %s", id, a.status, a.raw, want)
		}
	}
}
