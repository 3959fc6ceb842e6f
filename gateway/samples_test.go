package gateway_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/jjj/gateway/internal/customs"
)

// expectation is a sample's expect.json (samples/README.md).
type expectation struct {
	Port        string          `json:"port"`
	File        string          `json:"file"`
	ContentType string          `json:"contentType"`
	Status      int             `json:"status"`
	Direction   *string         `json:"direction"`
	Lane        *string         `json:"lane"`
	Workflows   []string        `json:"workflows"`
	Bureau      *string         `json:"bureau"`
	Rules       []string        `json:"rules"`
	Tasks       []expectedTask  `json:"tasks"`
	Errors      []expectedError `json:"errors"`
	Warnings    []string        `json:"warnings"`
	Canonical   map[string]any  `json:"canonical"`
	// Documents are registered before the post, AfterWriteOff checked
	// after it (rule set 2026.2).
	Documents     []map[string]any `json:"documents"`
	AfterWriteOff []struct {
		Kind      string `json:"kind"`
		Number    string `json:"number"`
		Remaining string `json:"remaining"`
	} `json:"afterWriteOff"`
}

// register registers a sample's documents as samples/README.md says: each
// POSTed with a key of its issuer's bureau, less issuer and revoked, then
// revoked by that bureau when revoked gives a reason. A 409 for one
// already registered is no failure.
func (b *testBundle) register(t *testing.T, docs []map[string]any) {
	t.Helper()
	for _, d := range docs {
		body := map[string]any{}
		for k, v := range d {
			if k != "issuer" && k != "revoked" {
				body[k] = v
			}
		}
		key := b.key(t, customs.CallerBureau, d["issuer"].(string))
		if r := b.post(t, "/v1/documents", key, body); r.status != 201 && r.status != 409 {
			t.Fatalf("register %v: %d %s", d["number"], r.status, r.body)
		}
		if reason, ok := d["revoked"].(string); ok {
			if r := b.post(t, fmt.Sprintf("/v1/documents/%s/%s/revoke", d["kind"], d["number"]), key, map[string]any{"reason": reason}); r.status != 200 {
				t.Fatalf("revoke %v: %d %s", d["number"], r.status, r.body)
			}
		}
	}
}

type expectedTask struct {
	Workflow string  `json:"workflow"`
	Bureau   *string `json:"bureau"`
	Items    []int   `json:"items"`
}

type expectedError struct {
	Path *string `json:"path"`
	Code string  `json:"code"`
}

// TestSamplesThroughTheAPI sends every sample of every port, as
// samples/README.md says, to …/declarations and …/validate, and checks the
// answer against its expect.json: status, every error, the route, unknown
// element warnings and the canonical values.
func TestSamplesThroughTheAPI(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	files, _ := filepath.Glob("testdata/samples/*/*.expect.json")
	if len(files) < 30 {
		t.Fatalf("only %d samples found", len(files))
	}
	keys := map[string]string{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var e expectation
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if keys[e.Port] == "" {
			keys[e.Port] = b.key(t, customs.CallerPort, e.Port)
		}
		body := readSample(t, e.Port, e.File)
		t.Run(e.Port+"/"+e.File, func(t *testing.T) {
			b.register(t, e.Documents)
			defer func() {
				for _, w := range e.AfterWriteOff {
					if got := b.remaining(t, w.Kind, w.Number); got != w.Remaining {
						t.Errorf("%s %s: remaining %s, want %s", w.Kind, w.Number, got, w.Remaining)
					}
				}
			}()
			v := b.do(t, "POST", "/v1/ports/"+e.Port+"/declarations/validate", keys[e.Port], e.ContentType, body)
			r := b.do(t, "POST", "/v1/ports/"+e.Port+"/declarations", keys[e.Port], e.ContentType, body)
			want := e.Status
			if r.status != want {
				t.Fatalf("declarations: status %d want %d: %s", r.status, want, r.body)
			}
			if want == 201 {
				want = 200
			}
			if v.status != want {
				t.Fatalf("validate: status %d want %d: %s", v.status, want, v.body)
			}
			if e.Status >= 400 {
				checkErrors(t, e, r)
				checkErrors(t, e, v)
				return
			}
			checkDeclaration(t, e, r.json)
			checkDeclaration(t, e, v.json)
		})
	}
}

func checkErrors(t *testing.T, e expectation, r response) {
	t.Helper()
	var got, want []string
	for _, x := range r.json["errors"].([]any) {
		m := x.(map[string]any)
		p, _ := m["path"].(string)
		if e.Status != 422 {
			p = ""
		}
		got = append(got, fmt.Sprintf("%s %s", p, m["code"]))
	}
	for _, x := range e.Errors {
		p := ""
		if x.Path != nil {
			p = *x.Path
		}
		want = append(want, fmt.Sprintf("%s %s", p, x.Code))
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n got %q\nwant %q", got, want)
	}
}

func str(v any) string {
	if v == nil {
		return "<null>"
	}
	return fmt.Sprint(v)
}

func sortedStrings(v []any) []string {
	out := make([]string, 0, len(v))
	for _, x := range v {
		out = append(out, fmt.Sprint(x))
	}
	sort.Strings(out)
	return out
}

func checkDeclaration(t *testing.T, e expectation, j map[string]any) {
	t.Helper()
	if e.Direction != nil && j["direction"] != *e.Direction {
		t.Errorf("direction %v want %s", j["direction"], *e.Direction)
	}
	route, _ := j["route"].(map[string]any)
	if route == nil {
		t.Fatalf("no route: %v", j)
	}
	if e.Lane != nil && route["lane"] != *e.Lane {
		t.Errorf("lane %v want %s", route["lane"], *e.Lane)
	}
	wf, _ := route["workflows"].([]any)
	wantWF := append([]string(nil), e.Workflows...)
	sort.Strings(wantWF)
	if got := sortedStrings(wf); strings.Join(got, ",") != strings.Join(wantWF, ",") {
		t.Errorf("workflows %v want %v", got, wantWF)
	}
	wantBureau := "<null>"
	if e.Bureau != nil {
		wantBureau = *e.Bureau
	}
	if got := str(route["bureau"]); got != wantBureau {
		t.Errorf("bureau %s want %s", got, wantBureau)
	}
	rules := map[string]bool{}
	for _, x := range route["reasons"].([]any) {
		rules[x.(map[string]any)["rule"].(string)] = true
	}
	var gotRules []string
	for r := range rules {
		gotRules = append(gotRules, r)
	}
	sort.Strings(gotRules)
	wantRules := append([]string(nil), e.Rules...)
	sort.Strings(wantRules)
	if strings.Join(gotRules, ",") != strings.Join(wantRules, ",") {
		t.Errorf("rules %v want %v", gotRules, wantRules)
	}
	var gotTasks, wantTasks []string
	for _, x := range route["tasks"].([]any) {
		m := x.(map[string]any)
		gotTasks = append(gotTasks, fmt.Sprintf("%s@%s%v", m["workflow"], str(m["bureau"]), m["items"]))
	}
	for _, x := range e.Tasks {
		bu := "<null>"
		if x.Bureau != nil {
			bu = *x.Bureau
		}
		items := make([]any, len(x.Items))
		for i, it := range x.Items {
			items[i] = float64(it)
		}
		wantTasks = append(wantTasks, fmt.Sprintf("%s@%s%v", x.Workflow, bu, items))
	}
	sort.Strings(gotTasks)
	sort.Strings(wantTasks)
	if strings.Join(gotTasks, " ") != strings.Join(wantTasks, " ") {
		t.Errorf("tasks %v want %v", gotTasks, wantTasks)
	}
	var gotWarn []string
	for _, x := range j["warnings"].([]any) {
		m := x.(map[string]any)
		if m["code"] == "unknown_element" {
			gotWarn = append(gotWarn, m["path"].(string))
		}
	}
	sort.Strings(gotWarn)
	wantWarn := append([]string(nil), e.Warnings...)
	sort.Strings(wantWarn)
	if strings.Join(gotWarn, ",") != strings.Join(wantWarn, ",") {
		t.Errorf("unknown_element warnings %v want %v", gotWarn, wantWarn)
	}
	checkCanonical(t, e, j)
}

func checkCanonical(t *testing.T, e expectation, j map[string]any) {
	t.Helper()
	c := e.Canonical
	if c == nil {
		return
	}
	eq := func(what string, got, want any) {
		if want == nil {
			return
		}
		if str(got) != str(want) {
			t.Errorf("canonical %s: %s want %s", what, str(got), str(want))
		}
	}
	eq("portRef", j["portRef"], c["portRef"])
	eq("direction", j["direction"], c["direction"])
	parties, _ := j["parties"].(map[string]any)
	for _, role := range []string{"consignee", "consignor"} {
		if w, ok := c[role]; ok {
			p, _ := parties[role].(map[string]any)
			eq(role, p["uscc"], w)
		}
	}
	if w, ok := c["customs"].(map[string]any); ok {
		cu, _ := j["customs"].(map[string]any)
		eq("customs.declaring", cu["declaring"], w["declaring"])
		eq("customs.port", cu["port"], w["port"])
	}
	tr, _ := j["transport"].(map[string]any)
	eq("transportMode", tr["mode"], c["transportMode"])
	if w, ok := c["tradeMode"]; ok {
		trade, _ := j["trade"].(map[string]any)
		eq("tradeMode", trade["mode"], w)
	}
	eq("departureDate", tr["departureDate"], c["departureDate"])
	eq("destinationOffice", j["destinationOffice"], c["destinationOffice"])
	items, _ := c["items"].([]any)
	goods, _ := j["goods"].([]any)
	if len(items) > 0 && len(goods) != len(items) {
		t.Fatalf("goods %d want %d", len(goods), len(items))
	}
	for i, x := range items {
		w := x.(map[string]any)
		g := goods[i].(map[string]any)
		for _, k := range []string{"seq", "hsCode", "quantity", "value", "unit", "currency", "origin"} {
			eq(fmt.Sprintf("items[%d].%s", i, k), g[k], w[k])
		}
	}
}
