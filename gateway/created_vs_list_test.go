package gateway_test

import (
	"reflect"
	"testing"
	"time"
)

// TestCreatedAnswersMatchTheirListing: what a 201 shows of a risk alert or
// a key is what the list shows of it afterwards, times included (in UTC,
// at the microseconds the database keeps), whatever offset and precision
// the request gave.
func TestCreatedAnswersMatchTheirListing(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	exp := time.Now().Add(48 * time.Hour).In(time.FixedZone("CST", 8*3600)).Format(time.RFC3339Nano)

	alert := b.post(t, "/v1/admin/risk-alerts", b.admin, alertBody(map[string]any{"expiresAt": exp}))
	if alert.status != 201 {
		t.Fatalf("alert: %d %s", alert.status, alert.body)
	}
	delete(alert.json, "rerouted") // the answer's own count, not the alert's
	alerts := b.do(t, "GET", "/v1/admin/risk-alerts", b.admin, "", nil)
	if items, _ := alerts.json["items"].([]any); len(items) != 1 || !reflect.DeepEqual(items[0], alert.json) {
		t.Errorf("alert\n 201 %v\nlist %v", alert.json, alerts.json["items"])
	}

	key := b.post(t, "/v1/admin/keys", b.admin, map[string]any{"role": "port", "scope": "hebei", "expiresAt": exp})
	if key.status != 201 {
		t.Fatalf("key: %d %s", key.status, key.body)
	}
	keys := b.do(t, "GET", "/v1/admin/keys", b.admin, "", nil)
	items, _ := keys.json["items"].([]any)
	var listed map[string]any
	for _, it := range items {
		if m := it.(map[string]any); m["id"] == key.json["id"] {
			listed = m
		}
	}
	for _, f := range []string{"createdAt", "expiresAt", "role", "scope"} {
		if listed == nil || listed[f] != key.json[f] {
			t.Errorf("key %s: 201 %v, list %v", f, key.json[f], listed[f])
		}
	}
}
