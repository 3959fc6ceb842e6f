package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"

	"github.com/jjj/gateway/internal/customs"
)

// RequestIDHeader carries a request's id, in and out.
const RequestIDHeader = "X-Request-Id"

// A request id is taken from the caller when it is well-formed: 1–128
// characters of [A-Za-z0-9._-], what common proxies and tracing systems
// send (UUIDs, ULIDs, hex trace ids). Anything else — empty, too long,
// spaces, quotes, control characters — is replaced by one the gateway
// makes rather than refused: an id is for following a call in the logs,
// and a call must not fail for the sake of its log line. The id is echoed
// on every answer (X-Request-Id), in every problem body ("requestId"), in
// the access log line and in the audit trail.
func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// newRequestID makes an id: 16 random bytes in hex, like a trace id.
func newRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// requestInfo is what the access log and the audit trail learn about a
// request as it is served: the middleware puts it in the context, the
// authentication and the handlers fill it in.
type requestInfo struct {
	id          string
	keyID       string
	role        string
	port        string
	declaration string
	// actor, target and code feed the audit trail (audit.go): the
	// principal's Actor, what a call made, the error code it answered.
	actor  string
	target string
	code   customs.ErrorCode
	// audited is set when the call's entry was written with its change
	// (intake's transaction), so the HTTP layer does not write it again.
	audited bool
}

const infoKey ctxKey = 1

func infoFrom(ctx context.Context) *requestInfo {
	ri, _ := ctx.Value(infoKey).(*requestInfo)
	return ri
}

// RequestID returns the id of the request ctx belongs to; "" outside one.
func RequestID(ctx context.Context) string {
	if ri := infoFrom(ctx); ri != nil {
		return ri.id
	}
	return ""
}

// noteDeclaration records the declaration a request concerns, for its
// access log line (and so, by the declaration id, the workers' lines).
func noteDeclaration(r *http.Request, id string) {
	if ri := infoFrom(r.Context()); ri != nil && id != "" {
		ri.declaration = id
	}
}
