package postgres

// Applying a registry's page of credit records (credit.md): read, plan,
// write and merge again, in one transaction per page.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/jjj/gateway/internal/customs"
)

// ApplyCreditPage writes one page in one transaction: the records (an
// older or equal version never overwrites a newer), the skipped records,
// the merged records of every enterprise the page changed, and the cursor.
// Applying the same page twice changes nothing.
//
// It reads before it writes. One index lookup fetches the stored records
// of the page's enterprises (every region): they say which records are new
// or newer and are the merge's input, so nothing is read back after the
// write. The old merged records are read only for the enterprises that
// had a record before the page (without records there is no merged
// record), which on a first sync is few of them. These reads and the merge
// happen before creditLock, so the registries' pages overlap there instead
// of queueing; under the lock, the enterprises written since (as logged
// in credit_written after the marks taken before the reads) are read again
// and merged again. Knowing what exists, the writes are plain INSERTs and
// UPDATEs: no speculative insertion of ON CONFLICT, and no row written
// that does not change. Under the lock a page runs two statements
// (credit_write.go), since the lock is what the three registries queue
// on.
func (db *DB) ApplyCreditPage(ctx context.Context, p customs.CreditPage, merge customs.CreditMergeFunc) (customs.CreditPageResult, error) {
	return db.applyCreditPage(ctx, p, merge, nil)
}

// applyCreditPage is ApplyCreditPage; beforeLock, when set, runs after the
// page's reads, before it takes creditLock (tests write there meanwhile).
func (db *DB) applyCreditPage(ctx context.Context, p customs.CreditPage, merge customs.CreditMergeFunc, beforeLock func()) (customs.CreditPageResult, error) {
	res := customs.CreditPageResult{SkippedReasons: map[string]int{}}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return res, fmt.Errorf("apply credit page %s: %w", p.Region, err)
	}
	defer tx.Rollback()
	var pl *pagePlan
	if len(p.Records) > 0 {
		if pl, err = readPagePlan(ctx, tx, p); err != nil {
			return res, fmt.Errorf("apply credit page %s: %w", p.Region, err)
		}
	}
	if beforeLock != nil {
		beforeLock()
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, creditLock); err != nil {
		return res, fmt.Errorf("apply credit page %s: lock: %w", p.Region, err)
	}
	st, err := readLocked(ctx, tx, p, pl)
	if err != nil {
		return res, fmt.Errorf("apply credit page %s: %w", p.Region, err)
	}
	if st.cursor != p.From {
		return res, fmt.Errorf("apply credit page %s: %w (stored %q, page from %q)", p.Region, customs.ErrCreditCursorMoved, st.cursor, p.From)
	}
	for _, r := range st.skipped {
		res.Skipped++
		res.SkippedReasons[r]++
		st.reasons[r]++
	}
	w := pageWrite{region: p.Region, now: p.Now, next: p.Next}
	if pl != nil {
		again := st.again
		if !st.complete {
			if again, err = pl.writtenSinceMarks(ctx, tx); err != nil {
				return res, fmt.Errorf("apply credit page %s: %w", p.Region, err)
			}
		}
		if err := pl.readAgain(ctx, tx, again); err != nil {
			return res, fmt.Errorf("apply credit page %s: %w", p.Region, err)
		}
		pl.fill(&w, merge, &res)
	}
	reasons, err := json.Marshal(st.reasons)
	if err != nil {
		return res, err
	}
	w.applied, w.skipped, w.reasons = res.Applied, res.Skipped, string(reasons)
	seq, err := w.exec(ctx, tx)
	if err != nil {
		return res, fmt.Errorf("apply credit page %s: %w", p.Region, err)
	}
	if res.Applied > 0 {
		res.Seq = seq + int64(res.Applied) - 1
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("apply credit page %s: commit: %w", p.Region, err)
	}
	return res, nil
}

// recordWrite is a page record that replaces the stored version of its
// region (exists) or is the first of its region.
type recordWrite struct {
	rec    customs.CreditRecord // as it reads back (storedCreditRecord)
	upd    string               // updated_at to write; "" for NULL
	exists bool
}

// pagePlan is what a page will write, worked out from what it read of the
// store: the stored records of its enterprises (recs), their merged
// records (old, read for the enterprises in oldRead), and the marks taken
// before reading.
type pagePlan struct {
	p                                 customs.CreditPage
	usccs                             []string
	seqMark, versionMark, writtenMark int64
	recs                              map[string][]customs.CreditRecord
	old                               map[string]*customs.MergedCredit
	oldRead                           map[string]bool

	writes  []recordWrite
	changed []string                          // the enterprises of writes, in page order
	after   map[string][]customs.CreditRecord // their records once written
}

// readPagePlan reads what the page needs, without creditLock: the marks
// first, then the stored records and merged records.
func readPagePlan(ctx context.Context, tx *sqlx.Tx, p customs.CreditPage) (*pagePlan, error) {
	pl := &pagePlan{p: p, usccs: make([]string, len(p.Records)), old: map[string]*customs.MergedCredit{}, oldRead: map[string]bool{}}
	for i := range p.Records {
		pl.usccs[i] = p.Records[i].USCC
	}
	if err := tx.QueryRowxContext(ctx, `SELECT COALESCE((SELECT max(seq) FROM credit_record), 0),
		COALESCE((SELECT max(version) FROM credit_merged), 0), COALESCE((SELECT max(id) FROM credit_written), 0)`).Scan(&pl.seqMark, &pl.versionMark, &pl.writtenMark); err != nil {
		return nil, fmt.Errorf("marks: %w", err)
	}
	var err error
	if pl.recs, err = creditRecords(ctx, tx, pl.usccs); err != nil {
		return nil, err
	}
	return pl, pl.plan(ctx, tx)
}

// plan works out the record writes from recs and reads the merged records
// of the changed enterprises that had a record, those not read yet.
func (pl *pagePlan) plan(ctx context.Context, q sqlx.QueryerContext) error {
	var had []string
	pl.writes, pl.changed, had, pl.after = pageRecordWrites(pl.recs, pl.p.Region, pl.p.Records)
	var need []string
	for _, u := range had {
		if !pl.oldRead[u] {
			need = append(need, u)
		}
	}
	if len(need) == 0 {
		return nil
	}
	old, err := creditMergedOf(ctx, q, need)
	if err != nil {
		return err
	}
	for _, u := range need {
		pl.oldRead[u] = true
		if m := old[u]; m != nil {
			pl.old[u] = m
		} else {
			delete(pl.old, u)
		}
	}
	return nil
}

// writtenSinceMarks returns the page's enterprises whose records or merged
// record were numbered above the marks.
func (pl *pagePlan) writtenSinceMarks(ctx context.Context, tx *sqlx.Tx) ([]string, error) {
	// The ranges bounded on both sides, so that the planner takes the
	// numbers' indexes whatever it thinks of the tables' sizes, and
	// materialized, so that the page's USCCs filter what they found
	// instead of being looked up by the primary keys.
	var again []string
	if err := tx.SelectContext(ctx, &again, `WITH w AS MATERIALIZED (
			SELECT uscc FROM credit_record WHERE seq > $1 AND seq <= (SELECT max(seq) FROM credit_record)
			UNION ALL SELECT uscc FROM credit_merged WHERE version > $2 AND version <= (SELECT max(version) FROM credit_merged))
		SELECT DISTINCT uscc FROM w WHERE uscc = ANY($3)`,
		pl.seqMark, pl.versionMark, pq.Array(pl.usccs)); err != nil {
		return nil, fmt.Errorf("written meanwhile: %w", err)
	}
	return again, nil
}

// readAgain reads the records of again, enterprises of the page written
// since the marks, forgets their merged records and plans again.
func (pl *pagePlan) readAgain(ctx context.Context, tx *sqlx.Tx, again []string) error {
	if len(again) == 0 {
		return nil
	}
	recs, err := creditRecords(ctx, tx, again)
	if err != nil {
		return err
	}
	for _, u := range again {
		pl.recs[u] = recs[u]
		delete(pl.oldRead, u)
		delete(pl.old, u)
	}
	return pl.plan(ctx, tx)
}

// fill adds to w the planned records, the merged records of their
// enterprises merged again (those that changed), the enterprises written
// and the re-routes asked; the caller holds creditLock and has read again
// what was written since the marks.
func (pl *pagePlan) fill(w *pageWrite, merge customs.CreditMergeFunc, res *customs.CreditPageResult) {
	if len(pl.writes) == 0 {
		return
	}
	mw, effChanged, bumped := mergeCredit(pl.changed, pl.after, pl.old, customs.BeijingDay(pl.p.Now), pl.p.Now, merge)
	w.records, w.merged, w.bumped, w.written, w.changed = pl.writes, mw, bumped, pl.changed, effChanged
	res.Applied, res.Changed, res.Merged = len(pl.writes), effChanged, bumped
}

// pageRecordWrites compares the page's records with the stored ones
// (stored, every region, by USCC; left as it is) and returns, in page
// order, the records that are new or newer than the stored version of
// their region, the enterprises they belong to (each once), those of them
// that had a stored record, and the records of those enterprises once
// written, as they would read back from the store, so that the merge sees
// exactly what a later re-evaluation would.
func pageRecordWrites(stored map[string][]customs.CreditRecord, region customs.Region, page []customs.CreditRecord) (writes []recordWrite, changed, had []string, after map[string][]customs.CreditRecord) {
	n := len(page)
	after = make(map[string][]customs.CreditRecord, n)
	pending := make(map[string]int, n) // USCC → index in writes, for a USCC twice on the page
	writes, changed = make([]recordWrite, 0, n), make([]string, 0, n)
	for i := range page {
		r := storedCreditRecord(page[i], region)
		cur, ok := after[r.USCC]
		if !ok {
			cur = stored[r.USCC]
		}
		at := slices.IndexFunc(cur, func(c customs.CreditRecord) bool { return c.Region == region })
		if at >= 0 && cur[at].Version >= r.Version {
			continue
		}
		upd := ""
		if !page[i].UpdatedAt.IsZero() {
			upd = r.UpdatedAt.Format(time.RFC3339Nano)
		}
		if w, ok := pending[r.USCC]; ok {
			writes[w].rec, writes[w].upd = r, upd
			cur[at] = r // a copy of after's own
			continue
		}
		if len(cur) > 0 {
			had = append(had, r.USCC)
		}
		pending[r.USCC] = len(writes)
		writes = append(writes, recordWrite{rec: r, upd: upd, exists: at >= 0})
		changed = append(changed, r.USCC)
		next := make([]customs.CreditRecord, len(cur), len(cur)+1)
		copy(next, cur)
		if at >= 0 {
			next[at] = r
		} else {
			next = append(next, r)
		}
		after[r.USCC] = next
	}
	return writes, changed, had, after
}

// storedCreditRecord is r as the store gives it back: of the page's
// region, updatedAt to the microsecond and the epoch when there is none.
func storedCreditRecord(r customs.CreditRecord, region customs.Region) customs.CreditRecord {
	r.Region = region
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = time.Unix(0, 0).UTC()
	} else {
		r.UpdatedAt = r.UpdatedAt.UTC().Round(time.Microsecond)
	}
	return r
}

// creditMergedOf returns the stored merged records of usccs, by USCC.
func creditMergedOf(ctx context.Context, q sqlx.QueryerContext, usccs []string) (map[string]*customs.MergedCredit, error) {
	olds, err := queryCreditMerged(ctx, q, `SELECT `+creditMergedCols+` FROM credit_merged WHERE uscc = ANY($1)`, pq.Array(usccs))
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
// next change or evaluation day moved).
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
		} else if m.Rating == customs.RatingGeneral && len(m.Sources) == 0 && !m.Watch && m.NextChange == "" && allDeleted(recs[u]) {
			// Nothing to say about an enterprise known only by withdrawals.
			continue
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
	old, err := creditMergedOf(ctx, tx, usccs)
	if err != nil {
		return nil, 0, err
	}
	writes, effChanged, bumped := mergeCredit(usccs, recs, old, day, now, merge)
	if len(writes) == 0 {
		return nil, 0, nil
	}
	written := make([]string, len(writes))
	for i := range writes {
		written[i] = writes[i].m.USCC
	}
	if err := writeCreditMerged(ctx, tx, writes, bumped, written); err != nil {
		return nil, 0, err
	}
	return effChanged, bumped, nil
}

// creditWrittenKept is how many rows of credit_written pruneCreditWritten
// keeps: a page whose marks are older than the last creditWrittenKept
// writes finds what was written since by the rows' numbers instead.
const creditWrittenKept = 1000

// pruneCreditWritten deletes all but the newest creditWrittenKept rows of
// credit_written (never the newest: an empty log means nothing was ever
// written); the caller holds creditLock.
func pruneCreditWritten(ctx context.Context, tx *sqlx.Tx) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM credit_written WHERE id <= (SELECT max(id) FROM credit_written) - $1`, creditWrittenKept); err != nil {
		return fmt.Errorf("prune written: %w", err)
	}
	return nil
}
