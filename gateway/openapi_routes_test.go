package gateway_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestRoutesMatchTheDocument: a route registered in the server that the
// OpenAPI document lacks fails, and so does an operation of the document
// that the server does not route.
//
// Both directions are checked against today's registrations:
//   - registered → documented: routesFromSource reads every
//     mux.Handle("METHOD /path", ...) of the package's source;
//   - documented → registered: each operation of the document is asked of
//     the running server (with every extension gatewayd wires), and must
//     not get the answer of the mux's catch-all (404 "no such resource",
//     405 method_not_allowed).
//
// Once the route table exists (gateway.Routes()), routesFromSource should
// give way to it, and the probe may stay as the check that the table is
// what the mux serves.
func TestRoutesMatchTheDocument(t *testing.T) {
	t.Parallel()
	c := loadContract(t)
	documented := map[string]bool{}
	for _, op := range c.operations() {
		documented[op] = true
	}
	registered := routesFromSource(t, ".")
	if len(registered) < 30 {
		t.Fatalf("found %d routes in the source: the reader is broken", len(registered))
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
			t.Errorf("%s is in the OpenAPI document but registered nowhere in the source", op)
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

// routesFromSource returns the routes the package's source registers, as
// "METHOD /path" in the OpenAPI document's form: every call
// X.Handle("METHOD /pattern", ...) or X.HandleFunc(...) of a non-test file
// with a string literal pattern that names a method. Go's "{$}" (exactly
// this path) becomes the path's trailing slash, "{name...}" becomes
// "{name}". The catch-all "/" names no method and is left out.
func routesFromSource(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	seen := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Handle" && sel.Sel.Name != "HandleFunc") {
				return true
			}
			lit, ok := call.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			pattern, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatalf("%s: %v", fset.Position(lit.Pos()), err)
			}
			method, path, ok := strings.Cut(pattern, " ")
			if !ok || !strings.HasPrefix(path, "/") {
				return true // no method: the catch-all
			}
			path = strings.ReplaceAll(path, "{$}", "")
			path = wildcardRe.ReplaceAllString(path, "{$1}")
			seen[method+" "+path] = true
			return true
		})
	}
	out := make([]string, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

var wildcardRe = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)\.\.\.\}`)

// TestRoutesFromSource: the reader finds what a registration looks like,
// in every form the package uses.
func TestRoutesFromSource(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := `package x

func routes(mux *http.ServeMux, s *Server) {
	mux.Handle("GET /healthz", s.open(s.healthz))
	mux.Handle("/", s.open(nil))
	mux.HandleFunc("POST /v1/things/{id}/go", nil)
	mux.Handle("GET /track/{$}", nil)
	mux.Handle("GET /files/{path...}", nil)
	mux.Handle(pattern, nil)
	other.Handle(42)
}
`
	if err := os.WriteFile(filepath.Join(dir, "routes.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "routes_test.go"), []byte("package x\nfunc f() { mux.Handle(\"GET /test-only\", nil) }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(routesFromSource(t, dir), "\n")
	want := strings.Join([]string{"GET /files/{path}", "GET /healthz", "GET /track/", "POST /v1/things/{id}/go"}, "\n")
	if got != want {
		t.Errorf("routes:\n%s\nwant:\n%s", got, want)
	}
}
