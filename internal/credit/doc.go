// Package credit keeps the shared enterprise credit of the three regional
// registries (credit.md, partners.md): it pages each registry's feed from
// its stored cursor, checks and maps the records, merges them per
// enterprise, and serves the merged ratings to routing.
//
// Sync. A Syncer pages every configured registry concurrently, each
// through its own Client (one go-retryablehttp client inside one gobreaker
// breaker per registry, so one registry down never stops the others). Each
// page's checked records, its skipped records and the new cursor are
// staged in one transaction (Store.StageCreditPage): a sync broken off
// anywhere resumes at the page it stopped on, and what it staged is kept.
// When a page ends with next = null, the cursor stays at that page's own
// cursor, so the next sync asks from there again; re-reading it is
// harmless.
//
// Flush. At the end of a sync (SyncAll: once the registries are read;
// SyncRegistry: once its registry is), and during a long one every
// FlushEvery, what was staged is applied in bulk: the newest version of
// each enterprise and region is written over the stored record when newer
// (Store.ApplyStagedCredit, one transaction), then the enterprises written
// are merged in chunks (Store.MergeCreditRecords), each chunk with the
// re-route requests of the effective ratings that changed. A first sync
// thus writes each record and each merged record once: written page by
// page, a third of them were written again by a later page of the same
// feed. A ratings change takes effect when the flush after the page that
// brought it commits, within FlushEvery (30 s by default) of the page on
// a long sync, and at the end of an ordinary one.
// Records. An older or equal version never overwrites a newer one;
// `deleted` withdraws the region's record. Hebei's grades (HE only) map AA
// and A to advanced, B and C to general (C also raises watch), D to
// dishonest. A record with an invalid USCC, an unknown rating, a malformed
// date, or that is not a record at all (a missing version, a field of the
// wrong type) is skipped with its reason and counted once per registry,
// record and reason; the rest of the page is kept. A deletion is applied
// whatever its rating and dates say: only its USCC and version must be good.
// A missing effectiveFrom means "in force since always".
//
// Merge (Merge). Per enterprise and region only the newest version counts;
// it contributes when it is not deleted, effectiveFrom ≤ today and
// expiresAt is empty or later than today (today in Beijing time). The
// effective rating is the most severe contribution, general when none.
// Every change of a merged record (rating, watch, name or the records behind
// it) takes the next number of one global sequence, which is the shared
// view's version; changes flushed together are numbered in the order of
// the records' numbers. Every enterprise with a record has a merged
// record, one known only by a withdrawal too (general, with no sources),
// so that the view does not depend on which pages were flushed together.
// A rating that starts or expires changes the merged
// record without a new registry record: each merged record remembers the
// next day one of its records starts or expires, and Syncer.Reevaluate
// (run at every sync and at midnight Beijing time) merges those again and
// numbers their changes. Reading one enterprise re-merges it first when its
// evaluation is stale, so that answer never lags the calendar.
//
// Ratings for routing (Cache). The intake hot path asks Cache, an
// in-memory map of every enterprise with a rating other than general,
// holding its regional records and evaluated for the day asked, so expiry
// is exact with no database round trip. It follows the records' write
// sequence: a flush in this process refreshes it once the records are
// written (and before OnChange runs); flushes by other gateway processes on the
// same database show within Cache's poll interval (1s by default). That is
// the staleness bound, counted from the flush.
package credit
