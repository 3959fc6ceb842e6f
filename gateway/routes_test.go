package gateway_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/jjj/gateway/gateway"
)

// TestRoutes: the route table names each method and pattern once, and
// every pattern is one ServeMux takes without a conflict (it panics on
// one), so the table can be read as the API's index.
func TestRoutes(t *testing.T) {
	t.Parallel()
	rs := gateway.Routes()
	if len(rs) < 40 {
		t.Fatalf("%d routes; the table lost some", len(rs))
	}
	seen := map[gateway.Route]bool{}
	mux := http.NewServeMux()
	for _, r := range rs {
		if seen[r] {
			t.Errorf("%s %s twice", r.Method, r.Pattern)
		}
		seen[r] = true
		if !strings.HasPrefix(r.Pattern, "/") {
			t.Errorf("%s %s: a pattern is a path", r.Method, r.Pattern)
		}
		mux.Handle(r.Method+" "+r.Pattern, http.NotFoundHandler())
	}
	for _, want := range []gateway.Route{
		{"POST", "/v1/ports/{port}/declarations"},
		{"POST", "/v1/review-centre/decisions"},
		{"POST", "/v1/tasks/{id}/result"},
		{"GET", "/v1/credit/records"},
		{"GET", "/track"},
	} {
		if !seen[want] {
			t.Errorf("%s %s missing", want.Method, want.Pattern)
		}
	}
}
