package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// EventType is the one event there is.
const EventType = "declaration.status"

// The headers of a call (api.md).
const (
	// TimestampHeader carries the unix seconds of the attempt.
	TimestampHeader = "X-Webhook-Timestamp"
	// SignatureHeader carries "sha256=" and the hex HMAC-SHA256, under the
	// webhook's secret, of "<timestamp>.<body>".
	SignatureHeader = "X-Signature"
	// EventIDHeader repeats the event's id, so a receiver can drop repeats.
	EventIDHeader = "X-Event-Id"
)

// MaxAge is how old a call may be before a receiver should refuse it as
// stale or replayed (api.md: more than 5 minutes). Verify allows as much
// the other way, for a receiver whose clock runs behind the gateway's.
const MaxAge = 5 * time.Minute

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

// EventID is the public id of a queued event.
func EventID(id int64) string { return "ev_" + strconv.FormatInt(id, 10) }

// Body returns the JSON body of a claimed event.
func Body(d *customs.WebhookDelivery) ([]byte, error) {
	ev := Event{Event: EventType, ID: EventID(d.ID), DeclarationID: d.DeclarationID, PortRef: d.PortRef,
		Status: d.Status, At: d.At.UTC(), Route: d.Route}
	if d.Previous != "" {
		p := d.Previous
		ev.Previous = &p
	}
	if len(ev.Route) == 0 {
		ev.Route = json.RawMessage("null")
	}
	return json.Marshal(ev)
}

// Sign returns the X-Signature value of body sent at unix time ts under
// secret: "sha256=" and the hex HMAC-SHA256 of "<ts>.<body>". The
// timestamp is signed with the body so that a captured call cannot be
// replayed later under a new timestamp.
func Sign(secret string, ts int64, body []byte) string {
	return "sha256=" + hex.EncodeToString(mac(secret, strconv.FormatInt(ts, 10), body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return m.Sum(nil)
}

// Errors of Verify.
var (
	// ErrBadSignature: the signature is missing, malformed, or not the
	// body's and timestamp's under the secret.
	ErrBadSignature = errors.New("webhook: bad signature")
	// ErrStale: the signature is good but the timestamp is more than
	// MaxAge from now: a replay, or a call held up too long.
	ErrStale = errors.New("webhook: stale timestamp")
)

// Verify is what a receiver does before trusting a call: timestamp and
// signature are the X-Webhook-Timestamp and X-Signature headers as
// received. It checks the signature in constant time, then that the
// timestamp is within MaxAge of now; nil when both hold.
func Verify(secret string, body []byte, timestamp, signature string, now time.Time) error {
	hexSum, ok := strings.CutPrefix(signature, "sha256=")
	if !ok {
		return ErrBadSignature
	}
	got, err := hex.DecodeString(hexSum)
	if err != nil {
		return ErrBadSignature
	}
	// Only plain decimal seconds: what is signed is the header's text, so
	// "+17..." or "017..." would sign a different string than Sign makes.
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || timestamp != strconv.FormatInt(ts, 10) {
		return ErrBadSignature
	}
	if !hmac.Equal(got, mac(secret, timestamp, body)) {
		return ErrBadSignature
	}
	if age := now.Sub(time.Unix(ts, 0)); age > MaxAge || age < -MaxAge {
		return ErrStale
	}
	return nil
}
