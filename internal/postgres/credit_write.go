package postgres

// The statements a credit page runs under creditLock: one that reads (the
// cursor, the skips inserted, what was written since the page's reads) and
// one that writes (the numbers, the records, the merged records, the log of
// what was written, the re-routes and the cursor). Every statement under
// the lock keeps the others waiting, and each round trip costs the holder
// a wake-up of the process on a busy machine: a page ran ten of them.

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/jjj/gateway/internal/customs"
)

// lockedState is what a page reads once it holds creditLock.
type lockedState struct {
	cursor  string           // the stored cursor; "" when never synced
	reasons map[string]int64 // the stored counts of skips by reason
	skipped []string         // the reasons of the page's skips inserted (not known before)
	// complete says that credit_written holds every write since the
	// page's mark, and again the page's enterprises written since.
	complete bool
	again    []string
}

// readLocked locks the region's cursor and reads it, inserts the page's
// skips and, for a page with records (pl), asks credit_written which of its
// enterprises were written since its marks: a data-modifying CTE and
// scalar subqueries, one statement. Every write of credit_record or
// credit_merged logs its enterprises in credit_written under the lock.
// When the rows after the mark may have been pruned (the oldest row left
// is newer than the one after the mark), complete is false and the rows
// numbered above the marks must say it instead.
func readLocked(ctx context.Context, tx *sqlx.Tx, p customs.CreditPage, pl *pagePlan) (lockedState, error) {
	n := len(p.Skipped)
	uscc, reason, detail, version := make([]string, n), make([]string, n), make([]string, n), make([]int64, n)
	for i, s := range p.Skipped {
		uscc[i], reason[i], detail[i], version[i] = s.USCC, s.Reason, s.Detail, s.Version
	}
	var (
		mark  int64
		usccs []string
	)
	if pl != nil {
		mark, usccs = pl.writtenMark, pl.usccs
	}
	st := lockedState{reasons: map[string]int64{}}
	var reasons []byte
	err := tx.QueryRowxContext(ctx, `WITH sk AS (
			INSERT INTO credit_skipped (region, uscc, version, reason, detail, at)
			SELECT $1, u.uscc, u.ver, u.reason, u.detail, $2
			FROM unnest($3::text[], $4::bigint[], $5::text[], $6::text[]) AS u(uscc, ver, reason, detail)
			ON CONFLICT (region, uscc, version, reason) DO NOTHING
			RETURNING reason)
		SELECT COALESCE(c.cursor, ''), COALESCE(c.skipped_reasons, '{}'), ARRAY(SELECT reason FROM sk),
			NOT $7::boolean OR COALESCE((SELECT min(id) FROM credit_written) <= $8::bigint + 1, true),
			ARRAY(SELECT DISTINCT u FROM credit_written AS w, unnest(w.usccs) AS u WHERE $7::boolean AND w.id > $8::bigint AND u = ANY($9::text[]))
		FROM (SELECT) AS one
		LEFT JOIN LATERAL (SELECT cursor, skipped_reasons FROM credit_cursor WHERE region = $1 FOR UPDATE) AS c ON true`,
		p.Region, p.Now, pq.Array(uscc), pq.Array(version), pq.Array(reason), pq.Array(detail),
		pl != nil, mark, pq.Array(usccs)).Scan(&st.cursor, &reasons, pq.Array(&st.skipped), &st.complete, pq.Array(&st.again))
	if err != nil {
		return st, fmt.Errorf("cursor, skips and writes since the marks: %w", err)
	}
	if err := json.Unmarshal(reasons, &st.reasons); err != nil {
		return st, fmt.Errorf("cursor: %w", err)
	}
	return st, nil
}

// pageWrite is everything a page writes under creditLock.
type pageWrite struct {
	region customs.Region
	now    time.Time
	// records are written with sequence numbers in their order; merged
	// (bumped of them take new versions, in their order).
	records []recordWrite
	merged  []mergedWrite
	bumped  int
	// written are the enterprises logged in credit_written; changed those
	// whose effective rating changed (re-routed).
	written, changed []string
	// The cursor's new values and what the page adds to its counts.
	next             string
	applied, skipped int
	reasons          string
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

// logCTE logs the enterprises $p (when there are any) in credit_written.
func logCTE(p int) string {
	return fmt.Sprintf(`lg AS (INSERT INTO credit_written (usccs) SELECT $%[1]d::text[] WHERE cardinality($%[1]d::text[]) > 0)`, p)
}

// writePageSQL is pageWrite's statement: $1 region, $2 now, $3 and $4 the
// numbers asked, $5–$17 the records (recordArgs), $18–$29 the merged
// records (mergedArgs), $30 the enterprises written, $31, $32 and $37 the
// re-routes, their reason and their actor (RequestRerouteAs's rows),
// $33–$36 the cursor.
var writePageSQL = `WITH ` + numbersCTE(3, 4) + `, r AS MATERIALIZED (
			SELECT * FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::boolean[], $10::text[], $11::text[], $12::text[],
				$13::bigint[], $14::text[], $15::boolean[], $16::boolean[]) WITH ORDINALITY
				AS r(uscc, name, published, rating, watch, reason, eff, exp, ver, upd, del, ex, ord)
		), ri AS (
			INSERT INTO credit_record (uscc, region, name, published, rating, watch, reason, effective_from, expires_at,
				source_version, updated_at, deleted, synced_at, seq)
			SELECT r.uscc, $1, r.name, r.published, r.rating, r.watch, r.reason, NULLIF(r.eff, '')::date, NULLIF(r.exp, '')::date,
				r.ver, NULLIF(r.upd, '')::timestamptz, r.del, $2, n.seq + r.ord - 1
			FROM r, n WHERE NOT r.ex
		), ru AS (
			UPDATE credit_record AS c SET name = r.name, published = r.published, rating = r.rating, watch = r.watch, reason = r.reason,
				effective_from = NULLIF(r.eff, '')::date, expires_at = NULLIF(r.exp, '')::date, source_version = r.ver,
				updated_at = NULLIF(r.upd, '')::timestamptz, deleted = r.del, synced_at = $2, seq = n.seq + r.ord - 1
			FROM r, n WHERE r.ex AND c.uscc = r.uscc AND c.region = $1 AND c.uscc = ANY($17::text[])
		), ` + mergedCTEs(18) + `, ` + logCTE(30) + `, rr AS (` + rerouteInsertSQL("$31", "$32", "$37") + `), cu AS (
			INSERT INTO credit_cursor (region, cursor, applied, skipped, skipped_reasons)
			VALUES ($1, $33, $34, $35, $36)
			ON CONFLICT (region) DO UPDATE SET cursor = EXCLUDED.cursor,
				applied = credit_cursor.applied + EXCLUDED.applied,
				skipped = credit_cursor.skipped + EXCLUDED.skipped,
				skipped_reasons = EXCLUDED.skipped_reasons
		)
		SELECT seq FROM n`

// recordArgs are the 13 arrays of writePageSQL's records: the columns and
// the USCCs of the records written over their region's stored one.
func recordArgs(writes []recordWrite) []any {
	n := len(writes)
	var (
		uscc, name, published, rating, reason, eff, exp, upd = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		watch, deleted, exists                               = make([]bool, n), make([]bool, n), make([]bool, n)
		version                                              = make([]int64, n)
		over                                                 []string
	)
	for i := range writes {
		r := &writes[i].rec
		uscc[i], name[i], published[i], rating[i], reason[i] = r.USCC, r.Name, r.Published, string(r.Rating), r.Reason
		eff[i], exp[i] = r.EffectiveFrom, r.ExpiresAt
		upd[i] = writes[i].upd
		watch[i], deleted[i], exists[i], version[i] = r.Watch, r.Deleted, writes[i].exists, r.Version
		if exists[i] {
			over = append(over, r.USCC)
		}
	}
	return []any{pq.Array(uscc), pq.Array(name), pq.Array(published), pq.Array(rating), pq.Array(watch), pq.Array(reason),
		pq.Array(eff), pq.Array(exp), pq.Array(version), pq.Array(upd), pq.Array(deleted), pq.Array(exists), pq.Array(over)}
}

// exec runs w's statement and returns the first record sequence number
// taken (0 when no record is written).
func (w *pageWrite) exec(ctx context.Context, tx *sqlx.Tx) (int64, error) {
	merged, err := mergedArgs(w.merged)
	if err != nil {
		return 0, err
	}
	args := make([]any, 0, 37)
	args = append(args, w.region, w.now, len(w.records), w.bumped)
	args = append(args, recordArgs(w.records)...)
	args = append(args, merged...)
	args = append(args, pq.Array(w.written), pq.Array(w.changed), "credit rating changed ("+string(w.region)+" registry)",
		w.next, w.applied, w.skipped, w.reasons, creditActor)
	var seq int64
	if err := tx.QueryRowxContext(ctx, writePageSQL, args...).Scan(&seq); err != nil {
		return 0, fmt.Errorf("write: %w", err)
	}
	return seq, nil
}

// writeMergedSQL writes merged records alone (a re-evaluation): $1 the
// versions asked, $2–$13 the merged records, $14 the enterprises written.
var writeMergedSQL = `WITH ` + numbersCTE(15, 1) + `, ` + mergedCTEs(2) + `, ` + logCTE(14) + ` SELECT version FROM n`

// writeCreditMerged writes merged records, bumped of them taking new
// versions in their order: new ones inserted, the others updated; and
// logs written in credit_written. The caller holds creditLock.
func writeCreditMerged(ctx context.Context, tx *sqlx.Tx, writes []mergedWrite, bumped int, written []string) error {
	merged, err := mergedArgs(writes)
	if err != nil {
		return err
	}
	args := append(append([]any{bumped}, merged...), pq.Array(written), 0)
	var version int64
	if err := tx.QueryRowxContext(ctx, writeMergedSQL, args...).Scan(&version); err != nil {
		return fmt.Errorf("write merged: %w", err)
	}
	return nil
}
