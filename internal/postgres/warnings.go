package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"

	"github.com/jjj/gateway/internal/customs"
)

// warningRow is a stored regional warning (migration 0010).
type warningRow struct {
	Seq        int64          `db:"seq"`
	ID         string         `db:"id"`
	Kind       string         `db:"kind"`
	Title      string         `db:"title"`
	Reason     string         `db:"reason"`
	HSPrefix   sql.NullString `db:"hs_prefix"`
	Origin     sql.NullString `db:"origin"`
	USCC       sql.NullString `db:"uscc"`
	Port       sql.NullString `db:"port"`
	Action     string         `db:"action"`
	ExpiresAt  time.Time      `db:"expires_at"`
	Issuer     string         `db:"issuer"`
	Region     string         `db:"region"`
	IssuedAt   time.Time      `db:"issued_at"`
	IssuedBy   string         `db:"issued_by"`
	State      string         `db:"state"`
	LiftedAt   sql.NullTime   `db:"lifted_at"`
	LiftedBy   sql.NullString `db:"lifted_by"`
	LiftReason sql.NullString `db:"lift_reason"`
}

const warningColumns = `seq, id, kind, title, reason, hs_prefix, origin, uscc, port, action, expires_at, issuer, region,
	issued_at, issued_by, state, lifted_at, lifted_by, lift_reason`

type ackRow struct {
	WarningID string         `db:"warning_id"`
	Region    string         `db:"region"`
	Due       time.Time      `db:"due"`
	At        sql.NullTime   `db:"at"`
	Bureau    sql.NullString `db:"bureau"`
	Measures  sql.NullString `db:"measures"`
	Late      bool           `db:"late"`
}

func (r *warningRow) warning() customs.RegionalWarning {
	w := customs.RegionalWarning{Seq: r.Seq, ID: r.ID, Kind: customs.WarningKind(r.Kind), Title: r.Title, Reason: r.Reason,
		Match:  customs.WarningMatch{HSPrefix: r.HSPrefix.String, Origin: r.Origin.String, USCC: r.USCC.String, Port: r.Port.String},
		Action: customs.WarningAction(r.Action), ExpiresAt: r.ExpiresAt.UTC(), Issuer: r.Issuer, Region: r.Region,
		IssuedAt: r.IssuedAt.UTC(), IssuedBy: r.IssuedBy, State: customs.WarningState(r.State),
		LiftedBy: r.LiftedBy.String, LiftReason: r.LiftReason.String}
	if r.LiftedAt.Valid {
		t := r.LiftedAt.Time.UTC()
		w.LiftedAt = &t
	}
	return w
}

// InsertWarning stores a warning with the acknowledgements it asks for and,
// when reroute names targets (USCCs or AllDeclarations), queues their
// re-routing in the same transaction, so a crash after the commit leaves
// the re-route to the worker rather than lost.
func (db *DB) InsertWarning(ctx context.Context, w *customs.RegionalWarning, reroute []string, why string) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("insert warning: %w", err)
	}
	defer tx.Rollback()
	err = tx.GetContext(ctx, &w.Seq, `INSERT INTO warning (id, kind, title, reason, hs_prefix, origin, uscc, port, action,
		expires_at, issuer, region, issued_at, issued_by, state)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING seq`,
		w.ID, w.Kind, w.Title, w.Reason, nullString(w.Match.HSPrefix), nullString(w.Match.Origin), nullString(w.Match.USCC),
		nullString(w.Match.Port), w.Action, w.ExpiresAt, w.Issuer, w.Region, w.IssuedAt, w.IssuedBy, w.State)
	if err != nil {
		return classify(err, "warning")
	}
	for _, a := range w.Acks {
		if _, err := tx.ExecContext(ctx, `INSERT INTO warning_ack (warning_id, region, due) VALUES ($1, $2, $3)`, w.ID, a.Region, a.Due); err != nil {
			return classify(err, "warning acknowledgement")
		}
	}
	if err := RequestRerouteAs(ctx, tx, reroute, w.IssuedBy, why); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("insert warning: %w", err)
	}
	return nil
}

// Warning returns a warning with its acknowledgements; CodeNotFound when
// there is none.
func (db *DB) Warning(ctx context.Context, id string) (*customs.RegionalWarning, error) {
	var r warningRow
	if err := db.GetContext(ctx, &r, `SELECT `+warningColumns+` FROM warning WHERE id = $1`, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, customs.Errorf(customs.CodeNotFound, "warning %s not found", id)
		}
		return nil, fmt.Errorf("warning: %w", err)
	}
	ws := []customs.RegionalWarning{r.warning()}
	if err := db.loadAcks(ctx, ws); err != nil {
		return nil, err
	}
	return &ws[0], nil
}

func (db *DB) loadAcks(ctx context.Context, ws []customs.RegionalWarning) error {
	if len(ws) == 0 {
		return nil
	}
	ids := make([]string, len(ws))
	at := map[string]int{}
	for i := range ws {
		ids[i] = ws[i].ID
		at[ws[i].ID] = i
	}
	var rows []ackRow
	if err := db.SelectContext(ctx, &rows, `SELECT warning_id, region, due, at, bureau, measures, late FROM warning_ack
		WHERE warning_id = ANY($1) ORDER BY warning_id, region`, pq.Array(ids)); err != nil {
		return fmt.Errorf("warning acknowledgements: %w", err)
	}
	for _, r := range rows {
		a := customs.WarningAck{Region: r.Region, Due: r.Due.UTC(), Bureau: r.Bureau.String, Measures: r.Measures.String, Late: r.Late}
		if r.At.Valid {
			t := r.At.Time.UTC()
			a.At = &t
		}
		w := &ws[at[r.WarningID]]
		w.Acks = append(w.Acks, a)
	}
	return nil
}

// AckWarning records a region's acknowledgement. CodeConflict when the
// region has already acknowledged; CodeNotFound when the warning owes the
// region nothing.
func (db *DB) AckWarning(ctx context.Context, id string, a customs.WarningAck) (*customs.RegionalWarning, error) {
	res, err := db.ExecContext(ctx, `UPDATE warning_ack SET at = $3, bureau = $4, measures = $5, late = $6
		WHERE warning_id = $1 AND region = $2 AND at IS NULL`, id, a.Region, a.At, a.Bureau, a.Measures, a.Late)
	if err != nil {
		return nil, fmt.Errorf("acknowledge warning: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		var given bool
		err := db.GetContext(ctx, &given, `SELECT at IS NOT NULL FROM warning_ack WHERE warning_id = $1 AND region = $2`, id, a.Region)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return nil, customs.Errorf(customs.CodeNotFound, "warning %s owes region %s no acknowledgement", id, a.Region)
		case err != nil:
			return nil, fmt.Errorf("acknowledge warning: %w", err)
		}
		return nil, customs.Errorf(customs.CodeConflict, "region %s has already acknowledged warning %s", a.Region, id)
	}
	return db.Warning(ctx, id)
}

// LiftWarning ends an active warning before its expiry. CodeNotFound for
// an unknown warning, CodeConflict for one already lifted or expired.
func (db *DB) LiftWarning(ctx context.Context, id, by, reason string, at time.Time) (*customs.RegionalWarning, error) {
	res, err := db.ExecContext(ctx, `UPDATE warning SET state = 'lifted', lifted_at = $2, lifted_by = $3, lift_reason = $4
		WHERE id = $1 AND state = 'active' AND expires_at > $2`, id, at, by, reason)
	if err != nil {
		return nil, fmt.Errorf("lift warning: %w", err)
	}
	w, err := db.Warning(ctx, id)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, customs.Errorf(customs.CodeConflict, "warning %s is %s, not active", id, w.StateAt(at))
	}
	return w, nil
}

// Warnings lists warnings, newest first (by issue time, then issue order).
func (db *DB) Warnings(ctx context.Context, f customs.WarningFilter) ([]customs.RegionalWarning, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	switch f.State {
	case customs.WarningActive:
		where = append(where, "w.state = 'active' AND w.expires_at > "+arg(f.At))
	case customs.WarningExpired:
		where = append(where, "w.state = 'active' AND w.expires_at <= "+arg(f.At))
	case customs.WarningLifted:
		where = append(where, "w.state = 'lifted'")
	}
	if f.Overdue {
		at := arg(f.At)
		where = append(where, "w.state = 'active' AND w.expires_at > "+at+
			" AND EXISTS (SELECT 1 FROM warning_ack a WHERE a.warning_id = w.id AND a.at IS NULL AND a.due < "+at+")")
	}
	if f.Region != "" {
		where = append(where, "w.region = "+arg(f.Region))
	}
	if f.AfterSeq != 0 {
		where = append(where, "(w.issued_at, w.seq) < ("+arg(f.AfterAt)+", "+arg(f.AfterSeq)+")")
	}
	q := `SELECT ` + strings.ReplaceAll(warningColumns, "\n\t", " ") + ` FROM warning w`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY w.issued_at DESC, w.seq DESC LIMIT " + arg(f.Limit)
	var rows []warningRow
	if err := db.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("warnings: %w", err)
	}
	out := make([]customs.RegionalWarning, len(rows))
	for i := range rows {
		out[i] = rows[i].warning()
	}
	return out, db.loadAcks(ctx, out)
}

// OverdueAcks counts, by the region that owes them, the acknowledgements
// of active warnings past due and not given at at.
func (db *DB) OverdueAcks(ctx context.Context, at time.Time) (map[string]int, error) {
	var rows []struct {
		Region string `db:"region"`
		N      int    `db:"n"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT a.region, count(*) AS n FROM warning_ack a JOIN warning w ON w.id = a.warning_id
		WHERE a.at IS NULL AND a.due < $1 AND w.state = 'active' AND w.expires_at > $1 GROUP BY a.region`, at); err != nil {
		return nil, fmt.Errorf("overdue acknowledgements: %w", err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Region] = r.N
	}
	return out, nil
}

// NoteOverdue marks the acknowledgements that became overdue by at and
// were not yet noted, and returns them: each is returned once, by one
// process, however many watch.
func (db *DB) NoteOverdue(ctx context.Context, at time.Time) ([]customs.OverdueAck, error) {
	var rows []struct {
		WarningID string    `db:"warning_id"`
		Kind      string    `db:"kind"`
		Issuer    string    `db:"issuer"`
		Region    string    `db:"region"`
		Due       time.Time `db:"due"`
	}
	if err := db.SelectContext(ctx, &rows, `UPDATE warning_ack a SET overdue_noted_at = $1 FROM warning w
		WHERE w.id = a.warning_id AND a.at IS NULL AND a.due < $1 AND a.overdue_noted_at IS NULL
		  AND w.state = 'active' AND w.expires_at > $1
		RETURNING a.warning_id, w.kind, w.issuer, a.region, a.due`, at); err != nil {
		return nil, fmt.Errorf("note overdue acknowledgements: %w", err)
	}
	out := make([]customs.OverdueAck, len(rows))
	for i, r := range rows {
		out[i] = customs.OverdueAck{WarningID: r.WarningID, Kind: customs.WarningKind(r.Kind), Issuer: r.Issuer, Region: r.Region, Due: r.Due.UTC()}
	}
	return out, nil
}

// WarningAlerts returns the warnings that act on goods (an inspection
// action, not lifted) as risk-alert rows, expired ones included: the
// alert cache drops those past their expiry at the time it is asked for.
func (db *DB) WarningAlerts(ctx context.Context) ([]customs.RiskAlert, error) {
	var rows []AlertRow
	if err := db.SelectContext(ctx, &rows, `SELECT id, hs_prefix, origin, uscc, port, action, reason, expires_at,
		issued_at AS created_at, issued_by AS created_by, lifted_at AS deleted_at
		FROM warning WHERE state = 'active' AND action <> 'notify' ORDER BY issued_at DESC, seq DESC`); err != nil {
		return nil, fmt.Errorf("warning alerts: %w", err)
	}
	out := make([]customs.RiskAlert, len(rows))
	for i := range rows {
		out[i] = rows[i].Alert()
	}
	return out, nil
}

// AuditTrace records a trace call.
func (db *DB) AuditTrace(ctx context.Context, a customs.TraceAudit) error {
	crit, _ := json.Marshal(a.Criteria)
	if _, err := db.ExecContext(ctx, `INSERT INTO trace_audit (at, key_id, role, scope, criteria, results, format)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, a.At, a.KeyID, string(a.Role), a.Scope, string(crit), a.Results, a.Format); err != nil {
		return fmt.Errorf("audit trace: %w", err)
	}
	return nil
}

// hsUpper is the first string after every HS code starting with prefix:
// codes are digits, and "~" sorts after them in the "C" collation.
func hsUpper(prefix string) string { return prefix + "~" }

// Trace finds the declarations a risk touches, newest first (warnings.md
// Trace). The narrow side tables trace_item and trace_container drive the
// search when an item or container criterion is given (their indexes hold
// a year of declarations in a few pages per match); a USCC alone is found
// through the declaration's enterprises index.
func (db *DB) Trace(ctx context.Context, q customs.TraceQuery) ([]customs.TraceHit, error) {
	sqlText, args := traceSQL(q)
	rows, err := db.QueryxContext(ctx, sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("trace: %w", err)
	}
	defer rows.Close()
	var out []customs.TraceHit
	for rows.Next() {
		var h customs.TraceHit
		var matchedJSON []byte
		var ents, conts, bureaus pq.StringArray
		if err := rows.Scan(&h.Seq, &h.ID, &h.Port, &h.PortRef, &h.ReceivedAt, &h.Direction, &h.Status, &ents, &matchedJSON, &conts, &bureaus); err != nil {
			return nil, fmt.Errorf("trace: %w", err)
		}
		h.ReceivedAt = h.ReceivedAt.UTC()
		h.Enterprises, h.Containers, h.Bureaus = ents, conts, bureaus
		var items [][]any
		if err := json.Unmarshal(matchedJSON, &items); err != nil {
			return nil, fmt.Errorf("trace: matched items: %w", err)
		}
		for _, it := range items {
			if len(it) != 6 {
				return nil, fmt.Errorf("trace: matched item has %d fields", len(it))
			}
			n, _ := it[0].(float64)
			s := func(v any) string { x, _ := v.(string); return x }
			h.Matched = append(h.Matched, customs.TraceItem{Seq: int(n), HSCode: s(it[1]), Origin: s(it[2]),
				DestinationDistrict: s(it[3]), Quantity: s(it[4]), Unit: s(it[5])})
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// ExplainTrace runs a trace under EXPLAIN (ANALYZE, BUFFERS) and returns
// the plan, for the benchmark and for an operator checking the indexes.
func (db *DB) ExplainTrace(ctx context.Context, q customs.TraceQuery) (string, error) {
	sqlText, args := traceSQL(q)
	var lines []string
	if err := db.SelectContext(ctx, &lines, "EXPLAIN (ANALYZE, BUFFERS) "+sqlText, args...); err != nil {
		return "", fmt.Errorf("explain trace: %w", err)
	}
	return strings.Join(lines, "\n"), nil
}

// traceSQL builds the trace's statement and its arguments.
func traceSQL(q customs.TraceQuery) (string, []any) {
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	// hits: (received_at, declaration_seq) of the declarations that match,
	// within the window and after the cursor.
	var itemCond []string
	if q.HSPrefix != "" {
		itemCond = append(itemCond, "i.hs_code >= "+arg(q.HSPrefix)+" AND i.hs_code < "+arg(hsUpper(q.HSPrefix)))
	}
	if q.Origin != "" {
		itemCond = append(itemCond, "i.origin = "+arg(q.Origin))
	}
	window := func(t string) string {
		c := t + ".received_at >= " + arg(q.Since) + " AND " + t + ".received_at < " + arg(q.Until)
		if q.AfterSeq != 0 {
			c += " AND (" + t + ".received_at, " + t + ".seqcol) < (" + arg(q.AfterAt) + ", " + arg(q.AfterSeq) + ")"
		}
		return c
	}
	var hits string
	var declCond []string
	switch {
	case len(itemCond) > 0:
		hits = `SELECT DISTINCT i.received_at, i.declaration_seq AS seq FROM trace_item i WHERE ` +
			strings.Join(itemCond, " AND ") + " AND " + strings.ReplaceAll(window("i"), "i.seqcol", "i.declaration_seq")
		if q.Container != "" {
			declCond = append(declCond, "EXISTS (SELECT 1 FROM trace_container c WHERE c.declaration_seq = d.seq AND c.container = "+arg(q.Container)+")")
		}
	case q.Container != "":
		hits = `SELECT c.received_at, c.declaration_seq AS seq FROM trace_container c WHERE c.container = ` + arg(q.Container) +
			" AND " + strings.ReplaceAll(window("c"), "c.seqcol", "c.declaration_seq")
	default:
		hits = `SELECT d0.received_at, d0.seq FROM declaration d0 WHERE d0.enterprises @> ARRAY[` + arg(q.USCC) + `]::text[] AND ` +
			strings.ReplaceAll(window("d0"), "d0.seqcol", "d0.seq")
	}
	if q.USCC != "" {
		declCond = append(declCond, "d.enterprises @> ARRAY["+arg(q.USCC)+"]::text[]")
	}
	matched := "TRUE"
	if len(itemCond) > 0 {
		matched = strings.Join(itemCond, " AND ")
	}
	where := ""
	if len(declCond) > 0 {
		where = " WHERE " + strings.Join(declCond, " AND ")
	}
	sqlText := `WITH hit AS (` + hits + `),
	page AS (SELECT d.seq, d.id, d.port, d.port_ref, h.received_at, d.direction, d.status, d.enterprises
		FROM hit h JOIN declaration d ON d.seq = h.seq` + where + `
		ORDER BY h.received_at DESC, d.seq DESC LIMIT ` + arg(q.Limit) + `)
	SELECT p.seq, p.id, p.port, p.port_ref, p.received_at, p.direction, p.status, p.enterprises,
		COALESCE((SELECT jsonb_agg(jsonb_build_array(i.seq, i.hs_code, i.origin, i.district, i.quantity, i.unit) ORDER BY i.seq)
			FROM trace_item i WHERE i.declaration_seq = p.seq AND ` + matched + `), '[]') AS matched,
		COALESCE((SELECT array_agg(c.container ORDER BY c.container) FROM trace_container c WHERE c.declaration_seq = p.seq), '{}') AS containers,
		COALESCE((SELECT array_agg(DISTINCT t.owner ORDER BY t.owner) FROM task t WHERE t.declaration_id = p.id AND t.status <> 'withdrawn'), '{}') AS bureaus
	FROM page p ORDER BY p.received_at DESC, p.seq DESC`
	return sqlText, args
}
