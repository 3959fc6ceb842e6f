// Package webhook pushes every status change of an enterprise's
// declarations to the URLs it registered (api.md "Enterprises and credit").
//
// Events are queued in the database by the status change itself:
// postgres.ChangeStatus, ChangeStatuses and InsertDeclaration insert one
// webhook_event row per webhook of each enterprise of the declaration, in
// the same statement as the change. A change that commits therefore has its
// events, one that rolls back has none, and a gateway that stops or crashes
// loses nothing: the next Worker, in this process or another, picks the
// queue up where it was.
//
// Delivery is at least once. Each event is POSTed as JSON
//
//	{"event": "declaration.status", "id", "declarationId", "portRef",
//	 "status", "previous", "at", "route"}
//
// with X-Signature: sha256=<hex HMAC-SHA256 of the body under the webhook's
// secret>, and X-Event-Id repeating "id" so a receiver can drop a repeat
// (a worker that dies after the receiver answered but before the answer was
// recorded sends the event again).
//
// Events of one declaration reach one webhook strictly in order: event n+1
// is not sent before event n was answered 2xx. Events of different
// declarations go out independently.
//
// Failures back off per webhook, not per event: a receiver that is down
// is not hammered with every queued event. A failed attempt (after
// go-retryablehttp's own quick retries) makes the webhook wait, doubling
// each time; after Config.SuspendAfter failures in a row it is suspended.
// A suspended webhook keeps collecting events, which the operator sees
// (GET /v1/admin/webhooks) and which go out, in order, once the enterprise
// or the operator resumes it.
package webhook
