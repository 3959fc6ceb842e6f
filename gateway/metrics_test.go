package gateway_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// metricValues scrapes /metrics into "name{labels}" → value.
func (b *testBundle) metricValues(t *testing.T) map[string]float64 {
	t.Helper()
	r := b.do(t, "GET", "/metrics", "", "", nil)
	if r.status != 200 {
		t.Fatalf("/metrics: %d %s", r.status, r.body)
	}
	out := map[string]float64{}
	for _, l := range strings.Split(string(r.body), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		i := strings.LastIndexByte(l, ' ')
		v, err := strconv.ParseFloat(l[i+1:], 64)
		if err != nil {
			t.Fatalf("metric line %q", l)
		}
		out[l[:i]] = v
	}
	return out
}

// Intake, rejections, latency, the queues and the pool, read from
// /metrics after a few submissions.
func TestIntakeAndQueueMetrics(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	portKey := b.key(t, customs.CallerPort, "tianjin")
	const ent = "91130802MA0D2KR498" // the sodium cyanide sample's consignee
	if err := b.db.InsertWebhook(context.Background(), &customs.Webhook{ID: "wh_metrics", Enterprise: ent, URL: "https://hooks.example.com/x",
		Secret: "0123456789abcdef0123", CreatedAt: time.Now()}, 10); err != nil {
		t.Fatal(err)
	}
	before := b.metricValues(t)
	if before["gateway_outbox_depth"] != 0 || before["gateway_webhook_queue_depth"] != 0 || before["gateway_webhooks_suspended"] != 0 {
		t.Errorf("an empty database: %v", before)
	}
	if _, ok := before[`go_sql_in_use_connections{db_name="gateway"}`]; !ok {
		t.Errorf("no pool in use: %v", before)
	}
	if _, ok := before[`go_sql_wait_count_total{db_name="gateway"}`]; !ok {
		t.Errorf("no pool waits: %v", before)
	}

	haz := readSample(t, "tianjin", "import-hazchem-sodium-cyanide-inland.xml")
	for _, want := range []int{201, 200} {
		if r := b.do(t, "POST", "/v1/ports/tianjin/declarations", portKey, "application/xml", haz); r.status != want {
			t.Fatalf("submit: %d %s", r.status, r.body)
		}
	}
	bad := b.do(t, "POST", "/v1/ports/tianjin/declarations", portKey, "application/xml", readSample(t, "tianjin", "invalid-uscc-check-character.xml"))
	if bad.status != 422 {
		t.Fatalf("invalid sample: %d", bad.status)
	}
	b.do(t, "POST", "/v1/ports/tianjin/declarations", portKey, "text/plain", haz)
	b.do(t, "POST", "/v1/ports/nowhere/declarations", b.admin, "application/xml", haz)
	if _, err := b.db.Exec(`UPDATE webhook SET state = 'suspended' WHERE id = 'wh_metrics'`); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)

	got := b.metricValues(t)
	for k, want := range map[string]float64{
		`gateway_declarations_total{outcome="accepted",port="tianjin"}`:  1,
		`gateway_declarations_total{outcome="duplicate",port="tianjin"}`: 1,
		`gateway_declarations_total{outcome="invalid",port="tianjin"}`:   1,
		`gateway_declarations_total{outcome="not_xml",port="tianjin"}`:   1,
		`gateway_declarations_total{outcome="not_found",port="unknown"}`: 1,
		`gateway_intake_seconds_count{port="tianjin"}`:                   4,
		`gateway_outbox_depth`:        1,
		`gateway_webhook_queue_depth`: 1,
		`gateway_webhooks_suspended`:  1,
	} {
		if got[k] != want {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
	for _, code := range errorCodes(bad) {
		if got[`gateway_rejections_total{code="`+code+`"}`] < 1 {
			t.Errorf("rejection code %s not counted", code)
		}
	}
	if got[`gateway_translation_seconds_count{port="tianjin"}`] < 2 {
		t.Errorf("translations %v", got[`gateway_translation_seconds_count{port="tianjin"}`])
	}
	if got[`gateway_outbox_oldest_age_seconds`] <= 0 {
		t.Errorf("outbox oldest age %v", got[`gateway_outbox_oldest_age_seconds`])
	}
	for k := range got {
		if strings.Contains(k, "nowhere") {
			t.Errorf("an unknown port became a label: %s", k)
		}
	}
}
