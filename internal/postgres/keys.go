package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// keyRow is a stored API key; the key itself is never stored, only its
// hash.
type keyRow struct {
	ID        string       `db:"id"`
	Hint      string       `db:"hint"`
	Role      string       `db:"role"`
	Scope     string       `db:"scope"`
	Name      string       `db:"name"`
	CreatedAt time.Time    `db:"created_at"`
	ExpiresAt sql.NullTime `db:"expires_at"`
	RevokedAt sql.NullTime `db:"revoked_at"`
}

func (k *keyRow) key() customs.APIKey {
	return customs.APIKey{ID: k.ID, Hint: k.Hint, Role: customs.CallerRole(k.Role), Scope: k.Scope, Name: k.Name,
		CreatedAt: k.CreatedAt, ExpiresAt: nullTime(k.ExpiresAt), RevokedAt: nullTime(k.RevokedAt)}
}

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	return &t.Time
}

// InsertKey stores a new key by its hash (apikey.HashKey).
func (db *DB) InsertKey(ctx context.Context, k *customs.APIKey, hash []byte) error {
	var exp any
	if k.ExpiresAt != nil {
		exp = *k.ExpiresAt
	}
	_, err := db.ExecContext(ctx, `INSERT INTO api_key (id, hash, hint, role, scope, name, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, k.ID, hash, k.Hint, string(k.Role), k.Scope, k.Name, k.CreatedAt, exp)
	return classify(err, "key")
}

// KeyByHash finds a key by its hash, whether or not it is still valid;
// customs.CodeNotFound when there is none.
func (db *DB) KeyByHash(ctx context.Context, hash []byte) (*customs.APIKey, error) {
	var k keyRow
	err := db.GetContext(ctx, &k, `SELECT id, hint, role, scope, name, created_at, expires_at, revoked_at FROM api_key WHERE hash = $1`, hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, customs.Errorf(customs.CodeNotFound, "no such key")
	}
	if err != nil {
		return nil, fmt.Errorf("key by hash: %w", err)
	}
	out := k.key()
	return &out, nil
}

// Keys lists every key, newest first.
func (db *DB) Keys(ctx context.Context) ([]customs.APIKey, error) {
	var rows []keyRow
	err := db.SelectContext(ctx, &rows, `SELECT id, hint, role, scope, name, created_at, expires_at, revoked_at FROM api_key ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	out := make([]customs.APIKey, len(rows))
	for i := range rows {
		out[i] = rows[i].key()
	}
	return out, nil
}

// RevokeKey revokes a key; false when there is no such key.
func (db *DB) RevokeKey(ctx context.Context, id string, at time.Time) (bool, error) {
	res, err := db.ExecContext(ctx, `UPDATE api_key SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1`, id, at)
	if err != nil {
		return false, fmt.Errorf("revoke key: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// IsNoRows reports whether err means nothing was found.
func IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
