package webhook

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oklog/ulid/v2"

	"github.com/jjj/gateway/internal/customs"
)

// RegistryStore is the storage of registered webhooks, in domain terms.
// Every call scoped by enterprise finds nothing outside it
// (customs.CodeNotFound); enterprise "" is the operator's scope, all.
type RegistryStore interface {
	// InsertWebhook stores a new active webhook unless its enterprise has
	// max already (customs.CodeConflict).
	InsertWebhook(ctx context.Context, w *customs.Webhook, max int) error
	Webhooks(ctx context.Context, enterprise string) ([]customs.Webhook, error)
	// WebhooksByState lists every enterprise's webhooks with their events
	// waiting (Pending); state "" is all but deleted.
	WebhooksByState(ctx context.Context, state customs.WebhookState) ([]customs.Webhook, error)
	Webhook(ctx context.Context, id, enterprise string) (*customs.Webhook, error)
	DeleteWebhook(ctx context.Context, id, enterprise string) error
	ResumeWebhook(ctx context.Context, id, enterprise string) (*customs.Webhook, error)
}

// RegistryConfig configures a Registry. Zero values mean the defaults.
type RegistryConfig struct {
	// Targets is where a webhook may point (WEBHOOK_ALLOW_HTTP,
	// WEBHOOK_ALLOW_PRIVATE).
	Targets Targets
	// MaxPerEnterprise is the most webhooks one enterprise may have; zero
	// means 10.
	MaxPerEnterprise int
	// NowFunc: nil means time.Now.
	NowFunc func() time.Time
}

// Registry is the enterprises' side of webhooks and the operator's view of
// them: what the HTTP layer calls.
type Registry struct {
	store RegistryStore
	cfg   RegistryConfig
}

// NewRegistry returns a registry on store.
func NewRegistry(store RegistryStore, cfg RegistryConfig) *Registry {
	if cfg.MaxPerEnterprise <= 0 {
		cfg.MaxPerEnterprise = 10
	}
	if cfg.NowFunc == nil {
		cfg.NowFunc = time.Now
	}
	return &Registry{store: store, cfg: cfg}
}

// Secret lengths: short enough to store, long enough that an HMAC under it
// cannot be guessed.
const (
	MinSecret = 16
	MaxSecret = 256
)

// Register stores a new webhook of enterprise. Every problem of the
// request is reported at once, each at its path (/url, /secret), as a
// customs.CodeInvalid error: a URL that is not https (without
// AllowHTTP) or malformed is invalid_url, one whose host is or resolves
// to an address the gateway does not call is forbidden_target. The
// secret is stored as given (it must sign) and never shown again.
func (r *Registry) Register(ctx context.Context, enterprise, rawURL, secret string) (*customs.Webhook, error) {
	var ps customs.Problems
	switch {
	case rawURL == "":
		ps.Add("/url", customs.ProblemMissingField, "url is required")
	default:
		if err := r.cfg.Targets.CheckURL(ctx, rawURL); err != nil {
			var te *TargetError
			if !errors.As(err, &te) {
				return nil, err
			}
			ps.Add("/url", te.Code, "%s", te.Message)
		}
	}
	switch {
	case secret == "":
		ps.Add("/secret", customs.ProblemMissingField, "secret is required: it signs every delivery")
	case len(secret) < MinSecret || len(secret) > MaxSecret:
		ps.Add("/secret", "invalid_secret", "secret must be %d to %d bytes long", MinSecret, MaxSecret)
	case strings.ContainsRune(secret, 0) || !utf8.ValidString(secret):
		// The HTTP layer refuses such JSON first; stored text cannot hold it.
		ps.Add("/secret", "invalid_secret", "secret must be text without NUL")
	}
	if err := ps.Err(customs.CodeInvalid, "webhook request does not validate"); err != nil {
		return nil, err
	}
	w := &customs.Webhook{ID: "wh_" + ulid.Make().String(), Enterprise: enterprise, URL: rawURL, Secret: secret,
		CreatedAt: r.cfg.NowFunc().UTC().Truncate(time.Microsecond)}
	if err := r.store.InsertWebhook(ctx, w, r.cfg.MaxPerEnterprise); err != nil {
		return nil, err
	}
	return w, nil
}

// List returns an enterprise's webhooks, oldest first.
func (r *Registry) List(ctx context.Context, enterprise string) ([]customs.Webhook, error) {
	return r.store.Webhooks(ctx, enterprise)
}

// Get returns one webhook within enterprise's scope ("" for the operator).
func (r *Registry) Get(ctx context.Context, id, enterprise string) (*customs.Webhook, error) {
	return r.store.Webhook(ctx, id, enterprise)
}

// Delete deletes a webhook of enterprise; its undelivered events are
// discarded.
func (r *Registry) Delete(ctx context.Context, id, enterprise string) error {
	return r.store.DeleteWebhook(ctx, id, enterprise)
}

// Resume makes a suspended webhook active again, its failures forgotten;
// its queued events go out at once, in order. enterprise "" is the
// operator.
func (r *Registry) Resume(ctx context.Context, id, enterprise string) (*customs.Webhook, error) {
	return r.store.ResumeWebhook(ctx, id, enterprise)
}

// ByState lists every enterprise's webhooks for the operator, suspended
// first, each with its events waiting; state "" is all but deleted, other
// than active or suspended is customs.CodeBadRequest at the query's state.
func (r *Registry) ByState(ctx context.Context, state customs.WebhookState) ([]customs.Webhook, error) {
	switch state {
	case "", customs.WebhookActive, customs.WebhookSuspended:
	default:
		e := customs.Errorf(customs.CodeBadRequest, "state must be active or suspended")
		e.Problems = []customs.Problem{{Path: "state", Code: customs.ProblemInvalidEnum, Message: e.Message}}
		return nil, e
	}
	return r.store.WebhooksByState(ctx, state)
}
