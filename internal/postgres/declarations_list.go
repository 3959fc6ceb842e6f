package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jjj/gateway/internal/customs"
	"github.com/lib/pq"
)

// Scope and DeclarationFilter are the domain's (customs): the services
// pass them as they are. Scope is the SQL form of clearance.Visible: the
// two must agree.
type (
	Scope             = customs.Scope
	DeclarationFilter = customs.DeclarationFilter
)

// where builds the filter's WHERE clause and arguments. Declarations are
// aliased d.
func filterWhere(f *DeclarationFilter) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	switch s := f.Scope; {
	case s.All:
	case s.Port != "":
		conds = append(conds, "d.port = "+arg(s.Port))
	case s.Enterprise != "":
		conds = append(conds, "d.enterprises @> ARRAY["+arg(s.Enterprise)+"]::text[]")
	case s.Bureau != "":
		conds = append(conds, "EXISTS (SELECT 1 FROM task t WHERE t.declaration_id = d.id AND t.owner = "+arg(s.Bureau)+")")
	default:
		conds = append(conds, "false")
	}
	if f.Status != "" {
		conds = append(conds, "d.status = "+arg(f.Status))
	}
	if f.Port != "" {
		conds = append(conds, "d.port = "+arg(f.Port))
	}
	if f.Enterprise != "" {
		conds = append(conds, "d.enterprises @> ARRAY["+arg(f.Enterprise)+"]::text[]")
	}
	if f.Search != "" {
		p := arg(likePrefix(f.Search))
		conds = append(conds, "(d.port_ref ILIKE "+p+" OR d.entry_id ILIKE "+p+")")
	}
	if !f.Since.IsZero() {
		conds = append(conds, "d.received_at >= "+arg(f.Since))
	}
	if f.Before > 0 {
		conds = append(conds, "d.seq < "+arg(f.Before))
	}
	if len(conds) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// likePrefix is a LIKE pattern matching strings that start with s, its
// wildcards taken literally.
func likePrefix(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
}

// ListDeclarations returns the declarations f selects, newest first (by
// seq, the arrival order), at most f.Limit. Paging on seq is a keyset: a
// declaration that arrives between two pages has a higher seq than every
// row already read, so it can neither push a row onto the next page twice
// nor hide one.
func (db *DB) ListDeclarations(ctx context.Context, f DeclarationFilter) ([]DeclarationRow, error) {
	where, args := filterWhere(&f)
	args = append(args, f.Limit)
	q := `SELECT ` + prefixColumns("d.", declarationColumns) + ` FROM declaration d` + where +
		` ORDER BY d.seq DESC LIMIT $` + strconv.Itoa(len(args))
	out := []DeclarationRow{}
	if err := db.SelectContext(ctx, &out, q, args...); err != nil {
		return nil, fmt.Errorf("list declarations: %w", err)
	}
	return out, nil
}

// CountByStatus counts the declarations f selects (Limit and Before
// ignored) by status.
func (db *DB) CountByStatus(ctx context.Context, f DeclarationFilter) (map[string]int, error) {
	f.Before = 0
	f.Status = ""
	where, args := filterWhere(&f)
	rows, err := db.QueryContext(ctx, `SELECT d.status, count(*) FROM declaration d`+where+` GROUP BY d.status`, args...)
	if err != nil {
		return nil, fmt.Errorf("count declarations: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

// TasksOf returns the tasks of several declarations, by declaration, each
// in creation order: one query for a page of declarations.
func (db *DB) TasksOf(ctx context.Context, ids []string) (map[string][]TaskRow, error) {
	var rows []TaskRow
	err := db.SelectContext(ctx, &rows, `SELECT `+taskColumns+` FROM task WHERE declaration_id = ANY($1) ORDER BY created_at, id`, pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("tasks: %w", err)
	}
	out := make(map[string][]TaskRow, len(ids))
	for _, t := range rows {
		out[t.DeclarationID] = append(out[t.DeclarationID], t)
	}
	return out, nil
}

// TimelinesOf returns the timelines of several declarations, oldest entry
// first.
func (db *DB) TimelinesOf(ctx context.Context, ids []string) (map[string][]TimelineRow, error) {
	type row struct {
		DeclarationID string `db:"declaration_id"`
		TimelineRow
	}
	var rows []row
	err := db.SelectContext(ctx, &rows, `SELECT declaration_id, `+timelineColumns+` FROM timeline WHERE declaration_id = ANY($1) ORDER BY id`, pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("timelines: %w", err)
	}
	out := make(map[string][]TimelineRow, len(ids))
	for _, r := range rows {
		out[r.DeclarationID] = append(out[r.DeclarationID], r.TimelineRow)
	}
	return out, nil
}

func prefixColumns(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = prefix + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}
