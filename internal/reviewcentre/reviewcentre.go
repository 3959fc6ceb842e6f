// Package reviewcentre is the gateway's client of the unified review centre
// (partners.md): it POSTs canonical declarations and PUTs route amendments,
// each with its Idempotency-Key, and turns every answer into one of three
// outcomes, decided once, in classify:
//
//   - accepted: 201, 200 or 409 with a parsable receipt; the Ack carries
//     the entry id;
//   - ErrRejected: 400 or 422 (and 404 for a route amendment), refused for
//     good, with the receipt's reasons;
//   - transient: 429, 5xx, timeouts, resets, an unparsable receipt, and any
//     status partners.md does not name (a misconfigured URL or proxy must
//     not kill deliveries: the outbox keeps them until it is fixed).
//
// Requests go through go-retryablehttp with a small RetryMax inside a
// gobreaker circuit breaker. The outbox is the durable retry loop; the
// client's own retries only smooth over a dropped connection, because two
// retry layers multiply. A refusal is a healthy remote saying no, so it is
// a success to the breaker.
package reviewcentre

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/xml"
	"errors"
	"fmt"
	"github.com/jjj/gateway/internal/customs"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/sony/gobreaker/v2"
)

// Kind is what a message carries.
type Kind string

const (
	// KindDeclaration is a canonical declaration, POSTed to /declarations.
	KindDeclaration Kind = "declaration"
	// KindRoute is a route amendment, PUT to /declarations/{id}/route.
	KindRoute Kind = "route"
)

// Message is one message to the review centre.
type Message struct {
	Kind          Kind
	DeclarationID string
	// Key is the Idempotency-Key: the declaration id, or
	// "<declaration id>:route:<n>" for the n-th route amendment.
	Key  string
	Body []byte
}

// Ack is the review centre's acceptance.
type Ack struct {
	// Status is the HTTP status it answered (201, 200 or 409).
	Status int
	// EntryID is the 18-digit entry id; a route amendment's receipt may
	// leave it out.
	EntryID string
}

// ErrRejected is the review centre refusing a message for good. Errors
// that match it with errors.Is are *RejectedError with the reasons.
var ErrRejected = errors.New("refused by the review centre")

// RejectedError is a permanent refusal.
type RejectedError struct {
	Status  int
	Reasons []string
}

func (e *RejectedError) Error() string {
	if len(e.Reasons) == 0 {
		return fmt.Sprintf("refused by the review centre (HTTP %d)", e.Status)
	}
	return fmt.Sprintf("refused by the review centre (HTTP %d): %s", e.Status, strings.Join(e.Reasons, "; "))
}

// Is makes errors.Is(err, ErrRejected) true.
func (e *RejectedError) Is(target error) bool { return target == ErrRejected }

// TransientError is an outcome worth trying again later.
type TransientError struct {
	// Status is the HTTP status, 0 when there was no answer.
	Status int
	// RetryAfter is the review centre's Retry-After, 0 if none.
	RetryAfter time.Duration
	Err        error
}

func (e *TransientError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("review centre: HTTP %d: %v", e.Status, e.Err)
	}
	return fmt.Sprintf("review centre: %v", e.Err)
}

func (e *TransientError) Unwrap() error { return e.Err }

// IsTransient reports whether err is worth retrying later: a transient
// outcome or an open breaker (which spent nothing).
func IsTransient(err error) bool {
	var t *TransientError
	return errors.As(err, &t) || IsBreakerOpen(err)
}

// IsBreakerOpen reports whether err is the breaker refusing to send (open,
// or half-open with its probe already out). Nothing was sent, so nothing
// should be counted against the message.
func IsBreakerOpen(err error) bool {
	return errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests)
}

// RetryAfter returns the Retry-After the review centre asked for, or 0.
func RetryAfter(err error) time.Duration {
	var t *TransientError
	if errors.As(err, &t) {
		return t.RetryAfter
	}
	return 0
}

// StatusCode returns the HTTP status behind err or ack, 0 if none.
func StatusCode(ack *Ack, err error) int {
	if ack != nil {
		return ack.Status
	}
	var r *RejectedError
	if errors.As(err, &r) {
		return r.Status
	}
	var t *TransientError
	if errors.As(err, &t) {
		return t.Status
	}
	return 0
}

// Config configures a Client. Zero values mean the documented defaults.
type Config struct {
	// URL is the review centre's base URL (REVIEW_CENTRE_URL). Required.
	URL string
	// Timeout bounds one HTTP exchange; zero means 10s.
	Timeout time.Duration
	// RetryMax is the client's own retries of a dropped connection or a
	// 5xx, at most 2; zero means 1. -1 means none.
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the pause between those; zero
	// means 50ms and 500ms.
	RetryWaitMin, RetryWaitMax time.Duration
	// BreakerFailures is how many failures in a row open the breaker; zero
	// means 5.
	BreakerFailures uint32
	// BreakerTimeout is how long the breaker stays open before it lets one
	// probe through; zero means 10s.
	BreakerTimeout time.Duration
	// OnStateChange, if set, is told of every change of the breaker.
	OnStateChange func(from, to gobreaker.State)
	// HTTPClient, if set, is the transport's client (tests); its Timeout
	// is overwritten by Timeout.
	HTTPClient *http.Client
}

func (c Config) withDefaults() Config {
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
	switch c.RetryMax {
	case 0:
		c.RetryMax = 1
	case -1:
		c.RetryMax = 0
	}
	if c.RetryWaitMin == 0 {
		c.RetryWaitMin = 50 * time.Millisecond
	}
	if c.RetryWaitMax == 0 {
		c.RetryWaitMax = 500 * time.Millisecond
	}
	if c.BreakerFailures == 0 {
		c.BreakerFailures = 5
	}
	if c.BreakerTimeout == 0 {
		c.BreakerTimeout = 10 * time.Second
	}
	return c
}

func (c Config) validate() error {
	u, err := url.Parse(c.URL)
	switch {
	case c.URL == "":
		return errors.New("reviewcentre: Config.URL is required")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("reviewcentre: Config.URL %q is not an http(s) URL", c.URL)
	case c.Timeout < 0:
		return errors.New("reviewcentre: Config.Timeout must not be negative")
	case c.RetryMax < 0 || c.RetryMax > 2:
		return errors.New("reviewcentre: Config.RetryMax must be from -1 to 2: the outbox is the retry loop")
	case c.RetryWaitMin > c.RetryWaitMax:
		return errors.New("reviewcentre: Config.RetryWaitMin is above RetryWaitMax")
	}
	return nil
}

// Client sends messages to the review centre. It is safe for concurrent use.
type Client struct {
	cfg     Config
	base    string
	http    *retryablehttp.Client
	breaker *gobreaker.CircuitBreaker[*Ack]
}

// New makes a Client.
func New(cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	hc := cfg.HTTPClient
	if hc == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64
		hc = &http.Client{Transport: t}
	}
	hc.Timeout = cfg.Timeout
	rc := &retryablehttp.Client{
		HTTPClient:   hc,
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		RetryMax:     cfg.RetryMax,
		CheckRetry:   checkRetry,
		// DefaultBackoff honours a 503's Retry-After however long it is;
		// the quick retry waits at most RetryWaitMax (MaxDuration counts on
		// it), and a longer pause is the outbox's (TransientError.RetryAfter).
		Backoff: func(lo, hi time.Duration, n int, resp *http.Response) time.Duration {
			return min(retryablehttp.DefaultBackoff(lo, hi, n, resp), hi)
		},
		// The remote's answer, whatever it is, reaches classify.
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	c := &Client{cfg: cfg, base: strings.TrimRight(cfg.URL, "/"), http: rc}
	c.breaker = gobreaker.NewCircuitBreaker[*Ack](gobreaker.Settings{
		Name:        "review-centre",
		MaxRequests: 1,
		Timeout:     cfg.BreakerTimeout,
		ReadyToTrip: func(n gobreaker.Counts) bool { return n.ConsecutiveFailures >= cfg.BreakerFailures },
		// A remote that says no is healthy.
		IsSuccessful: func(err error) bool { return err == nil || errors.Is(err, ErrRejected) },
		// Our own shutdown says nothing about the remote.
		IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			if cfg.OnStateChange != nil {
				cfg.OnStateChange(from, to)
			}
		},
	})
	return c, nil
}

// BreakerState is the breaker's state now.
func (c *Client) BreakerState() gobreaker.State { return c.breaker.State() }

// MaxDuration bounds how long one Send can take: every try with its
// timeout and the pauses between them. A lease on a message being sent
// must be longer.
func (c *Client) MaxDuration() time.Duration {
	n := time.Duration(c.cfg.RetryMax + 1)
	return n*c.cfg.Timeout + time.Duration(c.cfg.RetryMax)*c.cfg.RetryWaitMax
}

// Send sends m once through the breaker and classifies the answer: an Ack,
// an error matching ErrRejected, a transient error (IsTransient), or the
// breaker's own error when it is open (IsBreakerOpen), in which case
// nothing was sent. ctx bounds the exchange; its cancellation is returned
// as is and does not count against the review centre.
func (c *Client) Send(ctx context.Context, m Message) (*Ack, error) {
	req, err := c.request(ctx, m)
	if err != nil {
		return nil, err
	}
	return c.breaker.Execute(func() (*Ack, error) {
		resp, err := c.http.Do(req)
		return classify(resp, err)
	})
}

func (c *Client) request(ctx context.Context, m Message) (*retryablehttp.Request, error) {
	method, u := http.MethodPost, c.base+"/declarations"
	if m.Kind == KindRoute {
		method, u = http.MethodPut, c.base+"/declarations/"+url.PathEscape(m.DeclarationID)+"/route"
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, u, m.Body)
	if err != nil {
		return nil, fmt.Errorf("review centre request: %w", err)
	}
	req.Header.Set("Content-Type", "application/xml")
	req.Header.Set("Idempotency-Key", m.Key)
	return req, nil
}

// checkRetry lets the client retry, within one Send, only what a second
// try at once may fix: a dropped connection or a 5xx. A 429 waits for the
// outbox (it asks for a pause), and an answer goes to classify.
func checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			var cert x509.UnknownAuthorityError
			if errors.As(uerr.Err, &cert) {
				return false, nil
			}
		}
		return true, nil
	}
	return resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented, nil
}

// maxBody bounds what is read of an answer: a receipt is small, and a
// remote answering garbage must not make us read it all.
const maxBody = 64 << 10

// classify turns every outcome of one exchange into an Ack, a
// *RejectedError or a *TransientError. It is the only place the review
// centre's answers are interpreted.
func classify(resp *http.Response, err error) (*Ack, error) {
	if err != nil {
		if resp != nil && resp.Body != nil {
			resp.Body.Close()
		}
		if errors.Is(err, context.Canceled) {
			return nil, err
		}
		return nil, &TransientError{Err: err}
	}
	defer resp.Body.Close()
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	status := resp.StatusCode
	route := resp.Request != nil && resp.Request.Method == http.MethodPut
	switch {
	case status == http.StatusOK || status == http.StatusCreated || status == http.StatusConflict:
		if rerr != nil {
			return nil, &TransientError{Status: status, Err: fmt.Errorf("reading the receipt: %w", rerr)}
		}
		r, perr := parseReceipt(body)
		if perr != nil {
			return nil, &TransientError{Status: status, Err: perr}
		}
		if r.Status != "accepted" {
			return nil, &TransientError{Status: status, Err: fmt.Errorf("receipt status %q with HTTP %d", r.Status, status)}
		}
		if !route && !ValidEntryID(r.EntryID) {
			return nil, &TransientError{Status: status, Err: fmt.Errorf("receipt entry id %q is not 18 digits", r.EntryID)}
		}
		if r.EntryID != "" && !ValidEntryID(r.EntryID) {
			return nil, &TransientError{Status: status, Err: fmt.Errorf("receipt entry id %q is not 18 digits", r.EntryID)}
		}
		return &Ack{Status: status, EntryID: r.EntryID}, nil
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity || (route && status == http.StatusNotFound):
		rej := &RejectedError{Status: status}
		if r, perr := parseReceipt(body); perr == nil {
			for _, s := range r.Reasons {
				if s = strings.TrimSpace(s); s != "" {
					rej.Reasons = append(rej.Reasons, s)
				}
			}
		} else if s := strings.TrimSpace(truncate(strings.TrimSpace(string(body)), 500)); s != "" {
			// A refusal without a readable receipt is still a refusal;
			// keep what it said for the operator (made storable first, so
			// a body of NULs leaves no empty reason).
			rej.Reasons = []string{s}
		}
		if len(rej.Reasons) == 0 && route && status == http.StatusNotFound {
			rej.Reasons = []string{"the review centre does not know the declaration"}
		}
		return nil, rej
	}
	return nil, &TransientError{Status: status, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
		Err: fmt.Errorf("%s", http.StatusText(status))}
}

// truncate makes a remote's text storable as PostgreSQL text: the body of
// a refusal is any bytes, and an outcome that cannot be written is never
// recorded (the message is sent again at every lease). Invalid UTF-8
// becomes U+FFFD, NUL is dropped, and a cut after n bytes falls between
// runes.
func truncate(s string, n int) string {
	s, cut := customs.Clip(s, n)
	if cut {
		s += "…"
	}
	return s
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date; 0 if
// absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// ReceiptNamespace is the namespace of the review centre's receipt.
const ReceiptNamespace = "urn:jjj:review-centre:receipt:v1"

// Receipt is the review centre's answer body (partners.md).
type Receipt struct {
	XMLName       xml.Name `xml:"urn:jjj:review-centre:receipt:v1 Receipt"`
	DeclarationID string   `xml:"DeclarationId"`
	EntryID       string   `xml:"EntryId"`
	Status        string   `xml:"Status"`
	Reasons       []string `xml:"Reason"`
}

func parseReceipt(b []byte) (*Receipt, error) {
	r, ok := parsePlainReceipt(b)
	if !ok {
		if err := xml.NewDecoder(bytes.NewReader(b)).Decode(&r); err != nil {
			return nil, fmt.Errorf("unparsable receipt: %w", err)
		}
	}
	r.EntryID = strings.TrimSpace(r.EntryID)
	r.Status = strings.TrimSpace(r.Status)
	if strings.TrimSpace(r.DeclarationID) == "" {
		return nil, errors.New("unparsable receipt: no DeclarationId")
	}
	return &r, nil
}

// receiptOpen is how MarshalReceipt begins a receipt.
const receiptOpen = xml.Header + `<Receipt xmlns="` + ReceiptNamespace + `">`

// parsePlainReceipt reads a receipt written exactly as MarshalReceipt
// writes one, with plain text only (printable ASCII other than '<', '>',
// '&'): every acceptance the review centre sends. Such a receipt reads the
// same in encoding/xml (TestPlainReceiptReadsAsDecoded); ok is false for
// anything else (other layout, an entity, a comment, any other byte),
// which the decoder then reads. The decoder costs as much per delivery as
// the rest of its exchange.
func parsePlainReceipt(b []byte) (r Receipt, ok bool) {
	rest, ok := bytes.CutPrefix(b, []byte(receiptOpen))
	if !ok {
		return Receipt{}, false
	}
	if r.DeclarationID, rest, ok = plainElement(rest, "DeclarationId"); !ok {
		return Receipt{}, false
	}
	if r.EntryID, rest, ok = plainElement(rest, "EntryId"); !ok {
		return Receipt{}, false
	}
	if r.Status, rest, ok = plainElement(rest, "Status"); !ok {
		return Receipt{}, false
	}
	for len(rest) > 0 && !bytes.Equal(rest, []byte("</Receipt>")) {
		var reason string
		if reason, rest, ok = plainElement(rest, "Reason"); !ok {
			return Receipt{}, false
		}
		r.Reasons = append(r.Reasons, reason)
	}
	if len(rest) == 0 {
		return Receipt{}, false
	}
	r.XMLName = xml.Name{Space: ReceiptNamespace, Local: "Receipt"}
	return r, true
}

// plainElement reads <name>text</name> at the start of b, text being
// plain (parsePlainReceipt).
func plainElement(b []byte, name string) (text string, rest []byte, ok bool) {
	if len(b) < len(name)+2 || b[0] != '<' || string(b[1:1+len(name)]) != name || b[1+len(name)] != '>' {
		return "", nil, false
	}
	b = b[len(name)+2:]
	i := 0
	for ; i < len(b) && b[i] != '<'; i++ {
		if c := b[i]; c < 0x20 || c > 0x7e || c == '>' || c == '&' {
			return "", nil, false
		}
	}
	text, b = string(b[:i]), b[i:]
	if len(b) < len(name)+3 || b[0] != '<' || b[1] != '/' || string(b[2:2+len(name)]) != name || b[2+len(name)] != '>' {
		return "", nil, false
	}
	return text, b[len(name)+3:], true
}

// ValidEntryID reports whether s has the form of an entry id: 18 digits,
// the 9th being 1 (import) or 0 (export).
func ValidEntryID(s string) bool {
	if len(s) != 18 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s[8] == '0' || s[8] == '1'
}

// MarshalReceipt writes a receipt, for the simulator and tests.
func MarshalReceipt(r Receipt) []byte {
	r.XMLName = xml.Name{Space: ReceiptNamespace, Local: "Receipt"}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	if len(r.Reasons) == 0 {
		r.Reasons = []string{""}
	}
	if err := enc.Encode(r); err != nil {
		panic(err) // a struct of strings always encodes
	}
	return buf.Bytes()
}
