package gateway_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// TestWarningsAndTracesAreAudited: issuing, acknowledging and lifting a
// warning, issuing and revoking a document, and every trace (which reads across scopes), are in the audit
// trail with the caller; a trace with its criteria.
func TestWarningsAndTracesAreAudited(t *testing.T) {
	t.Parallel()
	h := &warningHarness{}
	b := setup(t, options{warnings: h})
	k := newWarningKeys(t, b)
	w := b.post(t, "/v1/warnings", k.hebei, warningBody(nil))
	if w.status != 201 {
		t.Fatalf("issue: %d %s", w.status, w.body)
	}
	id := w.json["id"].(string)
	if r := b.do(t, "POST", "/v1/warnings/"+id+"/ack", k.tianjin, "application/json", []byte(`{"measures":"port checks"}`)); r.status != 200 {
		t.Fatalf("ack: %d %s", r.status, r.body)
	}
	if r := b.do(t, "GET", "/v1/trace?hsPrefix=8457&origin=DEU", k.beijing, "", nil); r.status != 200 {
		t.Fatalf("trace: %d %s", r.status, r.body)
	}
	if r := b.do(t, "POST", "/v1/warnings/"+id+"/lift", k.hebei, "application/json", []byte(`{"reason":"cleared"}`)); r.status != 200 {
		t.Fatalf("lift: %d %s", r.status, r.body)
	}
	doc := b.post(t, "/v1/documents", k.hebei, map[string]any{"kind": "special_article_approval", "number": "AUDIT-1",
		"holder": "91130802MA0D2KR498", "validFrom": "2026-01-01", "validUntil": "2098-12-31", "quantity": "1", "unit": "007", "level": "C"})
	if doc.status != 201 {
		t.Fatalf("document: %d %s", doc.status, doc.body)
	}
	if r := b.post(t, "/v1/documents/special_article_approval/AUDIT-1/revoke", k.hebei, map[string]any{"reason": "withdrawn"}); r.status != 200 {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	want := map[customs.AuditAction]string{
		customs.AuditDocumentIssue: "special_article_approval/AUDIT-1", customs.AuditDocumentRevoke: "special_article_approval/AUDIT-1",
		customs.AuditWarningIssue: id, customs.AuditWarningAck: id, customs.AuditWarningLift: id,
		customs.AuditTrace: "?hsPrefix=8457&origin=DEU",
	}
	deadline := time.Now().Add(10 * time.Second)
	for action, target := range want {
		for {
			page := b.getJSON(t, "/v1/admin/audit?action="+url.QueryEscape(string(action)), b.admin)
			items, _ := page["items"].([]any)
			found := false
			for _, it := range items {
				e := it.(map[string]any)
				if e["target"] == target && e["outcome"] == "ok" && strings.HasPrefix(e["actor"].(string), "bureau:") {
					found = true
				}
			}
			if found {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no %s entry for %s in %v", action, target, items)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
