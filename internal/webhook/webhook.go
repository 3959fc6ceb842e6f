package webhook

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
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres"
)

// EventType is the one event there is.
const EventType = "declaration.status"

// SignatureHeader carries the body's signature: "sha256=" and the hex
// HMAC-SHA256 of the body under the webhook's secret.
const SignatureHeader = "X-Signature"

// Event is the body POSTed for one status change (api.md). ID is an added
// field: the same in every attempt, so a receiver can drop repeats.
type Event struct {
	Event         string          `json:"event"`
	ID            string          `json:"id"`
	DeclarationID string          `json:"declarationId"`
	PortRef       string          `json:"portRef"`
	Status        string          `json:"status"`
	Previous      *string         `json:"previous"`
	At            time.Time       `json:"at"`
	Route         json.RawMessage `json:"route"`
}

// Sign returns the X-Signature value of body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether header is the signature of body under secret, in
// constant time: what a receiver does before trusting a delivery.
func Verify(secret string, body []byte, header string) bool {
	hexSum, ok := strings.CutPrefix(header, "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return hmac.Equal(got, m.Sum(nil))
}

// EventID is the public id of a queued event.
func EventID(id int64) string { return "ev_" + strconv.FormatInt(id, 10) }

// Body returns the JSON body of a claimed event.
func Body(e *postgres.ClaimedEvent) ([]byte, error) {
	ev := Event{Event: EventType, ID: EventID(e.ID), DeclarationID: e.DeclarationID, PortRef: e.PortRef,
		Status: e.Status, At: e.At.UTC(), Route: e.Route}
	if e.Previous.Valid {
		p := e.Previous.String
		ev.Previous = &p
	}
	if len(ev.Route) == 0 {
		ev.Route = json.RawMessage("null")
	}
	return json.Marshal(ev)
}

// Store is the queue the worker works.
type Store interface {
	ClaimWebhookEvents(ctx context.Context, limit int, lease time.Duration) ([]postgres.ClaimedEvent, error)
	CompleteWebhookEvent(ctx context.Context, id, lease int64) error
	FailWebhookEvent(ctx context.Context, id, lease int64, reason string, b postgres.Backoff) (string, error)
	ReleaseWebhookEvent(ctx context.Context, id, lease int64) error
}

// Config configures a Worker. Zero values mean the defaults given.
type Config struct {
	// PollInterval is the wait between looks at an empty queue; zero means 1s.
	PollInterval time.Duration
	// BatchSize is the most events claimed at once; zero means 50.
	BatchSize int
	// Concurrency is how many webhooks are sent to at once; zero means 4.
	Concurrency int
	// Timeout is one HTTP attempt's limit; zero means 10s.
	Timeout time.Duration
	// RetryMax is go-retryablehttp's quick retries within one delivery
	// attempt (connection errors, 429, 5xx); zero means 2, negative none.
	// The durable retry is the queue's, with Backoff.
	RetryMax int
	// RetryWaitMin and RetryWaitMax bound the quick retries' waits (and a
	// receiver's Retry-After); zero means 200ms and 2s.
	RetryWaitMin, RetryWaitMax time.Duration
	// BackoffBase and BackoffMax bound a failing webhook's wait between
	// attempts (doubling, with jitter); zero means 10s and 30m.
	BackoffBase, BackoffMax time.Duration
	// SuspendAfter is the failed attempts in a row that suspend a webhook;
	// zero means 12 (with the default backoff, about two hours of failing).
	SuspendAfter int
	// HTTPClient is the transport under go-retryablehttp; nil means a new
	// client with Timeout that follows no redirects (a 3xx is a failure:
	// a signed body is sent only where the enterprise said).
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Metrics, when set, gets the worker's counters.
	Metrics prometheus.Registerer
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.PollInterval, time.Second)
	def(&c.Timeout, 10*time.Second)
	def(&c.RetryWaitMin, 200*time.Millisecond)
	def(&c.RetryWaitMax, 2*time.Second)
	def(&c.BackoffBase, 10*time.Second)
	def(&c.BackoffMax, 30*time.Minute)
	if c.BatchSize <= 0 {
		c.BatchSize = 50
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	switch {
	case c.RetryMax == 0:
		c.RetryMax = 2
	case c.RetryMax < 0:
		c.RetryMax = 0
	}
	if c.SuspendAfter <= 0 {
		c.SuspendAfter = 12
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.RetryWaitMin > c.RetryWaitMax:
		return errors.New("webhook: Config.RetryWaitMin is above RetryWaitMax")
	case c.BackoffBase > c.BackoffMax:
		return errors.New("webhook: Config.BackoffBase is above BackoffMax")
	}
	return nil
}

// Worker delivers queued events. Run it in one goroutine per process;
// several processes share the queue safely.
type Worker struct {
	cfg    Config
	store  Store
	client *retryablehttp.Client
	// lease outlasts the longest a delivery attempt can take, so that no
	// second worker takes an event while the first may still send it.
	lease time.Duration

	deliveries *prometheus.CounterVec
}

// New returns a worker on store.
func New(store Store, cfg Config) (*Worker, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: cfg.Timeout, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	rc := &retryablehttp.Client{
		HTTPClient:   hc,
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		RetryMax:     cfg.RetryMax,
		CheckRetry:   retryablehttp.DefaultRetryPolicy,
		Backoff: func(min, max time.Duration, n int, resp *http.Response) time.Duration {
			return boundedWait(retryablehttp.DefaultBackoff(min, max, n, resp), max)
		},
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}
	tries := time.Duration(cfg.RetryMax + 1)
	w := &Worker{cfg: cfg, store: store, client: rc,
		lease: tries*cfg.Timeout + tries*cfg.RetryWaitMax + time.Minute}
	w.deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_webhook_deliveries_total",
		Help: "Webhook delivery attempts by outcome (delivered, failed, suspended)."}, []string{"outcome"})
	if cfg.Metrics != nil {
		if err := cfg.Metrics.Register(w.deliveries); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, fmt.Errorf("webhook: metrics: %w", err)
			}
			w.deliveries = are.ExistingCollector.(*prometheus.CounterVec)
		}
	}
	return w, nil
}

// boundedWait caps a wait, Retry-After included, at max: a receiver cannot
// hold a worker past its lease.
func boundedWait(d, max time.Duration) time.Duration {
	if d > max || d < 0 {
		return max
	}
	return d
}

// Run delivers until ctx ends. Events in flight when it ends are handed
// back untried, for the next worker.
func (w *Worker) Run(ctx context.Context) {
	for {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.cfg.Logger.Error("webhook delivery", "err", err)
		}
		if n > 0 && err == nil {
			continue // more may be due now: the next event of each declaration
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(w.cfg.PollInterval):
		}
	}
}

// RunOnce claims one batch and delivers it, returning how many events it
// claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	evs, err := w.store.ClaimWebhookEvents(ctx, w.cfg.BatchSize, w.lease)
	if err != nil {
		return 0, err
	}
	// One goroutine per webhook, in claim order within it: once a webhook
	// fails, its other claimed events go back untried (it is backing off).
	var groups [][]postgres.ClaimedEvent
	at := map[string]int{}
	for _, e := range evs {
		i, ok := at[e.WebhookID]
		if !ok {
			i = len(groups)
			at[e.WebhookID] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], e)
	}
	sem := make(chan struct{}, w.cfg.Concurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for _, g := range groups {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := w.deliverGroup(ctx, g); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return len(evs), firstErr
}

func (w *Worker) deliverGroup(ctx context.Context, g []postgres.ClaimedEvent) error {
	// Writes that end a claim must happen even when ctx has ended.
	bg := context.WithoutCancel(ctx)
	for i := range g {
		e := &g[i]
		if ctx.Err() != nil {
			return w.release(bg, g[i:])
		}
		sendErr := w.send(ctx, e)
		switch {
		case sendErr == nil:
			w.deliveries.WithLabelValues("delivered").Inc()
			if err := w.store.CompleteWebhookEvent(bg, e.ID, e.Lease); err != nil {
				return err
			}
		case ctx.Err() != nil:
			return w.release(bg, g[i:])
		default:
			w.deliveries.WithLabelValues("failed").Inc()
			state, err := w.store.FailWebhookEvent(bg, e.ID, e.Lease, truncate(sendErr.Error(), 500), postgres.Backoff{
				Base: w.cfg.BackoffBase, Max: w.cfg.BackoffMax, SuspendAfter: w.cfg.SuspendAfter})
			if err != nil {
				return err
			}
			if state == postgres.WebhookSuspended {
				w.deliveries.WithLabelValues("suspended").Inc()
				w.cfg.Logger.Warn("webhook suspended: its receiver keeps failing", "webhook", e.WebhookID, "err", sendErr)
			}
			return w.release(bg, g[i+1:])
		}
	}
	return nil
}

func (w *Worker) release(ctx context.Context, evs []postgres.ClaimedEvent) error {
	for _, e := range evs {
		if err := w.store.ReleaseWebhookEvent(ctx, e.ID, e.Lease); err != nil {
			return err
		}
	}
	return nil
}

// send POSTs one event; nil only for a 2xx answer.
func (w *Worker) send(ctx context.Context, e *postgres.ClaimedEvent) error {
	body, err := Body(e)
	if err != nil {
		return err
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, e.URL, body)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", e.WebhookID, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "jjj-gateway-webhook/1")
	req.Header.Set(SignatureHeader, Sign(e.Secret, body))
	req.Header.Set("X-Event-Id", EventID(e.ID))
	req.Header.Set("X-Webhook-Id", e.WebhookID)
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("post to webhook %s: %w", e.WebhookID, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook %s: the receiver answered %s", e.WebhookID, resp.Status)
	}
	return nil
}

// truncate makes s storable as PostgreSQL text of at most n bytes: an
// error can carry a receiver's reason phrase or URL, any bytes, and a
// failure that cannot be written is never counted (no backoff, no
// suspension; the event is sent again at every lease). Invalid UTF-8 becomes
// U+FFFD, NUL is dropped, and the cut falls between runes.
func truncate(s string, n int) string {
	s, _ = customs.Clip(s, n)
	return s
}

// CheckURL validates a webhook URL: absolute http or https with a host,
// no credentials, at most 2048 bytes. The problem is returned as text.
func CheckURL(raw string) error {
	if len(raw) > 2048 {
		return errors.New("the URL is longer than 2048 characters")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("the URL cannot be read")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return errors.New("the URL must be http or https")
	}
	if u.Host == "" || u.Hostname() == "" {
		return errors.New("the URL has no host")
	}
	if u.User != nil {
		return errors.New("the URL must not carry credentials; the secret signs the body")
	}
	if u.Fragment != "" {
		return errors.New("the URL must not have a fragment")
	}
	return nil
}
