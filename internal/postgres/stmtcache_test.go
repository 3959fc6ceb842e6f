package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/postgres/pgtest"
)

// onOneConn opens the test database with a single connection, so that
// every call below runs on the connection whose statements it counts.
func onOneConn(t *testing.T) *postgres.DB {
	t.Helper()
	db, err := postgres.Connect(context.Background(), postgres.Config{URL: pgtest.URL(t), MaxConns: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func prepared(t *testing.T, db *postgres.DB, like string) int {
	t.Helper()
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%' || $1 || '%' AND statement NOT LIKE '%pg_prepared_statements%'`, like); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestStatementsPreparedOnSecondRun: a query marked Prepared, with
// parameters, runs unprepared the first time a connection sees it and
// prepared from the second, once, whatever the number of runs; a query
// without parameters, or not marked, is never prepared.
func TestStatementsPreparedOnSecondRun(t *testing.T) {
	db := onOneConn(t)
	q := postgres.Prepared + `SELECT $1::int + 1 AS marker_a`
	for i, want := range []int{0, 1, 1, 1} {
		var got int
		if err := db.Get(&got, q, i); err != nil || got != i+1 {
			t.Fatalf("run %d: %d (%v)", i, got, err)
		}
		if n := prepared(t, db, "marker_a"); n != want {
			t.Fatalf("after run %d: %d prepared statements, want %d", i, n, want)
		}
	}
	for i := 0; i < 3; i++ {
		if _, err := db.Exec(postgres.Prepared + `SELECT 1 AS marker_b`); err != nil {
			t.Fatal(err)
		}
		var got int
		if err := db.Get(&got, `SELECT $1::int AS marker_e`, i); err != nil || got != i {
			t.Fatalf("unmarked: %d (%v)", got, err)
		}
	}
	if n := prepared(t, db, "marker_b"); n != 0 {
		t.Fatalf("a query without parameters was prepared %d times", n)
	}
	if n := prepared(t, db, "marker_e"); n != 0 {
		t.Fatalf("a query that does not ask to be prepared was prepared %d times", n)
	}
}

// TestStatementCacheIsBounded: past StmtCacheSize statements the least
// recently used is closed on the server, so a connection running many
// distinct queries does not keep them all.
func TestStatementCacheIsBounded(t *testing.T) {
	db := onOneConn(t)
	for i := 0; i < postgres.StmtCacheSize+10; i++ {
		q := postgres.Prepared + fmt.Sprintf(`SELECT $1::int AS marker_c%d`, i)
		for j := 0; j < 2; j++ {
			var got int
			if err := db.Get(&got, q, i); err != nil || got != i {
				t.Fatalf("%s: %d (%v)", q, got, err)
			}
		}
	}
	if n := prepared(t, db, "marker_c"); n != postgres.StmtCacheSize {
		t.Fatalf("%d statements prepared, want the bound %d", n, postgres.StmtCacheSize)
	}
	if n := prepared(t, db, "marker_c0 "); n != 0 {
		t.Fatal("the least recently used statement was kept")
	}
}

// TestStatementCacheSurvivesSchemaChange: after a column is added,
// PostgreSQL refuses a prepared SELECT * whose result changed; outside a
// transaction the connection drops the statement and runs the query again
// unprepared, so the caller sees the new column at once; inside one the
// error stands (the transaction is aborted) and the next transaction
// succeeds. Data errors keep the statement.
func TestStatementCacheSurvivesSchemaChange(t *testing.T) {
	db := onOneConn(t)
	if _, err := db.Exec(`CREATE TABLE cache_probe (a int PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	ins := postgres.Prepared + `INSERT INTO cache_probe (a) VALUES ($1)`
	for i := 0; i < 2; i++ {
		if _, err := db.Exec(ins, i); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(ins, 1); err == nil {
		t.Fatal("a duplicate key was accepted")
	}
	if n := prepared(t, db, "INSERT INTO cache_probe"); n != 1 {
		t.Fatalf("after a unique violation %d prepared inserts, want 1 (kept)", n)
	}
	sel := postgres.Prepared + `SELECT * FROM cache_probe WHERE a = $1`
	for i := 0; i < 2; i++ {
		rows, err := db.Queryx(sel, 0)
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	if _, err := db.Exec(`ALTER TABLE cache_probe ADD COLUMN b int NOT NULL DEFAULT 7`); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		var got struct{ A, B int }
		if err := db.Get(&got, sel, 0); err != nil || got.B != 7 {
			t.Fatalf("run %d after the change: %+v (%v)", i, got, err)
		}
	}

	// The same inside a transaction: prepared again, then changed.
	for i := 0; i < 2; i++ {
		rows, err := db.Queryx(sel, 0)
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	if _, err := db.Exec(`ALTER TABLE cache_probe ADD COLUMN c int NOT NULL DEFAULT 8`); err != nil {
		t.Fatal(err)
	}
	inTx := func() error {
		tx, err := db.Beginx()
		if err != nil {
			return err
		}
		defer tx.Rollback()
		var got struct{ A, B, C int }
		if err := tx.Get(&got, sel, 0); err != nil {
			return err
		}
		if got.C != 8 {
			return fmt.Errorf("got %+v", got)
		}
		return tx.Commit()
	}
	if err := inTx(); err == nil || !strings.Contains(err.Error(), "0A000") {
		t.Fatalf("inside a transaction the changed plan gave %v, want the server's 0A000", err)
	}
	if err := inTx(); err != nil {
		t.Fatalf("the next transaction: %v", err)
	}
}

// TestStatementsPreparedAgainAsTheyAge: a prepared statement is prepared
// again once its life is over (its generic plan then sees the tables'
// current size), and each life is twice the last: 2 s, then 4 s.
func TestStatementsPreparedAgainAsTheyAge(t *testing.T) {
	var mu sync.Mutex
	clock := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	db, err := postgres.ConnectWithClock(context.Background(), postgres.Config{URL: pgtest.URL(t), MaxConns: 1}, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	q := postgres.Prepared + `SELECT $1::int AS marker_d`
	preparedAt := func() string {
		t.Helper()
		var got int
		if err := db.Get(&got, q, 1); err != nil {
			t.Fatal(err)
		}
		var at string
		if err := db.Get(&at, `SELECT coalesce(max(prepare_time)::text, '') FROM pg_prepared_statements WHERE statement LIKE '%marker_d'`); err != nil {
			t.Fatal(err)
		}
		return at
	}
	preparedAt()
	first := preparedAt()
	if first == "" {
		t.Fatal("not prepared on the second run")
	}
	for _, step := range []struct {
		advance time.Duration
		again   bool
	}{
		{1900 * time.Millisecond, false}, // within the first life of 2 s
		{200 * time.Millisecond, true},   // past it: prepared again
		{3900 * time.Millisecond, false}, // within the second life of 4 s
		{200 * time.Millisecond, true},
	} {
		advance(step.advance)
		got := preparedAt()
		if (got != first) != step.again {
			t.Fatalf("after %s more: prepared at %s, before %s; want prepared again %v", step.advance, got, first, step.again)
		}
		first = got
	}
	if n := prepared(t, db, "marker_d"); n != 1 {
		t.Fatalf("%d statements kept, want 1 (the old ones closed)", n)
	}
}
