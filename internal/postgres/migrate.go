package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	mpostgres "github.com/golang-migrate/migrate/v4/database/postgres"
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"github.com/jjj/gateway/internal/postgres/migration"
)

// The schema is versioned by golang-migrate: the NNNN_name.up.sql and
// .down.sql files of package migration, embedded in the binary, and its
// bookkeeping table schema_migrations (one row: version, dirty).
//
// Three choices where the library leaves it to us:
//
//   - Serialised. Every migrator (serve at start, `gatewayd migrate`, keys
//     create, tests) first takes the session advisory lock migrateLock on
//     its own connection and holds it until done. It is the key the
//     gateway's earlier, home-made runner took, so an old and a new binary
//     starting together against one database also wait for each other.
//     golang-migrate's own lock is taken inside it, uncontended.
//   - Atomic files. golang-migrate sends each file as one simple-protocol
//     query, which PostgreSQL runs as one implicit transaction: a file that
//     fails leaves nothing of itself behind. A file must therefore not hold
//     BEGIN/COMMIT or statements that refuse a transaction (CREATE INDEX
//     CONCURRENTLY). The library still marks the version "dirty" when a
//     file fails; Status says so and `gatewayd migrate force` clears it.
//   - Carried over. A database made by the earlier runner has the table
//     schema_migration (version, name, applied_at), one row per applied
//     file. The first time this code meets such a database (no
//     schema_migrations table yet), it records the legacy table's highest
//     version in schema_migrations, after checking that versions 1..N are
//     all there, and applies what follows. The legacy table is left as it
//     was, so that an old process still running during a rolling upgrade
//     keeps answering /readyz; it can be dropped once none runs, and the
//     first migration's down drops it with the rest.

// migrateLock is the advisory lock key that serialises migrators.
const migrateLock = 7262001

// migrateLockTimeout bounds the wait for golang-migrate's own lock. It is
// taken after migrateLock, so it only waits on a foreign migrator; the
// wait for migrateLock itself is bounded by the caller's context.
const migrateLockTimeout = 10 * time.Minute

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string // the file name without .up.sql: 0001_core
	Applied bool
}

// MigrationStatus is where the database's schema stands against the
// migrations this binary holds.
type MigrationStatus struct {
	// Version is the last migration applied; 0 when none is.
	Version int
	// Dirty means the migration Version was being applied (or, going
	// down, undone) when it failed or the process died. Its file ran in
	// one transaction, so the schema is as it was before that attempt; an
	// operator checks, then sets the version with `gatewayd migrate force`.
	Dirty bool
	// Latest is the highest version this binary holds.
	Latest int
	// Migrations are this binary's migrations in order.
	Migrations []Migration
}

// Pending returns the migrations not applied.
func (s MigrationStatus) Pending() []Migration {
	var out []Migration
	for _, m := range s.Migrations {
		if !m.Applied {
			out = append(out, m)
		}
	}
	return out
}

// Migrations lists the embedded migrations in order. Each .up.sql must
// have its .down.sql, and no two may share a version.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migration.FS, ".")
	if err != nil {
		return nil, err
	}
	files := map[string]bool{}
	for _, e := range entries {
		files[e.Name()] = true
	}
	var out []Migration
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".up.sql") {
			continue
		}
		name := strings.TrimSuffix(n, ".up.sql")
		v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: the name does not start with a positive version", n)
		}
		if !files[name+".down.sql"] {
			return nil, fmt.Errorf("migration %s has no %s.down.sql", n, name)
		}
		out = append(out, Migration{Version: v, Name: name})
	}
	for n := range files {
		if strings.HasSuffix(n, ".down.sql") && !files[strings.TrimSuffix(n, ".down.sql")+".up.sql"] {
			return nil, fmt.Errorf("migration %s has no .up.sql", n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s share a version", out[i-1].Name, out[i].Name)
		}
	}
	return out, nil
}

// Migrate applies every pending migration and returns the names applied.
// A database already past this binary's latest migration (a newer
// binary migrated it during a rolling upgrade) is left alone: migrations
// only add what older code can ignore, so the older binary runs on it.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	var applied []string
	err := db.withMigrator(ctx, func(m *migrate.Migrate, ms []Migration) error {
		before, err := version(m)
		if err != nil {
			return err
		}
		if len(ms) == 0 || before > ms[len(ms)-1].Version {
			return nil
		}
		err = m.Up()
		after, verr := version(m)
		applied = names(ms, before, after)
		if errors.Is(err, migrate.ErrNoChange) {
			err = nil
		}
		return errors.Join(explain(err), verr)
	})
	return applied, err
}

// MigrateDown undoes the last migration applied, or every one when all is
// true (the schema's tables and their data are gone), and returns the
// names undone, last first.
func (db *DB) MigrateDown(ctx context.Context, all bool) ([]string, error) {
	var undone []string
	err := db.withMigrator(ctx, func(m *migrate.Migrate, ms []Migration) error {
		before, err := version(m)
		if err != nil {
			return err
		}
		if before == 0 {
			return nil
		}
		if all {
			err = m.Down()
		} else {
			err = m.Steps(-1)
		}
		after, verr := version(m)
		undone = names(ms, after, before)
		for i, j := 0, len(undone)-1; i < j; i, j = i+1, j-1 {
			undone[i], undone[j] = undone[j], undone[i]
		}
		if errors.Is(err, migrate.ErrNoChange) {
			err = nil
		}
		return errors.Join(explain(err), verr)
	})
	return undone, err
}

// MigrateTo moves the schema up or down to version v, running the
// migrations between; tests use it to put a database at the state just
// before one migration and check what that migration does to rows.
func (db *DB) MigrateTo(ctx context.Context, v int) error {
	return db.withMigrator(ctx, func(m *migrate.Migrate, ms []Migration) error {
		if v <= 0 {
			return fmt.Errorf("migration version %d is not positive", v)
		}
		err := m.Migrate(uint(v))
		if errors.Is(err, migrate.ErrNoChange) {
			err = nil
		}
		return explain(err)
	})
}

// ForceMigrationVersion records v as the version applied and clears the
// dirty mark, running nothing: the repair after a failed migration, once
// the operator has checked which version the schema is at. 0 means none.
func (db *DB) ForceMigrationVersion(ctx context.Context, v int) error {
	return db.withMigrator(ctx, func(m *migrate.Migrate, ms []Migration) error {
		if v < 0 {
			return fmt.Errorf("migration version %d is negative", v)
		}
		if v == 0 {
			return m.Force(database.NilVersion)
		}
		for _, x := range ms {
			if x.Version == v {
				return m.Force(v)
			}
		}
		return fmt.Errorf("no migration has version %d", v)
	})
}

// MigrationStatus reports the schema's version against this binary's
// migrations. It reads without the lock and changes nothing, so it also
// serves /readyz; a database still in the earlier runner's bookkeeping
// is read from that.
func (db *DB) MigrationStatus(ctx context.Context) (MigrationStatus, error) {
	ms, err := Migrations()
	if err != nil {
		return MigrationStatus{}, err
	}
	st := MigrationStatus{Migrations: ms}
	if len(ms) > 0 {
		st.Latest = ms[len(ms)-1].Version
	}
	var current, legacy bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL, to_regclass('schema_migration') IS NOT NULL`).
		Scan(&current, &legacy); err != nil {
		return st, fmt.Errorf("migration status: %w", err)
	}
	switch {
	case current:
		var v sql.NullInt64
		var dirty sql.NullBool
		err := db.QueryRowContext(ctx, `SELECT version, dirty FROM schema_migrations LIMIT 1`).Scan(&v, &dirty)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return st, fmt.Errorf("migration status: %w", err)
		}
		st.Version, st.Dirty = max(int(v.Int64), 0), dirty.Bool
	case legacy:
		if err := db.GetContext(ctx, &st.Version, `SELECT coalesce(max(version), 0) FROM schema_migration`); err != nil {
			return st, fmt.Errorf("migration status: %w", err)
		}
	}
	for i := range st.Migrations {
		st.Migrations[i].Applied = st.Migrations[i].Version <= st.Version && !(st.Dirty && st.Migrations[i].Version == st.Version)
	}
	return st, nil
}

// Pending returns the names of the migrations not yet applied, for
// /readyz. A dirty database is an error: it needs an operator.
func (db *DB) Pending(ctx context.Context) ([]string, error) {
	st, err := db.MigrationStatus(ctx)
	if err != nil {
		return nil, err
	}
	if st.Dirty {
		return nil, fmt.Errorf("database schema is dirty at migration %d (see gatewayd migrate status)", st.Version)
	}
	var out []string
	for _, m := range st.Pending() {
		out = append(out, m.Name)
	}
	return out, nil
}

// withMigrator runs fn with a golang-migrate instance on one connection
// that holds migrateLock, after carrying over the earlier runner's
// version if this is the first time the database meets golang-migrate.
func (db *DB) withMigrator(ctx context.Context, fn func(*migrate.Migrate, []Migration) error) error {
	ms, err := Migrations()
	if err != nil {
		return err
	}
	conn, err := db.DB.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrateLock); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, migrateLock)

	var current, legacy bool
	if err := conn.QueryRowContext(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL, to_regclass('schema_migration') IS NOT NULL`).
		Scan(&current, &legacy); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if !current && legacy {
		if err := adoptLegacy(ctx, conn, ms); err != nil {
			return err
		}
	}
	// The driver creates schema_migrations if need be. Close is called
	// neither on it nor on m: it would close conn while the lock is held.
	drv, err := mpostgres.WithConnection(ctx, conn, &mpostgres.Config{})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	src, err := iofs.New(migration.FS, ".")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "postgres", drv)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	m.LockTimeout = migrateLockTimeout
	return fn(m, ms)
}

// adoptLegacy makes schema_migrations holding the earlier runner's
// version, table and row in one transaction, so a crash cannot leave an
// empty table that would have the migrations applied a second time. The
// layout is golang-migrate's (version bigint primary key, dirty boolean).
// It refuses a legacy table with gaps or with versions this binary does
// not hold, rather than guess.
func adoptLegacy(ctx context.Context, conn *sql.Conn, ms []Migration) error {
	rows, err := conn.QueryContext(ctx, `SELECT version FROM schema_migration ORDER BY version`)
	if err != nil {
		return fmt.Errorf("migrate: read schema_migration: %w", err)
	}
	var done []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("migrate: read schema_migration: %w", err)
		}
		done = append(done, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("migrate: read schema_migration: %w", err)
	}
	if len(done) == 0 {
		return nil
	}
	for i, v := range done {
		if i >= len(ms) || ms[i].Version != v {
			return fmt.Errorf("migrate: the earlier bookkeeping table schema_migration lists versions %v, "+
				"which are not this binary's first %d migrations; not carrying them over", done, len(done))
		}
	}
	v := done[len(done)-1]
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: carry over version %d: %w", v, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: carry over version %d: %w", v, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, dirty) VALUES ($1, false)`, v); err != nil {
		return fmt.Errorf("migrate: carry over version %d: %w", v, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: carry over version %d: %w", v, err)
	}
	return nil
}

// version is m's version, 0 when none is applied.
func version(m *migrate.Migrate) (int, error) {
	v, _, err := m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("migrate: version: %w", err)
	}
	return int(v), nil
}

// names are the names of the migrations with from < version <= to.
func names(ms []Migration, from, to int) []string {
	var out []string
	for _, m := range ms {
		if m.Version > from && m.Version <= to {
			out = append(out, m.Name)
		}
	}
	return out
}

// explain adds the way out to golang-migrate's terse errors.
func explain(err error) error {
	var dirty migrate.ErrDirty
	switch {
	case err == nil:
		return nil
	case errors.As(err, &dirty):
		return fmt.Errorf("migrate: the database is dirty at version %d: a migration failed or was interrupted; "+
			"each runs in one transaction, so check the schema and record where it stands with "+
			"'gatewayd migrate force VERSION' (see 'gatewayd migrate status'): %w", dirty.Version, err)
	}
	return fmt.Errorf("migrate: %w", err)
}
