package gateway_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"
)

// auditItem is an entry of GET /v1/admin/audit.
type auditItem struct {
	ID        string    `json:"id"`
	At        time.Time `json:"at"`
	KeyID     string    `json:"keyId"`
	Role      string    `json:"role"`
	Actor     string    `json:"actor"`
	RequestID string    `json:"requestId"`
	Action    string    `json:"action"`
	Target    string    `json:"target"`
	Outcome   string    `json:"outcome"`
	Status    int       `json:"status"`
}

// auditTrail reads the whole trail through the API, a page at a time.
func (b *confBundle) auditTrail(t *testing.T, query string) []auditItem {
	t.Helper()
	var out []auditItem
	cursor := ""
	for range 100 {
		q := query + "&limit=50"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		r := b.call(t, exchange{method: "GET", path: "/v1/admin/audit?" + q, key: b.admin, want: 200})
		var page struct {
			Items []auditItem `json:"items"`
			Next  *string     `json:"next"`
		}
		if err := json.Unmarshal(r.body, &page); err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Items...)
		if page.Next == nil {
			return out
		}
		cursor = *page.Next
	}
	t.Fatal("the audit trail does not end")
	return nil
}

// auditWant is an entry TestConformance's calls must have left.
type auditWant struct {
	action, actor, target, outcome string
}

// findAudit is the newest entry of all that w describes, or nil.
func findAudit(all []auditItem, w auditWant) *auditItem {
	for i := range all {
		e := &all[i]
		if e.Action != w.action || e.Outcome != w.outcome || e.Actor[:min(len(e.Actor), len(w.actor))] != w.actor {
			continue
		}
		if w.target != "" && e.Target != w.target {
			continue
		}
		return e
	}
	return nil
}

// checkAuditTrail checks, after TestConformance's calls, that each kind of
// state-changing call is in the trail with who, what and how it ended
// (done and refused), newest first, and that the filters and the cursor
// work. ids are the scenario's: hazID, hazTask, coalTask, dead, key,
// alert, hook.
func checkAuditTrail(t *testing.T, b *confBundle, ids map[string]string) {
	t.Helper()
	wants := []auditWant{
		{"declaration.submit", "port:tianjin", ids["haz"], "ok"},
		{"declaration.submit", "port:tianjin", "tianjin", "conflict"},
		{"declaration.submit", "port:tianjin", "hebei", "forbidden"},
		{"task.claim", "bureau:130000", ids["hazTask"], "ok"},
		{"task.claim", "bureau:130000", ids["hazTask"], "conflict"},
		{"task.claim", "bureau:120000", ids["hazTask"], "forbidden"},
		{"task.result", "bureau:130000", ids["hazTask"], "ok"},
		{"task.result", "bureau:120000", ids["coalTask"], "invalid"},
		{"decision.record", "reviewcentre", ids["haz"], "ok"},
		{"decision.record", "port:tianjin", "", "forbidden"},
		{"delivery.replay", "admin", ids["dead"], "ok"},
		{"delivery.replay", "admin", ids["dead"], "conflict"},
		{"delivery.replay_matching", "admin", "", "ok"},
		{"key.create", "admin", ids["key"], "ok"},
		{"key.create", "port:tianjin", "", "forbidden"},
		{"key.revoke", "admin", ids["key"], "ok"},
		{"risk_alert.create", "admin", ids["alert"], "ok"},
		{"risk_alert.end", "admin", ids["alert"], "ok"},
		{"webhook.register", "enterprise:91130802MA0D2KR498", ids["hook"], "ok"},
		{"webhook.resume", "enterprise:91130802MA0D2KR498", ids["hook"], "ok"},
		{"webhook.resume", "admin", ids["hook"], "ok"},
		{"webhook.delete", "enterprise:91130802MA0D2KR498", ids["hook"], "ok"},
		{"credit.sync", "admin", "", "ok"},
	}
	// An entry is written once its answer is sent, so entries of calls on
	// other connections may land late: wait until every one is there.
	var all []auditItem
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		all = b.auditTrail(t, "")
		missing := slices.ContainsFunc(wants, func(w auditWant) bool { return findAudit(all, w) == nil })
		if !missing || time.Now().After(deadline) {
			break
		}
	}
	for i := 1; i < len(all); i++ {
		if all[i].At.After(all[i-1].At.Add(time.Second)) || all[i].ID == all[i-1].ID {
			t.Errorf("not newest first: %+v before %+v", all[i-1], all[i])
		}
	}
	for _, w := range wants {
		t.Run(fmt.Sprintf("%s %s %s", w.action, w.outcome, w.actor), func(t *testing.T) {
			e := findAudit(all, w)
			if e == nil {
				t.Errorf("no entry %+v in the trail", w)
				return
			}
			if e.KeyID == "" || e.Role == "" || e.RequestID == "" || e.At.IsZero() || (w.outcome == "ok") != (e.Status < 400) {
				t.Errorf("incomplete entry %+v", *e)
			}
		})
	}
	// Reads are not audited. A call has one entry: a creation's, written
	// by intake's transaction, is not written again by the HTTP layer.
	byRequest := map[string]int{}
	for _, e := range all {
		if e.Status == 0 || e.Action == "" {
			t.Errorf("odd entry %+v", e)
		}
		byRequest[e.RequestID]++
		if e.Action == "declaration.submit" && e.Outcome == "ok" && e.Status != 201 && e.Status != 200 {
			t.Errorf("submission entry %+v", e)
		}
	}
	for id, n := range byRequest {
		if n != 1 {
			t.Errorf("request %s has %d entries", id, n)
		}
	}

	// Filters: by action, by actor, by time; the cursor pages stably.
	claims := b.auditTrail(t, "action=task.claim")
	for _, e := range claims {
		if e.Action != "task.claim" {
			t.Errorf("action filter let through %+v", e)
		}
	}
	if len(claims) < 3 {
		t.Errorf("claims %d", len(claims))
	}
	mine := b.auditTrail(t, "actor=port:tianjin")
	if len(mine) == 0 {
		t.Error("no entries of port:tianjin")
	}
	for _, e := range mine {
		if e.Actor != "port:tianjin" {
			t.Errorf("actor filter let through %+v", e)
		}
	}
	byKey := b.auditTrail(t, "actor="+url.QueryEscape(mine[0].KeyID))
	if len(byKey) != len(mine) {
		t.Errorf("by key id %d, by actor %d", len(byKey), len(mine))
	}
	if later := b.auditTrail(t, "since="+url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))); len(later) != 0 {
		t.Errorf("entries from the future: %+v", later)
	}
	b.call(t, exchange{method: "GET", path: "/v1/admin/audit?since=yesterday", key: b.admin, want: 400})
	b.call(t, exchange{method: "GET", path: "/v1/admin/audit", key: ids["portKey"], want: 403})
	first := b.call(t, exchange{method: "GET", path: "/v1/admin/audit?limit=2", key: b.admin, want: 200})
	next, _ := first.json["next"].(string)
	second := b.call(t, exchange{method: "GET", path: "/v1/admin/audit?limit=2&cursor=" + next, key: b.admin, want: 200})
	items, _ := second.json["items"].([]any)
	if next == "" || len(items) != 2 || items[0].(map[string]any)["id"] != all[2].ID {
		t.Errorf("second page %s, want it to start at %s", second.body, all[2].ID)
	}
}
