package postgres

// Applying what the registries' pages staged (credit_stage.go), in two
// steps, each under creditLock:
//
//   - ApplyStagedCredit, one transaction: of the staged rows the newest
//     version of each enterprise and region is kept, and written over the
//     stored record when it is newer, in the primary key's order, each
//     with the next record sequence number; the staging table is emptied.
//   - MergeCreditRecords, one transaction per chunk: the records numbered
//     above credit_merge_mark, in the order of their numbers, are merged
//     again per enterprise (with all its other records), the changed
//     merged records written with the next versions, the re-routes asked,
//     and the mark moved past them.
//
// A crash between the two, or in the middle of the merge, leaves the
// records numbered above the mark: the next flush merges them. The cache
// follows the records, so routing sees a flushed record before its merged
// record is written.

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/jjj/gateway/internal/customs"
)

// ApplyStagedCredit writes the newest staged version of each enterprise
// and region over the stored one when it is newer (an older or equal
// version never overwrites; of two equal staged versions the first staged
// counts), each with the next record sequence number, in the primary
// key's order; it empties credit_staged and returns how many records it
// wrote, by region. Pages being staged when it starts are waited for;
// those staged while it runs wait for its commit.
func (db *DB) ApplyStagedCredit(ctx context.Context) (map[customs.Region]int, error) {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("apply staged credit: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, creditLock); err != nil {
		return nil, fmt.Errorf("apply staged credit: lock: %w", err)
	}
	// The sort of a first sync's million rows stays in memory. EXCLUSIVE
	// lets readers in (the metrics count the rows) but no writer, so that
	// the TRUNCATE at the end removes only what was read: a DELETE would
	// leave every row dead until a vacuum, for the next flush to scan.
	if _, err := tx.ExecContext(ctx, `SET LOCAL work_mem = '256MB'; LOCK TABLE credit_staged IN EXCLUSIVE MODE`); err != nil {
		return nil, fmt.Errorf("apply staged credit: lock: %w", err)
	}
	rows, err := tx.QueryxContext(ctx, applyStagedSQL)
	if err != nil {
		return nil, fmt.Errorf("apply staged credit: %w", err)
	}
	applied := map[customs.Region]int{}
	for rows.Next() {
		var (
			region customs.Region
			n      int
		)
		if err := rows.Scan(&region, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("apply staged credit: %w", err)
		}
		applied[region] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("apply staged credit: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `TRUNCATE credit_staged`); err != nil {
		return nil, fmt.Errorf("apply staged credit: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("apply staged credit: commit: %w", err)
	}
	return applied, nil
}

// applyStagedSQL is ApplyStagedCredit's statement. The writes go in the
// primary key's order, so the B-tree inserts of a first sync append to
// the same leaf pages.
const applyStagedSQL = `WITH d AS (
		SELECT DISTINCT ON (uscc, region) * FROM credit_staged ORDER BY uscc, region, source_version DESC, id
	), w AS (
		INSERT INTO credit_record AS c (uscc, region, name, published, rating, watch, reason, effective_from, expires_at,
			source_version, updated_at, deleted, synced_at, seq)
		SELECT uscc, region, name, published, rating, watch, reason, effective_from, expires_at,
			source_version, updated_at, deleted, synced_at, nextval('credit_record_seq')
		FROM d
		ON CONFLICT (uscc, region) DO UPDATE SET name = EXCLUDED.name, published = EXCLUDED.published, rating = EXCLUDED.rating,
			watch = EXCLUDED.watch, reason = EXCLUDED.reason, effective_from = EXCLUDED.effective_from,
			expires_at = EXCLUDED.expires_at, source_version = EXCLUDED.source_version, updated_at = EXCLUDED.updated_at,
			deleted = EXCLUDED.deleted, synced_at = EXCLUDED.synced_at, seq = EXCLUDED.seq
		WHERE c.source_version < EXCLUDED.source_version
		RETURNING c.region
	), g AS (
		SELECT region, count(*) AS n FROM w GROUP BY region
	), cu AS (
		UPDATE credit_cursor SET applied = applied + g.n FROM g WHERE credit_cursor.region = g.region
	)
	SELECT region, n FROM g`

// MergeCreditRecords merges again, for day, the enterprises of the next
// limit records numbered above credit_merge_mark, writes their merged
// records that changed (each change with the next version, in the
// records' order), asks the re-routes of the effective ratings that
// changed, and moves the mark past those records, in one transaction
// under creditLock. It returns the enterprises whose effective rating
// changed, how many merged records changed and how many records it took;
// call it until that is below limit.
func (db *DB) MergeCreditRecords(ctx context.Context, day string, now time.Time, merge customs.CreditMergeFunc, limit int) ([]string, int, int, error) {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("merge credit records: %w", err)
	}
	defer tx.Rollback()
	// The mark is read once the lock is held, in a statement of its own:
	// a snapshot taken before the wait would miss a move committed while
	// it waited.
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, creditLock); err != nil {
		return nil, 0, 0, fmt.Errorf("merge credit records: lock: %w", err)
	}
	var mark int64
	if err := tx.GetContext(ctx, &mark, `SELECT seq FROM credit_merge_mark`); err != nil {
		return nil, 0, 0, fmt.Errorf("merge credit records: %w", err)
	}
	ch, err := readCreditChunk(ctx, tx, mark, limit)
	if err != nil || ch.taken == 0 {
		return nil, 0, 0, err
	}
	changed, bumped, err := mergeAndWrite(ctx, tx, ch.usccs, ch.recs, day, now, merge)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("merge credit records: %w", err)
	}
	reasons := make([]string, len(changed))
	for i, u := range changed {
		reasons[i] = "credit rating changed (" + string(ch.regions[u]) + " registry)"
	}
	if _, err := tx.ExecContext(ctx, `WITH rr AS (
			INSERT INTO reroute_request (uscc, reason, actor) SELECT u.uscc, u.reason, $3 FROM unnest($1::text[], $2::text[]) AS u(uscc, reason))
		UPDATE credit_merge_mark SET seq = $4`, pq.Array(changed), pq.Array(reasons), creditActor, ch.through); err != nil {
		return nil, 0, 0, fmt.Errorf("merge credit records: re-routes and mark: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, 0, 0, fmt.Errorf("merge credit records: commit: %w", err)
	}
	return changed, bumped, ch.taken, nil
}

// creditChunk is a run of records numbered above a mark, taken of them
// through through, with every stored record of their enterprises (recs);
// the enterprises in the order of their first record of the run, each
// with the first region (BJ, TJ, HE) among its records of the run, the
// one a re-route names.
type creditChunk struct {
	taken   int
	through int64
	usccs   []string
	recs    map[string][]customs.CreditRecord
	regions map[string]customs.Region
}

// readCreditChunk reads the next limit records numbered above after and
// every stored record of their enterprises, in one statement. The
// enterprises go to the primary key as an array built in the statement,
// so that it is an index lookup whatever the planner thinks of the
// table's size.
func readCreditChunk(ctx context.Context, q sqlx.QueryerContext, after int64, limit int) (creditChunk, error) {
	ch := creditChunk{through: after, recs: map[string][]customs.CreditRecord{}, regions: map[string]customs.Region{}}
	rows, err := q.QueryxContext(ctx, `WITH c AS MATERIALIZED (
			SELECT uscc, seq FROM credit_record WHERE seq > $2 ORDER BY seq LIMIT $1)
		SELECT `+creditRecordCols+`, seq, (SELECT max(seq) FROM c)
		FROM credit_record WHERE uscc = ANY(ARRAY(SELECT DISTINCT uscc FROM c))`, limit, after)
	if err != nil {
		return ch, fmt.Errorf("read credit chunk: %w", err)
	}
	defer rows.Close()
	first := map[string]int64{}
	for rows.Next() {
		var (
			r              customs.CreditRecord
			region, rating string
			seq            int64
		)
		if err := rows.Scan(&region, &r.USCC, &r.Name, &r.Published, &rating, &r.Watch, &r.Reason, &r.EffectiveFrom, &r.ExpiresAt,
			&r.Version, &r.UpdatedAt, &r.Deleted, &seq, &ch.through); err != nil {
			return ch, fmt.Errorf("read credit chunk: %w", err)
		}
		r.Region, r.Rating = customs.Region(region), customs.Rating(rating)
		ch.recs[r.USCC] = append(ch.recs[r.USCC], r)
		if seq <= after || seq > ch.through {
			continue // an older record, or one of the next chunk
		}
		ch.taken++
		if f, seen := first[r.USCC]; !seen || seq < f {
			first[r.USCC] = seq
		}
		if was, seen := ch.regions[r.USCC]; !seen || regionRank(r.Region) < regionRank(was) {
			ch.regions[r.USCC] = r.Region
		}
	}
	if err := rows.Err(); err != nil {
		return ch, fmt.Errorf("read credit chunk: %w", err)
	}
	ch.usccs = make([]string, 0, len(first))
	for u := range first {
		ch.usccs = append(ch.usccs, u)
	}
	slices.SortFunc(ch.usccs, func(a, b string) int { return cmp.Compare(first[a], first[b]) })
	return ch, nil
}

// regionRank orders the regions as the spec lists them.
func regionRank(r customs.Region) int {
	return slices.Index([]customs.Region{customs.RegionBJ, customs.RegionTJ, customs.RegionHE}, r)
}

// creditMergedOf returns the stored merged records of usccs, by USCC.
func creditMergedOf(ctx context.Context, q sqlx.QueryerContext, usccs []string) (map[string]*customs.MergedCredit, error) {
	// The array built in the statement: with its thousands of elements
	// in view, the planner priced their lookups above a sequential scan of
	// a large credit_merged, which took 100 ms where the lookups took 3.
	olds, err := queryCreditMerged(ctx, q, `SELECT `+creditMergedCols+` FROM credit_merged WHERE uscc = ANY(ARRAY(SELECT unnest($1::text[])))`, pq.Array(usccs))
	if err != nil {
		return nil, err
	}
	old := make(map[string]*customs.MergedCredit, len(olds))
	for i := range olds {
		old[olds[i].USCC] = &olds[i]
	}
	return old, nil
}

// mergedWrite is a merged record to write: over a stored one (exists) or
// new; bump when it takes a new version.
type mergedWrite struct {
	m            customs.MergedCredit
	exists, bump bool
}

// mergeCredit merges usccs again for day from their records (recs) and
// compares with their stored merged records (old). It returns the merged
// records to write, in the order of usccs, the enterprises whose effective
// rating changed, and how many writes take a new version. A merged record
// whose view is unchanged keeps its version (and is written only when its
// next change or evaluation day moved). Every enterprise with a record has
// a merged record, one known only by a withdrawal too (general, with no
// sources): what the view shows must not depend on how the pages that
// brought a rating and its withdrawal were flushed.
func mergeCredit(usccs []string, recs map[string][]customs.CreditRecord, old map[string]*customs.MergedCredit, day string, now time.Time, merge customs.CreditMergeFunc) ([]mergedWrite, []string, int) {
	var (
		writes     []mergedWrite
		effChanged []string
		bumped     int
	)
	for _, u := range usccs {
		m := merge(u, recs[u], day)
		m.USCC, m.EvaluatedOn, m.ChangedAt = u, day, now
		o := old[u]
		oldRating := customs.RatingGeneral
		if o != nil {
			oldRating = o.Rating
			if o.SameView(&m) {
				if o.NextChange == m.NextChange && o.EvaluatedOn == day {
					continue
				}
				m.Version, m.ChangedAt = o.Version, o.ChangedAt
				writes = append(writes, mergedWrite{m: m, exists: true})
				continue
			}
		}
		writes = append(writes, mergedWrite{m: m, exists: o != nil, bump: true})
		bumped++
		if m.Rating != oldRating {
			effChanged = append(effChanged, u)
		}
	}
	return writes, effChanged, bumped
}

// remerge merges the given enterprises again for day and writes those
// whose merged record changed, each change with the next number of the
// global sequence, in the order of usccs. It returns the enterprises whose
// effective rating changed and how many merged records changed. The caller
// holds creditLock.
func remerge(ctx context.Context, tx *sqlx.Tx, usccs []string, day string, now time.Time, merge customs.CreditMergeFunc) ([]string, int, error) {
	recs, err := creditRecords(ctx, tx, usccs)
	if err != nil {
		return nil, 0, err
	}
	return mergeAndWrite(ctx, tx, usccs, recs, day, now, merge)
}

// mergeAndWrite is remerge once the records are read (recs, by USCC).
func mergeAndWrite(ctx context.Context, tx *sqlx.Tx, usccs []string, recs map[string][]customs.CreditRecord, day string, now time.Time, merge customs.CreditMergeFunc) ([]string, int, error) {
	old, err := creditMergedOf(ctx, tx, usccs)
	if err != nil {
		return nil, 0, err
	}
	writes, effChanged, bumped := mergeCredit(usccs, recs, old, day, now, merge)
	if len(writes) == 0 {
		return nil, 0, nil
	}
	if err := writeCreditMerged(ctx, tx, writes, bumped); err != nil {
		return nil, 0, err
	}
	return effChanged, bumped, nil
}

// mergedCTEs writes the merged records of the arrays $first to $first+11
// (see mergedArgs): m, mi (inserted) and mu (updated); versions taken
// from n.version on for those with an offset (vo).
func mergedCTEs(first int) string {
	a := func(i int) string { return fmt.Sprintf("$%d", first+i) }
	return `m AS MATERIALIZED (
			SELECT * FROM unnest(` + a(0) + `::text[], ` + a(1) + `::text[], ` + a(2) + `::text[], ` + a(3) + `::boolean[], ` + a(4) + `::text[],
				` + a(5) + `::bigint[], ` + a(6) + `::bigint[], ` + a(7) + `::text[], ` + a(8) + `::text[], ` + a(9) + `::text[], ` + a(10) + `::boolean[])
				AS m(uscc, name, rating, watch, sources, ver, vo, ev, nx, ch, ex)
		), mi AS (
			INSERT INTO credit_merged (uscc, name, rating, watch, sources, version, evaluated_on, next_change, changed_at)
			SELECT m.uscc, m.name, m.rating, m.watch, m.sources::jsonb, CASE WHEN m.vo >= 0 THEN n.version + m.vo ELSE m.ver END,
				m.ev::date, NULLIF(m.nx, '')::date, m.ch::timestamptz
			FROM m, n WHERE NOT m.ex
		), mu AS (
			UPDATE credit_merged AS t SET name = m.name, rating = m.rating, watch = m.watch, sources = m.sources::jsonb,
				version = CASE WHEN m.vo >= 0 THEN n.version + m.vo ELSE m.ver END,
				evaluated_on = m.ev::date, next_change = NULLIF(m.nx, '')::date, changed_at = m.ch::timestamptz
			FROM m, n WHERE m.ex AND t.uscc = m.uscc AND t.uscc = ANY(` + a(11) + `::text[])
		)`
}

// mergedArgs are the 12 arrays of mergedCTEs: the columns, each write's
// offset among those that take a new version (-1: it keeps its version),
// and the USCCs of those written over a stored one (so that the UPDATE
// finds them by the primary key whatever the planner thinks of the
// table's size: autovacuum may lag).
func mergedArgs(writes []mergedWrite) ([]any, error) {
	n := len(writes)
	var (
		uscc, name, rating, sources, evaluated, next, changed = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		watch, exists                                         = make([]bool, n), make([]bool, n)
		versions, offsets                                     = make([]int64, n), make([]int64, n)
		over                                                  []string
	)
	bump := int64(0)
	for i := range writes {
		w := &writes[i].m
		offsets[i] = -1
		if writes[i].bump {
			offsets[i] = bump
			bump++
		}
		b, err := encodeCreditSources(w.Sources)
		if err != nil {
			return nil, err
		}
		uscc[i], name[i], rating[i], sources[i], evaluated[i], next[i] = w.USCC, w.Name, string(w.Rating), string(b), w.EvaluatedOn, w.NextChange
		changed[i] = w.ChangedAt.UTC().Format(time.RFC3339Nano)
		watch[i], versions[i], exists[i] = w.Watch, w.Version, writes[i].exists
		if exists[i] {
			over = append(over, w.USCC)
		}
	}
	return []any{pq.Array(uscc), pq.Array(name), pq.Array(rating), pq.Array(watch), pq.Array(sources), pq.Array(versions), pq.Array(offsets),
		pq.Array(evaluated), pq.Array(next), pq.Array(changed), pq.Array(exists), pq.Array(over)}, nil
}

// numbersCTE takes $n record sequence numbers and $m merged versions, each
// a block of consecutive numbers (setval(nextval + k - 1) takes k numbers
// with two calls), and gives the first of each (0 when none is asked; a
// sequence is left alone then). The caller holds creditLock, which every
// user of the two sequences holds, so a block is consecutive and a reader
// following either sequence still sees a prefix committed.
func numbersCTE(n, m int) string {
	return fmt.Sprintf(`n AS MATERIALIZED (SELECT
			CASE WHEN $%[1]d::bigint > 0 THEN setval('credit_record_seq', nextval('credit_record_seq') + $%[1]d::bigint - 1) - $%[1]d::bigint + 1 ELSE 0 END AS seq,
			CASE WHEN $%[2]d::bigint > 0 THEN setval('credit_merged_seq', nextval('credit_merged_seq') + $%[2]d::bigint - 1) - $%[2]d::bigint + 1 ELSE 0 END AS version)`, n, m)
}

// writeMergedSQL writes merged records: $1 the versions asked, $2–$13
// the merged records ($14, the record numbers asked, is 0).
var writeMergedSQL = `WITH ` + numbersCTE(14, 1) + `, ` + mergedCTEs(2) + ` SELECT version FROM n`

// writeCreditMerged writes merged records, bumped of them taking new
// versions in their order: new ones inserted, the others updated. The
// caller holds creditLock.
func writeCreditMerged(ctx context.Context, tx *sqlx.Tx, writes []mergedWrite, bumped int) error {
	merged, err := mergedArgs(writes)
	if err != nil {
		return err
	}
	args := append(append([]any{bumped}, merged...), 0)
	var version int64
	if err := tx.QueryRowxContext(ctx, writeMergedSQL, args...).Scan(&version); err != nil {
		return fmt.Errorf("write merged: %w", err)
	}
	return nil
}
