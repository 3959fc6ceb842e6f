package postgres

// A registry's page is staged: its records, its skips and its cursor in
// one transaction, without the credit lock. What the page changes is
// worked out later, for every page staged since, by a flush
// (credit_flush.go).

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/jjj/gateway/internal/customs"
)

// StageCreditPage writes one page in one transaction: its records into
// credit_staged, its skips (each counted once per registry, record and
// reason) and the cursor. It takes the registry's cursor row, not the
// credit lock, so registries stage side by side and a flush's merge does
// not stop them (its write of the records does, while it reads the staged
// rows). customs.ErrCreditCursorMoved when the stored cursor is not
// p.From: another process has moved on.
func (db *DB) StageCreditPage(ctx context.Context, p customs.CreditPage) (customs.CreditPageResult, error) {
	res := customs.CreditPageResult{SkippedReasons: map[string]int{}}
	fail := func(what string, err error) (customs.CreditPageResult, error) {
		return res, fmt.Errorf("stage credit page %s: %s%w", p.Region, what, err)
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return fail("", err)
	}
	defer tx.Rollback()
	// The records first, the cursor row after: a flush holds
	// credit_staged against writers and then updates the cursor rows, so
	// a page must not hold its cursor row while it waits for the table.
	if err := copyStaged(ctx, tx, p); err != nil {
		return fail("records: ", err)
	}
	var skipped []string
	if len(p.Skipped) > 0 {
		args := append([]any{p.Region, p.Now}, skipArgs(p.Skipped)...)
		if err := tx.SelectContext(ctx, &skipped, insertSkipsSQL, args...); err != nil {
			return fail("skips: ", err)
		}
	}
	// The upsert locks the cursor row, the first page's too, until commit:
	// a second process staging the same page waits here, then finds the
	// cursor moved and rolls back what it staged.
	var (
		cursor  string
		reasons []byte
	)
	if err := tx.QueryRowxContext(ctx, `INSERT INTO credit_cursor (region) VALUES ($1)
		ON CONFLICT (region) DO UPDATE SET region = EXCLUDED.region
		RETURNING cursor, skipped_reasons`, p.Region).Scan(&cursor, &reasons); err != nil {
		return fail("cursor: ", err)
	}
	if cursor != p.From {
		return res, fmt.Errorf("stage credit page %s: %w (stored %q, page from %q)", p.Region, customs.ErrCreditCursorMoved, cursor, p.From)
	}
	counts := map[string]int64{}
	if err := json.Unmarshal(reasons, &counts); err != nil {
		return fail("cursor: ", err)
	}
	for _, r := range skipped {
		res.Skipped++
		res.SkippedReasons[r]++
		counts[r]++
	}
	if reasons, err = json.Marshal(counts); err != nil {
		return fail("", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE credit_cursor SET cursor = $2, skipped = skipped + $3, skipped_reasons = $4
		WHERE region = $1`, p.Region, p.Next, res.Skipped, string(reasons)); err != nil {
		return fail("cursor: ", err)
	}
	if err := tx.Commit(); err != nil {
		return fail("commit: ", err)
	}
	return res, nil
}

// insertSkipsSQL inserts the page's skips ($3–$6, skipArgs) of region
// $1 at $2, returning the reasons of those not seen before.
const insertSkipsSQL = `INSERT INTO credit_skipped (region, uscc, version, reason, detail, at)
	SELECT $1, u.uscc, u.ver, u.reason, u.detail, $2
	FROM unnest($3::text[], $4::bigint[], $5::text[], $6::text[]) AS u(uscc, ver, reason, detail)
	ON CONFLICT (region, uscc, version, reason) DO NOTHING
	RETURNING reason`

// skipArgs are the four arrays of insertSkipsSQL.
func skipArgs(skips []customs.CreditSkip) []any {
	n := len(skips)
	uscc, reason, detail, version := make([]string, n), make([]string, n), make([]string, n), make([]int64, n)
	for i, s := range skips {
		uscc[i], reason[i], detail[i], version[i] = s.USCC, s.Reason, s.Detail, s.Version
	}
	return []any{pq.Array(uscc), pq.Array(version), pq.Array(reason), pq.Array(detail)}
}

// copyStaged writes the page's records into credit_staged with COPY, in
// the page's order: a third of the time of a multi-row INSERT of the same
// rows, which a first sync of a million records spends a thousand times.
// updatedAt is kept to the microsecond, as timestamptz holds it.
func copyStaged(ctx context.Context, tx *sqlx.Tx, p customs.CreditPage) error {
	if len(p.Records) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, pq.CopyIn("credit_staged", "region", "uscc", "name", "published", "rating", "watch", "reason",
		"effective_from", "expires_at", "source_version", "updated_at", "deleted", "synced_at"))
	if err != nil {
		return err
	}
	defer stmt.Close()
	orNull := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	for i := range p.Records {
		r := &p.Records[i]
		var upd any
		if !r.UpdatedAt.IsZero() {
			upd = r.UpdatedAt
		}
		if _, err := stmt.ExecContext(ctx, string(p.Region), r.USCC, r.Name, r.Published, string(r.Rating), r.Watch, r.Reason,
			orNull(r.EffectiveFrom), orNull(r.ExpiresAt), r.Version, upd, r.Deleted, p.Now); err != nil {
			return err
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return err
	}
	return stmt.Close()
}
