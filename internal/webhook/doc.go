// Package webhook pushes every status change of an enterprise's
// declarations to the URLs it registered (api.md "Enterprises and credit"),
// and keeps those URLs pointing only where the gateway may call.
//
// Events are queued in the database by the status change itself: the
// store writes one webhook event per webhook of each enterprise of the
// declaration in the same statement as the change. A change that commits
// therefore has its events, one that rolls back has none, and a gateway
// that stops or crashes loses nothing: the next Worker, in this process or
// another, picks the queue up where it was.
//
// Delivery is at least once. Each event is POSTed as JSON
//
//	{"event": "declaration.status", "id", "declarationId", "portRef",
//	 "status", "previous", "at", "route"}
//
// with
//
//	X-Webhook-Timestamp: <unix seconds of the attempt>
//	X-Signature: sha256=<hex HMAC-SHA256 under the secret of "<timestamp>.<body>">
//
// and X-Event-Id repeating "id" so a receiver can drop a repeat (a worker
// that dies after the receiver answered but before the answer was recorded
// sends the event again). A receiver checks a call with Verify: the
// signature, then that the timestamp is within MaxAge (5 minutes), so a
// captured call cannot be replayed later. Each quick retry is stamped and
// signed anew.
//
// One receiver cannot hold up another's. Each webhook is called on its own
// schedule: at most one call in flight per webhook, in all processes
// together (the claim marks the webhook busy until the call ends or its
// lease does), each call limited by Config.Timeout, and the worker never
// waits for one call before starting another webhook's. A webhook's events
// go out one at a time, oldest first, so events of one declaration reach
// it strictly in order: event n+1 is not sent before event n was answered
// 2xx.
//
// Failures back off per webhook, not per event: a receiver that is down is
// not hammered with every queued event. A failed call (after
// go-retryablehttp's own quick retries) makes the webhook wait, doubling
// each time; after Config.SuspendAfter failures in a row it is suspended.
// A suspended webhook keeps collecting events, which the operator sees and
// which go out, in order, once the enterprise or the operator resumes it.
// The webhook's lastError is the failure's class (Classify: "timeout",
// "refused", "tls", "status 503", "forbidden_target", ...), never the
// receiver's own text, so the list of one's webhooks cannot be used to
// learn what answers at an inner address and port.
//
// Where a webhook may point (Targets): https only unless AllowHTTP, and,
// unless AllowPrivate, never a host that is or resolves to a loopback,
// private, shared, link-local, unspecified, multicast or other
// special-purpose address, IPv4 inside IPv6 included. The rule is checked
// when a webhook is registered (422 forbidden_target at /url) and again at
// every connection: the worker's dialer resolves the name itself, refuses
// the call if any address is inner, connects to the checked address by
// number, and a net.Dialer Control hook looks at the socket's address once
// more. A name that resolved outside at registration and inside later
// (DNS rebinding) is therefore never called; the call fails as
// forbidden_target and counts as a failure. Calls take no proxy from the
// environment, since the address checked must be the receiver's.
package webhook
