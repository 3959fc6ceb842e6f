// Package outbox delivers declarations and route amendments to the unified
// review centre, exactly once in effect.
//
// A message is enqueued in the same transaction as the change it reports
// (a declaration is enqueued by postgres.InsertDeclaration with the
// declaration itself; a route amendment by EnqueueRoute in the re-route's
// transaction), so it exists if and only if that change committed.
//
// The Dispatcher claims due rows with FOR UPDATE SKIP LOCKED, oldest first,
// and marks them running under a lease: several processes on one database
// never hold the same row, and a row whose claimer died mid-send is due
// again when its lease runs out. Delivery is at least once; every message
// carries its idempotency key (the declaration id, or
// "<declaration id>:route:<n>"), and the review centre keeps the first
// message of each key that it accepted, so a second send (only after a lost
// answer or a lost claimer) is answered 409 with the same receipt and
// changes nothing. At least once plus the key is exactly once in effect.
//
// Outcomes, classified once by the review centre client:
//
//   - accepted: completed; a declaration is delivered with its entry id, on
//     its timeline, and its status derived again (Lifecycle, which the
//     declaration lifecycle implements: the outbox sits below it);
//   - refused for good: discarded with the reasons (a dead delivery, shown
//     to the operator, replayable); a declaration becomes delivery_failed;
//   - transient: retryable at RetryPolicy.NextRetry, exponential with full
//     jitter and a cap, never sooner than the review centre's Retry-After;
//   - the breaker open: the dispatcher stops claiming until the breaker
//     lets a probe through; a row that met the open breaker anyway is
//     snoozed without spending an attempt.
//
// Throughput: claims run ahead of the senders by up to a batch, a sender
// is free as soon as its answer is in hand, and acceptances are recorded
// in batches, each in one transaction of a few statements whatever its
// size (see recorder); if a batch cannot be recorded, its acceptances are
// recorded one by one, so a row that cannot be recorded holds none of the
// others back. The recording commits without waiting for the disk (an
// outcome lost in a crash is sent again and answered 409).
//
// A route amendment is not claimed before its declaration was delivered
// and every earlier amendment of the same declaration finished, so the
// review centre never sees an amendment of a declaration it does not have.
// Rows of different declarations never wait for each other: a message that
// keeps failing is rescheduled and the claim moves past it.
package outbox
