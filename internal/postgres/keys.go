package postgres

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// KeyRow is a stored API key; the key itself is never stored, only its hash.
type KeyRow struct {
	ID        string       `db:"id"`
	Hint      string       `db:"hint"`
	Role      string       `db:"role"`
	Scope     string       `db:"scope"`
	Name      string       `db:"name"`
	CreatedAt time.Time    `db:"created_at"`
	ExpiresAt sql.NullTime `db:"expires_at"`
	RevokedAt sql.NullTime `db:"revoked_at"`
}

// HashKey is how keys are stored: a key has 256 bits of entropy, so an
// unsalted SHA-256 is enough and lets a key be looked up by its hash.
func HashKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// InsertKey stores a new key by its hash.
func (db *DB) InsertKey(ctx context.Context, k *KeyRow, key string) error {
	var exp any
	if k.ExpiresAt.Valid {
		exp = k.ExpiresAt.Time
	}
	_, err := db.ExecContext(ctx, `INSERT INTO api_key (id, hash, hint, role, scope, name, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, k.ID, HashKey(key), k.Hint, k.Role, k.Scope, k.Name, k.CreatedAt, exp)
	return classify(err, "key")
}

// KeyByHash finds a key by its hash, whether or not it is still valid;
// sql.ErrNoRows wrapped when there is none.
func (db *DB) KeyByHash(ctx context.Context, hash []byte) (*KeyRow, error) {
	var k KeyRow
	err := db.GetContext(ctx, &k, `SELECT id, hint, role, scope, name, created_at, expires_at, revoked_at FROM api_key WHERE hash = $1`, hash)
	if err != nil {
		return nil, fmt.Errorf("key by hash: %w", err)
	}
	return &k, nil
}

// Keys lists every key, newest first.
func (db *DB) Keys(ctx context.Context) ([]KeyRow, error) {
	var out []KeyRow
	err := db.SelectContext(ctx, &out, `SELECT id, hint, role, scope, name, created_at, expires_at, revoked_at FROM api_key ORDER BY created_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("keys: %w", err)
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
