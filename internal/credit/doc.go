// Package credit keeps the shared enterprise credit of the three regional
// registries (credit.md, partners.md): it pages each registry's feed from
// its stored cursor, checks and maps the records, merges them per
// enterprise, and serves the merged ratings to routing.
//
// Sync. A Syncer pages every configured registry concurrently, each
// through its own Client (one go-retryablehttp client inside one gobreaker
// breaker per registry, so one registry down never stops the others). Each
// page's records, its skipped records, the merged records it changes and
// the new cursor are written in one transaction (Store.ApplyCreditPage),
// with multi-row upserts: a sync broken off anywhere resumes at the page
// it stopped on, and applying a page twice changes nothing. When a page
// ends with next = null, the cursor stays at that page's own cursor, so the
// next sync asks from there again; re-reading it is harmless.
//
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
// view's version. A rating that starts or expires changes the merged
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
// sequence: a sync in this process refreshes it right after each page
// commits (before OnChange runs); syncs by other gateway processes on the
// same database show within Cache's poll interval (1s by default). That is
// the staleness bound.
package credit
