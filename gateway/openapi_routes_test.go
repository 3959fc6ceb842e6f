package gateway_test

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/jjj/gateway/gateway"
)

// TestRoutesMatchTheDocument: a route registered in the server that the
// OpenAPI document lacks fails, and so does an operation of the document
// that the server does not route.
//
// Both directions are checked:
//   - registered → documented: every row of the route table
//     (gateway.Routes);
//   - documented → registered: each operation of the document is asked of
//     the running server (with every extension gatewayd wires), and must
//     not get the answer of the mux's catch-all (404 "no such resource",
//     405 method_not_allowed).
//
// The probe also checks that the table is what the mux serves.
func TestRoutesMatchTheDocument(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	documented := map[string]bool{}
	for _, op := range c.operations() {
		documented[op] = true
	}
	registered := registeredRoutes()
	if len(registered) < 30 {
		t.Fatalf("found %d routes in the source: the route table is broken", len(registered))
	}
	for _, r := range registered {
		if !documented[r] {
			t.Errorf("%s is registered but not in the OpenAPI document", r)
		}
	}
	inSource := map[string]bool{}
	for _, r := range registered {
		inSource[r] = true
	}

	b := setupConformance(t)
	// The probe tells the catch-all from a route: a path nothing serves,
	// and a known path asked with a method it does not take.
	for _, miss := range []string{"GET /v1/nothing", "PUT /v1/ports", "DELETE /healthz"} {
		if b.routed(t, miss) {
			t.Fatalf("the probe takes %s for a route", miss)
		}
	}
	for op := range documented {
		if !inSource[op] {
			t.Errorf("%s is in the OpenAPI document but not in the route table", op)
		}
		if !b.routed(t, c.probePath(op)) {
			t.Errorf("%s is in the OpenAPI document but the server does not route it", op)
		}
	}
}

// probePath fills an operation's path parameters with their examples from
// the document ("placeholder" where there is none).
func (c *contract) probePath(op string) string {
	method, path, _ := strings.Cut(op, " ")
	item := c.doc.Paths.Value(path)
	examples := map[string]string{}
	for _, list := range []openapi3.Parameters{item.Parameters, item.GetOperation(method).Parameters} {
		for _, p := range list {
			if p.Value != nil && p.Value.In == "path" {
				if s, ok := p.Value.Example.(string); ok {
					examples[p.Value.Name] = s
				}
			}
		}
	}
	filled := paramRe.ReplaceAllStringFunc(path, func(m string) string {
		if v, ok := examples[m[1:len(m)-1]]; ok {
			return v
		}
		return "placeholder"
	})
	return method + " " + filled
}

var paramRe = regexp.MustCompile(`\{[^}]+\}`)

// routed asks the server "METHOD /path" without a key or a body and
// reports whether a route answered rather than the mux's catch-all.
func (b *confBundle) routed(t *testing.T, call string) bool {
	t.Helper()
	method, path, _ := strings.Cut(call, " ")
	req, err := http.NewRequest(method, b.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := response{status: resp.StatusCode, header: resp.Header}
	if resp.Header.Get("Content-Type") == "application/problem+json" {
		var p struct {
			Detail string `json:"detail"`
			Errors []struct {
				Code string `json:"code"`
			} `json:"errors"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
			t.Fatalf("%s: %v", call, err)
		}
		if r.status == http.StatusMethodNotAllowed && len(p.Errors) > 0 && p.Errors[0].Code == "method_not_allowed" {
			return false
		}
		if r.status == http.StatusNotFound && p.Detail == "no such resource: "+method+" "+path {
			return false
		}
	}
	return true
}

// registeredRoutes returns the route table (gateway.Routes) as
// "METHOD /path" in the OpenAPI document's form: Go's "{$}" (exactly this
// path) becomes the path's trailing slash, "{name...}" becomes "{name}".
func registeredRoutes() []string {
	seen := map[string]bool{}
	for _, r := range gateway.Routes() {
		path := strings.ReplaceAll(r.Pattern, "{$}", "")
		path = wildcardRe.ReplaceAllString(path, "{$1}")
		seen[r.Method+" "+path] = true
	}
	out := make([]string, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

var wildcardRe = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\.\.\.\}`)
