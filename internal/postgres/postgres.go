// Package postgres implements the gateway's storage on PostgreSQL through
// sqlx and lib/pq: the schema and its migrations, and the stores the
// services use. It classifies database errors where the knowledge lives
// (a unique violation is customs.CodeConflict), so callers never match on
// driver errors.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	neturl "net/url"
	"strings"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/jjj/gateway/internal/customs"
)

// DB is the gateway's database handle.
type DB struct {
	*sqlx.DB
	intake *intakeBatcher
	// textParameters is set when the URL turned binary_parameters off:
	// intake then sends its arrays as literals (intake_args.go).
	textParameters bool
	// applySplit is how many sampled staged rows make ApplyStagedCredit
	// write in two halves; zero means applySplitSample (tests lower it).
	applySplit int
}

// Config is how to connect.
type Config struct {
	// URL is the PostgreSQL connection string (URL or key=value form).
	URL string
	// MaxConns is the most connections open at once; the same number is
	// kept idle. Zero means 20.
	MaxConns int
}

// Open connects to url with the default Config and checks the connection.
func Open(ctx context.Context, url string) (*DB, error) {
	return Connect(ctx, Config{URL: url})
}

// Connect connects as cfg says and checks the connection.
//
// Unless the URL says otherwise, it asks lib/pq for binary_parameters, so
// that a query with parameters is one round trip (an unnamed statement
// parsed, bound and run together) instead of two: intake's one statement
// per declaration is then one round trip too. Stores pass JSON and text as
// strings, and []byte only for bytea columns, which this mode sends as is.
// The statements marked Prepared are prepared once on each connection
// (stmtcache.go), so the server stops planning them on every call.
//
// Unless the URL says otherwise, it also turns JIT compilation off. The
// gateway's statements are short; the only ones PostgreSQL prices above
// jit_above_cost are those that carry thousands of keys in an array (a
// credit page, a chunk of a credit flush), and compiling those took longer
// than running them (20 to 145 ms of compilation for statements that ran
// in 3; docs/performance.md, fifth round).
func Connect(ctx context.Context, cfg Config) (*DB, error) {
	return connect(ctx, cfg, time.Now)
}

func connect(ctx context.Context, cfg Config, now func() time.Time) (*DB, error) {
	if cfg.MaxConns == 0 {
		cfg.MaxConns = 20
	}
	if cfg.MaxConns < 0 {
		return nil, fmt.Errorf("postgres: Config.MaxConns %d is negative", cfg.MaxConns)
	}
	if err := checkURL(cfg.URL); err != nil {
		return nil, err
	}
	pqCfg, err := pq.NewConfig(withBinaryParameters(cfg.URL))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if _, set := pqCfg.Runtime["jit"]; !set {
		if pqCfg.Runtime == nil {
			pqCfg.Runtime = map[string]string{}
		}
		pqCfg.Runtime["jit"] = "off"
	}
	connector, err := pq.NewConnectorConfig(pqCfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db := sqlx.NewDb(sql.OpenDB(cachingConnector{Connector: connector, now: now}), "postgres")
	db.SetMaxOpenConns(cfg.MaxConns)
	db.SetMaxIdleConns(cfg.MaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	out := &DB{DB: db, textParameters: !pqCfg.BinaryParameters}
	if w := intakeWorkersFor(cfg.MaxConns); w > 0 {
		out.intake = newIntakeBatcher(out, w)
	}
	return out, nil
}

// Close stops intake's workers and closes the pool.
func (db *DB) Close() error {
	if db.intake != nil {
		db.intake.close()
	}
	return db.DB.Close()
}

// checkURL refuses a malformed postgres:// URL with an error that does
// not repeat it: net/url's would, password included, into the logs.
func checkURL(dsn string) error {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return nil
	}
	if _, err := neturl.Parse(dsn); err != nil {
		var ue *neturl.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("the database URL is malformed: %w", err)
	}
	return nil
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

// Unavailable is IsUnavailable (gateway.Database).
func (db *DB) Unavailable(err error) bool { return IsUnavailable(err) }

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
