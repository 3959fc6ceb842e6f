package layering_test

// The layering of STYLE.md and issue 15, enforced: every import between
// the module's packages must point down the table below (or stay inside a
// layer that allows it). Only non-test imports count: a package's tests
// may import anything (pgtest, a fake from another layer, ...).

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/jjj/gateway"

// layers is the house, lowest first. Packages are module-relative paths;
// "x/*" is any package below x, and "internal/*/sim" a simulator under a
// service. A package belongs to the row of its most specific pattern (an
// exact path beats a wildcard). mayImport names layers (a layer may import
// its own packages only when it names itself) and, for an edge between
// single packages, package paths. Two pseudo-layers: "parent" is the
// package a simulator sits under, "any" is every layer but the test kit.
var layers = []layer{
	{"domain", pkgs("internal/customs", "internal/codes"),
		nil}, // standard library only
	{"pure", pkgs("internal/routing", "internal/canonical", "internal/view", "internal/translate",
		"adapters", "adapters/*", "schemas", "schemas/*",
		"internal/reviewcentre", "internal/loadgen", "internal/pipelinebench"),
		may("domain", "pure")},
	{"outbox", pkgs("internal/outbox"), // the lowest service: below the lifecycle
		may("domain", "pure")},
	{"lifecycle", pkgs("internal/clearance"), // intake and reads; enqueues deliveries
		may("domain", "pure", "outbox")},
	{"inspection", pkgs("internal/inspection"), // tasks, results, alerts, re-routes, Record: above intake
		may("domain", "pure", "outbox", "internal/clearance")},
	{"services", pkgs("internal/credit", "internal/webhook", "internal/apikey", "internal/warning", "internal/document"), // not each other
		may("domain", "pure")},
	{"storage", pkgs("internal/postgres", "internal/postgres/*"), // implements the services' interfaces
		may("domain", "storage")},
	{"http", pkgs("gateway", "gateway/*"), // maps HTTP to services, errors to problems
		may("domain", "pure", "outbox", "lifecycle", "inspection", "services", "http")},
	{"main", pkgs("gateway/cmd/gatewayd"), // wires everything
		may("any")},
	{"tools", pkgs("internal/*/sim"), // simulators of the partners
		may("domain", "pure", "parent")},
	// The test kit imports testing: only tests (and the kit itself) may
	// import it, so that no binary links it.
	{"testkit", pkgs("internal/postgres/pgtest", "schemas/schematest", "adapters/adaptertest"),
		may("any", "testkit")},
}

// knownViolations are imports against the table that are tolerated for a
// while, each "from → to" (module-relative). Issue 15's restructure emptied
// it; keep it empty. The test fails on a violation not listed
// here and on a listed one that no longer happens, so the list stays exact.
var knownViolations = []string{}

type layer struct {
	name      string
	packages  []string
	mayImport []string
}

func pkgs(p ...string) []string { return p }
func may(l ...string) []string  { return l }

// pkg is what the check needs of `go list -json`: module-relative paths.
type pkg struct {
	Path    string
	Imports []string // the module's packages imported by non-test files
	Testing bool     // links the testing package outside its tests
}

type violation struct {
	from, to string
	why      string
}

func (v violation) key() string { return v.from + " → " + v.to }

// match reports how specifically pattern names path: 0 not at all, else
// longer for more specific (an exact path beats any wildcard).
func match(pattern, path string) int {
	if pattern == path {
		return 1 << 20
	}
	if prefix, ok := strings.CutSuffix(pattern, "/*"); ok && strings.HasPrefix(path, prefix+"/") {
		return len(prefix)
	}
	if pre, post, ok := strings.Cut(pattern, "/*/"); ok && strings.HasPrefix(path, pre+"/") {
		mid, ok := strings.CutSuffix(strings.TrimPrefix(path, pre+"/"), "/"+post)
		if ok && mid != "" && !strings.Contains(mid, "/") {
			return len(pre) + len(post)
		}
	}
	return 0
}

// layerOf returns the row of path, or nil when the table does not place it.
func layerOf(table []layer, path string) *layer {
	var best *layer
	bestScore := 0
	for i := range table {
		for _, p := range table[i].packages {
			if s := match(p, path); s > bestScore {
				best, bestScore = &table[i], s
			}
		}
	}
	return best
}

// allowed reports whether a package of row from may import to (of row dst).
func allowed(from *layer, fromPath string, dst *layer, to string) bool {
	for _, m := range from.mayImport {
		switch {
		case m == "any" && dst.name != "testkit":
			return true
		case m == dst.name:
			return true
		case m == "parent" && to == fromPath[:strings.LastIndex(fromPath, "/")]:
			return true
		case m == to:
			return true
		}
	}
	return false
}

// check returns every import of pkgs against table, in order, each with a
// sentence a reader can act on.
func check(table []layer, pkgs []pkg) []violation {
	var out []violation
	for _, p := range pkgs {
		from := layerOf(table, p.Path)
		if from == nil {
			out = append(out, violation{p.Path, "", "the package is in no layer of the table: add it to its row"})
			continue
		}
		if p.Testing && from.name != "testkit" {
			out = append(out, violation{p.Path, "testing", fmt.Sprintf("%s (%s) links the testing package; only the test kit may", p.Path, from.name)})
		}
		for _, to := range p.Imports {
			dst := layerOf(table, to)
			if dst == nil {
				continue // reported as a package of its own
			}
			if !allowed(from, p.Path, dst, to) {
				why := fmt.Sprintf("%s (%s) imports %s (%s); %s may import %s", p.Path, from.name, to, dst.name, from.name, describe(from))
				out = append(out, violation{p.Path, to, why})
			}
		}
	}
	return out
}

func describe(l *layer) string {
	if len(l.mayImport) == 0 {
		return "nothing of the module (standard library only)"
	}
	return strings.Join(l.mayImport, ", ")
}

// listPackages runs go list over the module and keeps what check needs.
func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", "./...")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var list []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p struct {
			ImportPath string
			GoFiles    []string
			Imports    []string
			Deps       []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if len(p.GoFiles) == 0 {
			continue // tests only (like this one): nothing can import it
		}
		rel := func(s string) (string, bool) { return strings.CutPrefix(s, module+"/") }
		path, ok := rel(p.ImportPath)
		if !ok {
			continue
		}
		q := pkg{Path: path, Testing: slices.Contains(p.Deps, "testing")}
		for _, imp := range p.Imports {
			if r, ok := rel(imp); ok {
				q.Imports = append(q.Imports, r)
			}
		}
		list = append(list, q)
	}
	if len(list) < 10 {
		t.Fatalf("go list found %d packages of the module: not run at the module root?", len(list))
	}
	return list
}

// TestLayering: no package imports upward or sideways, beyond the known
// violations the restructure removes.
func TestLayering(t *testing.T) {
	t.Parallel()
	known := map[string]bool{}
	for _, k := range knownViolations {
		known[k] = true
	}
	seen := map[string]bool{}
	for _, v := range check(layers, listPackages(t)) {
		seen[v.key()] = true
		if !known[v.key()] {
			t.Errorf("layering: %s", v.why)
		}
	}
	for _, k := range knownViolations {
		if !seen[k] {
			t.Errorf("layering: known violation %q no longer happens: delete it from knownViolations", k)
		}
	}
}

// TestLayeringChecker tests the checker on a made-up module, so that a
// checker that finds nothing cannot pass for a clean house.
func TestLayeringChecker(t *testing.T) {
	t.Parallel()
	graph := []pkg{
		{Path: "internal/customs"},
		{Path: "internal/codes", Imports: []string{"internal/customs"}},                     // domain sideways
		{Path: "internal/routing", Imports: []string{"internal/codes", "internal/customs"}}, // fine
		{Path: "internal/translate", Imports: []string{"internal/routing", "adapters"}},     // pure within pure: fine
		{Path: "adapters"},
		{Path: "internal/canonical", Imports: []string{"internal/postgres"}},                        // pure → storage
		{Path: "internal/outbox", Imports: []string{"internal/clearance", "internal/reviewcentre"}}, // up into the lifecycle
		{Path: "internal/clearance", Imports: []string{"internal/outbox", "internal/routing"}},      // allowed edge
		{Path: "internal/inspection", Imports: []string{"internal/outbox"}},                         // allowed edge
		{Path: "internal/credit", Imports: []string{"internal/webhook"}},                            // services sideways
		{Path: "internal/webhook"},
		{Path: "internal/reviewcentre"},
		{Path: "internal/postgres", Imports: []string{"internal/postgres/migration", "internal/customs", "internal/routing"}}, // storage → pure
		{Path: "internal/postgres/migration"},
		{Path: "internal/postgres/pgtest", Imports: []string{"internal/postgres"}, Testing: true},        // test kit: fine
		{Path: "gateway", Imports: []string{"internal/clearance", "gateway/track", "internal/postgres"}}, // http → storage
		{Path: "gateway/track"},
		{Path: "gateway/cmd/gatewayd", Imports: []string{"internal/postgres", "gateway", "internal/credit/sim", "internal/postgres/pgtest"}, Testing: true}, // test kit in main
		{Path: "internal/credit/sim", Imports: []string{"internal/credit", "internal/customs"}},                                                             // parent: fine
		{Path: "internal/webhook/sim", Imports: []string{"internal/credit"}},                                                                                // another service
		{Path: "internal/frobnicate"}, // not in the table
	}
	var got []string
	for _, v := range check(layers, graph) {
		got = append(got, v.key())
		if v.why == "" {
			t.Errorf("%s: no reason given", v.key())
		}
	}
	want := []string{
		"internal/codes → internal/customs",
		"internal/canonical → internal/postgres",
		"internal/outbox → internal/clearance",
		"internal/credit → internal/webhook",
		"internal/postgres → internal/routing",
		"gateway → internal/postgres",
		"gateway/cmd/gatewayd → testing",
		"gateway/cmd/gatewayd → internal/postgres/pgtest",
		"internal/webhook/sim → internal/credit",
		"internal/frobnicate → ",
	}
	if !slices.Equal(got, want) {
		t.Errorf("violations\n got %q\nwant %q", got, want)
	}
}

func TestLayerOf(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{
		"internal/customs":         "domain",
		"adapters":                 "pure",
		"adapters/hebei":           "pure",
		"adapters/adaptertest":     "testkit",
		"schemas/xmllint":          "pure",
		"schemas/schematest":       "testkit",
		"internal/postgres":        "storage",
		"internal/postgres/pgtest": "testkit",
		"gateway/track":            "http",
		"gateway/cmd/gatewayd":     "main",
		"internal/credit/sim":      "tools",
		"internal/reviewcentre":    "pure",
		"internal/credit/x/sim":    "",
		"internal/customsx":        "",
	} {
		got := ""
		if l := layerOf(layers, path); l != nil {
			got = l.name
		}
		if got != want {
			t.Errorf("layerOf(%s) = %q, want %q", path, got, want)
		}
	}
}
