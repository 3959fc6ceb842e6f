package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"

	"github.com/jjj/gateway/internal/customs"
)

// Intake's statement.
//
// Every accepted declaration writes the same rows: the declaration, its
// first timeline entry, its tasks, its outbox row, a webhook event per
// webhook of its enterprises, its write-offs and its audit entry. One
// statement writes them for many declarations at once, from one array per
// column: PostgreSQL's cost per declaration halves when eight share a
// statement and its commit (0.37 against 0.74-0.90 ms of backend CPU per
// declaration, pgbench, docs/performance.md), since executor start-up,
// round trips and the commit are paid once.
//
// Concurrent submissions are grouped by intakeBatcher with no waiting:
// a worker takes the first one queued and whatever else is queued at that
// moment, so a quiet gateway still runs each declaration alone at once,
// and a busy one groups as many as arrived during the last statement.
// Each declaration's 201 still follows the commit of its own rows.

const insertDeclarationsSQL = Prepared + `
WITH v AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[],
                         $8::text[], $9::text[], $10::text[], $11::bytea[], $12::text[], $13::text[], $14::text[],
                         $15::text[], $16::text[], $17::text[],
                         $18::timestamptz[], $19::text[], $20::text[], $21::text[], $22::text[], $23::text[], $24::text[], $25::int[])
        WITH ORDINALITY AS v(id, port, port_ref, digest, direction, received_at, port_office,
                             enterprises, lane, doc, canonical, draw, actor, note,
                             route, tasks, write_offs,
                             a_at, a_key, a_role, a_actor, a_request, a_action, a_outcome, a_status, n)
), d AS (
    INSERT INTO declaration (id, port, port_ref, digest, direction, status, received_at, updated_at,
                             port_office, enterprises, lane, doc, canonical, draw, route)
    SELECT id, port, port_ref, digest, direction, 'accepted', received_at, received_at,
           port_office, enterprises::text[], lane, doc::jsonb, canonical, draw::jsonb, route::jsonb
    FROM v ORDER BY n
    ON CONFLICT (port, port_ref) DO NOTHING
    RETURNING id
), dv AS MATERIALIZED (
    SELECT v.* FROM v JOIN d ON d.id = v.id
), tl AS (
    INSERT INTO timeline (declaration_id, at, status, actor, note, data)
    SELECT id, received_at, 'accepted', actor, note, route::jsonb FROM dv ORDER BY n
), tk AS (
    INSERT INTO task (id, declaration_id, workflow, bureau, owner, items, status, inspector, created_at)
    SELECT x.id, dv.id, x.workflow, x.bureau, x.owner, x.items, 'open', x.inspector, dv.received_at
    FROM dv, jsonb_to_recordset(dv.tasks::jsonb) AS x(id text, workflow text, bureau text, owner text, items int[], inspector text)
), ob AS (
    INSERT INTO outbox (declaration_id, kind, idempotency_key, port, state, scheduled_at, created_at, updated_at)
    SELECT id, 'declaration', id, port, 'available', received_at, received_at, received_at FROM dv ORDER BY n
), ev AS (
    INSERT INTO webhook_event (webhook_id, declaration_id, status, previous, at, route)
    SELECT w.id, dv.id, 'accepted', NULL, dv.received_at, dv.route::jsonb
    FROM dv JOIN webhook w ON w.enterprise = ANY(dv.enterprises::text[]) AND w.state IN ('active', 'suspended')
    ORDER BY dv.n, w.id
), wx AS MATERIALIZED (
    SELECT dv.id, dv.port, dv.port_ref, dv.received_at, x.kind, x.number, x.item, x.qty::numeric AS qty
    FROM dv, jsonb_to_recordset(dv.write_offs::jsonb) AS x(kind text, number text, item int, qty text)
), wo AS (
    INSERT INTO document_write_off (kind, number, declaration_id, port, port_ref, item, quantity, at)
    SELECT kind, number, id, port, port_ref, item, qty, received_at FROM wx
), wsum AS (
    SELECT kind, number, sum(qty) AS qty FROM wx GROUP BY kind, number
), wd AS (
    -- A document short of the quantity (or revoked) gets -1, which the
    -- CHECK document_remaining_check refuses: the whole statement fails
    -- and nothing is stored. The UPDATE locks the row and, under READ
    -- COMMITTED, re-reads it after a concurrent write-off commits, so two
    -- declarations can never both take the last of a document. (A
    -- declaration that writes off runs alone: intakeBatcher.)
    UPDATE document doc SET remaining = CASE
        WHEN doc.revoked_at IS NOT NULL OR doc.remaining < wsum.qty THEN -1
        WHEN doc.level = 'A' THEN 0
        ELSE doc.remaining - wsum.qty END
    FROM wsum WHERE doc.kind = wsum.kind AND doc.number = wsum.number
), au AS (
    INSERT INTO audit (at, key_id, role, actor, request_id, action, target, outcome, status)
    SELECT a_at, a_key, a_role, a_actor, a_request, a_action, id, a_outcome, a_status
    FROM dv WHERE a_key IS NOT NULL ORDER BY n
)
SELECT id FROM d`

// intakeRow is a declaration to store with its stored document already
// marshalled: by the caller's goroutine (InsertDeclaration), so that the
// worker that runs every group only sends.
type intakeRow struct {
	*NewDeclaration
	doc []byte
}

func newIntakeRow(n *NewDeclaration) (intakeRow, error) {
	doc, err := marshalDoc(n.Declaration)
	return intakeRow{NewDeclaration: n, doc: doc}, err
}

// insertDeclarations runs intake's statement for ns and returns the ids
// it created; a declaration whose port reference is stored already is
// left out. A write-off the register refuses fails the whole statement:
// nothing is stored.
func (db *DB) insertDeclarations(ctx context.Context, q queryer, ns []intakeRow) (map[string]bool, error) {
	k := len(ns)
	ids, ports, refs, digests, dirs := make([]string, k), make([]string, k), make([]string, k), make([]string, k), make([]string, k)
	ats, offices, ents, lanes, docs := make([]string, k), make([]string, k), make([]string, k), make([]string, k), make([][]byte, k)
	canon, draws, routes, tasks, wos := make([][]byte, k), make([][]byte, k), make([][]byte, k), make([][]byte, k), make([][]byte, k)
	noDraw, noRoute, noAudit := make([]bool, k), make([]bool, k), make([]bool, k)
	actors, notes := make([]string, k), make([]string, k)
	aAts := make([]sql.NullString, k)
	aKeys, aRoles, aActors, aReqs, aActions, aOutcomes := make([]string, k), make([]string, k), make([]string, k), make([]string, k), make([]string, k), make([]string, k)
	aStatus := make(pq.Int64Array, k)
	for i, n := range ns {
		ent, err := pq.Array(n.Enterprises).Value()
		if err != nil {
			return nil, fmt.Errorf("declaration %s: enterprises: %w", n.ID, err)
		}
		ids[i], ports[i], refs[i], digests[i], dirs[i] = n.ID, string(n.Port), n.PortRef, n.Digest, string(n.Direction)
		ats[i], offices[i], ents[i], lanes[i], docs[i] = n.ReceivedAt.UTC().Format(time.RFC3339Nano), n.PortOffice, ent.(string), string(n.Lane), n.doc
		canon[i] = n.Canonical
		draws[i], routes[i], noDraw[i], noRoute[i] = n.Draw, n.Route, n.Draw == nil, n.Route == nil
		actors[i], notes[i], tasks[i], wos[i] = n.Actor, n.Note, jsonArray(n.Tasks), jsonArray(n.WriteOffs)
		noAudit[i] = n.Audit == nil
		if a := n.Audit; a != nil {
			aAts[i] = sql.NullString{String: a.At.UTC().Format(time.RFC3339Nano), Valid: true}
			aKeys[i] = a.KeyID
			aRoles[i], aActors[i], aReqs[i], aActions[i], aOutcomes[i] = string(a.Role), a.Actor, a.RequestID, string(a.Action), a.Outcome
			aStatus[i] = int64(a.Status)
		}
	}
	// The text and bytea columns go in binary (intake_args.go); the
	// timestamps and the status as array literals.
	a := arrays{literal: db.textParameters}
	text := func(elems []string) any { return a.text(elems, nil) }
	rows, err := q.QueryContext(ctx, insertDeclarationsSQL,
		text(ids), text(ports), text(refs), text(digests), text(dirs),
		pq.StringArray(ats), text(offices), text(ents), text(lanes), a.json(docs, nil),
		a.bytea(canon), a.json(draws, noDraw), text(actors), text(notes), a.json(routes, noRoute),
		a.json(tasks, nil), a.json(wos, nil),
		pq.Array(aAts), a.text(aKeys, noAudit), text(aRoles), text(aActors), text(aReqs),
		text(aActions), text(aOutcomes), aStatus)
	if err != nil {
		return nil, insertError(err)
	}
	defer rows.Close()
	created := make(map[string]bool, k)
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("insert declarations: %w", err)
		}
		created[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, insertError(err)
	}
	return created, nil
}

func insertError(err error) error {
	if isShort(err) {
		return fmt.Errorf("insert declaration: %w", customs.ErrDocumentShort)
	}
	return fmt.Errorf("insert declaration: %w", err)
}

// emptyJSONArray is the tasks or write-offs of a declaration that has none.
var emptyJSONArray = []byte("[]")

func jsonArray(b []byte) []byte {
	if b == nil {
		return emptyJSONArray
	}
	return b
}

// InsertDeclaration stores a new declaration. When the port already sent
// the same reference, nothing is written and it returns the stored
// declaration's id and digest with created false. Concurrent calls share
// statements (intakeBatcher).
func (db *DB) InsertDeclaration(ctx context.Context, n *NewDeclaration) (id, digest string, created bool, err error) {
	row, err := newIntakeRow(n)
	if err != nil {
		return "", "", false, err
	}
	if db.intake != nil {
		created, err = db.intake.insert(ctx, row)
	} else {
		created, err = db.insertOne(ctx, db, row)
	}
	if err != nil {
		return "", "", false, err
	}
	if created {
		return n.ID, n.Digest, true, nil
	}
	err = db.QueryRowContext(ctx, `SELECT id, digest FROM declaration WHERE port = $1 AND port_ref = $2`, n.Port, n.PortRef).Scan(&id, &digest)
	if err != nil {
		return "", "", false, fmt.Errorf("find declaration %s/%s: %w", n.Port, n.PortRef, err)
	}
	return id, digest, false, nil
}

// queryer is the pool or one of its connections.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (db *DB) insertOne(ctx context.Context, q queryer, n intakeRow) (bool, error) {
	created, err := db.insertDeclarations(ctx, q, []intakeRow{n})
	if err != nil {
		return false, err
	}
	return created[n.ID], nil
}

// intakeBatcher groups concurrent InsertDeclaration calls into shared
// statements. A declaration that writes documents off never shares one:
// two of them citing the same document must be judged one after the
// other, as the register's rules (documents.md) take them.
type intakeBatcher struct {
	db      *DB
	queue   chan *intakeCall
	stop    chan struct{}
	wg      sync.WaitGroup
	closing sync.Once
	// statements counts the shared statements run (a test reads it).
	statements atomic.Int64
}

type intakeCall struct {
	ctx     context.Context
	n       intakeRow
	created bool
	err     error
	done    chan struct{}
}

// intakeBatchMax bounds a group; intakeBatchTimeout bounds its statement,
// which runs apart from any one caller's cancellation (the others' rows
// are in it too).
const (
	intakeBatchMax     = 32
	intakeBatchTimeout = 30 * time.Second
)

// intakeWorkersFor is how many workers run groups, each on a connection
// it keeps, for a pool of maxConns: one, and none for a pool of one or
// two, whose declarations each run alone on the pool (planned at every
// call). One worker lets the declarations that arrive during a statement
// and its commit gather into the next group; with two, the idle one took
// whatever had just arrived, and the groups were half as large. In
// deploy/bench.sh (2 cores, c=32) one worker stored 1,128 declarations a
// second against 1,017-1,029 with two, at 0.75 against 0.84-0.88 ms of
// PostgreSQL CPU each, with a lower p99 (66-69 against 76-88 ms). One
// worker stores up to intakeBatchMax declarations a statement, some
// thousands a second, far more than the ports send.
func intakeWorkersFor(maxConns int) int {
	if maxConns < 3 {
		return 0
	}
	return 1
}

func newIntakeBatcher(db *DB, workers int) *intakeBatcher {
	b := &intakeBatcher{db: db, queue: make(chan *intakeCall), stop: make(chan struct{})}
	for range workers {
		b.wg.Add(1)
		go b.work()
	}
	return b
}

// insert queues n and waits for its statement. A caller that gives up
// before a worker takes its declaration stores nothing; once taken, it
// waits for the commit, so that its answer says what happened.
func (b *intakeBatcher) insert(ctx context.Context, n intakeRow) (bool, error) {
	c := &intakeCall{ctx: ctx, n: n, done: make(chan struct{})}
	select {
	case b.queue <- c:
	case <-ctx.Done():
		return false, ctx.Err()
	case <-b.stop:
		return b.db.insertOne(ctx, b.db, n)
	}
	<-c.done
	return c.created, c.err
}

// work runs groups on a connection of its own, set to use the
// statement's generic plan: PostgreSQL would otherwise plan it for every
// call (about 1 ms), since with arrays of unknown length its custom plans
// always look cheaper than the generic one.
func (b *intakeBatcher) work() {
	defer b.wg.Done()
	var conn *sql.Conn
	defer func() { release(conn) }()
	group := make([]*intakeCall, 0, intakeBatchMax)
	for {
		group = group[:0]
		select {
		case c := <-b.queue:
			group = append(group, c)
		case <-b.stop:
			return
		}
	more:
		for len(group) < intakeBatchMax {
			select {
			case c := <-b.queue:
				group = append(group, c)
			default:
				break more
			}
		}
		conn = b.run(group, conn)
	}
}

// release gives a worker's connection back to the pool as the pool's
// other connections are.
func release(conn *sql.Conn) {
	if conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := conn.ExecContext(ctx, `RESET plan_cache_mode`); err != nil {
		discard(conn)
		return
	}
	conn.Close()
}

// discard closes conn for good: the pool drops it instead of handing it
// out again.
func discard(conn *sql.Conn) {
	conn.Raw(func(any) error { return driver.ErrBadConn })
	conn.Close()
}

// run stores a group on conn (taken from the pool when nil) and returns
// the connection to use next; nil after it failed.
func (b *intakeBatcher) run(group []*intakeCall, conn *sql.Conn) *sql.Conn {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(group[0].ctx), intakeBatchTimeout)
	defer cancel()
	// A declaration that writes documents off runs alone, after the
	// others.
	var ns []intakeRow
	var shared, alone []*intakeCall
	for _, c := range group {
		if c.n.WriteOffs != nil {
			alone = append(alone, c)
		} else {
			shared, ns = append(shared, c), append(ns, c.n)
		}
	}
	if len(ns) > 0 {
		b.statements.Add(1)
		created, err := b.exec(ctx, &conn, ns)
		if err != nil && len(shared) > 1 && conn != nil {
			// One declaration's row the tables refuse fails them all:
			// each runs alone, and gets its own answer.
			alone = append(alone, shared...)
		} else {
			for _, c := range shared {
				c.created, c.err = created[c.n.ID], err
				close(c.done)
			}
		}
	}
	for _, c := range alone {
		created, err := b.exec(ctx, &conn, []intakeRow{c.n})
		c.created, c.err = created[c.n.ID], err
		close(c.done)
	}
	return conn
}

// exec runs the statement for ns on *conn, taking a connection from the
// pool first when it is nil. A connection found dead before the statement
// was sent (driver.ErrBadConn: PostgreSQL restarted) is replaced and the
// statement sent again, once, as database/sql does for the pool; after
// any other failure of the connection, *conn is nil.
func (b *intakeBatcher) exec(ctx context.Context, conn **sql.Conn, ns []intakeRow) (map[string]bool, error) {
	for try := 0; ; try++ {
		if *conn == nil {
			c, err := b.db.DB.Conn(ctx)
			if err != nil {
				return nil, fmt.Errorf("insert declaration: %w", err)
			}
			if _, err := c.ExecContext(ctx, `SET plan_cache_mode = force_generic_plan`); err != nil {
				discard(c)
				if errors.Is(err, driver.ErrBadConn) && try == 0 {
					continue
				}
				return nil, fmt.Errorf("insert declaration: %w", err)
			}
			*conn = c
		}
		created, err := b.db.insertDeclarations(ctx, *conn, ns)
		if err == nil {
			return created, nil
		}
		if IsUnavailable(err) || errors.Is(err, context.DeadlineExceeded) {
			discard(*conn)
			*conn = nil
			if errors.Is(err, driver.ErrBadConn) && try == 0 {
				continue
			}
		}
		return nil, err
	}
}

func (b *intakeBatcher) close() {
	b.closing.Do(func() { close(b.stop) })
	b.wg.Wait()
}
