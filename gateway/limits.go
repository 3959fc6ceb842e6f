package gateway

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/semaphore"
	"golang.org/x/time/rate"

	"github.com/jjj/gateway/internal/customs"
)

// Limits are the HTTP layer's defences against what a caller may send
// (api.md "Hostile input"). The zero value is the contract's defaults,
// with no rate per key.
type Limits struct {
	// MaxConcurrentIntake is how many declarations are read and parsed at
	// once (submit and validate); zero means 2 × GOMAXPROCS.
	MaxConcurrentIntake int
	// IntakeWait is how long a declaration waits in line for a turn before
	// it is answered 503 busy; zero means 10 s.
	IntakeWait time.Duration
	// StoringBytes bounds the bodies of parsed declarations waiting for
	// the database (their turn to read and parse is over); zero means
	// 32 MiB.
	StoringBytes int64
	// KeyRateLimit is requests per second per key, burst twice that; zero
	// means no limit.
	KeyRateLimit float64
	// FailedSignIns is how many failed sign-ins (401 for a key given) one
	// client address may have in a minute before its sign-ins with keys not
	// already known good are answered 429; zero means 20.
	FailedSignIns int
}

// drainLimit is how much of an oversize body is read and thrown away
// before the 413, so that a client that sends the whole body before it
// reads (urllib, HttpURLConnection) reads its answer instead of a reset.
const drainLimit = 16 << 20

// guard holds the limits' state; made once by Handler.
type guard struct {
	lim    Limits
	intake chan struct{}
	// storing holds the bytes of the bodies parsed and waiting to be
	// stored (or their refusal recorded).
	storing *semaphore.Weighted
	// keys are the rate limiters of keys by key id, bounded: an evicted
	// key starts again with a full burst, which is harmless.
	keys *lru.Cache[string, *rate.Limiter]
	// failures counts failed sign-ins per client address in a fixed
	// one-minute window; bounded, so that a spray of addresses cannot grow
	// it (an evicted address starts its count again).
	mu       sync.Mutex
	failures *lru.Cache[string, *window]
	now      func() time.Time
}

type window struct {
	start time.Time
	n     int
}

func newGuard(lim Limits) *guard {
	if lim.MaxConcurrentIntake <= 0 {
		lim.MaxConcurrentIntake = 2 * runtime.GOMAXPROCS(0)
	}
	if lim.IntakeWait <= 0 {
		lim.IntakeWait = 10 * time.Second
	}
	if lim.StoringBytes <= 0 {
		lim.StoringBytes = 32 << 20
	}
	if lim.FailedSignIns <= 0 {
		lim.FailedSignIns = 20
	}
	keys, _ := lru.New[string, *rate.Limiter](10000)
	failures, _ := lru.New[string, *window](10000)
	return &guard{lim: lim, intake: make(chan struct{}, lim.MaxConcurrentIntake), storing: semaphore.NewWeighted(lim.StoringBytes),
		keys: keys, failures: failures, now: time.Now}
}

// intakeTurn waits for a turn to read and parse a declaration, so that
// memory holds whatever arrives at once: the others wait in line, and one
// that waits longer than IntakeWait is answered 503 busy with Retry-After.
// The turn covers reading the body too: a body read is memory held, and
// reading is bounded by HTTP_READ_TIMEOUT. The caller calls release.
func (g *guard) intakeTurn(w http.ResponseWriter, r *http.Request) (release func(), err error) {
	select {
	case g.intake <- struct{}{}:
		return func() { <-g.intake }, nil
	default:
	}
	t := time.NewTimer(g.lim.IntakeWait)
	defer t.Stop()
	select {
	case g.intake <- struct{}{}:
		return func() { <-g.intake }, nil
	case <-t.C:
		w.Header().Set("Retry-After", "5")
		return nil, &customs.Error{Code: customs.CodeBusy, Message: "the gateway is busy reading other declarations; send again later",
			Problems: []customs.Problem{{Code: string(customs.CodeBusy), Message: "waited " + g.lim.IntakeWait.String() + " for a turn to read the declaration"}}}
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
}

// storeTurn trades a declaration's turn to read and parse (release) for
// room among the declarations waiting for the database, weighed by the
// body it holds: MAX_CONCURRENT_INTAKE bounds reading and parsing
// (operations.md), and a parsed declaration waiting on a statement it
// shares with others needs no core. Memory stays bounded: a body is always
// under one bound or the other. When there is no room within IntakeWait
// it keeps its turn and goes on: the turns then hold the line.
func (g *guard) storeTurn(ctx context.Context, size int, release func()) (done func()) {
	n := min(max(int64(size), 1), g.lim.StoringBytes)
	wait, cancel := context.WithTimeout(ctx, g.lim.IntakeWait)
	defer cancel()
	if err := g.storing.Acquire(wait, n); err != nil {
		return release
	}
	release()
	return func() { g.storing.Release(n) }
}

// keyRate spends one request of the key's rate, or answers 429
// rate_limited with Retry-After; other keys are not touched.
func (g *guard) keyRate(w http.ResponseWriter, p *customs.Principal) error {
	if g.lim.KeyRateLimit <= 0 || p == nil {
		return nil
	}
	l, ok := g.keys.Get(p.KeyID)
	if !ok {
		l = rate.NewLimiter(rate.Limit(g.lim.KeyRateLimit), max(1, int(2*g.lim.KeyRateLimit)))
		if prev, found, _ := g.keys.PeekOrAdd(p.KeyID, l); found {
			l = prev
		}
	}
	if l.Allow() {
		return nil
	}
	wait := time.Duration(float64(time.Second) / g.lim.KeyRateLimit)
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int((wait+time.Second-1)/time.Second))))
	return &customs.Error{Code: customs.CodeRateLimited, Message: "this key is over its rate; send more slowly",
		Problems: []customs.Problem{{Code: string(customs.CodeRateLimited), Message: "more than " + strconv.FormatFloat(g.lim.KeyRateLimit, 'f', -1, 64) + " requests a second with this key"}}}
}

// signInBlocked tells whether addr has had its failed sign-ins this
// minute; it answers the Retry-After too.
func (g *guard) signInBlocked(addr string) (bool, time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	win, ok := g.failures.Get(addr)
	now := g.now()
	if !ok || now.Sub(win.start) >= time.Minute {
		return false, 0
	}
	return win.n >= g.lim.FailedSignIns, time.Minute - now.Sub(win.start)
}

func (g *guard) signInFailed(addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	win, ok := g.failures.Get(addr)
	if !ok || now.Sub(win.start) >= time.Minute {
		g.failures.Add(addr, &window{start: now, n: 1})
		return
	}
	win.n++
}

type addrKey struct{}

// clientAddr is the address the connection comes from. X-Forwarded-For is
// not read: the gateway cannot know which proxies to trust, and a header
// any client can set would let it pick its own bucket. Behind a proxy all
// callers share its address, which is why a blocked address still signs in
// with keys already known good (authenticate).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limitedKeys authenticates keys for the API and the tracking page with
// the failed-sign-in rule of the client address in ctx: over the limit, a
// key this process has not already found good is answered 429 without a
// lookup, so unknown keys cannot flood the database.
type limitedKeys struct{ s *Server }

func (k limitedKeys) Authenticate(ctx context.Context, key string) (*customs.Principal, error) {
	addr, _ := ctx.Value(addrKey{}).(string)
	g := k.s.guard
	if blocked, after := g.signInBlocked(addr); blocked && !k.s.Keys.KnownGood(key) {
		return nil, &rateLimited{after: after}
	}
	p, err := k.s.Keys.Authenticate(ctx, key)
	if customs.ErrorCodeOf(err) == customs.CodeUnauthorized {
		g.signInFailed(addr)
	}
	return p, err
}

// rateLimited is a 429 that knows its Retry-After.
type rateLimited struct{ after time.Duration }

func (e *rateLimited) Error() string { return "rate_limited: too many failed sign-ins" }
func (e *rateLimited) Unwrap() error {
	return &customs.Error{Code: customs.CodeRateLimited, Message: "too many failed sign-ins from this address; wait a minute",
		Problems: []customs.Problem{{Code: string(customs.CodeRateLimited), Message: "more than 20 failed sign-ins a minute from this address"}}}
}

// retryAfter sets Retry-After for an error that knows it.
func retryAfter(w http.ResponseWriter, err error) {
	var rl *rateLimited
	if errors.As(err, &rl) {
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int((rl.after+time.Second-1)/time.Second))))
	}
}

// checkBytes answers what no handler should see: a path with a NUL or
// bytes that are not UTF-8 names nothing (404 not_found); such a query
// parameter, or a query that does not parse, is 400 bad_request. It also
// puts the client address in the context for the sign-in rule.
func (s *Server) checkBytes(next http.Handler) http.Handler {
	bad := s.accessLog(s.open(func(w http.ResponseWriter, r *http.Request) error {
		if !cleanText(r.URL.Path) {
			return customs.Errorf(customs.CodeNotFound, "no such resource: the path holds a NUL or bytes that are not UTF-8")
		}
		return &customs.Error{Code: customs.CodeBadRequest, Message: "the query holds a NUL, bytes that are not UTF-8 or a bad escape",
			Problems: []customs.Problem{{Code: string(customs.CodeBadRequest), Message: "query parameters must be UTF-8 text without NUL"}}}
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !cleanText(r.URL.Path) || !cleanQuery(r.URL.RawQuery) {
			bad.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), addrKey{}, clientAddr(r))))
	})
}

func cleanText(s string) bool { return utf8.ValidString(s) && !strings.Contains(s, "\x00") }

func cleanQuery(raw string) bool {
	if raw == "" {
		return true
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		return false
	}
	for k, vs := range q {
		if !cleanText(k) {
			return false
		}
		for _, v := range vs {
			if !cleanText(v) {
				return false
			}
		}
	}
	return true
}

// drainOversize reads and discards up to drainLimit of what is left of an
// oversize body and asks for the connection to be closed: the 413 is then
// read by a client that sends everything first, and the rest of a body
// larger still is not waited for.
func drainOversize(w http.ResponseWriter, r *http.Request) {
	io.CopyN(io.Discard, r.Body, drainLimit)
	w.Header().Set("Connection", "close")
}

// cleanJSON checks a JSON body's bytes before it is decoded: UTF-8 (the
// decoder would quietly turn bad bytes into U+FFFD) and no NUL, which a
// string can hold as \u0000 and which PostgreSQL's text cannot.
func cleanJSON(b []byte) error {
	if !utf8.Valid(b) {
		return &customs.Error{Code: customs.CodeBadRequest, Message: "the body is not UTF-8",
			Problems: []customs.Problem{{Code: "invalid_json", Message: "the body holds bytes that are not UTF-8"}}}
	}
	for i := 0; i+5 < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		// An escaped backslash is not the start of an escape.
		if b[i+1] == '\\' {
			i++
			continue
		}
		if b[i+1] == 'u' && string(b[i+2:i+6]) == "0000" {
			return &customs.Error{Code: customs.CodeBadRequest, Message: "a string of the body holds a NUL",
				Problems: []customs.Problem{{Code: "invalid_json", Message: "strings must not hold \\u0000"}}}
		}
	}
	return nil
}
