package postgres_test

import (
	"context"
	"io/fs"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/postgres/migration"
	"github.com/jjj/gateway/internal/postgres/pgtest"
)

func openEmpty(t *testing.T) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), pgtest.EmptyURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func migrations(t *testing.T) []postgres.Migration {
	t.Helper()
	ms, err := postgres.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func allNames(ms []postgres.Migration) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Name)
	}
	return out
}

// TestMigrationFiles: versions count up from 1 without a gap, each file
// has its pair, and none holds transaction control, which would break
// the one-transaction-per-file rule (migration's doc comment).
func TestMigrationFiles(t *testing.T) {
	ms := migrations(t)
	if len(ms) < 7 {
		t.Fatalf("%d migrations, want at least the 7 of the first releases", len(ms))
	}
	for i, m := range ms {
		if m.Version != i+1 {
			t.Errorf("migration %s has version %d, want %d (no gaps)", m.Name, m.Version, i+1)
		}
		for _, ext := range []string{".up.sql", ".down.sql"} {
			b, err := fs.ReadFile(migration.FS, m.Name+ext)
			if err != nil {
				t.Fatal(err)
			}
			inBody := false // inside a $$-quoted function body, BEGIN is PL/pgSQL's
			for _, line := range strings.Split(strings.ToUpper(string(b)), "\n") {
				line = strings.TrimSpace(line)
				if strings.Count(line, "$$")%2 == 1 {
					inBody = !inBody
					continue
				}
				if inBody || strings.HasPrefix(line, "--") {
					continue
				}
				if strings.HasPrefix(line, "BEGIN") || strings.HasPrefix(line, "COMMIT") || strings.Contains(line, "CONCURRENTLY") {
					t.Errorf("%s%s: %q cannot run inside the migration's transaction", m.Name, ext, line)
				}
			}
		}
	}
}

// legacyMigrate is the runner the gateway had before golang-migrate, as
// it was: its own table schema_migration, one row per file applied, each
// file and its row in one transaction, under the same advisory lock. It
// applies the migrations up to version upTo.
func legacyMigrate(t *testing.T, db *postgres.DB, upTo int) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migration (
		version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	for _, m := range migrations(t) {
		if m.Version > upTo {
			break
		}
		b, err := fs.ReadFile(migration.FS, m.Name+".up.sql")
		if err != nil {
			t.Fatal(err)
		}
		tx := db.MustBegin()
		tx.MustExec(string(b))
		tx.MustExec(`INSERT INTO schema_migration (version, name) VALUES ($1, $2)`, m.Version, m.Name)
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLegacyDatabaseUpgrades: a database made by the earlier runner at
// version 7, with data in it, is carried over: nothing of 1–7 is applied
// again, what follows is applied, the data stays, and the old table is
// left for old processes still running.
func TestLegacyDatabaseUpgrades(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openEmpty(t)
	legacyMigrate(t, db, 7)
	db.MustExec(`INSERT INTO api_key (id, hash, hint, role, scope, name) VALUES ('k1', '\x01', 'gw_ab', 'port', 'tianjin', 'kept')`)
	db.MustExec(`INSERT INTO reroute_request (uscc, reason, actor) VALUES ('*', 'alert', 'admin:k1')`)

	st, err := db.MigrationStatus(ctx)
	if err != nil || st.Version != 7 || st.Dirty {
		t.Fatalf("status before the upgrade %+v (%v), want version 7 read from the old table", st, err)
	}
	applied, err := db.Migrate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ms := migrations(t)
	if want := allNames(ms[7:]); !slices.Equal(applied, want) {
		t.Errorf("applied %v, want only those after 7: %v", applied, want)
	}
	st, err = db.MigrationStatus(ctx)
	if err != nil || st.Version != st.Latest || st.Dirty || len(st.Pending()) != 0 {
		t.Fatalf("status after %+v (%v), want the latest, clean", st, err)
	}
	var name string
	if err := db.Get(&name, `SELECT name FROM api_key WHERE id = 'k1'`); err != nil || name != "kept" {
		t.Errorf("api_key row after the upgrade: %q (%v)", name, err)
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM reroute_request WHERE actor = 'admin:k1'`); err != nil || n != 1 {
		t.Errorf("reroute_request rows after the upgrade: %d (%v)", n, err)
	}
	if err := db.Get(&n, `SELECT count(*) FROM schema_migration`); err != nil || n != 7 {
		t.Errorf("the old table has %d rows (%v), want its 7 left as they were", n, err)
	}
	if applied, err := db.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Errorf("migrating again applied %v (%v)", applied, err)
	}
}

// TestLegacyDatabaseWithAGapIsRefused: bookkeeping that does not match
// this binary's files is not guessed at.
func TestLegacyDatabaseWithAGapIsRefused(t *testing.T) {
	t.Parallel()
	db := openEmpty(t)
	legacyMigrate(t, db, 3)
	db.MustExec(`DELETE FROM schema_migration WHERE version = 2`)
	_, err := db.Migrate(context.Background())
	if err == nil || !strings.Contains(err.Error(), "schema_migration") {
		t.Fatalf("err %v, want a refusal naming schema_migration", err)
	}
	var exists bool
	if err := db.Get(&exists, `SELECT to_regclass('schema_migrations') IS NOT NULL`); err != nil || exists {
		t.Errorf("schema_migrations exists %v (%v): nothing should have been recorded", exists, err)
	}
}

// TestMigrateConcurrently is several gateways starting at once on a new
// database: each migrates through its own pool; every migration is
// applied exactly once and all of them succeed.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	url := pgtest.EmptyURL(t)
	const n = 4
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		applied []string
		errs    []error
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := postgres.Open(context.Background(), url)
			if err == nil {
				defer db.Close()
				var names []string
				names, err = db.Migrate(context.Background())
				mu.Lock()
				applied = append(applied, names...)
				mu.Unlock()
			}
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	slices.Sort(applied)
	if want := allNames(migrations(t)); !slices.Equal(applied, want) {
		t.Errorf("applied across the %d migrators %v, want each once: %v", n, applied, want)
	}
}

// TestDownAndUpAgain runs every down file: one step back, up again, all
// the way down (nothing of the schema left), and up again.
func TestDownAndUpAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openEmpty(t)
	ms := migrations(t)
	last := ms[len(ms)-1]
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	undone, err := db.MigrateDown(ctx, false)
	if err != nil || !slices.Equal(undone, []string{last.Name}) {
		t.Fatalf("down undid %v (%v), want %s", undone, err, last.Name)
	}
	st, err := db.MigrationStatus(ctx)
	if err != nil || st.Version != last.Version-1 || len(st.Pending()) != 1 {
		t.Fatalf("status after one down %+v (%v)", st, err)
	}
	if applied, err := db.Migrate(ctx); err != nil || !slices.Equal(applied, []string{last.Name}) {
		t.Fatalf("up again applied %v (%v)", applied, err)
	}
	undone, err = db.MigrateDown(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	want := allNames(ms)
	slices.Reverse(want)
	if !slices.Equal(undone, want) {
		t.Errorf("down --all undid %v, want %v", undone, want)
	}
	var tables []string
	if err := db.Select(&tables, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_name <> 'schema_migrations' ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	if len(tables) != 0 {
		t.Errorf("tables left after down --all: %v", tables)
	}
	if applied, err := db.Migrate(ctx); err != nil || len(applied) != len(ms) {
		t.Errorf("up from nothing applied %v (%v)", applied, err)
	}
}

// TestDirtyNeedsForce: a failed migration leaves the version dirty;
// migrate and /readyz refuse it and say how out, and force clears it.
func TestDirtyNeedsForce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	st, err := db.MigrationStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db.MustExec(`UPDATE schema_migrations SET dirty = true`)
	if _, err := db.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "migrate force") {
		t.Errorf("migrate on a dirty database: %v, want the way out named", err)
	}
	if _, err := db.Pending(ctx); err == nil {
		t.Error("Pending on a dirty database: no error, so /readyz would say ready")
	}
	if err := db.ForceMigrationVersion(ctx, st.Latest+1); err == nil {
		t.Error("force to a version no file has: no error")
	}
	if err := db.ForceMigrationVersion(ctx, st.Latest); err != nil {
		t.Fatal(err)
	}
	if p, err := db.Pending(ctx); err != nil || len(p) != 0 {
		t.Errorf("pending after force %v (%v)", p, err)
	}
}

// TestConnectErrorsKeepThePasswordOut: a malformed URL is refused without
// repeating it, since the message ends up in logs.
func TestConnectErrorsKeepThePasswordOut(t *testing.T) {
	t.Parallel()
	for _, url := range []string{
		"postgres://gw:hunter2@127.0.0.1:badport/x",
		"postgresql://gw:hunter2@[::1/x",
	} {
		_, err := postgres.Connect(context.Background(), postgres.Config{URL: url})
		if err == nil || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: err %v, want a refusal without the password", url, err)
		}
	}
	if _, err := postgres.Connect(context.Background(), postgres.Config{URL: pgtest.BaseURL(), MaxConns: -1}); err == nil {
		t.Error("MaxConns -1: no error")
	}
}
