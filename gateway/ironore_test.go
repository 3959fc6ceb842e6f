package gateway_test

import (
	"testing"

	"github.com/jjj/gateway/internal/customs"
)

// TestIronOreOnSiteCheck: Hebei's iron ore is checked on site at the port
// (routing.md, rule set 2026.2) and the gateway decides the result from the
// findings; an outcome that contradicts them is refused as for coal.
func TestIronOreOnSiteCheck(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	he := b.key(t, customs.CallerPort, "hebei")
	for _, c := range []struct {
		name                           string
		radiation                      string
		solidWaste, foreignMatter      bool
		outcome, want, disposition, st string
	}{
		{"all clear", "normal", false, false, "", "pass", "", "accepted"},
		{"foreign matter is treated", "normal", false, true, "pass", "pass", "", "accepted"},
		{"radiation over the limit", "over_limit", false, false, "", "fail", "returned", "returned"},
		{"solid waste, fail claimed", "normal", true, false, "fail", "fail", "returned", "returned"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := b.submit(t, he, "hebei", "import-iron-ore")
			if got := rulesOf(t, d); len(got) != 1 || got[0] != "iron_ore.on_site_check" {
				t.Fatalf("rules %v", got)
			}
			task := taskID(t, d, "iron_ore")
			body := map[string]any{"radiation": c.radiation, "solidWaste": c.solidWaste, "foreignMatter": c.foreignMatter, "findings": "on site"}
			if c.outcome != "" {
				body["outcome"] = c.outcome
			}
			b.claim(t, task, b.admin)
			r := b.post(t, "/v1/tasks/"+task+"/result", b.admin, body)
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if r.json["outcome"] != c.want || r.json["status"] != "done" {
				t.Errorf("task %s, want outcome %s", r.body, c.want)
			}
			decl := b.getJSON(t, "/v1/declarations/"+d["id"].(string), b.admin)
			if decl["status"] != c.st {
				t.Errorf("status %v, want %s", decl["status"], c.st)
			}
		})
	}

	d := b.submit(t, he, "hebei", "import-iron-ore")
	task := taskID(t, d, "iron_ore")
	b.claim(t, task, b.admin)
	for _, c := range []struct {
		name       string
		body       map[string]any
		code, path string
	}{
		{"pass claimed over the radiation limit", map[string]any{"radiation": "over_limit", "solidWaste": false, "foreignMatter": false, "outcome": "pass"},
			"result_contradicts_rules", "/outcome"},
		{"fail claimed on clean findings", map[string]any{"radiation": "normal", "solidWaste": false, "foreignMatter": true, "outcome": "fail"},
			"result_contradicts_rules", "/outcome"},
		{"no radiation finding", map[string]any{"solidWaste": false, "foreignMatter": false}, "missing_field", "/radiation"},
		{"radiation not an enum", map[string]any{"radiation": "high", "solidWaste": false, "foreignMatter": false}, "invalid_enum", "/radiation"},
	} {
		r := b.post(t, "/v1/tasks/"+task+"/result", b.admin, c.body)
		if r.status != 422 {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
			continue
		}
		found := false
		for _, e := range r.json["errors"].([]any) {
			m := e.(map[string]any)
			found = found || (m["code"] == c.code && m["path"] == c.path)
		}
		if !found {
			t.Errorf("%s: errors %s, want %s at %s", c.name, r.body, c.code, c.path)
		}
	}
	if tk := tasksOf(t, b.getJSON(t, "/v1/declarations/"+d["id"].(string), b.admin))[0]; tk["status"] != "claimed" { // refused results leave it as claimed
		t.Errorf("task after refused results: %v", tk)
	}
}
