package postgres

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"strings"
	"time"

	"github.com/lib/pq"
)

// Statement cache.
//
// lib/pq runs every query with parameters as the unnamed statement: the
// server parses and plans it again on every call. For intake's statement
// (seven CTEs) the planning cost as much as a third of its execution, and
// delivery's batch statements alike (pg_stat_statements,
// docs/performance.md). database/sql's own *sql.Stmt would prepare each
// hot statement once per connection, but only where the caller holds it;
// this connector does the same for the statements that ask for it, so the
// stores keep writing plain queries.
//
// A statement asks by carrying Prepared (an SQL comment). Prepared, the
// server plans it as PostgreSQL's plan_cache_mode says: custom plans for
// the first five runs, then the generic plan where it looks no dearer.
// That is a bet on the statement: a generic plan is made without the
// parameters' values, for the tables' sizes of that moment, and kept. It
// holds for the hot statements of intake and delivery (keys, ids and
// arrays of them, all by index); it lost for the credit sync (ranges of
// sequence numbers, pages of enterprises over tables that grow by a
// million rows while the server's statistics lag): 36 s against 20.5 s for
// 300,000 records. So nothing else is prepared.
//
// A statement is prepared the second time a connection sees it, at most
// stmtCacheSize stay prepared per connection (the least recently used
// closed first), and each is prepared again after a life that starts at
// stmtFirstLife and doubles up to stmtMaxLife: a generic plan made while a
// table was nearly empty (a new database, the first minute of a load)
// would scan it whole as it grows, until an ANALYZE invalidated it, and
// the new plan sees the tables' current size.

// Prepared marks a statement for preparation (see above).
const Prepared = "/* prepared */ "

const (
	stmtCacheSize = 64
	// stmtSeenSize bounds the queries a connection remembers having run
	// once; forgetting one only delays its preparation.
	stmtSeenSize = 256

	stmtFirstLife = 2 * time.Second
	stmtMaxLife   = 5 * time.Minute
)

// cachingConnector wraps lib/pq's connector so that each connection keeps
// its prepared statements.
type cachingConnector struct {
	*pq.Connector
	now func() time.Time
}

func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return newCachingConn(conn, c.now), nil
}

// pqConn is what lib/pq's connection provides and database/sql uses.
type pqConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

type cachedStmt struct {
	query string
	stmt  interface {
		driver.Stmt
		driver.StmtQueryContext
		driver.StmtExecContext
	}
	elem *list.Element
	// expires is when to prepare it again; life is how long it lived.
	expires time.Time
	life    time.Duration
}

// cachingConn is one connection with its statements. database/sql never
// uses a connection from two goroutines at once, so it needs no lock.
type cachingConn struct {
	pqConn
	stmts map[string]*cachedStmt
	lru   *list.List // of *cachedStmt, most recently used first
	seen  map[string]struct{}
	// stale are statements dropped while the connection may have been in
	// a failed transaction, closed at the next session reset.
	stale []*cachedStmt
	inTx  bool
	now   func() time.Time
}

func newCachingConn(conn driver.Conn, now func() time.Time) driver.Conn {
	pc, ok := conn.(pqConn)
	if !ok {
		// Not lib/pq's connection as this file knows it: run uncached.
		return conn
	}
	return &cachingConn{pqConn: pc, stmts: map[string]*cachedStmt{}, lru: list.New(), seen: map[string]struct{}{}, now: now}
}

// lookup returns the prepared statement for query, preparing it on its
// second sight, or nil to run it unprepared.
func (c *cachingConn) lookup(ctx context.Context, query string) (*cachedStmt, error) {
	if !strings.HasPrefix(query, Prepared) {
		return nil, nil
	}
	life := stmtFirstLife
	if cs, ok := c.stmts[query]; ok {
		if c.now().Before(cs.expires) {
			c.lru.MoveToFront(cs.elem)
			return cs, nil
		}
		c.drop(cs)
		if err := cs.stmt.Close(); err != nil {
			return nil, err
		}
		life = min(2*cs.life, stmtMaxLife)
	} else if _, ok := c.seen[query]; !ok {
		if len(c.seen) >= stmtSeenSize {
			clear(c.seen)
		}
		c.seen[query] = struct{}{}
		return nil, nil
	}
	st, err := c.pqConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s, ok := st.(interface {
		driver.Stmt
		driver.StmtQueryContext
		driver.StmtExecContext
	})
	if !ok {
		st.Close()
		return nil, nil
	}
	delete(c.seen, query)
	cs := &cachedStmt{query: query, stmt: s, life: life, expires: c.now().Add(life)}
	cs.elem = c.lru.PushFront(cs)
	c.stmts[query] = cs
	if c.lru.Len() > stmtCacheSize {
		old := c.lru.Back().Value.(*cachedStmt)
		c.drop(old)
		if err := old.stmt.Close(); err != nil {
			return nil, err
		}
	}
	return cs, nil
}

func (c *cachingConn) drop(cs *cachedStmt) {
	c.lru.Remove(cs.elem)
	delete(c.stmts, cs.query)
}

// failed forgets a statement the server no longer runs as prepared: its
// plan's result changed under it (a migration applied while the gateway
// runs) or it is gone. It reports whether the query may simply run again,
// unprepared: only outside a transaction, since inside one the error has
// already aborted it.
func (c *cachingConn) failed(cs *cachedStmt, err error) (retry bool) {
	var pqErr *pq.Error
	if !errors.As(err, &pqErr) || (pqErr.Code != "0A000" && pqErr.Code != "26000") {
		return false
	}
	c.drop(cs)
	c.stale = append(c.stale, cs)
	return !c.inTx
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.pqConn.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	c.inTx = true
	return &cachingTx{Tx: tx, conn: c}, nil
}

// Begin is the deprecated form database/sql no longer calls when BeginTx
// exists; it goes the same way.
func (c *cachingConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

type cachingTx struct {
	driver.Tx
	conn *cachingConn
}

func (t *cachingTx) Commit() error   { t.conn.inTx = false; return t.Tx.Commit() }
func (t *cachingTx) Rollback() error { t.conn.inTx = false; return t.Tx.Rollback() }

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return runCached(ctx, c, query, args, c.pqConn.QueryContext, func(cs *cachedStmt) (driver.Rows, error) {
		return cs.stmt.QueryContext(ctx, args)
	})
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return runCached(ctx, c, query, args, c.pqConn.ExecContext, func(cs *cachedStmt) (driver.Result, error) {
		return cs.stmt.ExecContext(ctx, args)
	})
}

// runCached runs query as its prepared statement when the connection has
// one for it (lookup), else unprepared (direct); a prepared statement the
// server no longer runs is run again unprepared where that is safe
// (failed).
func runCached[R any](ctx context.Context, c *cachingConn, query string, args []driver.NamedValue,
	direct func(context.Context, string, []driver.NamedValue) (R, error), prepared func(*cachedStmt) (R, error)) (R, error) {
	if len(args) == 0 {
		return direct(ctx, query, args)
	}
	cs, err := c.lookup(ctx, query)
	if err != nil {
		var none R
		return none, err
	}
	if cs == nil {
		return direct(ctx, query, args)
	}
	res, err := prepared(cs)
	if err != nil && c.failed(cs, err) {
		return direct(ctx, query, args)
	}
	return res, err
}

// ResetSession runs before database/sql hands the connection out again,
// outside any transaction: the place to close dropped statements.
func (c *cachingConn) ResetSession(ctx context.Context) error {
	for _, cs := range c.stale {
		if err := cs.stmt.Close(); err != nil {
			return driver.ErrBadConn
		}
	}
	c.stale = nil
	return c.pqConn.ResetSession(ctx)
}
