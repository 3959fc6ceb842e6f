package credit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/sony/gobreaker/v2"

	"github.com/jjj/gateway/internal/customs"
)

// ErrRejected is a registry's permanent refusal of a request (a 4xx other
// than 429): asking again will not help, and the registry is healthy.
var ErrRejected = errors.New("registry refused the request")

// ClientConfig configures one registry's client.
type ClientConfig struct {
	Region customs.Region
	// URL is the registry's base URL; pages are GET {URL}/records.
	URL string
	// Timeout bounds one HTTP attempt; zero means 30s.
	Timeout time.Duration
	// RetryMax is how often one page request is retried; zero means 2
	// (the sync loop is the outer retry), negative means none.
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the backoff; zero means 200ms, 2s.
	RetryWaitMin, RetryWaitMax time.Duration
	// BreakerFailures is how many failed requests in a row open the
	// breaker; zero means 3.
	BreakerFailures uint32
	// BreakerOpen is how long the breaker stays open before it probes;
	// zero means 30s.
	BreakerOpen time.Duration
	// MaxPageBytes is the largest page body read; zero means 64 MiB.
	MaxPageBytes int64
}

func (c ClientConfig) withDefaults() ClientConfig {
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	switch {
	case c.RetryMax == 0:
		c.RetryMax = 2
	case c.RetryMax < 0:
		c.RetryMax = 0
	}
	if c.RetryWaitMin == 0 {
		c.RetryWaitMin = 200 * time.Millisecond
	}
	if c.RetryWaitMax == 0 {
		c.RetryWaitMax = 2 * time.Second
	}
	if c.BreakerFailures == 0 {
		c.BreakerFailures = 3
	}
	if c.BreakerOpen == 0 {
		c.BreakerOpen = 30 * time.Second
	}
	if c.MaxPageBytes == 0 {
		c.MaxPageBytes = 64 << 20
	}
	return c
}

func (c ClientConfig) validate() error {
	switch c.Region {
	case customs.RegionBJ, customs.RegionTJ, customs.RegionHE:
	default:
		return fmt.Errorf("credit client: Region %q is not BJ, TJ or HE", c.Region)
	}
	u, err := url.Parse(c.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("credit client %s: URL %q is not an http(s) URL", c.Region, c.URL)
	}
	return nil
}

// Client reads one registry's feed: one retryablehttp client inside one
// breaker. It satisfies Source.
type Client struct {
	cfg     ClientConfig
	http    *retryablehttp.Client
	breaker *gobreaker.CircuitBreaker[*Page]
}

// NewClient makes a registry's client.
func NewClient(cfg ClientConfig) (*Client, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	h := retryablehttp.NewClient()
	h.HTTPClient.Timeout = cfg.Timeout
	h.RetryMax = cfg.RetryMax
	h.RetryWaitMin, h.RetryWaitMax = cfg.RetryWaitMin, cfg.RetryWaitMax
	h.Logger = nil
	// DefaultBackoff honours a Retry-After however long it is; a registry
	// asking for a longer pause than RetryWaitMax gets it from the next
	// sync round, not from a Page call that holds up every registry's sync.
	h.Backoff = func(lo, hi time.Duration, n int, resp *http.Response) time.Duration {
		return min(retryablehttp.DefaultBackoff(lo, hi, n, resp), hi)
	}
	// The registry's own answer reaches classify.
	h.ErrorHandler = retryablehttp.PassthroughErrorHandler
	c := &Client{cfg: cfg, http: h}
	c.breaker = gobreaker.NewCircuitBreaker[*Page](gobreaker.Settings{
		Name:        "registry-" + string(cfg.Region),
		MaxRequests: 1,
		Timeout:     cfg.BreakerOpen,
		ReadyToTrip: func(n gobreaker.Counts) bool { return n.ConsecutiveFailures >= cfg.BreakerFailures },
		// A registry that says "no" is healthy.
		IsSuccessful: func(err error) bool { return err == nil || errors.Is(err, ErrRejected) },
		IsExcluded:   func(err error) bool { return errors.Is(err, context.Canceled) },
	})
	return c, nil
}

// Region is the registry's region.
func (c *Client) Region() customs.Region { return c.cfg.Region }

// BreakerState is "closed", "half-open" or "open".
func (c *Client) BreakerState() string { return c.breaker.State().String() }

// Page asks for the records after cursor after (empty: from the start).
// Errors: ErrRejected for a permanent refusal, gobreaker.ErrOpenState while
// the breaker is open, anything else is transient. ctx bounds the call
// with its retries.
func (c *Client) Page(ctx context.Context, after string, limit int) (*Page, error) {
	return c.breaker.Execute(func() (*Page, error) { return c.fetch(ctx, after, limit) })
}

func (c *Client) fetch(ctx context.Context, after string, limit int) (*Page, error) {
	q := url.Values{}
	q.Set("after", after)
	q.Set("limit", strconv.Itoa(limit))
	u := strings.TrimSuffix(c.cfg.URL, "/") + "/records?" + q.Encode()
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", c.cfg.Region, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxPageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("registry %s: reading the page: %w", c.cfg.Region, err)
	}
	if err := classify(resp, body); err != nil {
		return nil, fmt.Errorf("registry %s: %w", c.cfg.Region, err)
	}
	if int64(len(body)) > c.cfg.MaxPageBytes {
		return nil, fmt.Errorf("registry %s: page over %d bytes", c.cfg.Region, c.cfg.MaxPageBytes)
	}
	p, err := DecodePage(body)
	if err != nil {
		return nil, fmt.Errorf("registry %s: %w", c.cfg.Region, err)
	}
	if p.Region != c.cfg.Region {
		return nil, fmt.Errorf("registry %s: %w: the page is from region %q", c.cfg.Region, ErrRejected, p.Region)
	}
	return p, nil
}

// classify turns an HTTP answer into nil, ErrRejected or a transient error.
func classify(resp *http.Response, body []byte) error {
	switch {
	case resp.StatusCode == http.StatusOK:
		return nil
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return fmt.Errorf("status %d (try later): %s", resp.StatusCode, snippet(body))
	case resp.StatusCode >= 400:
		return fmt.Errorf("%w: status %d: %s", ErrRejected, resp.StatusCode, snippet(body))
	}
	return fmt.Errorf("unexpected status %d", resp.StatusCode)
}

// snippet quotes the start of a body in an error, which is stored as the
// registry's last error (PostgreSQL text): invalid UTF-8 becomes U+FFFD,
// NUL is dropped, and the cut falls between runes.
func snippet(b []byte) string {
	n := 200
	s := strings.ReplaceAll(strings.ToValidUTF8(strings.TrimSpace(string(b)), "\uFFFD"), "\x00", "")
	if len(s) > n {
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + "…"
	}
	return s
}

type typedPage struct {
	Region  customs.Region `json:"region"`
	Records []Published    `json:"records"`
	Next    *string        `json:"next"`
}

type rawPage struct {
	Region  customs.Region    `json:"region"`
	Records []json.RawMessage `json:"records"`
	Next    *string           `json:"next"`
}

// DecodePage reads a page. A record that does not decode is kept as
// Published.Malformed (skipped later, the rest of the page kept); a body
// that is not a page at all is an error (garbage: try later).
func DecodePage(body []byte) (*Page, error) {
	var t typedPage
	if err := json.Unmarshal(body, &t); err == nil {
		if t.Region == "" {
			return nil, fmt.Errorf("the page names no region")
		}
		return &Page{Region: t.Region, Records: t.Records, Next: deref(t.Next)}, nil
	}
	var r rawPage
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("the page is not a records page: %w", err)
	}
	if r.Region == "" {
		return nil, fmt.Errorf("the page names no region")
	}
	p := &Page{Region: r.Region, Next: deref(r.Next), Records: make([]Published, len(r.Records))}
	for i, raw := range r.Records {
		if err := json.Unmarshal(raw, &p.Records[i]); err != nil {
			// Keep what can be read to name the record in the report.
			var loose struct {
				USCC any `json:"uscc"`
			}
			json.Unmarshal(bytes.TrimSpace(raw), &loose)
			s, _ := loose.USCC.(string)
			p.Records[i] = Published{USCC: s, Malformed: err.Error()}
		}
	}
	return p, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
