package postgres

// Applying what the registries' pages staged (credit_stage.go), in two
// steps, each holding creditLock:
//
//   - ApplyStagedCredit: of the staged rows the newest version of each
//     enterprise and region is kept, and written over the stored record
//     when it is newer, in the primary key's order, each with a record
//     sequence number; the staging table is emptied.
//   - The merge, one chunk at a time: ReadCreditChunk reads the records
//     numbered above credit_merge_mark with all the other records of
//     their enterprises, and MergeCreditChunk merges those enterprises
//     again, writes the changed merged records with the next versions,
//     asks the re-routes and moves the mark past the chunk, in one
//     transaction.
//
// A crash between the two, or in the middle of the merge, leaves the
// records numbered above the mark: the next flush merges them. The cache
// follows the records, so routing may see a flushed record before its
// merged record is written.

import (
	"cmp"
	"context"
	"database/sql/driver"
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
// counts), each with a record sequence number, in the primary key's
// order; it empties credit_staged and returns how many records it wrote,
// by region. Pages being staged when it starts are waited for; those
// staged while it runs wait for its commit.
//
// A large batch is written in two halves by USCC, by two transactions at
// once: one backend sorting and inserting three quarters of a million rows
// kept one core busy for eight seconds while the other idled. Each half
// numbers its records from its own block of credit_record_seq, the lower
// half's block first, and the lower half commits first, while a
// session-level hold of creditLock on the lower half's connection keeps
// every other writer of the sequence out: the committed numbers stay a
// prefix.
func (db *DB) ApplyStagedCredit(ctx context.Context) (map[customs.Region]int, error) {
	// Both connections are taken before the lock, so that holding the
	// lock never waits for the pool: writers queued for the lock each hold
	// a connection. A pool too small to spare two writes in one half.
	conn, err := db.Connx(ctx)
	if err != nil {
		return nil, fmt.Errorf("apply staged credit: %w", err)
	}
	defer conn.Close()
	var other *sqlx.Conn
	if n := db.Stats().MaxOpenConnections; n == 0 || n >= 4 {
		if other, err = db.Connx(ctx); err != nil {
			return nil, fmt.Errorf("apply staged credit: %w", err)
		}
		defer other.Close()
	}
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, creditLock); err != nil {
		return nil, fmt.Errorf("apply staged credit: lock: %w", err)
	}
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, creditLock); err != nil {
			// A connection that may still hold the lock must not go back
			// to the pool: closing it releases the lock.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()

	lower, err := beginApply(ctx, conn)
	if err != nil {
		return nil, err
	}
	defer lower.Rollback()
	// The staged rows are still now (SHARE keeps writers out): split
	// them at the median USCC of a sample, when there are many.
	var (
		mid      string
		nLo, nHi int64
	)
	if err := lower.QueryRowxContext(ctx, `WITH m AS (
			SELECT CASE WHEN count(*) >= $1 THEN percentile_disc(0.5) WITHIN GROUP (ORDER BY uscc COLLATE "C") ELSE '' END AS mid
			FROM credit_staged TABLESAMPLE SYSTEM (1))
		SELECT m.mid, count(s.uscc) FILTER (WHERE m.mid = '' OR s.uscc COLLATE "C" < m.mid),
			count(s.uscc) FILTER (WHERE m.mid <> '' AND s.uscc COLLATE "C" >= m.mid)
		FROM m LEFT JOIN credit_staged AS s ON true GROUP BY m.mid`, cmp.Or(db.applySplit, applySplitSample)).Scan(&mid, &nLo, &nHi); err != nil {
		return nil, fmt.Errorf("apply staged credit: split: %w", err)
	}
	var first int64
	if err := lower.GetContext(ctx, &first, `SELECT CASE WHEN $1::bigint > 0 THEN setval('credit_record_seq', nextval('credit_record_seq') + $1::bigint - 1) - $1::bigint + 1 ELSE 0 END`,
		nLo+nHi); err != nil {
		return nil, fmt.Errorf("apply staged credit: numbers: %w", err)
	}
	applied := map[customs.Region]int{}
	if mid == "" || other == nil {
		if err := applyHalf(ctx, lower, "", "", first, applied); err != nil {
			return nil, err
		}
		if err := countApplied(ctx, lower, applied); err != nil {
			return nil, err
		}
	} else {
		upper, err := beginApply(ctx, other)
		if err != nil {
			return nil, err
		}
		defer upper.Rollback()
		hi := map[customs.Region]int{}
		done := make(chan error, 1)
		go func() { done <- applyHalf(ctx, upper, mid, "", first+nLo, hi) }()
		err = applyHalf(ctx, lower, "", mid, first, applied)
		if uerr := <-done; err == nil {
			err = uerr
		}
		if err != nil {
			return nil, err
		}
		for r, n := range hi {
			applied[r] += n
		}
		// The counts in the half that commits first: both halves' rows
		// are written, so it commits what they will hold.
		if err := countApplied(ctx, lower, applied); err != nil {
			return nil, err
		}
		if err := lower.Commit(); err != nil {
			return nil, fmt.Errorf("apply staged credit: commit: %w", err)
		}
		lower = upper // truncates and commits last
	}
	// What was read goes: all of the table, which SHARE keeps still. A
	// large batch is truncated, so that the next flush does not scan its
	// dead rows before a vacuum has; a small one deleted, since a
	// truncation costs new files and their fsync at every flush.
	empty := `DELETE FROM credit_staged`
	if nLo+nHi >= truncateStaged {
		empty = `TRUNCATE credit_staged`
	}
	if _, err := lower.ExecContext(ctx, empty); err != nil {
		return nil, fmt.Errorf("apply staged credit: %w", err)
	}
	if err := lower.Commit(); err != nil {
		return nil, fmt.Errorf("apply staged credit: commit: %w", err)
	}
	return applied, nil
}

// countApplied adds applied to the registries' counts.
func countApplied(ctx context.Context, tx *sqlx.Tx, applied map[customs.Region]int) error {
	var regions []string
	var counts []int64
	for r, n := range applied {
		regions, counts = append(regions, string(r)), append(counts, int64(n))
	}
	if _, err := tx.ExecContext(ctx, `UPDATE credit_cursor AS c SET applied = c.applied + u.n
		FROM unnest($1::text[], $2::bigint[]) AS u(region, n) WHERE c.region = u.region`, pq.Array(regions), pq.Array(counts)); err != nil {
		return fmt.Errorf("apply staged credit: counts: %w", err)
	}
	return nil
}

// truncateStaged is how many staged rows a flush truncates instead of
// deleting.
const truncateStaged = 10000

// applySplitSample is how many sampled rows (a hundredth of the table)
// make a batch worth writing in two halves.
const applySplitSample = 500

// beginApply begins a transaction of ApplyStagedCredit: credit_staged held
// in SHARE mode (readers and the other half in, writers out), and enough
// memory for the sort of a first sync.
func beginApply(ctx context.Context, conn *sqlx.Conn) (*sqlx.Tx, error) {
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("apply staged credit: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `SET LOCAL work_mem = '256MB'; LOCK TABLE credit_staged IN SHARE MODE`); err != nil {
		tx.Rollback()
		return nil, fmt.Errorf("apply staged credit: lock: %w", err)
	}
	return tx, nil
}

// applyHalf writes the staged records with USCCs from from (inclusive) to
// to (exclusive; "" for no bound), numbered from first, and adds how many
// it wrote to applied.
func applyHalf(ctx context.Context, tx *sqlx.Tx, from, to string, first int64, applied map[customs.Region]int) error {
	rows, err := tx.QueryxContext(ctx, applyStagedSQL, from, to, first)
	if err != nil {
		return fmt.Errorf("apply staged credit: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			region customs.Region
			n      int
		)
		if err := rows.Scan(&region, &n); err != nil {
			return fmt.Errorf("apply staged credit: %w", err)
		}
		applied[region] += n
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("apply staged credit: %w", err)
	}
	return nil
}

// applyStagedSQL is applyHalf's statement: $1 and $2 the USCCs' bounds,
// $3 the first number. The writes go in the primary key's order, so the
// B-tree inserts of a first sync append to the same leaf pages. The sort
// compares bytes, which a million comparisons by the database's collation
// took a second longer to do: USCCs and regions are digits and capitals,
// which the usual collations order as bytes do (where one does not, the
// writes lose their locality, not their correctness).
const applyStagedSQL = `WITH d AS (
		SELECT DISTINCT ON (uscc COLLATE "C", region COLLATE "C") * FROM credit_staged
		WHERE ($1 = '' OR uscc COLLATE "C" >= $1) AND ($2 = '' OR uscc COLLATE "C" < $2)
		ORDER BY uscc COLLATE "C", region COLLATE "C", source_version DESC, id
	), w AS (
		INSERT INTO credit_record AS c (uscc, region, name, published, rating, watch, reason, effective_from, expires_at,
			source_version, updated_at, deleted, synced_at, seq)
		SELECT uscc, region, name, published, rating, watch, reason, effective_from, expires_at,
			source_version, updated_at, deleted, synced_at, $3::bigint + row_number() OVER () - 1
		FROM d
		ON CONFLICT (uscc, region) DO UPDATE SET name = EXCLUDED.name, published = EXCLUDED.published, rating = EXCLUDED.rating,
			watch = EXCLUDED.watch, reason = EXCLUDED.reason, effective_from = EXCLUDED.effective_from,
			expires_at = EXCLUDED.expires_at, source_version = EXCLUDED.source_version, updated_at = EXCLUDED.updated_at,
			deleted = EXCLUDED.deleted, synced_at = EXCLUDED.synced_at, seq = EXCLUDED.seq
		WHERE c.source_version < EXCLUDED.source_version
		RETURNING c.region
	)
	SELECT region, count(*) FROM w GROUP BY region`

// CreditMergeMark is the record sequence number through which the merged
// records are up to date.
func (db *DB) CreditMergeMark(ctx context.Context) (int64, error) {
	var mark int64
	if err := db.GetContext(ctx, &mark, `SELECT seq FROM credit_merge_mark`); err != nil {
		return 0, fmt.Errorf("credit merge mark: %w", err)
	}
	return mark, nil
}

// ReadCreditChunk reads, without the credit lock, the next limit records
// numbered above after and every stored record of their enterprises, in
// one statement. The enterprises go to the primary key as an array built
// in the statement, so that it is an index lookup whatever the planner
// thinks of the table's size. Numbers are taken and committed in order
// under creditLock, so what it reads is a prefix; a record written over
// after the read is numbered above it, and a later chunk merges its
// enterprise again.
func (db *DB) ReadCreditChunk(ctx context.Context, after int64, limit int) (customs.CreditChunk, error) {
	ch := customs.CreditChunk{From: after, Through: after, Records: map[string][]customs.CreditRecord{}, Regions: map[string]customs.Region{}}
	rows, err := db.QueryxContext(ctx, `WITH c AS MATERIALIZED (
			SELECT uscc, seq FROM credit_record WHERE seq > $2 ORDER BY seq LIMIT $1)
		SELECT `+creditRecordCols+`, seq, (SELECT max(seq) FROM c)
		FROM credit_record WHERE uscc = ANY(ARRAY(SELECT DISTINCT uscc FROM c))`, limit, after)
	if err != nil {
		return ch, fmt.Errorf("read credit chunk: %w", err)
	}
	defer rows.Close()
	first := map[string]int64{}
	for rows.Next() {
		var seq int64
		r, err := scanCreditRecord(rows, &seq, &ch.Through)
		if err != nil {
			return ch, fmt.Errorf("read credit chunk: %w", err)
		}
		ch.Records[r.USCC] = append(ch.Records[r.USCC], r)
		if seq <= after || seq > ch.Through {
			continue // an older record, or one of the next chunk
		}
		ch.Taken++
		if f, seen := first[r.USCC]; !seen || seq < f {
			first[r.USCC] = seq
		}
		if was, seen := ch.Regions[r.USCC]; !seen || r.Region.Order() < was.Order() {
			ch.Regions[r.USCC] = r.Region
		}
	}
	if err := rows.Err(); err != nil {
		return ch, fmt.Errorf("read credit chunk: %w", err)
	}
	ch.USCCs = make([]string, 0, len(first))
	for u := range first {
		ch.USCCs = append(ch.USCCs, u)
	}
	slices.SortFunc(ch.USCCs, func(a, b string) int { return cmp.Compare(first[a], first[b]) })
	return ch, nil
}

// MergeCreditChunk merges ch's enterprises again for day, writes their
// merged records that changed (each change with the next version, in the
// chunk's order), asks the re-routes of the effective ratings that
// changed and moves the mark to ch.Through, in one transaction under
// creditLock. It returns the enterprises whose effective rating changed
// and how many merged records changed; customs.ErrCreditMergeMoved when
// the mark is no longer ch.From (another process merged meanwhile).
func (db *DB) MergeCreditChunk(ctx context.Context, ch customs.CreditChunk, day string, now time.Time, merge customs.CreditMergeFunc) ([]string, int, error) {
	if ch.Taken == 0 {
		return nil, 0, nil
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("merge credit chunk: %w", err)
	}
	defer tx.Rollback()
	// The mark is read once the lock is held, in a statement of its own:
	// a snapshot taken before the wait would miss a move committed while
	// it waited.
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, creditLock); err != nil {
		return nil, 0, fmt.Errorf("merge credit chunk: lock: %w", err)
	}
	var mark int64
	if err := tx.GetContext(ctx, &mark, `SELECT seq FROM credit_merge_mark`); err != nil {
		return nil, 0, fmt.Errorf("merge credit chunk: %w", err)
	}
	if mark != ch.From {
		return nil, 0, fmt.Errorf("merge credit chunk: %w (at %d, the chunk from %d)", customs.ErrCreditMergeMoved, mark, ch.From)
	}
	changed, bumped, err := mergeAndWrite(ctx, tx, ch.USCCs, ch.Records, day, now, merge)
	if err != nil {
		return nil, 0, fmt.Errorf("merge credit chunk: %w", err)
	}
	reasons := make([]string, len(changed))
	for i, u := range changed {
		reasons[i] = "credit rating changed (" + string(ch.Regions[u]) + " registry)"
	}
	if _, err := tx.ExecContext(ctx, `WITH rr AS (
			INSERT INTO reroute_request (uscc, reason, actor) SELECT u.uscc, u.reason, $3 FROM unnest($1::text[], $2::text[]) AS u(uscc, reason))
		UPDATE credit_merge_mark SET seq = $4`, pq.Array(changed), pq.Array(reasons), creditActor, ch.Through); err != nil {
		return nil, 0, fmt.Errorf("merge credit chunk: re-routes and mark: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, 0, fmt.Errorf("merge credit chunk: commit: %w", err)
	}
	return changed, bumped, nil
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
