package reviewcentre

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sony/gobreaker/v2"
)

const goodEntry = "020220261000012345"

func receipt(status, entry string, reasons ...string) string {
	return string(MarshalReceipt(Receipt{DeclarationID: "d_1", EntryID: entry, Status: status, Reasons: reasons}))
}

func response(method string, status int, body string, header http.Header) *http.Response {
	if header == nil {
		header = http.Header{}
	}
	req, _ := http.NewRequest(method, "http://rc.example/declarations", nil)
	return &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(strings.NewReader(body)), Request: req}
}

// TestClassify is the table of every outcome partners.md names and the
// ones it does not.
func TestClassify(t *testing.T) {
	t.Parallel()
	type want int
	const (
		accepted want = iota
		rejected
		transient
		canceled
	)
	tests := []struct {
		name       string
		method     string
		status     int
		body       string
		header     http.Header
		err        error
		want       want
		entry      string
		reasons    []string
		retryAfter time.Duration
	}{
		{name: "201 with receipt", status: 201, body: receipt("accepted", goodEntry), want: accepted, entry: goodEntry},
		{name: "200 with receipt", status: 200, body: receipt("accepted", goodEntry), want: accepted, entry: goodEntry},
		{name: "409 with receipt is accepted", status: 409, body: receipt("accepted", goodEntry), want: accepted, entry: goodEntry},
		{name: "201 without entry id", status: 201, body: receipt("accepted", ""), want: transient},
		{name: "201 with short entry id", status: 201, body: receipt("accepted", "12345"), want: transient},
		{name: "201 entry id with bad direction digit", status: 201, body: receipt("accepted", "020220262000012345"), want: transient},
		{name: "201 garbage", status: 201, body: "<Receipt xmlns=\"urn:jjj:review-centre:receipt:v1\"><Declar", want: transient},
		{name: "200 empty body", status: 200, body: "", want: transient},
		{name: "200 html", status: 200, body: "<html><body>ok</body></html>", want: transient},
		{name: "200 receipt in wrong namespace", status: 200, body: `<Receipt><DeclarationId>d_1</DeclarationId><EntryId>` + goodEntry + `</EntryId><Status>accepted</Status></Receipt>`, want: transient},
		{name: "201 saying refused", status: 201, body: receipt("refused", ""), want: transient},
		{name: "400 with reasons", status: 400, body: receipt("refused", "", "missing Goods", "bad HS code"), want: rejected, reasons: []string{"missing Goods", "bad HS code"}},
		{name: "422 with reason", status: 422, body: receipt("refused", "", "does not validate"), want: rejected, reasons: []string{"does not validate"}},
		{name: "422 without receipt keeps the body", status: 422, body: "schema says no", want: rejected, reasons: []string{"schema says no"}},
		// The reason is stored as PostgreSQL text, which refuses invalid
		// UTF-8 and NUL: an unrecordable refusal was sent again at every
		// lease, for ever.
		{name: "422 body in GBK keeps valid text", status: 422, body: "\xb2\xbb\x00 no", want: rejected, reasons: []string{"\uFFFD no"}},
		{name: "422 long body is cut between runes", status: 422, body: strings.Repeat("a", 499) + "拒绝", want: rejected, reasons: []string{strings.Repeat("a", 499) + "…"}},
		{name: "404 on a route amendment is a refusal", method: http.MethodPut, status: 404, body: receipt("refused", "", "unknown declaration d_1"), want: rejected, reasons: []string{"unknown declaration d_1"}},
		{name: "404 on a route amendment without body", method: http.MethodPut, status: 404, body: "", want: rejected, reasons: []string{"the review centre does not know the declaration"}},
		{name: "route amendment 200 without entry id", method: http.MethodPut, status: 200, body: receipt("accepted", ""), want: accepted},
		{name: "404 on a declaration is transient (wrong URL)", status: 404, body: "not found", want: transient},
		{name: "429 with Retry-After seconds", status: 429, header: http.Header{"Retry-After": {"7"}}, want: transient, retryAfter: 7 * time.Second},
		{name: "429 without Retry-After", status: 429, want: transient},
		{name: "503 with Retry-After date", status: 503, header: http.Header{"Retry-After": {time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}}, want: transient, retryAfter: time.Hour},
		{name: "500", status: 500, body: "boom", want: transient},
		{name: "502", status: 502, want: transient},
		{name: "401 is transient (a key to fix)", status: 401, want: transient},
		{name: "timeout", err: &net.OpError{Op: "read", Err: timeoutErr{}}, want: transient},
		{name: "connection reset", err: &net.OpError{Op: "read", Err: syscall.ECONNRESET}, want: transient},
		{name: "connection refused", err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, want: transient},
		{name: "canceled", err: context.Canceled, want: canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var resp *http.Response
			if tt.err == nil {
				m := tt.method
				if m == "" {
					m = http.MethodPost
				}
				resp = response(m, tt.status, tt.body, tt.header)
			}
			ack, err := classify(resp, tt.err)
			switch tt.want {
			case accepted:
				if err != nil {
					t.Fatalf("classify = %v, want accepted", err)
				}
				if ack.EntryID != tt.entry || ack.Status != tt.status {
					t.Errorf("ack = %+v, want entry %q status %d", ack, tt.entry, tt.status)
				}
			case rejected:
				var rej *RejectedError
				if !errors.Is(err, ErrRejected) || !errors.As(err, &rej) {
					t.Fatalf("classify = %v, want ErrRejected", err)
				}
				if IsTransient(err) {
					t.Error("a refusal is transient")
				}
				if strings.Join(rej.Reasons, "|") != strings.Join(tt.reasons, "|") {
					t.Errorf("reasons = %q, want %q", rej.Reasons, tt.reasons)
				}
			case transient:
				if !IsTransient(err) || errors.Is(err, ErrRejected) {
					t.Fatalf("classify = %v, %v; want transient", ack, err)
				}
				want, slack := tt.retryAfter, 2*time.Second
				if at, perr := http.ParseTime(tt.header.Get("Retry-After")); perr == nil {
					// A date: the wait is until then, whenever this runs
					// (the table was built earlier, on a busy machine
					// seconds earlier).
					want, slack = time.Until(at), time.Second
				}
				if got := RetryAfter(err); got < want-slack || got > want+slack {
					t.Errorf("RetryAfter = %s, want %s", got, want)
				}
			case canceled:
				if !errors.Is(err, context.Canceled) || IsTransient(err) {
					t.Fatalf("classify = %v, want context.Canceled as is", err)
				}
			}
		})
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		in   string
		want time.Duration
	}{
		{"", 0}, {"0", 0}, {"3", 3 * time.Second}, {"-1", 0}, {"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	} {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestValidEntryID(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		goodEntry: true, "040820260000000001": true, "02022026200001234a": false,
		"0202202610000123456": false, "020220262000012345": false, "": false,
	} {
		if got := ValidEntryID(s); got != want {
			t.Errorf("ValidEntryID(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestClientSend checks the request the review centre gets and the
// client's own small retry.
func TestClientSend(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/declarations":
			if r.Header.Get("Idempotency-Key") != "d_1" || r.Header.Get("Content-Type") != "application/xml" || string(body) != "<Declaration/>" {
				t.Errorf("request: key %q type %q body %q", r.Header.Get("Idempotency-Key"), r.Header.Get("Content-Type"), body)
			}
			if n == 1 { // the client's own retry covers one 503
				w.WriteHeader(503)
				return
			}
			w.WriteHeader(201)
			io.WriteString(w, receipt("accepted", goodEntry))
		case r.Method == http.MethodPut && r.URL.Path == "/declarations/d_1/route":
			if r.Header.Get("Idempotency-Key") != "d_1:route:1" {
				t.Errorf("route key %q", r.Header.Get("Idempotency-Key"))
			}
			w.WriteHeader(404)
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
		}
	}))
	defer srv.Close()
	c, err := New(Config{URL: srv.URL + "/", RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := c.Send(context.Background(), Message{Kind: KindDeclaration, DeclarationID: "d_1", Key: "d_1", Body: []byte("<Declaration/>")})
	if err != nil || ack.EntryID != goodEntry {
		t.Fatalf("Send = %+v, %v", ack, err)
	}
	if calls.Load() != 2 {
		t.Errorf("%d calls, want 2 (one retry)", calls.Load())
	}
	_, err = c.Send(context.Background(), Message{Kind: KindRoute, DeclarationID: "d_1", Key: "d_1:route:1", Body: []byte("<Route/>")})
	if !errors.Is(err, ErrRejected) {
		t.Fatalf("route Send = %v, want ErrRejected", err)
	}
}

// TestClientRetryWaitIsBounded: a 503 asking for an hour's pause is
// retried within RetryWaitMax and its Retry-After handed to the outbox;
// the client once slept the whole hour inside Send, past the message's
// lease (so it was sent again meanwhile) and holding up a graceful stop,
// as MaxDuration promised it would not.
func TestClientRetryWaitIsBounded(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c, err := New(Config{URL: srv.URL, RetryMax: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// The deadline only stops a regression from hanging the test.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = c.Send(ctx, Message{Kind: KindDeclaration, DeclarationID: "d_1", Key: "d_1", Body: []byte("x")})
	if !IsTransient(err) || RetryAfter(err) != time.Hour {
		t.Fatalf("Send = %v (Retry-After %s), want transient with Retry-After 1h", err, RetryAfter(err))
	}
	if calls.Load() != 2 {
		t.Errorf("%d calls, want 2 (one quick retry)", calls.Load())
	}
}

// TestBreaker: transient failures open the breaker, which then refuses
// without sending; refusals never open it; it half-opens and closes on a
// good answer.
func TestBreaker(t *testing.T) {
	t.Parallel()
	var mode atomic.Int32 // 0 fail, 1 refuse, 2 accept
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		switch mode.Load() {
		case 0:
			w.WriteHeader(500)
		case 1:
			w.WriteHeader(422)
			io.WriteString(w, receipt("refused", "", "no"))
		default:
			w.WriteHeader(201)
			io.WriteString(w, receipt("accepted", goodEntry))
		}
	}))
	defer srv.Close()
	c, err := New(Config{URL: srv.URL, RetryMax: -1, BreakerFailures: 3, BreakerTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	m := Message{Kind: KindDeclaration, DeclarationID: "d_1", Key: "d_1", Body: []byte("x")}
	ctx := context.Background()

	mode.Store(1)
	for range 10 {
		if _, err := c.Send(ctx, m); !errors.Is(err, ErrRejected) {
			t.Fatalf("Send = %v, want ErrRejected", err)
		}
	}
	if c.BreakerState() != gobreaker.StateClosed {
		t.Fatalf("refusals opened the breaker")
	}
	mode.Store(0)
	for range 3 {
		c.Send(ctx, m)
	}
	if c.BreakerState() != gobreaker.StateOpen {
		t.Fatalf("breaker %s after 3 failures, want open", c.BreakerState())
	}
	before := calls.Load()
	_, err = c.Send(ctx, m)
	if !IsBreakerOpen(err) || !IsTransient(err) {
		t.Fatalf("Send with open breaker = %v", err)
	}
	if calls.Load() != before {
		t.Error("an open breaker sent a request")
	}
	// Our own cancellation does not count against the remote.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	// Wait for the breaker to let a probe through (its timeout is 100 ms),
	// on the state itself rather than a sleep a slow machine outruns.
	for deadline := time.Now().Add(10 * time.Second); c.BreakerState() != gobreaker.StateHalfOpen; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("breaker %s 10 s after opening with a 100 ms timeout, want half-open", c.BreakerState())
		}
	}
	c.Send(cctx, m)
	mode.Store(2)
	if ack, err := c.Send(ctx, m); err != nil || ack.EntryID != goodEntry {
		t.Fatalf("probe = %v, %v", ack, err)
	}
	if c.BreakerState() != gobreaker.StateClosed {
		t.Errorf("breaker %s after a good probe, want closed", c.BreakerState())
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{{}, {URL: "ftp://x"}, {URL: "http://x", RetryMax: 3}, {URL: "http://x", RetryWaitMin: time.Second, RetryWaitMax: time.Millisecond}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) = nil error", cfg)
		}
	}
	c, err := New(Config{URL: "http://x"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.MaxDuration(); got != 2*10*time.Second+500*time.Millisecond {
		t.Errorf("MaxDuration = %s", got)
	}
}

// TestClientReusesConnections: concurrent sends share a few kept-alive
// connections (the outbox sends 16 at once): a new connection, and on
// HTTPS a handshake, per message would cost more than the message.
func TestClientReusesConnections(t *testing.T) {
	t.Parallel()
	const senders, perSender = 16, 20
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, receipt("accepted", goodEntry))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	c, err := New(Config{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, senders)
	for i := range senders {
		go func() {
			for j := range perSender {
				key := "d_" + string(rune('a'+i)) + strings.Repeat("x", j)
				if _, err := c.Send(context.Background(), Message{Kind: KindDeclaration, DeclarationID: key, Key: key, Body: []byte("<x/>")}); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range senders {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	// A few more than senders: a request that dialled may find another
	// connection idle first, and the dialled one is kept.
	if n := conns.Load(); n > 2*senders {
		t.Errorf("%d connections for %d sends by %d senders, want at most %d", n, senders*perSender, senders, 2*senders)
	}
}
