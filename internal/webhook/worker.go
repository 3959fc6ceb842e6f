package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/jjj/gateway/internal/customs"
)

// Store is the queue the worker works, in domain terms.
type Store interface {
	// ClaimWebhookEvents claims, for lease, the next event of up to limit
	// webhooks that are due and have no call in flight (in any process):
	// one event each, the webhook's oldest waiting.
	ClaimWebhookEvents(ctx context.Context, limit int, lease time.Duration) ([]customs.WebhookDelivery, error)
	// CompleteWebhookEvent records a 2xx answer; the webhook is free again.
	CompleteWebhookEvent(ctx context.Context, id, lease int64) error
	// FailWebhookEvent records a failed call of the given class; the event
	// waits, the webhook is free and backs off. It returns the webhook's
	// state afterwards (suspended after b.SuspendAfter failures in a row).
	FailWebhookEvent(ctx context.Context, id, lease int64, class string, b customs.WebhookBackoff) (customs.WebhookState, error)
	// ReleaseWebhookEvent hands a claimed event back untried.
	ReleaseWebhookEvent(ctx context.Context, id, lease int64) error
}

// Config configures a Worker. Zero values mean the defaults given.
type Config struct {
	// PollInterval is the wait between looks at a queue with nothing due;
	// zero means 1s. A call that ends looks again at once.
	PollInterval time.Duration
	// Concurrency is the most calls in flight at once in this process,
	// each to a different webhook; zero means 64. Only when that many
	// receivers hang at once does a further webhook wait for a turn (at
	// most Timeout).
	Concurrency int
	// Timeout is one HTTP attempt's limit (WEBHOOK_TIMEOUT); zero means 10s.
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
	// Targets is where calls may go; checked again at every connection.
	Targets Targets
	// TLS, when set, is the TLS configuration of the calls (tests give
	// their receivers' roots here); nil means the system's.
	TLS *tls.Config
	// NowFunc stamps X-Webhook-Timestamp; nil means time.Now.
	NowFunc func() time.Time
	Logger  *slog.Logger
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
	if c.Concurrency <= 0 {
		c.Concurrency = 64
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
	if c.NowFunc == nil {
		c.NowFunc = time.Now
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
	// second worker takes a webhook while the first may still call it.
	lease time.Duration

	deliveries *prometheus.CounterVec
	inFlight   prometheus.Gauge
}

// New returns a worker on store.
func New(store Store, cfg Config) (*Worker, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		// No proxy from the environment: the address checked at dial time
		// must be the receiver's, not a proxy's.
		Proxy:                 nil,
		DialContext:           cfg.Targets.DialContext(dialer),
		TLSClientConfig:       cfg.TLS,
		TLSHandshakeTimeout:   cfg.Timeout,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
		ResponseHeaderTimeout: cfg.Timeout,
	}
	// A 3xx is a failure: a signed body is sent only where the enterprise said.
	hc := &http.Client{Timeout: cfg.Timeout, Transport: transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	w := &Worker{cfg: cfg, store: store}
	w.client = &retryablehttp.Client{
		HTTPClient:   hc,
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		RetryMax:     cfg.RetryMax,
		CheckRetry: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			if errors.Is(err, ErrForbiddenTarget) {
				return false, err // the same lookup will be refused again
			}
			return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
		},
		Backoff: func(min, max time.Duration, n int, resp *http.Response) time.Duration {
			return boundedWait(retryablehttp.DefaultBackoff(min, max, n, resp), max)
		},
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
		// Each try is stamped with its own time and signed again.
		PrepareRetry: w.stamp,
	}
	tries := time.Duration(cfg.RetryMax + 1)
	w.lease = tries*cfg.Timeout + tries*cfg.RetryWaitMax + time.Minute
	w.deliveries = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_webhook_deliveries_total",
		Help: "Webhook delivery attempts by outcome (delivered, failed, suspended)."}, []string{"outcome"})
	w.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{Name: "gateway_webhook_calls_in_flight",
		Help: "Webhook calls in flight in this process (at most one per webhook)."})
	if cfg.Metrics != nil {
		c, err := register(cfg.Metrics, w.deliveries)
		if err != nil {
			return nil, err
		}
		w.deliveries = c
		g, err := register(cfg.Metrics, w.inFlight)
		if err != nil {
			return nil, err
		}
		w.inFlight = g
	}
	return w, nil
}

// register registers c, or returns the one registered before it (a second
// worker in one process shares the first one's metrics).
func register[C prometheus.Collector](r prometheus.Registerer, c C) (C, error) {
	if err := r.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return c, fmt.Errorf("webhook: metrics: %w", err)
		}
		if old, ok := are.ExistingCollector.(C); ok {
			return old, nil
		}
		return c, fmt.Errorf("webhook: metrics: %w", err)
	}
	return c, nil
}

// boundedWait caps a wait, Retry-After included, at max: a receiver cannot
// hold a worker past its lease.
func boundedWait(d, max time.Duration) time.Duration {
	if d > max || d < 0 {
		return max
	}
	return d
}

// Run delivers until ctx ends. Each webhook is called on its own: a claim
// takes the next event of each webhook that is due and has no call in
// flight, each call runs in its own goroutine, and the loop does not wait
// for them; when one ends it claims again at once (that webhook's next
// event may be due now). A receiver that hangs holds its own webhook for
// at most Timeout per try and nothing else. Calls in flight when ctx ends
// are handed back untried, for the next worker; Run returns after them.
func (w *Worker) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	slots := make(chan struct{}, w.cfg.Concurrency)
	ended := make(chan struct{}, 1)
	timer := time.NewTimer(w.cfg.PollInterval)
	defer timer.Stop()
	for {
		free := cap(slots) - len(slots)
		full := false
		if free > 0 {
			ds, err := w.store.ClaimWebhookEvents(ctx, free, w.lease)
			if err != nil && ctx.Err() == nil {
				w.cfg.Logger.Error("webhook claim", "err", err)
			}
			for _, d := range ds {
				slots <- struct{}{}
				wg.Add(1)
				w.inFlight.Inc()
				go func() {
					defer func() {
						w.inFlight.Dec()
						<-slots
						wg.Done()
						select {
						case ended <- struct{}{}:
						default:
						}
					}()
					if err := w.deliver(ctx, &d); err != nil && ctx.Err() == nil {
						w.cfg.Logger.Error("webhook delivery", "webhook", d.WebhookID, "declaration", d.DeclarationID, "err", err)
					}
				}()
			}
			full = err == nil && len(ds) == free
		}
		if full && ctx.Err() == nil {
			continue // every free slot taken: more may be due, as soon as a call ends
		}
		timer.Reset(w.cfg.PollInterval)
		select {
		case <-ctx.Done():
			return
		case <-ended:
		case <-timer.C:
		}
	}
}

// RunOnce claims the next event of each due webhook (at most Concurrency
// of them), delivers them side by side and waits for all, returning how
// many it claimed. It is Run's unit of work, for tests and tools that
// want to see the queue move step by step.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	ds, err := w.store.ClaimWebhookEvents(ctx, w.cfg.Concurrency, w.lease)
	if err != nil {
		return 0, err
	}
	errs := make([]error, len(ds))
	var wg sync.WaitGroup
	for i := range ds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.deliver(ctx, &ds[i])
		}()
	}
	wg.Wait()
	return len(ds), errors.Join(errs...)
}

// deliver makes one call and records its outcome.
func (w *Worker) deliver(ctx context.Context, d *customs.WebhookDelivery) error {
	// Writes that end a claim must happen even when ctx has ended.
	bg := context.WithoutCancel(ctx)
	sendErr := w.send(ctx, d)
	switch {
	case sendErr == nil:
		w.deliveries.WithLabelValues("delivered").Inc()
		return w.store.CompleteWebhookEvent(bg, d.ID, d.Lease)
	case ctx.Err() != nil:
		return w.store.ReleaseWebhookEvent(bg, d.ID, d.Lease)
	}
	class := Classify(sendErr)
	w.deliveries.WithLabelValues("failed").Inc()
	// The full error is for the operator's log only; the webhook shows
	// its class.
	w.cfg.Logger.Info("webhook call failed", "webhook", d.WebhookID, "event", EventID(d.ID), "declaration", d.DeclarationID, "class", class, "err", sendErr)
	state, err := w.store.FailWebhookEvent(bg, d.ID, d.Lease, class, customs.WebhookBackoff{
		Base: w.cfg.BackoffBase, Max: w.cfg.BackoffMax, SuspendAfter: w.cfg.SuspendAfter})
	if err != nil {
		return err
	}
	if state == customs.WebhookSuspended {
		w.deliveries.WithLabelValues("suspended").Inc()
		w.cfg.Logger.Warn("webhook suspended: its receiver keeps failing", "webhook", d.WebhookID, "declaration", d.DeclarationID, "class", class)
	}
	return nil
}

// signing is what stamp needs to sign a try again.
type signing struct {
	secret string
	body   []byte
}

type signingKey struct{}

// stamp sets the attempt's timestamp and the signature over it: before the
// first try, and by go-retryablehttp before each quick retry.
func (w *Worker) stamp(req *http.Request) error {
	s, ok := req.Context().Value(signingKey{}).(*signing)
	if !ok {
		return errors.New("webhook: request without its signing")
	}
	ts := w.cfg.NowFunc().Unix()
	req.Header.Set(TimestampHeader, strconv.FormatInt(ts, 10))
	req.Header.Set(SignatureHeader, Sign(s.secret, ts, s.body))
	return nil
}

// send POSTs one event; nil only for a 2xx answer.
func (w *Worker) send(ctx context.Context, d *customs.WebhookDelivery) error {
	body, err := Body(d)
	if err != nil {
		return err
	}
	// The scheme rule holds for webhooks registered before it was set.
	if u, err := url.Parse(d.URL); err != nil || (u.Scheme != "https" && !(u.Scheme == "http" && w.cfg.Targets.AllowHTTP)) {
		return ErrForbiddenTarget
	}
	ctx = context.WithValue(ctx, signingKey{}, &signing{secret: d.Secret, body: body})
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, d.URL, body)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", d.WebhookID, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "jjj-gateway-webhook/1")
	req.Header.Set(EventIDHeader, EventID(d.ID))
	req.Header.Set("X-Webhook-Id", d.WebhookID)
	if err := w.stamp(req.Request); err != nil {
		return err
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("post to webhook %s: %w", d.WebhookID, err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook %s: %w", d.WebhookID, &statusError{resp.StatusCode})
	}
	return nil
}
