package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

type auditRow struct {
	ID        int64     `db:"id"`
	At        time.Time `db:"at"`
	KeyID     string    `db:"key_id"`
	Role      string    `db:"role"`
	Actor     string    `db:"actor"`
	RequestID string    `db:"request_id"`
	Action    string    `db:"action"`
	Target    string    `db:"target"`
	Outcome   string    `db:"outcome"`
	Status    int       `db:"status"`
}

// AppendAudit adds an entry to the audit trail (the table takes no other
// write). A zero At is the database's now().
func (db *DB) AppendAudit(ctx context.Context, e customs.AuditEntry) error {
	var at any
	if !e.At.IsZero() {
		at = e.At
	}
	_, err := db.ExecContext(ctx, Prepared+`INSERT INTO audit (at, key_id, role, actor, request_id, action, target, outcome, status)
		VALUES (coalesce($1, now()), $2, $3, $4, $5, $6, $7, $8, $9)`,
		at, e.KeyID, string(e.Role), e.Actor, e.RequestID, string(e.Action), e.Target, e.Outcome, e.Status)
	if err != nil {
		return fmt.Errorf("append audit: %w", err)
	}
	return nil
}

// AuditEntries lists the trail newest first (by id: the order of
// insertion, so a cursor is stable while rows are added).
func (db *DB) AuditEntries(ctx context.Context, f customs.AuditFilter) ([]customs.AuditEntry, error) {
	q := `SELECT id, at, key_id, role, actor, request_id, action, target, outcome, status FROM audit WHERE true`
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if !f.Since.IsZero() {
		q += ` AND at >= ` + arg(f.Since)
	}
	if f.Actor != "" {
		p := arg(f.Actor)
		q += ` AND (key_id = ` + p + ` OR actor = ` + p + `)`
	}
	if f.Action != "" {
		q += ` AND action = ` + arg(string(f.Action))
	}
	if f.Before > 0 {
		q += ` AND id < ` + arg(f.Before)
	}
	q += ` ORDER BY id DESC LIMIT ` + arg(f.Limit)
	var rows []auditRow
	if err := db.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("audit entries: %w", err)
	}
	out := make([]customs.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = customs.AuditEntry{ID: r.ID, At: r.At, KeyID: r.KeyID, Role: customs.CallerRole(r.Role), Actor: r.Actor,
			RequestID: r.RequestID, Action: customs.AuditAction(r.Action), Target: r.Target, Outcome: r.Outcome, Status: r.Status}
	}
	return out, nil
}
