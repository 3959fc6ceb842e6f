package gateway_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/jjj/gateway/internal/customs"
)

func TestBureauSeesOnlyItsOwnTasks(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	tj := b.key(t, customs.CallerPort, "tianjin")
	he := b.key(t, customs.CallerPort, "hebei")
	coal := b.submit(t, tj, "tianjin", "import-coal-thermal")                                              // coal at 120000 (district)
	xingang := b.submit(t, tj, "tianjin", "import-hazchem-acetone-port")                                   // port-side at 0202 -> 120000
	dongjiang := b.submit(t, tj, "tianjin", "import-hazchem-acetone-port", "<IEPort>0202", "<IEPort>0217") // port-side at 0217 -> 120100
	huanghua := b.submit(t, he, "hebei", "import-hazchem-methanol-bulk-port")                              // port-side at 0409 -> 130900

	for _, d := range []map[string]any{xingang, dongjiang, huanghua} {
		if tk := tasksOf(t, d); len(tk) != 1 || tk[0]["bureau"] != nil || tk[0]["workflow"] != "hazchem" || tk[0]["status"] != "open" {
			t.Fatalf("port-side route tasks %v", tk)
		}
	}
	if tk := tasksOf(t, coal); len(tk) != 1 || tk[0]["bureau"] != "120000" {
		t.Fatalf("coal tasks %v", tk)
	}
	tianjinKey := b.key(t, customs.CallerBureau, "120000")
	dongjiangKey := b.key(t, customs.CallerBureau, "120100")
	cangzhouKey := b.key(t, customs.CallerBureau, "130900")

	for _, c := range []struct {
		bureau, key string
		want        []string
	}{
		{"120000", tianjinKey, sorted(taskID(t, coal, "coal"), taskID(t, xingang, "hazchem"))},
		{"120100", dongjiangKey, []string{taskID(t, dongjiang, "hazchem")}},
		{"130900", cangzhouKey, []string{taskID(t, huanghua, "hazchem")}},
		{"120000", b.admin, sorted(taskID(t, coal, "coal"), taskID(t, xingang, "hazchem"))},
	} {
		r := b.do(t, "GET", "/v1/bureaus/"+c.bureau+"/tasks", c.key, "", nil)
		if r.status != 200 {
			t.Fatalf("%s: %d %s", c.bureau, r.status, r.body)
		}
		if got := listIDs(t, r); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s lists %v, want %v", c.bureau, got, c.want)
		}
		if r.json["next"] != nil {
			t.Errorf("%s: next %v", c.bureau, r.json["next"])
		}
	}
	// The listed task has api.md's fields.
	r := b.do(t, "GET", "/v1/bureaus/120100/tasks", dongjiangKey, "", nil)
	item := r.json["items"].([]any)[0].(map[string]any)
	for _, f := range []string{"id", "declarationId", "workflow", "items", "status", "inspector", "claimedBy", "createdAt", "outcome"} {
		if _, ok := item[f]; !ok {
			t.Errorf("task lacks %q: %v", f, item)
		}
	}
	if item["declarationId"] != dongjiang["id"] || item["status"] != "open" || !reflect.DeepEqual(item["items"], []any{1.0}) {
		t.Errorf("task %v", item)
	}

	// Filters and paging.
	if got := listIDs(t, b.do(t, "GET", "/v1/bureaus/120000/tasks?workflow=coal", tianjinKey, "", nil)); !reflect.DeepEqual(got, []string{taskID(t, coal, "coal")}) {
		t.Errorf("workflow=coal: %v", got)
	}
	if got := b.do(t, "GET", "/v1/bureaus/120000/tasks?status=done", tianjinKey, "", nil); len(got.json["items"].([]any)) != 0 {
		t.Errorf("status=done: %s", got.body)
	}
	page1 := b.do(t, "GET", "/v1/bureaus/120000/tasks?limit=1", tianjinKey, "", nil)
	next, _ := page1.json["next"].(string)
	if len(page1.json["items"].([]any)) != 1 || next == "" {
		t.Fatalf("page 1: %s", page1.body)
	}
	page2 := b.do(t, "GET", "/v1/bureaus/120000/tasks?limit=1&cursor="+next, tianjinKey, "", nil)
	if p1, p2 := listIDs(t, page1), listIDs(t, page2); len(p2) != 1 || p1[0] == p2[0] {
		t.Errorf("pages %v %v", p1, p2)
	}
	if r := b.do(t, "GET", "/v1/bureaus/120000/tasks?status=lost", tianjinKey, "", nil); r.status != 400 {
		t.Errorf("status=lost: %d", r.status)
	}

	// Another bureau's list (outside the key's scope: 404 as if it did not
	// exist), an unknown bureau, a port key (a role that may not: 403).
	for _, c := range []struct {
		path, key string
		status    int
	}{
		{"/v1/bureaus/120000/tasks", dongjiangKey, 404},
		{"/v1/bureaus/130900/tasks", tianjinKey, 404},
		{"/v1/bureaus/999999/tasks", tianjinKey, 404},
		{"/v1/bureaus/999999/tasks", b.admin, 404},
		{"/v1/bureaus/120000/tasks", tj, 403},
		{"/v1/bureaus/120000/tasks", "", 401},
	} {
		if r := b.do(t, "GET", c.path, c.key, "", nil); r.status != c.status {
			t.Errorf("GET %s: %d, want %d", c.path, r.status, c.status)
		}
	}

	// A bureau reads the declarations that have a task of its own, and no other.
	if r := b.do(t, "GET", "/v1/declarations/"+dongjiang["id"].(string), dongjiangKey, "", nil); r.status != 200 {
		t.Errorf("own declaration: %d", r.status)
	}
	if r := b.do(t, "GET", "/v1/declarations/"+xingang["id"].(string), dongjiangKey, "", nil); r.status != 404 {
		t.Errorf("other bureau's declaration: %d", r.status)
	}
}

func TestClaim(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	tj := b.key(t, customs.CallerPort, "tianjin")
	d := b.submit(t, tj, "tianjin", "import-food-beef-registered") // food at 110000
	id := d["id"].(string)
	task := taskID(t, d, "food")
	beijing := b.key(t, customs.CallerBureau, "110000")
	tianjin := b.key(t, customs.CallerBureau, "120000")

	for _, c := range []struct {
		name, path, key string
		status          int
		code            string
	}{
		{"another bureau claims", "/v1/tasks/" + task + "/claim", tianjin, 403, "forbidden"},
		{"another bureau reports", "/v1/tasks/" + task + "/result", tianjin, 403, "forbidden"},
		{"a port claims", "/v1/tasks/" + task + "/claim", tj, 403, "forbidden"},
		{"unknown task", "/v1/tasks/t_NOPE/claim", beijing, 404, "not_found"},
	} {
		r := b.post(t, c.path, c.key, map[string]any{"outcome": "pass"})
		if r.status != c.status || !slices.Contains(errorCodes(r), c.code) {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.status, r.body, c.status, c.code)
		}
	}
	if got := b.status(t, id); got != "accepted" {
		t.Fatalf("status %s before the claim", got)
	}

	r := b.post(t, "/v1/tasks/"+task+"/claim", beijing, nil)
	if r.status != 200 || r.json["status"] != "claimed" || r.json["claimedBy"] != "bureau:110000" || r.json["id"] != task {
		t.Fatalf("claim: %d %s", r.status, r.body)
	}
	again := b.post(t, "/v1/tasks/"+task+"/claim", beijing, nil)
	if again.status != 409 || !slices.Contains(errorCodes(again), "conflict") {
		t.Errorf("second claim: %d %s", again.status, again.body)
	}
	decl := b.getJSON(t, "/v1/declarations/"+id, b.admin)
	if decl["status"] != "under_inspection" {
		t.Errorf("status %v after the claim", decl["status"])
	}
	if tl := timelineOf(t, decl); tl[len(tl)-1] != "under_inspection bureau:110000" {
		t.Errorf("timeline %v", tl)
	}
	if tk := tasksOf(t, decl); tk[0]["status"] != "claimed" {
		t.Errorf("route task %v", tk[0])
	}
	if got := listIDs(t, b.do(t, "GET", "/v1/bureaus/110000/tasks?status=claimed", beijing, "", nil)); !reflect.DeepEqual(got, []string{task}) {
		t.Errorf("claimed list %v", got)
	}
	if got := b.do(t, "GET", "/v1/bureaus/110000/tasks?status=open", beijing, "", nil); len(got.json["items"].([]any)) != 0 {
		t.Errorf("open list %s", got.body)
	}
}

func coalLab(over map[string]float64, drop ...string) map[string]float64 {
	lab := map[string]float64{"ash": 12.1, "sulfur": 0.8, "mercury": 0.12, "arsenic": 9, "phosphorus": 0.02,
		"chlorine": 0.05, "fluorine": 85, "calorific": 24.6}
	for k, v := range over {
		lab[k] = v
	}
	for _, k := range drop {
		delete(lab, k)
	}
	return lab
}

type failed struct {
	Indicator string  `json:"indicator"`
	Value     float64 `json:"value"`
	Limit     float64 `json:"limit"`
	Unit      string  `json:"unit"`
}

func TestCoalResults(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	he := b.key(t, customs.CallerPort, "hebei")
	tangshan := b.key(t, customs.CallerBureau, "130200")
	const lignite, other = "import-coal-lignite", "import-coal-coking"

	for _, c := range []struct {
		name    string
		sample  string
		km      float64
		lab     map[string]float64
		outcome string // what the bureau claims; "" leaves it to the gateway
		want    string
		failed  []failed
		status  string
	}{
		{"lignite within limits", lignite, 420, coalLab(nil), "", "pass", nil, "accepted"},
		{"lignite within limits, pass claimed", lignite, 420, coalLab(nil), "pass", "pass", nil, "accepted"},
		{"lignite ash and sulfur over", lignite, 420, coalLab(map[string]float64{"ash": 31, "sulfur": 1.6}), "", "fail",
			[]failed{{"ash", 31, 30, "%"}, {"sulfur", 1.6, 1.5, "%"}}, "returned"},
		{"lignite over, fail claimed", lignite, 420, coalLab(map[string]float64{"ash": 35}), "fail", "fail",
			[]failed{{"ash", 35, 30, "%"}}, "returned"},
		{"other coal passes where lignite fails", other, 420, coalLab(map[string]float64{"ash": 35, "sulfur": 2.5}), "", "pass", nil, "accepted"},
		{"every basic indicator, other coal", other, 100, coalLab(map[string]float64{"mercury": 0.7, "arsenic": 81, "phosphorus": 0.16,
			"chlorine": 0.31, "fluorine": 250, "ash": 40.5, "sulfur": 3.1}), "", "fail",
			[]failed{{"ash", 40.5, 40, "%"}, {"sulfur", 3.1, 3, "%"}, {"mercury", 0.7, 0.6, "µg/g"}, {"arsenic", 81, 80, "µg/g"},
				{"phosphorus", 0.16, 0.15, "%"}, {"chlorine", 0.31, 0.3, "%"}, {"fluorine", 250, 200, "µg/g"}}, "returned"},
		{"other coal far: long-distance limits", other, 700, coalLab(map[string]float64{"ash": 35, "sulfur": 2.5, "calorific": 17}), "", "fail",
			[]failed{{"ash", 35, 30, "%"}, {"sulfur", 2.5, 2, "%"}, {"calorific", 17, 18, "MJ/kg"}}, "returned"},
		{"other coal at exactly 600 km: basic limits", other, 600, coalLab(map[string]float64{"ash": 35, "sulfur": 2.5, "calorific": 10}), "", "pass", nil, "accepted"},
		{"lignite far within long limits", lignite, 700, coalLab(map[string]float64{"ash": 19, "sulfur": 0.9, "calorific": 16.6}), "", "pass", nil, "accepted"},
		{"lignite far: calorific and ash", lignite, 700, coalLab(map[string]float64{"ash": 21, "calorific": 16}), "", "fail",
			[]failed{{"ash", 21, 20, "%"}, {"calorific", 16, 16.5, "MJ/kg"}}, "returned"},
		{"calorific not needed near", lignite, 420, coalLab(nil, "calorific"), "", "pass", nil, "accepted"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := b.submit(t, he, "hebei", c.sample)
			task := taskID(t, d, "coal")
			body := map[string]any{"distanceKm": c.km, "lab": c.lab}
			if c.outcome != "" {
				body["outcome"] = c.outcome
			}
			b.claim(t, task, tangshan)
			r := b.post(t, "/v1/tasks/"+task+"/result", tangshan, body)
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			var got struct {
				Outcome string   `json:"outcome"`
				Status  string   `json:"status"`
				Failed  []failed `json:"failed"`
			}
			if err := json.Unmarshal(r.body, &got); err != nil {
				t.Fatal(err)
			}
			want := c.failed
			if want == nil {
				want = []failed{} // a coal result always carries failed, [] when it passed
			}
			if got.Outcome != c.want || got.Status != "done" || !reflect.DeepEqual(got.Failed, want) {
				t.Errorf("got %s, want outcome %s failed %v", r.body, c.want, c.failed)
			}
			decl := b.getJSON(t, "/v1/declarations/"+d["id"].(string), b.admin)
			if decl["status"] != c.status {
				t.Errorf("status %v, want %s", decl["status"], c.status)
			}
			if tk := tasksOf(t, decl)[0]; tk["status"] != "done" || tk["outcome"] != c.want {
				t.Errorf("route task %v", tk)
			}
			if tl := timelineOf(t, decl); tl[len(tl)-1] != c.status+" bureau:130200" {
				t.Errorf("timeline %v", tl)
			}
			if r := b.post(t, "/v1/tasks/"+task+"/result", tangshan, body); r.status != 409 {
				t.Errorf("second result: %d", r.status)
			}
		})
	}

	// Refused results leave the task as it was: claimed, no result.
	d := b.submit(t, he, "hebei", lignite)
	task := taskID(t, d, "coal")
	b.claim(t, task, b.admin)
	for _, c := range []struct {
		name string
		body map[string]any
		code string
		path string
	}{
		{"pass claimed against the limits", map[string]any{"distanceKm": 420, "lab": coalLab(map[string]float64{"ash": 31}), "outcome": "pass"},
			"result_contradicts_rules", "/outcome"},
		{"fail claimed within the limits", map[string]any{"distanceKm": 420, "lab": coalLab(nil), "outcome": "fail"},
			"result_contradicts_rules", "/outcome"},
		{"pass claimed against a long-distance limit", map[string]any{"distanceKm": 601, "lab": coalLab(map[string]float64{"ash": 25}), "outcome": "pass"},
			"result_contradicts_rules", "/outcome"},
		{"missing mercury", map[string]any{"distanceKm": 420, "lab": coalLab(nil, "mercury")}, "missing_field", "/lab/mercury"},
		{"missing calorific far away", map[string]any{"distanceKm": 700, "lab": coalLab(nil, "calorific")}, "missing_field", "/lab/calorific"},
		{"missing distance", map[string]any{"lab": coalLab(nil)}, "missing_field", "/distanceKm"},
		{"negative distance", map[string]any{"distanceKm": -5, "lab": coalLab(nil)}, "invalid_value", "/distanceKm"},
		{"negative lab value", map[string]any{"distanceKm": 420, "lab": coalLab(map[string]float64{"sulfur": -0.1})}, "invalid_value", "/lab/sulfur"},
		{"no lab at all", map[string]any{"distanceKm": 420}, "missing_field", "/lab/ash"},
		{"outcome not an outcome", map[string]any{"distanceKm": 420, "lab": coalLab(nil), "outcome": "maybe"}, "invalid_enum", "/outcome"},
	} {
		r := b.post(t, "/v1/tasks/"+task+"/result", b.admin, c.body)
		if r.status != 422 {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
			continue
		}
		found := false
		for _, e := range r.json["errors"].([]any) {
			m := e.(map[string]any)
			if m["code"] == c.code && m["path"] == c.path {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: errors %s, want %s at %s", c.name, r.body, c.code, c.path)
		}
	}
	if got := listIDs(t, b.do(t, "GET", "/v1/bureaus/130200/tasks?status=claimed", tangshan, "", nil)); !slices.Contains(got, task) {
		t.Errorf("task not claimed any more after refused results: %v", got)
	}
}

func TestDirectTransitArrival(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	tj := b.key(t, customs.CallerPort, "tianjin")
	bj := b.key(t, customs.CallerPort, "beijing")
	sjz := b.key(t, customs.CallerBureau, "130100")
	pinggu := b.key(t, customs.CallerBureau, "110100")
	const s1, s2 = "CIQ2026TJ004471", "CIQ2026TJ004472"

	for i, c := range []struct {
		name          string
		intact        []string
		broken        []string
		outcome       string
		status        string
		held          []string // seals named in the result as missing or broken
		timelineNames []string
	}{
		{"every seal intact", []string{s1, s2}, nil, "pass", "delivered", nil, nil},
		{"a seal missing", []string{s1}, nil, "fail", "inspection_required", []string{s2}, []string{s2}},
		{"a seal broken", []string{s2}, []string{s1}, "fail", "inspection_required", []string{s1}, []string{s1}},
		{"nothing reported", nil, nil, "fail", "inspection_required", []string{s1, s2}, []string{s1, s2}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := b.submit(t, tj, "tianjin", "import-direct-transit-shijiazhuang")
			id := d["id"].(string)
			b.deliver(t, id, fmt.Sprintf("02022026100000%04d", i))
			if s := b.status(t, id); s != "inspection_required" {
				t.Fatalf("status %s with the arrival open", s)
			}
			task := taskID(t, d, "direct_transit")
			if r := b.post(t, "/v1/tasks/"+task+"/claim", sjz, nil); r.status != 200 {
				t.Fatalf("claim: %d %s", r.status, r.body)
			}
			body := map[string]any{"sealsIntact": c.intact, "sealsBroken": c.broken}
			if c.intact == nil {
				body["sealsIntact"] = []string{}
			}
			if c.broken == nil {
				body["sealsBroken"] = []string{}
			}
			r := b.post(t, "/v1/tasks/"+task+"/result", sjz, body)
			if r.status != 200 || r.json["outcome"] != c.outcome {
				t.Fatalf("result: %d %s", r.status, r.body)
			}
			var res struct {
				SealsBroken []string `json:"sealsBroken"`
			}
			raw, _ := json.Marshal(r.json["result"])
			json.Unmarshal(raw, &res)
			if !reflect.DeepEqual(sorted(res.SealsBroken...), sorted(c.held...)) {
				t.Errorf("held seals %v, want %v (%s)", res.SealsBroken, c.held, r.body)
			}
			decl := b.getJSON(t, "/v1/declarations/"+id, b.admin)
			if decl["status"] != c.status {
				t.Errorf("status %v, want %s", decl["status"], c.status)
			}
			tl := decl["timeline"].([]any)
			last := tl[len(tl)-1].(map[string]any)
			if last["actor"] != "bureau:130100" {
				t.Errorf("last step %v", last)
			}
			for _, s := range c.timelineNames {
				if !strings.Contains(last["note"].(string), s) {
					t.Errorf("the timeline does not name seal %s: %v", s, last)
				}
			}
		})
	}

	// A seal reported both intact and broken is refused.
	d := b.submit(t, tj, "tianjin", "import-direct-transit-shijiazhuang")
	task := taskID(t, d, "direct_transit")
	b.claim(t, task, sjz)
	if r := b.post(t, "/v1/tasks/"+task+"/result", sjz, map[string]any{"sealsIntact": []string{s1, s2}, "sealsBroken": []string{s1}}); r.status != 422 {
		t.Errorf("contradictory arrival: %d %s", r.status, r.body)
	}

	// Beijing seals sit on ULDs: the arrival lists them the same way.
	bd := b.submit(t, bj, "beijing", "import-direct-transit-pinggu-uld")
	var seals []string
	for _, u := range bd["equipment"].([]any) {
		for _, s := range u.(map[string]any)["seals"].([]any) {
			seals = append(seals, s.(string))
		}
	}
	if !reflect.DeepEqual(sorted(seals...), []string{"CIQ2026BJ000031", "CIQ2026BJ000032"}) {
		t.Fatalf("beijing seals %v", seals)
	}
	b.claim(t, taskID(t, bd, "direct_transit"), pinggu)
	r := b.post(t, "/v1/tasks/"+taskID(t, bd, "direct_transit")+"/result", pinggu, map[string]any{"sealsIntact": seals, "sealsBroken": []string{}})
	if r.status != 200 || r.json["outcome"] != "pass" {
		t.Errorf("beijing arrival: %d %s", r.status, r.body)
	}
}

func TestHazchemAndFoodResults(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	tj := b.key(t, customs.CallerPort, "tianjin")
	bj := b.key(t, customs.CallerPort, "beijing")
	hebeiBureau := b.key(t, customs.CallerBureau, "130000")
	beijingBureau := b.key(t, customs.CallerBureau, "110000")

	for _, c := range []struct {
		name, port, sample, workflow, key string
		body                              map[string]any
		outcome, disposition, status      string
	}{
		{"hazchem destroyed", "tianjin", "import-hazchem-sodium-cyanide-inland", "hazchem", hebeiBureau,
			map[string]any{"outcome": "fail", "findings": "drums corroded, leaking", "disposition": "destroyed"}, "fail", "destroyed", "destroyed"},
		{"hazchem passes", "tianjin", "import-hazchem-sodium-cyanide-inland", "hazchem", hebeiBureau,
			map[string]any{"outcome": "pass", "findings": "packaging and marks as declared"}, "pass", "", "accepted"},
		{"food returned by default", "tianjin", "import-food-beef-registered", "food", beijingBureau,
			map[string]any{"outcome": "fail", "findings": "label lacks the Chinese producer name"}, "fail", "returned", "returned"},
		{"food returned", "beijing", "import-food-salmon-registered", "food", beijingBureau,
			map[string]any{"outcome": "fail", "findings": "temperature log broken", "disposition": "returned"}, "fail", "returned", "returned"},
		{"food passes", "beijing", "import-food-salmon-registered", "food", beijingBureau,
			map[string]any{"outcome": "pass", "findings": "label, documents and samples conform"}, "pass", "", "accepted"},
	} {
		t.Run(c.name, func(t *testing.T) {
			key := tj
			if c.port == "beijing" {
				key = bj
			}
			d := b.submit(t, key, c.port, c.sample)
			task := taskID(t, d, c.workflow)
			b.claim(t, task, c.key)
			r := b.post(t, "/v1/tasks/"+task+"/result", c.key, c.body)
			if r.status != 200 || r.json["outcome"] != c.outcome {
				t.Fatalf("%d %s", r.status, r.body)
			}
			res, _ := r.json["result"].(map[string]any)
			if res["findings"] != c.body["findings"] || (c.disposition != "" && res["disposition"] != c.disposition) {
				t.Errorf("stored result %v", res)
			}
			decl := b.getJSON(t, "/v1/declarations/"+d["id"].(string), b.admin)
			if decl["status"] != c.status {
				t.Errorf("status %v, want %s", decl["status"], c.status)
			}
			tl := timelineOf(t, decl)
			scope := map[string]string{hebeiBureau: "130000", beijingBureau: "110000"}[c.key]
			if want := c.status + " bureau:" + scope; tl[len(tl)-1] != want {
				t.Errorf("timeline %v, want last %q", tl, want)
			}
		})
	}

	d := b.submit(t, tj, "tianjin", "import-food-beef-registered")
	task := taskID(t, d, "food")
	b.claim(t, task, beijingBureau)
	for _, c := range []struct {
		body map[string]any
		code string
	}{
		{map[string]any{"findings": "no outcome"}, "missing_field"},
		{map[string]any{"outcome": "ok"}, "invalid_enum"},
		{map[string]any{"outcome": "fail", "disposition": "burned"}, "invalid_enum"},
	} {
		if r := b.post(t, "/v1/tasks/"+task+"/result", beijingBureau, c.body); r.status != 422 || !slices.Contains(errorCodes(r), c.code) {
			t.Errorf("%v: %d %s", c.body, r.status, r.body)
		}
	}
	if r := b.post(t, "/v1/tasks/"+task+"/result", beijingBureau, map[string]any{"outcome": "pass", "extra": 1}); r.status != 400 {
		t.Errorf("unknown field: %d", r.status)
	}
}

func TestStatusesMoveWithEveryStepOnTheTimeline(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	tj := b.key(t, customs.CallerPort, "tianjin")
	rc := b.key(t, customs.CallerReviewCentre, "")
	bureau := b.key(t, customs.CallerBureau, "110000")

	d := b.submit(t, tj, "tianjin", "import-food-beef-registered")
	id := d["id"].(string)
	task := taskID(t, d, "food")
	b.deliver(t, id, "020220261000000777")
	if r := b.post(t, "/v1/review-centre/decisions", rc, map[string]any{"entryId": "020220261000000777", "decision": "released", "reason": "documents in order"}); r.status != 200 {
		t.Fatalf("decision: %d %s", r.status, r.body)
	}
	if s := b.status(t, id); s != "inspection_required" {
		t.Fatalf("released by the review centre with a task open: %s", s)
	}
	if r := b.post(t, "/v1/tasks/"+task+"/claim", bureau, nil); r.status != 200 {
		t.Fatal(r.status)
	}
	if r := b.post(t, "/v1/tasks/"+task+"/result", bureau, map[string]any{"outcome": "pass", "findings": "ok"}); r.status != 200 {
		t.Fatal(r.status)
	}
	decl := b.getJSON(t, "/v1/declarations/"+id, b.admin)
	want := []string{
		"accepted port:tianjin",
		"inspection_required system:outbox",
		"inspection_required reviewcentre",
		"under_inspection bureau:110000",
		"released bureau:110000",
	}
	if got := timelineOf(t, decl); !reflect.DeepEqual(got, want) {
		t.Errorf("timeline\n got %v\nwant %v", got, want)
	}
	if decl["status"] != "released" || decl["entryId"] != "020220261000000777" {
		t.Errorf("status %v entryId %v", decl["status"], decl["entryId"])
	}

	// The other way round: tasks first, then the review centre.
	d2 := b.submit(t, tj, "tianjin", "import-food-beef-registered")
	id2 := d2["id"].(string)
	b.deliver(t, id2, "020220261000000778")
	if r := b.post(t, "/v1/review-centre/decisions", rc, map[string]any{"entryId": "020220261000000778", "decision": "inspection_required"}); r.status != 200 {
		t.Fatal(r.status)
	}
	b.claim(t, taskID(t, d2, "food"), bureau)
	if r := b.post(t, "/v1/tasks/"+taskID(t, d2, "food")+"/result", bureau, map[string]any{"outcome": "pass"}); r.status != 200 {
		t.Fatal(r.status)
	}
	if s := b.status(t, id2); s != "inspection_required" {
		t.Errorf("tasks passed, review centre asked for inspection: %s", s)
	}
	if r := b.post(t, "/v1/review-centre/decisions", rc, map[string]any{"entryId": "020220261000000778", "decision": "released"}); r.status != 200 {
		t.Fatal(r.status)
	}
	decl2 := b.getJSON(t, "/v1/declarations/"+id2, b.admin)
	want2 := []string{
		"accepted port:tianjin",
		"inspection_required system:outbox",
		"inspection_required reviewcentre",
		"under_inspection bureau:110000",
		"inspection_required bureau:110000",
		"released reviewcentre",
	}
	if got := timelineOf(t, decl2); !reflect.DeepEqual(got, want2) {
		t.Errorf("timeline\n got %v\nwant %v", got, want2)
	}
}
