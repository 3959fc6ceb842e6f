package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/jjj/gateway/internal/customs"
)

// DocumentStore is the register of supporting documents (document.Store):
// documents, their revocation and their write-offs, in the domain's types.
// The write-offs themselves are made by intake's one statement
// (insertDeclarationSQL) and given back by Tx.ReturnWriteOffs.
type DocumentStore struct {
	DB *DB
}

type documentRow struct {
	Kind         string         `db:"kind"`
	Number       string         `db:"number"`
	Seq          int64          `db:"seq"`
	Issuer       string         `db:"issuer"`
	Holder       string         `db:"holder"`
	ValidFrom    string         `db:"valid_from"`
	ValidUntil   string         `db:"valid_until"`
	Quantity     string         `db:"quantity"`
	Unit         string         `db:"unit"`
	Remaining    string         `db:"remaining"`
	UN           string         `db:"un"`
	PackingGroup string         `db:"packing_group"`
	Packaging    string         `db:"packaging"`
	Level        string         `db:"level"`
	Origin       string         `db:"origin"`
	EntryCustoms string         `db:"entry_customs"`
	HSPrefix     string         `db:"hs_prefix"`
	RevokedAt    sql.NullTime   `db:"revoked_at"`
	RevokedBy    sql.NullString `db:"revoked_by"`
	RevokeReason sql.NullString `db:"revoke_reason"`
	CreatedAt    time.Time      `db:"created_at"`
	CreatedBy    string         `db:"created_by"`
	Used         bool           `db:"used"`
}

// Dates are read as text (yyyy-MM-dd), quantities as numeric's text.
const documentColumns = `kind, number, seq, issuer, holder, to_char(valid_from, 'YYYY-MM-DD') AS valid_from,
	to_char(valid_until, 'YYYY-MM-DD') AS valid_until, quantity::text AS quantity, unit, remaining::text AS remaining,
	un, packing_group, packaging, level, origin, entry_customs, hs_prefix, revoked_at, revoked_by, revoke_reason, created_at, created_by`

func (r *documentRow) document() *customs.Document {
	d := &customs.Document{Kind: customs.DocumentKind(r.Kind), Number: r.Number, Seq: r.Seq, Issuer: r.Issuer, Holder: r.Holder,
		ValidFrom: r.ValidFrom, ValidUntil: r.ValidUntil, Quantity: r.Quantity, Unit: r.Unit,
		Remaining: customs.NormalizeDecimal(r.Remaining), UN: r.UN, PackingGroup: r.PackingGroup, Packaging: r.Packaging,
		Level: r.Level, Origin: r.Origin, EntryCustoms: r.EntryCustoms, HSPrefix: r.HSPrefix,
		RevokedBy: r.RevokedBy.String, RevokeReason: r.RevokeReason.String, CreatedAt: r.CreatedAt, CreatedBy: r.CreatedBy, Used: r.Used}
	if r.RevokedAt.Valid {
		at := r.RevokedAt.Time
		d.RevokedAt = &at
	}
	return d
}

// InsertDocument registers a new document with nothing written off;
// customs.CodeConflict when that kind and number exist.
func (s DocumentStore) InsertDocument(ctx context.Context, d *customs.Document) error {
	err := s.DB.QueryRowContext(ctx, `
INSERT INTO document (kind, number, issuer, holder, valid_from, valid_until, quantity, unit, remaining,
                      un, packing_group, packaging, level, origin, entry_customs, hs_prefix, created_at, created_by)
VALUES ($1, $2, $3, $4, $5::date, $6::date, $7::numeric, $8, $7::numeric, $9, $10, $11, $12, $13, $14, $15, $16, $17)
RETURNING seq`,
		d.Kind, d.Number, d.Issuer, d.Holder, d.ValidFrom, d.ValidUntil, d.Quantity, d.Unit,
		d.UN, d.PackingGroup, d.Packaging, d.Level, d.Origin, d.EntryCustoms, d.HSPrefix, d.CreatedAt, d.CreatedBy).Scan(&d.Seq)
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" {
		return customs.Errorf(customs.CodeConflict, "%s %s is already registered", d.Kind, d.Number)
	}
	if err != nil {
		return fmt.Errorf("insert document %s %s: %w", d.Kind, d.Number, err)
	}
	d.Remaining = d.Quantity
	return nil
}

// Document returns a document with its write-offs, oldest first;
// customs.CodeNotFound if none.
func (s DocumentStore) Document(ctx context.Context, k customs.DocumentKey) (*customs.Document, error) {
	var r documentRow
	err := s.DB.GetContext(ctx, &r, `SELECT `+documentColumns+` FROM document WHERE kind = $1 AND number = $2`, k.Kind, k.Number)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, customs.Errorf(customs.CodeNotFound, "%s %s not found", k.Kind, k.Number)
	}
	if err != nil {
		return nil, fmt.Errorf("document %s: %w", k, err)
	}
	d := r.document()
	if d.WriteOffs, err = writeOffs(ctx, s.DB, `kind = $1 AND number = $2`, k.Kind, k.Number); err != nil {
		return nil, err
	}
	return d, nil
}

type writeOffRow struct {
	Kind          string       `db:"kind"`
	Number        string       `db:"number"`
	DeclarationID string       `db:"declaration_id"`
	Port          string       `db:"port"`
	PortRef       string       `db:"port_ref"`
	Item          int          `db:"item"`
	Quantity      string       `db:"quantity"`
	At            time.Time    `db:"at"`
	ReturnedAt    sql.NullTime `db:"returned_at"`
}

func (r *writeOffRow) writeOff() customs.WriteOff {
	w := customs.WriteOff{Kind: customs.DocumentKind(r.Kind), Number: r.Number, DeclarationID: r.DeclarationID, Port: customs.Port(r.Port),
		PortRef: r.PortRef, Item: r.Item, Quantity: customs.NormalizeDecimal(r.Quantity), At: r.At}
	if r.ReturnedAt.Valid {
		at := r.ReturnedAt.Time
		w.ReturnedAt = &at
	}
	return w
}

func writeOffs(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) ([]customs.WriteOff, error) {
	var rows []writeOffRow
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT kind, number, declaration_id, port, port_ref, item, quantity::text AS quantity, at, returned_at
FROM document_write_off WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("write-offs: %w", err)
	}
	out := make([]customs.WriteOff, len(rows))
	for i := range rows {
		out[i] = rows[i].writeOff()
	}
	return out, nil
}

// Documents returns the documents with the keys that exist, without their
// write-offs, in one query (the citations of a declaration).
func (s DeclarationStore) Documents(ctx context.Context, keys []customs.DocumentKey) (map[customs.DocumentKey]*customs.Document, error) {
	out := make(map[customs.DocumentKey]*customs.Document, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	kinds := make(pq.StringArray, len(keys))
	numbers := make(pq.StringArray, len(keys))
	for i, k := range keys {
		kinds[i], numbers[i] = string(k.Kind), k.Number
	}
	var rows []documentRow
	err := s.DB.SelectContext(ctx, &rows, `SELECT `+documentColumns+`,
	EXISTS (SELECT 1 FROM document_write_off w WHERE w.kind = document.kind AND w.number = document.number) AS used
FROM document WHERE (kind, number) IN (SELECT * FROM unnest($1::text[], $2::text[]))`, kinds, numbers)
	if err != nil {
		return nil, fmt.Errorf("cited documents: %w", err)
	}
	for i := range rows {
		d := rows[i].document()
		out[d.Key()] = d
	}
	return out, nil
}

// DocumentIssuers returns the bureaus that issued a document the
// declaration wrote off against (given back or not): they may read it.
func (s DeclarationStore) DocumentIssuers(ctx context.Context, id string) ([]string, error) {
	var out []string
	err := s.DB.SelectContext(ctx, &out, `SELECT DISTINCT d.issuer FROM document_write_off w
JOIN document d ON d.kind = w.kind AND d.number = w.number WHERE w.declaration_id = $1 ORDER BY 1`, id)
	if err != nil {
		return nil, fmt.Errorf("document issuers of %s: %w", id, err)
	}
	return out, nil
}

// ListDocuments returns the documents f selects, newest first, without
// their write-offs.
func (s DocumentStore) ListDocuments(ctx context.Context, f customs.DocumentFilter) ([]customs.Document, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Kind != "" {
		add("kind = ?", f.Kind)
	}
	if f.Holder != "" {
		add("holder = ?", f.Holder)
	}
	if f.Issuer != "" {
		add("issuer = ?", f.Issuer)
	}
	switch f.State {
	case customs.DocumentRevoked:
		where = append(where, "revoked_at IS NOT NULL")
	case customs.DocumentUsedUp:
		where = append(where, "revoked_at IS NULL AND remaining = 0")
	case customs.DocumentActive:
		where = append(where, "revoked_at IS NULL AND remaining > 0")
	}
	if f.Before > 0 {
		add("seq < ?", f.Before)
	}
	q := `SELECT ` + documentColumns + ` FROM document`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, f.Limit)
	q += fmt.Sprintf(` ORDER BY seq DESC LIMIT $%d`, len(args))
	var rows []documentRow
	if err := s.DB.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	out := make([]customs.Document, len(rows))
	for i := range rows {
		out[i] = *rows[i].document()
	}
	return out, nil
}

// RevokeDocument revokes a document; what was written off stays written
// off. A document already revoked keeps its first revocation and
// revoked is false. customs.CodeNotFound if none.
func (s DocumentStore) RevokeDocument(ctx context.Context, k customs.DocumentKey, reason, by string, at time.Time) (revoked bool, err error) {
	res, err := s.DB.ExecContext(ctx, `UPDATE document SET revoked_at = $3, revoked_by = $4, revoke_reason = $5
WHERE kind = $1 AND number = $2 AND revoked_at IS NULL`, k.Kind, k.Number, at, by, reason)
	if err != nil {
		return false, fmt.Errorf("revoke %s: %w", k, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// ReturnWriteOffs gives back the write-offs of a declaration that are not
// given back yet (the review centre rejected it): returned_at set and the
// documents' remaining restored (a level A approval to its quantity), in
// tx. It returns what was given back, nothing when there was none.
func (t Tx) ReturnWriteOffs(ctx context.Context, id string, at time.Time) ([]customs.WriteOff, error) {
	var rows []writeOffRow
	err := sqlx.SelectContext(ctx, t.ExtContext, &rows, `
WITH r AS (
    UPDATE document_write_off SET returned_at = $2
    WHERE declaration_id = $1 AND returned_at IS NULL
    RETURNING id, kind, number, declaration_id, port, port_ref, item, quantity, at, returned_at
), s AS (
    SELECT kind, number, sum(quantity) AS qty FROM r GROUP BY kind, number
), u AS (
    UPDATE document d SET remaining = CASE WHEN d.level = 'A' THEN d.quantity ELSE LEAST(d.quantity, d.remaining + s.qty) END
    FROM s WHERE d.kind = s.kind AND d.number = s.number
    RETURNING d.kind
)
SELECT kind, number, declaration_id, port, port_ref, item, quantity::text AS quantity, at, returned_at
FROM r ORDER BY id`, id, at)
	if err != nil {
		return nil, fmt.Errorf("give back the write-offs of %s: %w", id, err)
	}
	out := make([]customs.WriteOff, len(rows))
	for i := range rows {
		out[i] = rows[i].writeOff()
	}
	return out, nil
}

// isShort reports whether err is the write-off CHECK refusing a document
// that is short or revoked (insertDeclarationSQL).
func isShort(err error) bool {
	var pqErr *pq.Error
	return errors.As(err, &pqErr) && pqErr.Code == "23514" && pqErr.Constraint == "document_remaining_check"
}

// DocumentFacts returns the issuer of each cited document that exists and
// whether a write-off against it is earlier than the declaration's own
// first one against it (any write-off, when it has none): given back or
// not, a use is a use (routing.md's first use).
func (s InspectionStore) DocumentFacts(ctx context.Context, id string, keys []customs.DocumentKey) (map[customs.DocumentKey]customs.DocumentFact, error) {
	kinds := make(pq.StringArray, len(keys))
	numbers := make(pq.StringArray, len(keys))
	for i, k := range keys {
		kinds[i], numbers[i] = string(k.Kind), k.Number
	}
	var rows []struct {
		Kind    string `db:"kind"`
		Number  string `db:"number"`
		Issuer  string `db:"issuer"`
		Earlier bool   `db:"earlier"`
	}
	err := s.DB.SelectContext(ctx, &rows, `
SELECT d.kind, d.number, d.issuer, EXISTS (
    SELECT 1 FROM document_write_off w WHERE w.kind = d.kind AND w.number = d.number AND w.declaration_id <> $1
    AND w.id < COALESCE((SELECT min(o.id) FROM document_write_off o
                         WHERE o.kind = d.kind AND o.number = d.number AND o.declaration_id = $1), 9223372036854775807)
) AS earlier
FROM document d WHERE (d.kind, d.number) IN (SELECT * FROM unnest($2::text[], $3::text[]))`, id, kinds, numbers)
	if err != nil {
		return nil, fmt.Errorf("document facts of %s: %w", id, err)
	}
	out := make(map[customs.DocumentKey]customs.DocumentFact, len(rows))
	for _, r := range rows {
		out[customs.DocumentKey{Kind: customs.DocumentKind(r.Kind), Number: r.Number}] = customs.DocumentFact{Issuer: r.Issuer, EarlierUse: r.Earlier}
	}
	return out, nil
}
