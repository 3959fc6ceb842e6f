package postgres_test

import (
	"context"
	"crypto/sha256"
	"os"
	"strings"
	"testing"

	"github.com/jjj/gateway/internal/apikey"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestMigrateAgainChangesNothing: a second run (a second gateway starting,
// or `gatewayd migrate` after `serve`) applies nothing and leaves none
// pending.
func TestMigrateAgainChangesNothing(t *testing.T) {
	db := pgtest.New(t)
	applied, err := db.Migrate(context.Background())
	if err != nil || len(applied) != 0 {
		t.Fatalf("second migration applied %v (%v)", applied, err)
	}
	pending, err := db.Pending(context.Background())
	if err != nil || len(pending) != 0 {
		t.Fatalf("pending %v (%v)", pending, err)
	}
	var n int
	if err := db.Get(&n, `SELECT version FROM schema_migrations WHERE NOT dirty`); err != nil || n < 7 {
		t.Fatalf("schema_migrations version %d (%v)", n, err)
	}
}

// TestKeysAreStoredHashed: no column of the key's row holds the key; the
// row holds its SHA-256.
func TestKeysAreStoredHashed(t *testing.T) {
	db := pgtest.New(t)
	keys := &apikey.Keys{Store: db}
	k, err := keys.Create(context.Background(), apikey.NewKey{Role: customs.CallerAdmin, Name: "ops"})
	if err != nil {
		t.Fatal(err)
	}
	var row string
	if err := db.Get(&row, `SELECT row_to_json(k)::text FROM api_key k WHERE id = $1`, k.ID); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(row, k.Key) || strings.Contains(row, k.Key[9:]) {
		t.Fatalf("the key is stored in the clear: %s", row)
	}
	var hash []byte
	if err := db.Get(&hash, `SELECT hash FROM api_key WHERE id = $1`, k.ID); err != nil {
		t.Fatal(err)
	}
	if want := sha256.Sum256([]byte(k.Key)); string(hash) != string(want[:]) {
		t.Error("the stored hash is not the key's SHA-256")
	}
}
