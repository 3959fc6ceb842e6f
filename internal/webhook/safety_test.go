package webhook_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/webhook"
)

// waitFor waits until cond holds, failing the test after limit: the limit
// only bounds a broken run, it is not what the test measures.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", limit, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// calls counts the requests a receiver got.
func (rc *receiver) calls() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got)
}

// hookState reads a webhook back.
func (b *bundle) hookState(t *testing.T, id string) *customs.Webhook {
	t.Helper()
	h, err := b.db.Webhook(b.ctx, id, "")
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// Ten webhooks point at a receiver that never answers; another
// enterprise's healthy receiver must still get its event, while every
// hanging call is still open, and no hanging webhook gets a second call
// (from this process or another) while its first is in flight.
func TestHangingReceiverDelaysOnlyItsOwnWebhook(t *testing.T) {
	t.Parallel()
	b := setup(t)
	release := make(chan struct{})
	var mu sync.Mutex
	calls := map[string]int{} // webhook -> calls received
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		calls[r.Header.Get("X-Webhook-Id")]++
		mu.Unlock()
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) }) // before hang.Close, which waits for its handlers
	healthy := newReceiver(t)

	const hanging = 10
	for i := 0; i < hanging; i++ {
		b.hook(t, entA, hang.URL+"/hook/"+strconv.Itoa(i))
	}
	// Two events waiting for each hanging webhook, all older than the
	// healthy receiver's event.
	b.declare(t, "d_a1", entA)
	b.declare(t, "d_a2", entA)
	b.hook(t, entB, healthy.srv.URL)
	b.declare(t, "d_b", entB)

	// Calls may take a minute: the hanging ones stay open all through the
	// test, so anything that waits for them waits past its end.
	w := b.worker(t, webhook.Config{Timeout: time.Minute, RetryMax: -1})
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	t.Cleanup(func() { stop(); <-done })

	waitFor(t, 30*time.Second, "the healthy receiver got nothing while the others hang", func() bool {
		return len(healthy.delivered()["d_b"]) == 1
	})
	waitFor(t, 30*time.Second, "not every hanging webhook was called", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(calls) == hanging
	})
	select {
	case <-release:
		t.Fatal("released too early")
	default: // every hanging call is still open
	}
	// Another process finds nothing to take: each hanging webhook has its
	// one call in flight.
	if n, err := b.worker(t, webhook.Config{Timeout: time.Minute, RetryMax: -1}).RunOnce(ctx); n != 0 || err != nil {
		t.Errorf("a second worker claimed %d events (%v) while every webhook was busy", n, err)
	}
	mu.Lock()
	defer mu.Unlock()
	for id, n := range calls {
		if n != 1 {
			t.Errorf("webhook %s: %d calls at once, want one", id, n)
		}
	}
	if got := healthy.delivered()["d_b"]; strings.Join(got, ",") != "accepted" {
		t.Errorf("healthy receiver: %v", got)
	}
}

// A name that resolved outside when the webhook was registered and
// resolves inside later (DNS rebinding) is not called: the attempt fails
// as forbidden_target. With the rule lifted the same name reaches the
// receiver, so it was the rule that kept the call in.
func TestNameThatResolvesInsideLaterIsNotCalled(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rc := newReceiver(t)
	port := rc.srv.Listener.Addr().(*net.TCPAddr).Port
	dns := newResolver("hooks.example.com", "93.184.216.34")
	targets := webhook.Targets{AllowHTTP: true, Resolver: dns}
	reg := webhook.NewRegistry(b.db, webhook.RegistryConfig{Targets: targets})
	hook, err := reg.Register(b.ctx, entA, fmt.Sprintf("http://hooks.example.com:%d/hook", port), secret)
	if err != nil {
		t.Fatalf("register while the name is outside: %v", err)
	}
	dns.set("hooks.example.com", "127.0.0.1")
	b.declare(t, "d_1", entA)

	drain(t, b.worker(t, webhook.Config{Targets: targets}))
	if n := rc.calls(); n != 0 {
		t.Fatalf("the receiver inside was called %d times", n)
	}
	if h := b.hookState(t, hook.ID); h.Failures != 1 || h.LastError != "forbidden_target" {
		t.Errorf("webhook %+v: want one failure, forbidden_target", h)
	}

	// Out of its backoff, with the rule lifted.
	if _, err := reg.Resume(b.ctx, hook.ID, entA); err != nil {
		t.Fatal(err)
	}
	lifted := targets
	lifted.AllowPrivate = true
	drain(t, b.worker(t, webhook.Config{Targets: lifted}))
	if got := rc.delivered()["d_1"]; len(got) != 1 {
		t.Errorf("with the rule lifted the receiver got %v", got)
	}
}

// A webhook stored with an inner address (registered while the rule was
// lifted) is not called once the rule holds: the check is at every call,
// not only at registration.
func TestInnerAddressIsRefusedAtEachCall(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rc := newReceiver(t)
	id := b.hook(t, entA, rc.srv.URL) // http://127.0.0.1:port
	b.declare(t, "d_1", entA)
	drain(t, b.worker(t, webhook.Config{Targets: webhook.Targets{AllowHTTP: true}}))
	if rc.calls() != 0 {
		t.Fatalf("%s was called", rc.srv.URL)
	}
	if h := b.hookState(t, id); h.Failures != 1 || h.LastError != "forbidden_target" {
		t.Errorf("webhook %+v: want one failure, forbidden_target", h)
	}
}

// Plain http is refused without WEBHOOK_ALLOW_HTTP: at registration
// (invalid_url at /url) and at the call, for one stored before.
func TestPlainHTTPNeedsTheSetting(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rc := newReceiver(t)
	noHTTP := webhook.Targets{AllowPrivate: true}
	reg := webhook.NewRegistry(b.db, webhook.RegistryConfig{Targets: noHTTP})
	_, err := reg.Register(b.ctx, entA, rc.srv.URL, secret)
	ps := customs.ProblemsOf(err)
	if customs.ErrorCodeOf(err) != customs.CodeInvalid || len(ps) != 1 || ps[0].Path != "/url" || ps[0].Code != webhook.ProblemInvalidURL {
		t.Errorf("register %s: %v, want invalid_url at /url", rc.srv.URL, err)
	}
	if hs, _ := b.db.Webhooks(b.ctx, entA); len(hs) != 0 {
		t.Errorf("stored anyway: %+v", hs)
	}
	withHTTP := webhook.NewRegistry(b.db, webhook.RegistryConfig{Targets: local})
	if _, err := withHTTP.Register(b.ctx, entA, rc.srv.URL, secret); err != nil {
		t.Fatalf("with WEBHOOK_ALLOW_HTTP: %v", err)
	}

	id := b.hook(t, entB, rc.srv.URL)
	b.declare(t, "d_1", entB)
	drain(t, b.worker(t, webhook.Config{Targets: noHTTP}))
	if rc.calls() != 0 {
		t.Fatalf("plain http was called without the setting")
	}
	if h := b.hookState(t, id); h.LastError != "forbidden_target" {
		t.Errorf("webhook %+v: want forbidden_target", h)
	}
}

// Registration refuses inner targets with 422 forbidden_target at /url,
// every problem of the request at once, and stores nothing.
func TestRegistrationRefusesInnerTargets(t *testing.T) {
	t.Parallel()
	b := setup(t)
	dns := newResolver("erp.example.com", "93.184.216.34", "lo.example.com", "127.0.0.1")
	reg := webhook.NewRegistry(b.db, webhook.RegistryConfig{Targets: webhook.Targets{Resolver: dns}})
	for _, u := range []string{
		"https://127.0.0.1/v1/admin/keys",
		"https://169.254.169.254/latest/meta-data/",
		"https://[::1]/hook",
		"https://lo.example.com/hook",
	} {
		_, err := reg.Register(b.ctx, entA, u, "short")
		ps := customs.ProblemsOf(err)
		if customs.ErrorCodeOf(err) != customs.CodeInvalid || len(ps) != 2 ||
			ps[0].Path != "/url" || ps[0].Code != webhook.ProblemForbiddenTarget || ps[1].Path != "/secret" {
			t.Errorf("register %s: %v, want forbidden_target at /url and the secret's problem", u, err)
		}
	}
	// localhost through the machine's own resolver.
	sys := webhook.NewRegistry(b.db, webhook.RegistryConfig{})
	if _, err := sys.Register(b.ctx, entA, "https://localhost:6379/", secret); customs.ProblemsOf(err) == nil ||
		customs.ProblemsOf(err)[0].Code != webhook.ProblemForbiddenTarget {
		t.Errorf("register localhost: %v, want forbidden_target", err)
	}
	// Bytes PostgreSQL text cannot hold are the caller's problem, not a 500.
	for _, bad := range [][2]string{{"https://erp.example.com/\x00", secret}, {"https://erp.example.com/hook", secret + "\x00"}} {
		if _, err := reg.Register(b.ctx, entA, bad[0], bad[1]); customs.ErrorCodeOf(err) != customs.CodeInvalid {
			t.Errorf("register %q, %q: %v, want invalid", bad[0], bad[1], err)
		}
	}
	if hs, _ := b.db.Webhooks(b.ctx, entA); len(hs) != 0 {
		t.Errorf("stored: %+v", hs)
	}
	if h, err := reg.Register(b.ctx, entA, "https://erp.example.com/hook", secret); err != nil || h.State != customs.WebhookActive {
		t.Errorf("a public target: %+v, %v", h, err)
	}
}

// Each call carries the time of its attempt and a signature over it; a
// quick retry is stamped and signed again.
func TestCallIsStampedAndSignedWithItsTime(t *testing.T) {
	t.Parallel()
	b := setup(t)
	type call struct {
		ts, sig string
		body    []byte
	}
	var mu sync.Mutex
	var calls []call
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		calls = append(calls, call{r.Header.Get(webhook.TimestampHeader), r.Header.Get(webhook.SignatureHeader), body})
		n := len(calls)
		mu.Unlock()
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable) // a quick retry follows
		}
	}))
	t.Cleanup(srv.Close)
	id := b.hook(t, entA, srv.URL)
	b.declare(t, "d_1", entA)
	start := time.Unix(1_900_000_000, 0)
	var tick atomic.Int64
	clock := func() time.Time { return start.Add(time.Duration(tick.Add(1)) * time.Minute) }
	drain(t, b.worker(t, webhook.Config{NowFunc: clock, RetryMax: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond}))

	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 2 {
		t.Fatalf("%d calls, want the first and its quick retry", len(calls))
	}
	for i, c := range calls {
		ts, err := strconv.ParseInt(c.ts, 10, 64)
		if err != nil {
			t.Fatalf("call %d: timestamp %q", i, c.ts)
		}
		at := time.Unix(ts, 0)
		if err := webhook.Verify(secret, c.body, c.ts, c.sig, at); err != nil {
			t.Errorf("call %d at %s: %v", i, at, err)
		}
		if err := webhook.Verify(secret, c.body, c.ts, c.sig, at.Add(webhook.MaxAge+time.Second)); err != webhook.ErrStale {
			t.Errorf("call %d replayed later: %v, want ErrStale", i, err)
		}
	}
	if calls[0].ts == calls[1].ts || calls[0].sig == calls[1].sig {
		t.Errorf("the retry was not stamped again: %q and %q", calls[0].ts, calls[1].ts)
	}
	if h := b.hookState(t, id); !h.LastSuccessAt.After(time.Time{}) || h.Failures != 0 {
		t.Errorf("webhook %+v: want delivered", h)
	}
}

// lastError says what kind of failure it was, never the receiver's words:
// the list of one's webhooks must not become a port scanner.
func TestLastErrorIsAClass(t *testing.T) {
	t.Parallel()
	hijack := func(write string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			conn, buf, err := w.(http.Hijacker).Hijack()
			if err != nil {
				return
			}
			defer conn.Close()
			buf.WriteString(write)
			buf.Flush()
		}
	}
	closedPort := func(t *testing.T) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return "http://" + addr + "/hook"
	}
	for _, tt := range []struct {
		name    string
		url     func(t *testing.T) string
		cfg     webhook.Config
		want    string
		privacy string // text of the receiver's that must not show
	}{
		{name: "status", url: func(t *testing.T) string {
			s := httptest.NewServer(hijack("HTTP/1.1 503 redis at 10.0.0.5:6379 says NOAUTH\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
			t.Cleanup(s.Close)
			return s.URL
		}, want: "status 503", privacy: "NOAUTH"},
		{name: "status 401 of an inner admin API", url: func(t *testing.T) string {
			s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "Unauthorized: admin key required", http.StatusUnauthorized)
			}))
			t.Cleanup(s.Close)
			return s.URL
		}, want: "status 401", privacy: "Unauthorized"},
		{name: "refused", url: closedPort, want: "refused", privacy: "connect"},
		{name: "closed", url: func(t *testing.T) string {
			s := httptest.NewServer(hijack(""))
			t.Cleanup(s.Close)
			return s.URL
		}, want: "closed", privacy: "EOF"},
		{name: "timeout", url: func(t *testing.T) string {
			stop := make(chan struct{})
			s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-stop:
				case <-r.Context().Done():
				}
			}))
			t.Cleanup(s.Close)
			t.Cleanup(func() { close(stop) })
			return s.URL
		}, cfg: webhook.Config{Timeout: 50 * time.Millisecond}, want: "timeout", privacy: "Client.Timeout"},
		{name: "tls", url: func(t *testing.T) string {
			s := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			s.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
			s.StartTLS()
			t.Cleanup(s.Close)
			return s.URL // its certificate is signed by no root the worker trusts
		}, want: "tls", privacy: "x509"},
		{name: "dns", url: func(*testing.T) string { return "https://gone.example.com/hook" },
			cfg: webhook.Config{Targets: webhook.Targets{Resolver: newResolver()}}, want: "dns", privacy: "no such host"},
		{name: "forbidden_target", url: func(*testing.T) string { return "https://127.0.0.1:5432/" },
			cfg: webhook.Config{Targets: webhook.Targets{AllowHTTP: true}}, want: "forbidden_target", privacy: "5432"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			id := b.hook(t, entA, tt.url(t))
			b.declare(t, "d_1", entA)
			drain(t, b.worker(t, tt.cfg))
			h := b.hookState(t, id)
			if h.Failures != 1 || h.LastError != tt.want {
				t.Errorf("webhook: failures %d, lastError %q, want 1 and %q", h.Failures, h.LastError, tt.want)
			}
			evs, err := b.db.WebhookEvents(b.ctx, id)
			if err != nil || len(evs) != 1 || evs[0].LastError.String != tt.want {
				t.Errorf("event: %+v, %v", evs, err)
			}
			if strings.Contains(h.LastError, tt.privacy) {
				t.Errorf("lastError %q shows %q", h.LastError, tt.privacy)
			}
		})
	}
}

// When more receivers hang than the worker has room for calls, the ones
// that have been failing queue behind the healthy: a webhook whose last
// call failed does not take a turn before one whose last call went
// through, however old its events.
func TestFailingWebhooksQueueBehindHealthyOnes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	rc := newReceiver(t)
	var failing []string
	for i := 0; i < 3; i++ {
		failing = append(failing, b.hook(t, entA, rc.srv.URL+"/failing/"+strconv.Itoa(i)))
	}
	b.declare(t, "d_a", entA)
	healthy := b.hook(t, entB, rc.srv.URL+"/healthy")
	b.declare(t, "d_b", entB)
	// The three have failed before (and are out of their backoff).
	for _, id := range failing {
		if _, err := b.db.Exec(`UPDATE webhook SET failures = 1, last_error = 'timeout' WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
	}
	got, err := b.db.ClaimWebhookEvents(b.ctx, 1, time.Minute)
	if err != nil || len(got) != 1 || got[0].WebhookID != healthy {
		t.Fatalf("claimed %+v (%v), want the healthy webhook's event first", got, err)
	}
	more, err := b.db.ClaimWebhookEvents(b.ctx, 10, time.Minute)
	if err != nil || len(more) != 3 {
		t.Fatalf("then %d events (%v), want the three failing webhooks' one each", len(more), err)
	}
}

// Three workers (three gateway processes) share one queue: no webhook
// ever has two calls in flight, and every declaration's events arrive in
// order, each once acknowledged.
func TestOneCallInFlightPerWebhookAcrossWorkers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var mu sync.Mutex
	inFlight := map[string]int{}
	arrived := map[string][]int64{} // webhook -> event numbers in arrival order
	overlap := 0
	rc := newReceiver(t)
	wrapped := rc.srv.Config.Handler
	rc.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Webhook-Id")
		n, _ := strconv.ParseInt(strings.TrimPrefix(r.Header.Get(webhook.EventIDHeader), "ev_"), 10, 64)
		mu.Lock()
		inFlight[id]++
		if inFlight[id] > 1 {
			overlap++
		}
		arrived[id] = append(arrived[id], n)
		mu.Unlock()
		time.Sleep(2 * time.Millisecond) // widen the window a second call would need
		wrapped.ServeHTTP(w, r)
		mu.Lock()
		inFlight[id]--
		mu.Unlock()
	})
	const hooks = 4
	for i := 0; i < hooks; i++ {
		b.hook(t, entA, rc.srv.URL+"/"+strconv.Itoa(i))
	}
	decls := []string{"d_1", "d_2", "d_3"}
	for _, id := range decls {
		b.declare(t, id, entA)
		for _, st := range lifecycle {
			b.change(t, id, st)
		}
	}
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		w := b.worker(t, webhook.Config{PollInterval: 5 * time.Millisecond})
		wg.Add(1)
		go func() { defer wg.Done(); w.Run(ctx) }()
	}
	total := hooks * len(decls) * (1 + len(lifecycle))
	waitFor(t, 60*time.Second, "not every event was delivered", func() bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		return len(rc.got) >= total
	})
	stop()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if overlap != 0 {
		t.Errorf("%d calls started while the same webhook had one in flight", overlap)
	}
	if n := rc.calls(); n != total {
		t.Errorf("%d calls, want %d (each event once)", n, total)
	}
	// Every answer was 2xx, so each webhook's events arrive oldest first,
	// once each: in order per declaration, and per webhook altogether.
	for id, ns := range arrived {
		for i := 1; i < len(ns); i++ {
			if ns[i] <= ns[i-1] {
				t.Errorf("webhook %s: event ev_%d after ev_%d", id, ns[i], ns[i-1])
			}
		}
	}
}
