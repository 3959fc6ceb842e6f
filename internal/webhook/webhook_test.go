package webhook_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/postgres/pgtest"
	"github.com/jjj/gateway/internal/webhook"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const (
	entA   = "91130802MA0D2KR498"
	entB   = "91120116732845199J"
	secret = "a-webhook-secret-of-enough-length"
)

func TestSignAndVerify(t *testing.T) {
	t.Parallel()
	body := []byte(`{"event":"declaration.status","status":"released"}`)
	now := time.Unix(1_800_000_000, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	sig := webhook.Sign(secret, now.Unix(), body)
	if !strings.HasPrefix(sig, "sha256=") || len(sig) != len("sha256=")+64 {
		t.Fatalf("signature %q: want sha256= and 64 hex digits", sig)
	}
	older := strconv.FormatInt(now.Unix()-1, 10)
	tests := []struct {
		name   string
		secret string
		body   string
		ts     string
		header string
		now    time.Time
		want   error
	}{
		{"right secret, body and time", secret, string(body), ts, sig, now, nil},
		{"4 minutes later", secret, string(body), ts, sig, now.Add(4 * time.Minute), nil},
		{"receiver's clock 4 minutes behind", secret, string(body), ts, sig, now.Add(-4 * time.Minute), nil},
		{"replayed 6 minutes later", secret, string(body), ts, sig, now.Add(6 * time.Minute), webhook.ErrStale},
		{"from 6 minutes ahead", secret, string(body), ts, sig, now.Add(-6 * time.Minute), webhook.ErrStale},
		{"timestamp changed to look fresh", secret, string(body), older, sig, now, webhook.ErrBadSignature},
		{"timestamp with a leading zero", secret, string(body), "0" + ts, sig, now, webhook.ErrBadSignature},
		{"timestamp with a sign", secret, string(body), "+" + ts, sig, now, webhook.ErrBadSignature},
		{"no timestamp", secret, string(body), "", sig, now, webhook.ErrBadSignature},
		{"other secret", secret + "x", string(body), ts, sig, now, webhook.ErrBadSignature},
		{"body changed", secret, strings.Replace(string(body), "released", "rejected", 1), ts, sig, now, webhook.ErrBadSignature},
		{"the body alone signed (the old scheme)", secret, string(body), ts, oldSign(secret, body), now, webhook.ErrBadSignature},
		{"no prefix", secret, string(body), ts, strings.TrimPrefix(sig, "sha256="), now, webhook.ErrBadSignature},
		{"other algorithm", secret, string(body), ts, "sha1=" + strings.TrimPrefix(sig, "sha256="), now, webhook.ErrBadSignature},
		{"not hex", secret, string(body), ts, "sha256=zz", now, webhook.ErrBadSignature},
		{"empty", secret, string(body), ts, "", now, webhook.ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := webhook.Verify(tt.secret, []byte(tt.body), tt.ts, tt.header, tt.now); got != tt.want {
				t.Errorf("Verify = %v, want %v", got, tt.want)
			}
		})
	}
}

// oldSign is the signature before the timestamp was signed with the body.
func oldSign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// A known vector, so a receiver in another language can check its code
// against ours: HMAC-SHA256 under "key" of
// "1700000000.The quick brown fox jumps over the lazy dog" (computed with
// openssl dgst -sha256 -hmac key).
func TestSignKnownVector(t *testing.T) {
	t.Parallel()
	got := webhook.Sign("key", 1700000000, []byte("The quick brown fox jumps over the lazy dog"))
	want := "sha256=2f658d6aef4f246e91cd741bbcded7479e9605f9d41c9e248122a117e0e1765b"
	if got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

// resolver is a DNS the test controls: names map to addresses, and a name
// it does not know does not exist.
type resolver struct {
	mu sync.Mutex
	m  map[string][]netip.Addr
}

func newResolver(pairs ...string) *resolver {
	r := &resolver{m: map[string][]netip.Addr{}}
	for i := 0; i < len(pairs); i += 2 {
		r.set(pairs[i], pairs[i+1])
	}
	return r
}

func (r *resolver) set(host string, addrs ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m[host] = nil
	for _, a := range addrs {
		r.m[host] = append(r.m[host], netip.MustParseAddr(a))
	}
}

func (r *resolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if a, ok := r.m[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// TestCheckURL: where a webhook may point, as registration sees it.
func TestCheckURL(t *testing.T) {
	t.Parallel()
	dns := newResolver(
		"erp.example.com", "93.184.216.34",
		"inner.example.com", "10.1.2.3",
		"mixed.example.com", "93.184.216.34",
		"metadata.example.com", "169.254.169.254",
		"v6.example.com", "2606:2800:220:1:248:1893:25c8:1946",
		"v6inner.example.com", "fd00::1",
	)
	dns.set("mixed.example.com", "93.184.216.34", "192.168.1.10")
	strict := webhook.Targets{Resolver: dns}
	withHTTP := webhook.Targets{Resolver: dns, AllowHTTP: true}
	private := webhook.Targets{Resolver: dns, AllowPrivate: true}
	// The machine's own resolver: localhost is in every /etc/hosts.
	system := webhook.Targets{}
	const (
		ok        = ""
		invalid   = webhook.ProblemInvalidURL
		forbidden = webhook.ProblemForbiddenTarget
	)
	for _, tt := range []struct {
		targets webhook.Targets
		url     string
		want    string
	}{
		{strict, "https://erp.example.com/hooks/customs", ok},
		{strict, "https://erp.example.com:8443/hooks/customs?x=1", ok},
		{strict, "https://93.184.216.34/hook", ok},
		{strict, "https://v6.example.com/hook", ok},
		{strict, "https://[2606:2800:220:1:248:1893:25c8:1946]/hook", ok},
		{strict, "http://erp.example.com/hook", invalid},
		{withHTTP, "http://erp.example.com/hook", ok},
		{strict, "ftp://example.com/x", invalid},
		{withHTTP, "ftp://example.com/x", invalid},
		{strict, "https:///nohost", invalid},
		{strict, "https://user:pw@erp.example.com/", invalid},
		{strict, "https://erp.example.com/#frag", invalid},
		{strict, "/relative", invalid},
		{strict, "https://erp.example.com/" + strings.Repeat("a", 2100), invalid},
		// Addresses inside, given as numbers.
		{strict, "https://127.0.0.1/v1/admin/keys", forbidden},
		{strict, "https://127.0.0.1:5432/", forbidden},
		{strict, "https://169.254.169.254/latest/meta-data/", forbidden},
		{strict, "https://[::1]/hook", forbidden},
		{strict, "https://[::ffff:127.0.0.1]/hook", forbidden},
		{strict, "https://[::ffff:a9fe:a9fe]/hook", forbidden},
		{strict, "https://[fe80::1]/hook", forbidden},
		{strict, "https://[fd12:3456::1]/hook", forbidden},
		{strict, "https://10.0.0.8/hook", forbidden},
		{strict, "https://172.16.5.4/hook", forbidden},
		{strict, "https://192.168.0.1/hook", forbidden},
		{strict, "https://100.64.0.1/hook", forbidden},
		{strict, "https://0.0.0.0/hook", forbidden},
		{strict, "https://[::]/hook", forbidden},
		{strict, "https://224.0.0.1/hook", forbidden},
		{strict, "https://255.255.255.255/hook", forbidden},
		// Names that resolve inside, or not at all.
		{strict, "https://inner.example.com/hook", forbidden},
		{strict, "https://metadata.example.com/hook", forbidden},
		{strict, "https://v6inner.example.com/hook", forbidden},
		{strict, "https://mixed.example.com/hook", forbidden},
		{strict, "https://nowhere.example.com/hook", forbidden},
		{system, "https://localhost/hook", forbidden},
		{system, "https://localhost:6379/", forbidden},
		// An intranet deployment lifts the address rule, not the scheme's.
		{private, "https://127.0.0.1/hook", ok},
		{private, "https://inner.example.com/hook", ok},
		{private, "http://127.0.0.1/hook", invalid},
	} {
		err := tt.targets.CheckURL(context.Background(), tt.url)
		var te *webhook.TargetError
		got := ok
		if err != nil {
			if !errors.As(err, &te) {
				t.Errorf("CheckURL(%.60q): %v is not a TargetError", tt.url, err)
				continue
			}
			got = te.Code
		}
		if got != tt.want {
			t.Errorf("CheckURL(%.60q) with %+v = %v, want %q", tt.url, tt.targets, err, tt.want)
		}
	}
	// The refusal of a name that does not resolve and of one that resolves
	// inside read the same: the answer must not tell which inner names exist.
	e1 := strict.CheckURL(context.Background(), "https://inner.example.com/")
	e2 := strict.CheckURL(context.Background(), "https://nowhere.example.com/")
	if strings.ReplaceAll(e1.Error(), "inner", "X") != strings.ReplaceAll(e2.Error(), "nowhere", "X") {
		t.Errorf("refusals differ: %q and %q", e1, e2)
	}
}

// --- against the database ---

type bundle struct {
	db  *postgres.DB
	ctx context.Context
	now time.Time
}

func setup(t *testing.T) *bundle {
	t.Helper()
	return &bundle{db: pgtest.New(t), ctx: context.Background(), now: time.Now().UTC().Truncate(time.Microsecond)}
}

// declare stores an accepted declaration with the given enterprises, as
// intake does (postgres.InsertDeclaration, which queues the "accepted"
// events).
func (b *bundle) declare(t *testing.T, id string, enterprises ...string) {
	t.Helper()
	route := `{"lane":"release","workflows":[],"bureau":null,"ruleSet":"t","tasks":[],"reasons":[]}`
	_, _, created, err := b.db.InsertDeclaration(b.ctx, &postgres.NewDeclaration{
		ID: id, Port: "tianjin", PortRef: "REF-" + id, Digest: "sha256:" + id, Direction: customs.Import,
		ReceivedAt: b.now, PortOffice: "120000", Enterprises: enterprises, Lane: customs.LaneRelease,
		Declaration: &customs.Declaration{ID: id}, Route: []byte(route), Canonical: []byte("<x/>"), Actor: "port:tianjin", Note: "accepted",
	})
	if err != nil || !created {
		t.Fatalf("insert %s: created %v, %v", id, created, err)
	}
}

// change moves a declaration's status through postgres.ChangeStatus, in a
// transaction of its own.
func (b *bundle) change(t *testing.T, id, status string) {
	t.Helper()
	tx, err := b.db.BeginTxx(b.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := postgres.ChangeStatus(b.ctx, tx, postgres.StatusChange{DeclarationID: id, Status: status, At: time.Now().UTC(), Actor: "reviewcentre"}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func (b *bundle) hook(t *testing.T, enterprise, url string) string {
	t.Helper()
	id := fmt.Sprintf("wh_%s_%d", enterprise[:6], time.Now().UnixNano())
	if err := b.db.InsertWebhook(b.ctx, &customs.Webhook{ID: id, Enterprise: enterprise, URL: url, Secret: secret, CreatedAt: b.now}, 10); err != nil {
		t.Fatal(err)
	}
	return id
}

// local lets webhooks point at the tests' receivers: plain http on
// loopback (WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOW_PRIVATE).
var local = webhook.Targets{AllowHTTP: true, AllowPrivate: true}

// worker makes a worker on the test's database; its targets are local
// unless cfg says otherwise (a zero Targets is local here).
func (b *bundle) worker(t *testing.T, cfg webhook.Config) *webhook.Worker {
	t.Helper()
	if cfg.Targets == (webhook.Targets{}) {
		cfg.Targets = local
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = 10 * time.Millisecond
	}
	if cfg.RetryMax == 0 {
		cfg.RetryMax = -1
	}
	w, err := webhook.New(b.db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// drain runs the worker until nothing is due any more.
func drain(t *testing.T, w *webhook.Worker) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		n, err := w.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("the queue did not drain")
}

// receiver is an enterprise's endpoint: it verifies every signature and
// records what it got.
type receiver struct {
	t   *testing.T
	srv *httptest.Server
	mu  sync.Mutex
	// got: every request, in arrival order, with the answer given.
	got []received
	// answer decides the status for a request; nil means 200.
	answer func(e webhook.Event, n int) int
}

type received struct {
	event  webhook.Event
	status int
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if err := webhook.Verify(secret, body, r.Header.Get(webhook.TimestampHeader), r.Header.Get(webhook.SignatureHeader), time.Now()); err != nil {
		rc.t.Errorf("%v: %q at %q for %s", err, r.Header.Get(webhook.SignatureHeader), r.Header.Get(webhook.TimestampHeader), body)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var e webhook.Event
	if err := json.Unmarshal(body, &e); err != nil {
		rc.t.Errorf("body %s: %v", body, err)
	}
	if r.Header.Get("X-Event-Id") != e.ID || r.Header.Get("Content-Type") != "application/json" {
		rc.t.Errorf("headers %v for event %s", r.Header, e.ID)
	}
	rc.mu.Lock()
	status := http.StatusOK
	if rc.answer != nil {
		status = rc.answer(e, len(rc.got))
	}
	rc.got = append(rc.got, received{e, status})
	rc.mu.Unlock()
	w.WriteHeader(status)
}

func (rc *receiver) setAnswer(f func(e webhook.Event, n int) int) {
	rc.mu.Lock()
	rc.answer = f
	rc.mu.Unlock()
}

// delivered returns the statuses acknowledged (2xx) per declaration, in
// the order they arrived.
func (rc *receiver) delivered() map[string][]string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := map[string][]string{}
	for _, g := range rc.got {
		if g.status < 300 {
			out[g.event.DeclarationID] = append(out[g.event.DeclarationID], g.event.Status)
		}
	}
	return out
}

// checkOrder fails when any request of a declaration arrived while an
// earlier event of it was not yet acknowledged: event n+1 before n.
func (rc *receiver) checkOrder(t *testing.T) {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	acked := map[string]map[string]bool{} // declaration -> event ids acknowledged
	maxSeen := map[string]int64{}
	for _, g := range rc.got {
		var n int64
		fmt.Sscanf(g.event.ID, "ev_%d", &n)
		d := g.event.DeclarationID
		if n < maxSeen[d] && !acked[d][g.event.ID] {
			// an older event arriving after a newer one was sent
			t.Errorf("declaration %s: event %s arrived after a later one was sent", d, g.event.ID)
		}
		if n > maxSeen[d] {
			if maxSeen[d] != 0 && !acked[d][fmt.Sprintf("ev_%d", maxSeen[d])] {
				t.Errorf("declaration %s: event %s sent before event ev_%d was acknowledged", d, g.event.ID, maxSeen[d])
			}
			maxSeen[d] = n
		}
		if g.status < 300 {
			if acked[d] == nil {
				acked[d] = map[string]bool{}
			}
			acked[d][g.event.ID] = true
		}
	}
}

var lifecycle = []string{"delivered", "inspection_required", "under_inspection", "released"}

func TestEventsCarrySignedStatusChangesInOrder(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rc := newReceiver(t)
	b.hook(t, entA, rc.srv.URL+"/a")
	for _, id := range []string{"d_1", "d_2", "d_3"} {
		b.declare(t, id, entA, entB)
	}
	for _, st := range lifecycle {
		for _, id := range []string{"d_1", "d_2", "d_3"} {
			b.change(t, id, st)
		}
	}
	drain(t, b.worker(t, webhook.Config{}))

	want := append([]string{"accepted"}, lifecycle...)
	got := rc.delivered()
	for _, id := range []string{"d_1", "d_2", "d_3"} {
		if strings.Join(got[id], ",") != strings.Join(want, ",") {
			t.Errorf("%s: delivered %v, want %v", id, got[id], want)
		}
	}
	rc.checkOrder(t)

	// The body as api.md gives it.
	rc.mu.Lock()
	first, second := rc.got[0].event, webhook.Event{}
	for _, g := range rc.got {
		if g.event.DeclarationID == first.DeclarationID && g.event.Status == "delivered" {
			second = g.event
		}
	}
	rc.mu.Unlock()
	if first.Event != "declaration.status" || first.Status != "accepted" || first.Previous != nil || first.PortRef != "REF-"+first.DeclarationID {
		t.Errorf("first event %+v", first)
	}
	if second.Previous == nil || *second.Previous != "accepted" || second.At.IsZero() {
		t.Errorf("second event %+v: want previous accepted and a time", second)
	}
	var route map[string]any
	if err := json.Unmarshal(first.Route, &route); err != nil || route["lane"] != "release" {
		t.Errorf("route %s: %v", first.Route, err)
	}
}

func TestEventsAreWrittenWithTheStatusChangeOrNotAtAll(t *testing.T) {
	t.Parallel()
	b := setup(t)
	wh := b.hook(t, entA, "http://127.0.0.1:1/unused")
	other := b.hook(t, entB, "http://127.0.0.1:1/unused")
	b.declare(t, "d_1", entA)

	tx, err := b.db.BeginTxx(b.ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.ChangeStatus(b.ctx, tx, postgres.StatusChange{DeclarationID: "d_1", Status: "delivered", At: time.Now(), Actor: "reviewcentre"}); err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	evs, err := b.db.WebhookEvents(b.ctx, wh)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 1 || evs[0].Status != "accepted" {
		t.Fatalf("after a rolled back change: events %+v, want only accepted", evs)
	}
	b.change(t, "d_1", "delivered")
	evs, _ = b.db.WebhookEvents(b.ctx, wh)
	if len(evs) != 2 || evs[1].Status != "delivered" || evs[1].Previous.String != "accepted" {
		t.Fatalf("after a committed change: events %+v", evs)
	}
	// Another enterprise's webhook hears nothing of it.
	if evs, _ := b.db.WebhookEvents(b.ctx, other); len(evs) != 0 {
		t.Errorf("another enterprise's webhook got %+v", evs)
	}
}

func TestEventNPlusOneWaitsUntilEventNSucceeded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rc := newReceiver(t)
	// The receiver refuses "delivered" twice; "inspection_required" must
	// not be sent until "delivered" has gone through.
	var refused atomic.Int32
	rc.setAnswer(func(e webhook.Event, n int) int {
		if e.Status == "delivered" && refused.Add(1) <= 2 {
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	wh := b.hook(t, entA, rc.srv.URL)
	b.declare(t, "d_1", entA)
	b.declare(t, "d_2", entA)
	for _, st := range lifecycle {
		b.change(t, "d_1", st)
	}
	w := b.worker(t, webhook.Config{BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond, SuspendAfter: 100})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		drain(t, w)
		if len(rc.delivered()["d_1"]) == 5 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	got := rc.delivered()
	if strings.Join(got["d_1"], ",") != "accepted,delivered,inspection_required,under_inspection,released" {
		t.Errorf("d_1 delivered %v", got["d_1"])
	}
	if strings.Join(got["d_2"], ",") != "accepted" {
		t.Errorf("d_2 delivered %v", got["d_2"])
	}
	if refused.Load() < 3 {
		t.Errorf("the receiver refused %d times, want the 2 refusals and a success", refused.Load())
	}
	rc.checkOrder(t)
	hook, _ := b.db.Webhook(b.ctx, wh, "")
	if hook.Failures != 0 || hook.State != customs.WebhookActive || hook.LastSuccessAt.IsZero() {
		t.Errorf("after recovering: webhook %+v", hook)
	}
}

func TestQueuedEventsSurviveARestart(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rc := newReceiver(t)
	// The first process's receiver hangs until the process stops.
	hang := make(chan struct{})
	arrived := make(chan struct{}, 100)
	var stopped atomic.Bool
	rc.setAnswer(func(e webhook.Event, n int) int {
		if !stopped.Load() {
			arrived <- struct{}{}
			<-hang
			return 499 // the first worker gave up on it: not an acknowledgement
		}
		return http.StatusOK
	})
	b.hook(t, entA, rc.srv.URL)
	for _, id := range []string{"d_1", "d_2"} {
		b.declare(t, id, entA)
		for _, st := range lifecycle {
			b.change(t, id, st)
		}
	}

	ctx, stop := context.WithCancel(context.Background())
	first := b.worker(t, webhook.Config{Concurrency: 1})
	done := make(chan struct{})
	go func() { first.Run(ctx); close(done) }()
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the first worker sent nothing")
	}
	stop() // the gateway stops with the first event in flight and the rest queued
	<-done
	stopped.Store(true)
	close(hang)
	var pending int
	if err := b.db.Get(&pending, `SELECT count(*) FROM webhook_event WHERE state = 'pending' AND attempts = 0`); err != nil {
		t.Fatal(err)
	}
	if pending != 10 {
		t.Fatalf("after the stop: %d events pending untried, want all 10 (the one in flight handed back)", pending)
	}

	// A new process (a new worker on the same database) delivers them all.
	second := b.worker(t, webhook.Config{})
	drain(t, second)
	want := "accepted,delivered,inspection_required,under_inspection,released"
	for _, id := range []string{"d_1", "d_2"} {
		if got := strings.Join(rc.delivered()[id], ","); got != want {
			t.Errorf("%s after restart: %s, want %s", id, got, want)
		}
	}
}

func TestEventOfACrashedWorkerIsSentAgainWhenItsLeaseEnds(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rc := newReceiver(t)
	b.hook(t, entA, rc.srv.URL)
	b.declare(t, "d_1", entA)
	b.change(t, "d_1", "delivered")
	// A worker claims the first event and dies without a word.
	const lease = 2 * time.Second
	beforeClaim := time.Now()
	claimed, err := b.db.ClaimWebhookEvents(b.ctx, 10, lease)
	if err != nil || len(claimed) != 1 || claimed[0].Status != "accepted" {
		t.Fatalf("claim: %+v, %v (only the first event of a declaration may be claimed)", claimed, err)
	}
	w := b.worker(t, webhook.Config{})
	n, err := w.RunOnce(b.ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Measured from before the claim: if this machine stalled past the
	// lease, a claim here is right and proves nothing either way.
	if n != 0 && time.Since(beforeClaim) < lease {
		t.Fatalf("claimed %d events while the first is leased", n)
	}
	if n == 0 {
		// The lease ends (moved into the past rather than waited for: no
		// test clock races the database's).
		if _, err := b.db.Exec(`UPDATE webhook_event SET locked_until = now() - interval '1 second' WHERE id = $1`, claimed[0].ID); err != nil {
			t.Fatal(err)
		}
		if _, err := b.db.Exec(`UPDATE webhook SET busy_until = now() - interval '1 second' WHERE id = $1`, claimed[0].WebhookID); err != nil {
			t.Fatal(err)
		}
	}
	drain(t, w)
	if got := strings.Join(rc.delivered()["d_1"], ","); got != "accepted,delivered" {
		t.Errorf("delivered %s", got)
	}
	// The dead worker's late answer changes nothing.
	if err := b.db.CompleteWebhookEvent(b.ctx, claimed[0].ID, claimed[0].Lease); err != nil {
		t.Fatal(err)
	}
	evs, _ := b.db.WebhookEvents(b.ctx, claimed[0].WebhookID)
	if len(evs) != 2 || evs[0].Attempts != 2 || evs[0].State != postgres.EventDelivered {
		t.Errorf("events %+v: want the first sent twice (the dead claim and the real one)", evs)
	}
}

func TestFailingReceiverIsSuspendedAndResumedInOrder(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rc := newReceiver(t)
	var down atomic.Bool
	down.Store(true)
	rc.setAnswer(func(webhook.Event, int) int {
		if down.Load() {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	wh := b.hook(t, entA, rc.srv.URL)
	b.declare(t, "d_1", entA)
	b.change(t, "d_1", "delivered")
	w := b.worker(t, webhook.Config{BackoffBase: time.Millisecond, BackoffMax: 2 * time.Millisecond, SuspendAfter: 3})
	deadline := time.Now().Add(10 * time.Second)
	for {
		drain(t, w)
		h, err := b.db.Webhook(b.ctx, wh, "")
		if err != nil {
			t.Fatal(err)
		}
		if h.State == customs.WebhookSuspended {
			if h.Failures != 3 || h.LastError != "status 500" || h.SuspendedAt.IsZero() {
				t.Errorf("suspended webhook %+v", h)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not suspended: %+v", h)
		}
		time.Sleep(3 * time.Millisecond)
	}
	attempts := len(rc.got)
	// Suspended: no more attempts, but changes are still queued for it.
	b.change(t, "d_1", "released")
	drain(t, w)
	if len(rc.got) != attempts {
		t.Errorf("a suspended webhook was called: %d attempts, was %d", len(rc.got), attempts)
	}
	ops, err := b.db.WebhooksByState(b.ctx, customs.WebhookSuspended)
	if err != nil || len(ops) != 1 || ops[0].ID != wh || ops[0].Pending != 3 {
		t.Fatalf("operator view: %+v, %v (want the webhook with 3 events waiting)", ops, err)
	}

	down.Store(false)
	if _, err := b.db.ResumeWebhook(b.ctx, wh, entB); customs.ErrorCodeOf(err) != customs.CodeNotFound {
		t.Errorf("another enterprise resumed it: %v", err)
	}
	if _, err := b.db.ResumeWebhook(b.ctx, wh, entA); err != nil {
		t.Fatal(err)
	}
	drain(t, w)
	if got := strings.Join(rc.delivered()["d_1"], ","); got != "accepted,delivered,released" {
		t.Errorf("after resume: %s", got)
	}
	rc.checkOrder(t)
}

func TestDeletedWebhookGetsNothingMore(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rc := newReceiver(t)
	wh := b.hook(t, entA, rc.srv.URL)
	b.declare(t, "d_1", entA)
	if err := b.db.DeleteWebhook(b.ctx, wh, entB); customs.ErrorCodeOf(err) != customs.CodeNotFound {
		t.Fatalf("another enterprise deleted it: %v", err)
	}
	if err := b.db.DeleteWebhook(b.ctx, wh, entA); err != nil {
		t.Fatal(err)
	}
	b.change(t, "d_1", "delivered")
	drain(t, b.worker(t, webhook.Config{}))
	if len(rc.got) != 0 {
		t.Errorf("a deleted webhook got %d requests", len(rc.got))
	}
	evs, _ := b.db.WebhookEvents(b.ctx, wh)
	if len(evs) != 1 || evs[0].State != postgres.EventDiscarded {
		t.Errorf("events %+v: want the one queued before the delete, discarded", evs)
	}
}

func TestRedirectIsAFailure(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rc := newReceiver(t)
	redirect := httptest.NewServer(http.RedirectHandler(rc.srv.URL, http.StatusTemporaryRedirect))
	t.Cleanup(redirect.Close)
	wh := b.hook(t, entA, redirect.URL)
	b.declare(t, "d_1", entA)
	drain(t, b.worker(t, webhook.Config{}))
	if len(rc.got) != 0 {
		t.Errorf("the signed body followed a redirect")
	}
	h, _ := b.db.Webhook(b.ctx, wh, "")
	if h.Failures != 1 {
		t.Errorf("webhook %+v: want one failure", h)
	}
}

// A receiver's reason phrase is whatever bytes it sends: one in GBK (not
// UTF-8) once made the failure unrecordable (PostgreSQL refuses invalid
// UTF-8 in text), so the attempt was never counted, the webhook never
// backed off nor was suspended, and the event was sent again at every
// lease forever.
func TestFailureWithANonUTF8ReasonIsRecorded(t *testing.T) {
	t.Parallel()
	b := setup(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		// "服务器错误" in GBK, and a NUL, which PostgreSQL text refuses too.
		buf.WriteString("HTTP/1.1 500 \xb7\xfe\xce\xf1\xc6\xf7\xb4\xed\xce\xf3\x00\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
		buf.Flush()
	}))
	t.Cleanup(srv.Close)
	wh := b.hook(t, entA, srv.URL)
	b.declare(t, "d_1", entA)
	drain(t, b.worker(t, webhook.Config{}))
	h, err := b.db.Webhook(b.ctx, wh, "")
	if err != nil {
		t.Fatal(err)
	}
	if h.Failures != 1 || h.LastError != "status 500" {
		t.Errorf("webhook %+v: want one failure, recorded with its status", h)
	}
}
