// Package postgres implements the gateway's storage on PostgreSQL through
// sqlx and lib/pq: the schema and its migrations, and the stores the
// services use. It classifies database errors where the knowledge lives
// (a unique violation is customs.CodeConflict), so callers never match on
// driver errors.
package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	neturl "net/url"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres/migration"
)

// DB is the gateway's database handle.
type DB struct {
	*sqlx.DB
}

// Open connects to url and checks the connection.
//
// Unless the URL says otherwise, it asks lib/pq for binary_parameters, so
// that a query with parameters is one round trip (an unnamed statement
// parsed, bound and run together) instead of two: intake's one statement
// per declaration is then one round trip too. Stores pass JSON and text as
// strings, and []byte only for bytea columns, which this mode sends as is.
func Open(ctx context.Context, url string) (*DB, error) {
	url = withBinaryParameters(url)
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return &DB{db}, nil
}

func withBinaryParameters(dsn string) string {
	if strings.Contains(dsn, "binary_parameters") {
		return dsn
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := neturl.Parse(dsn)
		if err != nil {
			return dsn
		}
		q := u.Query()
		q.Set("binary_parameters", "yes")
		u.RawQuery = q.Encode()
		return u.String()
	}
	return strings.TrimSpace(dsn + " binary_parameters=yes")
}

type migrationFile struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migrationFile, error) {
	entries, err := fs.ReadDir(migration.FS, ".")
	if err != nil {
		return nil, err
	}
	var out []migrationFile
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".up.sql") {
			continue
		}
		v, err := strconv.Atoi(strings.SplitN(n, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: bad version: %w", n, err)
		}
		b, err := fs.ReadFile(migration.FS, n)
		if err != nil {
			return nil, err
		}
		out = append(out, migrationFile{v, strings.TrimSuffix(n, ".up.sql"), string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i := 1; i < len(out); i++ {
		if out[i].version == out[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share a version", out[i-1].name, out[i].name)
		}
	}
	return out, nil
}

// migrateLock is the advisory lock key that serialises migrators, so two
// gateways starting together do not apply the same migration twice.
const migrateLock = 7262001

// Migrate applies every pending migration, each in its own transaction, and
// returns the names applied.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	ms, err := migrations()
	if err != nil {
		return nil, err
	}
	conn, err := db.Connx(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrateLock); err != nil {
		return nil, fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, migrateLock)
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migration (
		version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var done []int
	if err := sqlx.SelectContext(ctx, conn, &done, `SELECT version FROM schema_migration`); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	have := map[int]bool{}
	for _, v := range done {
		have[v] = true
	}
	var applied []string
	for _, m := range ms {
		if have[m.version] {
			continue
		}
		tx, err := conn.BeginTxx(ctx, nil)
		if err != nil {
			return applied, fmt.Errorf("migrate %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return applied, fmt.Errorf("migrate %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migration (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
			tx.Rollback()
			return applied, fmt.Errorf("migrate %s: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return applied, fmt.Errorf("migrate %s: %w", m.name, err)
		}
		applied = append(applied, m.name)
	}
	return applied, nil
}

// Pending returns the migrations not yet applied, for /readyz.
func (db *DB) Pending(ctx context.Context) ([]string, error) {
	ms, err := migrations()
	if err != nil {
		return nil, err
	}
	var done []int
	err = db.SelectContext(ctx, &done, `SELECT version FROM schema_migration`)
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "42P01" { // undefined_table: nothing applied yet
		done, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	have := map[int]bool{}
	for _, v := range done {
		have[v] = true
	}
	var out []string
	for _, m := range ms {
		if !have[m.version] {
			out = append(out, m.name)
		}
	}
	return out, nil
}

// classify maps driver errors to the gateway's error codes.
func classify(err error, what string) error {
	if err == nil {
		return nil
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code {
		case "23505":
			return &customs.Error{Code: customs.CodeConflict, Message: what + " already exists"}
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// IsUnavailable reports whether err means the database could not be
// reached or is shutting down, rather than that a query was wrong: the
// caller answers "try again later" (503) instead of an internal error.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		c := string(pqErr.Code)
		return strings.HasPrefix(c, "08") || c == "57P01" || c == "57P02" || c == "57P03"
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, io.ErrUnexpectedEOF)
}
