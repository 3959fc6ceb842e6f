package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/jjj/gateway/internal/customs"
)

// creditLock is the transaction-level advisory lock every write of
// credit_record and credit_merged holds from its first sequence number to
// its commit. It makes the committed values of credit_record_seq and
// credit_merged_seq a prefix at every moment, so a reader following either
// sequence never skips a number that commits later. Staging a page does
// not take it (credit_stage.go).
const creditLock = 7262003

// creditSourceJSON is how credit_merged.sources stores a
// customs.CreditSource: these names are in rows already written, so they
// stay whatever the domain type becomes.
type creditSourceJSON struct {
	Region        string `json:"region"`
	Published     string `json:"published"`
	Rating        string `json:"rating"`
	Version       int64  `json:"version"`
	Reason        string `json:"reason"`
	EffectiveFrom string `json:"effectiveFrom"`
	ExpiresAt     string `json:"expiresAt"`
}

func encodeCreditSources(src []customs.CreditSource) ([]byte, error) {
	out := make([]creditSourceJSON, len(src))
	for i, s := range src {
		out[i] = creditSourceJSON{Region: string(s.Region), Published: s.Published, Rating: string(s.Rating), Version: s.Version,
			Reason: s.Reason, EffectiveFrom: s.EffectiveFrom, ExpiresAt: s.ExpiresAt}
	}
	return json.Marshal(out)
}

func decodeCreditSources(b []byte) ([]customs.CreditSource, error) {
	var in []creditSourceJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, err
	}
	if in == nil {
		return nil, nil
	}
	out := make([]customs.CreditSource, len(in))
	for i, s := range in {
		out[i] = customs.CreditSource{Region: customs.Region(s.Region), Published: s.Published, Rating: customs.Rating(s.Rating),
			Version: s.Version, Reason: s.Reason, EffectiveFrom: s.EffectiveFrom, ExpiresAt: s.ExpiresAt}
	}
	return out, nil
}

// CreditCursor returns a registry's sync state; the zero state (empty
// cursor) when it was never synced.
func (db *DB) CreditCursor(ctx context.Context, region customs.Region) (customs.CreditSyncState, error) {
	st, err := creditState(ctx, db, region, false)
	if err != nil {
		return st, fmt.Errorf("credit cursor %s: %w", region, err)
	}
	return st, nil
}

func creditState(ctx context.Context, q sqlx.QueryerContext, region customs.Region, forUpdate bool) (customs.CreditSyncState, error) {
	st := customs.CreditSyncState{Region: region, SkippedReasons: map[string]int64{}}
	query := `SELECT cursor, last_success, last_error, last_error_at, applied, skipped, skipped_reasons FROM credit_cursor WHERE region = $1`
	if forUpdate {
		query += ` FOR UPDATE`
	}
	var (
		reasons                  []byte
		lastSuccess, lastErrorAt sql.NullTime
		lastError                sql.NullString
	)
	err := q.QueryRowxContext(ctx, query, region).Scan(&st.Cursor, &lastSuccess, &lastError, &lastErrorAt, &st.Applied, &st.Skipped, &reasons)
	if errors.Is(err, sql.ErrNoRows) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	st.LastSuccess, st.LastError, st.LastErrorAt = lastSuccess.Time, lastError.String, lastErrorAt.Time
	if err := json.Unmarshal(reasons, &st.SkippedReasons); err != nil {
		return st, err
	}
	return st, nil
}

// CreditSyncStates returns the stored state of every registry ever synced.
func (db *DB) CreditSyncStates(ctx context.Context) (map[customs.Region]customs.CreditSyncState, error) {
	rows, err := db.QueryxContext(ctx, `SELECT region FROM credit_cursor`)
	if err != nil {
		return nil, fmt.Errorf("credit sync states: %w", err)
	}
	var regions []customs.Region
	for rows.Next() {
		var r customs.Region
		if err := rows.Scan(&r); err != nil {
			rows.Close()
			return nil, err
		}
		regions = append(regions, r)
	}
	rows.Close()
	out := map[customs.Region]customs.CreditSyncState{}
	for _, r := range regions {
		st, err := db.CreditCursor(ctx, r)
		if err != nil {
			return nil, err
		}
		out[r] = st
	}
	return out, nil
}

// CreditSyncEnded records the end of a sync run: success (lastError
// cleared) or the error that stopped it.
func (db *DB) CreditSyncEnded(ctx context.Context, region customs.Region, at time.Time, syncErr error) error {
	var err error
	if syncErr == nil {
		_, err = db.ExecContext(ctx, `INSERT INTO credit_cursor (region, last_success) VALUES ($1, $2)
			ON CONFLICT (region) DO UPDATE SET last_success = EXCLUDED.last_success, last_error = NULL`, region, at)
	} else {
		_, err = db.ExecContext(ctx, `INSERT INTO credit_cursor (region, last_error, last_error_at) VALUES ($1, $2, $3)
			ON CONFLICT (region) DO UPDATE SET last_error = EXCLUDED.last_error, last_error_at = EXCLUDED.last_error_at`, region, syncErr.Error(), at)
	}
	if err != nil {
		return fmt.Errorf("credit sync ended %s: %w", region, err)
	}
	return nil
}

// CreditSkips returns a registry's most recent skipped records, newest first.
func (db *DB) CreditSkips(ctx context.Context, region customs.Region, limit int) ([]customs.CreditSkip, error) {
	var rows []struct {
		Region  string    `db:"region"`
		USCC    string    `db:"uscc"`
		Version int64     `db:"version"`
		Reason  string    `db:"reason"`
		Detail  string    `db:"detail"`
		At      time.Time `db:"at"`
	}
	err := db.SelectContext(ctx, &rows, `SELECT region, uscc, version, reason, detail, at FROM credit_skipped
		WHERE region = $1 ORDER BY id DESC LIMIT $2`, region, limit)
	if err != nil {
		return nil, fmt.Errorf("credit skips %s: %w", region, err)
	}
	out := make([]customs.CreditSkip, len(rows))
	for i, r := range rows {
		out[i] = customs.CreditSkip{Region: customs.Region(r.Region), USCC: r.USCC, Version: r.Version, Reason: r.Reason, Detail: r.Detail, At: r.At}
	}
	return out, nil
}

const creditRecordCols = `region, uscc, name, published, rating, watch, reason,
	COALESCE(to_char(effective_from, 'YYYY-MM-DD'), ''), COALESCE(to_char(expires_at, 'YYYY-MM-DD'), ''),
	source_version, COALESCE(updated_at, 'epoch'::timestamptz), deleted`

// scanCreditRecord scans creditRecordCols, then into extra the columns
// after them.
func scanCreditRecord(rows *sqlx.Rows, extra ...any) (customs.CreditRecord, error) {
	var r customs.CreditRecord
	var region, rating string
	err := rows.Scan(append([]any{&region, &r.USCC, &r.Name, &r.Published, &rating, &r.Watch, &r.Reason, &r.EffectiveFrom, &r.ExpiresAt,
		&r.Version, &r.UpdatedAt, &r.Deleted}, extra...)...)
	r.Region, r.Rating = customs.Region(region), customs.Rating(rating)
	return r, err
}

// CreditRecords returns the stored regional records (the newest version of
// each region) of the given enterprises.
func (db *DB) CreditRecords(ctx context.Context, usccs []string) (map[string][]customs.CreditRecord, error) {
	return creditRecords(ctx, db, usccs)
}

func creditRecords(ctx context.Context, q sqlx.QueryerContext, usccs []string) (map[string][]customs.CreditRecord, error) {
	rows, err := q.QueryxContext(ctx, `SELECT `+creditRecordCols+` FROM credit_record WHERE uscc = ANY($1) ORDER BY uscc, region`, pq.Array(usccs))
	if err != nil {
		return nil, fmt.Errorf("credit records: %w", err)
	}
	defer rows.Close()
	out := make(map[string][]customs.CreditRecord, len(usccs))
	for rows.Next() {
		r, err := scanCreditRecord(rows)
		if err != nil {
			return nil, err
		}
		out[r.USCC] = append(out[r.USCC], r)
	}
	return out, rows.Err()
}

const creditMergedCols = `uscc, name, rating, watch, sources, version, to_char(evaluated_on, 'YYYY-MM-DD'),
	COALESCE(to_char(next_change, 'YYYY-MM-DD'), ''), changed_at`

func scanCreditMerged(rows *sqlx.Rows) (customs.MergedCredit, error) {
	var m customs.MergedCredit
	var rating string
	var sources []byte
	if err := rows.Scan(&m.USCC, &m.Name, &rating, &m.Watch, &sources, &m.Version, &m.EvaluatedOn, &m.NextChange, &m.ChangedAt); err != nil {
		return m, err
	}
	m.Rating = customs.Rating(rating)
	src, err := decodeCreditSources(sources)
	if err != nil {
		return m, fmt.Errorf("merged %s: sources: %w", m.USCC, err)
	}
	m.Sources = src
	return m, nil
}

func queryCreditMerged(ctx context.Context, q sqlx.QueryerContext, query string, args ...any) ([]customs.MergedCredit, error) {
	rows, err := q.QueryxContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("credit merged: %w", err)
	}
	defer rows.Close()
	var out []customs.MergedCredit
	for rows.Next() {
		m, err := scanCreditMerged(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// ReevaluateCredit merges again, for day, every enterprise whose merged
// record was evaluated before one of its records started or expired
// (next_change on or before day), at most limit of them. It returns the
// enterprises whose effective rating changed and how many were looked at;
// call it until that is below limit.
func (db *DB) ReevaluateCredit(ctx context.Context, day string, now time.Time, merge customs.CreditMergeFunc, limit int) ([]string, int, error) {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("reevaluate credit: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, creditLock); err != nil {
		return nil, 0, fmt.Errorf("reevaluate credit: lock: %w", err)
	}
	var usccs []string
	if err := tx.SelectContext(ctx, &usccs, `SELECT uscc FROM credit_merged WHERE next_change <= $1::date
		ORDER BY next_change, version LIMIT $2`, day, limit); err != nil {
		return nil, 0, fmt.Errorf("reevaluate credit: %w", err)
	}
	if len(usccs) == 0 {
		if err := tx.Commit(); err != nil {
			return nil, 0, fmt.Errorf("reevaluate credit: commit: %w", err)
		}
		return nil, 0, nil
	}
	changed, _, err := remerge(ctx, tx, usccs, day, now, merge)
	if err != nil {
		return nil, 0, fmt.Errorf("reevaluate credit: %w", err)
	}
	if err := RequestReroute(ctx, tx, changed, "credit rating started or expired on "+day); err != nil {
		return nil, 0, err
	}
	if err := tx.Commit(); err != nil {
		return nil, 0, fmt.Errorf("reevaluate credit: commit: %w", err)
	}
	return changed, len(usccs), nil
}

// CreditMergedByUSCC returns an enterprise's merged record as last
// evaluated; nil when the gateway knows nothing of it.
func (db *DB) CreditMergedByUSCC(ctx context.Context, uscc string) (*customs.MergedCredit, error) {
	ms, err := queryCreditMerged(ctx, db, `SELECT `+creditMergedCols+` FROM credit_merged WHERE uscc = $1`, uscc)
	if err != nil || len(ms) == 0 {
		return nil, err
	}
	return &ms[0], nil
}

// CreditMergedSince returns the merged records changed after version
// after, in the order of their change, at most limit of them.
func (db *DB) CreditMergedSince(ctx context.Context, after int64, limit int) ([]customs.MergedCredit, error) {
	return queryCreditMerged(ctx, db, `SELECT `+creditMergedCols+` FROM credit_merged WHERE version > $1 ORDER BY version LIMIT $2`, after, limit)
}

// CreditRatingChanges returns, from one snapshot, the regional records
// written after sequence number after (at most span numbers further) and,
// for each enterprise one of those records rates (neither general nor
// deleted), all its other regional records too; and the sequence number
// read through. An enterprise none of whose new records rates comes with
// those records only: whoever follows the ratings knows it already or
// needs nothing more of it. Each record carries what routing's ratings
// need: USCC, Region, Rating, Deleted and the two dates.
// With onlyRated (a first load), only the enterprises with a record that
// is neither general nor deleted are returned, with all their records:
// the others are "general".
func (db *DB) CreditRatingChanges(ctx context.Context, after, span int64, onlyRated bool) ([]customs.CreditRecord, int64, error) {
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, after, fmt.Errorf("credit rating changes: %w", err)
	}
	defer tx.Rollback()
	var top int64
	if err := tx.GetContext(ctx, &top, `SELECT COALESCE(max(seq), 0) FROM credit_record`); err != nil {
		return nil, after, fmt.Errorf("credit rating changes: %w", err)
	}
	if top <= after {
		return nil, top, nil
	}
	through := min(top, after+span)
	const cols = `uscc, region, rating, deleted,
		COALESCE(to_char(effective_from, 'YYYY-MM-DD'), ''), COALESCE(to_char(expires_at, 'YYYY-MM-DD'), '')`
	const rated = `rating <> 'general' AND rating <> '' AND NOT deleted`
	var query string
	if onlyRated {
		query = `SELECT ` + cols + ` FROM credit_record
			WHERE uscc = ANY(ARRAY(SELECT DISTINCT uscc FROM credit_record WHERE seq > $1 AND seq <= $2 AND ` + rated + `))`
	} else {
		// The records in the range by the sequence's index, then the
		// other records of the enterprises they rate by the primary key's
		// (an array, so that it is an index lookup whatever the planner
		// thinks of the table's size).
		query = `WITH ch AS MATERIALIZED (SELECT * FROM credit_record WHERE seq > $1 AND seq <= $2)
			SELECT ` + cols + ` FROM ch
			UNION ALL
			SELECT ` + cols + ` FROM credit_record
			WHERE uscc = ANY(ARRAY(SELECT DISTINCT uscc FROM ch WHERE ` + rated + `)) AND NOT (seq > $1 AND seq <= $2)`
	}
	rows, err := tx.QueryxContext(ctx, query, after, through)
	if err != nil {
		return nil, after, fmt.Errorf("credit rating changes: %w", err)
	}
	defer rows.Close()
	var out []customs.CreditRecord
	for rows.Next() {
		var r customs.CreditRecord
		var region, rating string
		if err := rows.Scan(&r.USCC, &region, &rating, &r.Deleted, &r.EffectiveFrom, &r.ExpiresAt); err != nil {
			return nil, after, err
		}
		r.Region, r.Rating = customs.Region(region), customs.Rating(rating)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, after, err
	}
	return out, through, nil
}

// CreditRecordSeq returns the highest record sequence number committed
// (0 when there is no record).
func (db *DB) CreditRecordSeq(ctx context.Context) (int64, error) {
	var top int64
	if err := db.GetContext(ctx, &top, `SELECT COALESCE(max(seq), 0) FROM credit_record`); err != nil {
		return 0, fmt.Errorf("credit record seq: %w", err)
	}
	return top, nil
}

// FormatCreditVersion writes a merged version as the feed's cursor.
func FormatCreditVersion(v int64) string { return strconv.FormatInt(v, 10) }
