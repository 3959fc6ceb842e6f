package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/postgres/pgtest"
)

func newIntake(id, ref string, at time.Time) *postgres.NewDeclaration {
	d := &customs.Declaration{ID: id, Direction: customs.Import,
		Goods: []customs.GoodsItem{{Seq: 1, HSCode: "2601111000", Quantity: "1", Unit: "035", Value: "1.00", Currency: "USD", Origin: "BRA"}},
		Route: &customs.Route{Lane: customs.LaneRelease, RuleSet: "2026.2"}}
	return &postgres.NewDeclaration{ID: id, Port: customs.PortTianjin, PortRef: ref, Digest: "sha256:" + id, Direction: customs.Import,
		ReceivedAt: at, PortOffice: "020000", Enterprises: []string{"91120000MA05M8FK3X", "91130200MA0FK3L20Y"}, Lane: customs.LaneRelease,
		Declaration: d, Canonical: []byte("<x id=\"" + id + "\"/>"), Actor: "port:tianjin", Note: "accepted", Route: []byte(`{"lane":"release"}`),
		Tasks: []byte(`[{"id":"t_` + id + `","workflow":"inspection","bureau":null,"owner":"020000","items":[1],"inspector":null}]`),
		Audit: &customs.AuditEntry{At: at, KeyID: "k_1", Role: customs.CallerPort, Actor: "port:tianjin", RequestID: "req-" + id,
			Action: customs.AuditSubmit, Outcome: "ok", Status: 201}}
}

// TestConcurrentIntakeSharesStatements: declarations submitted together
// share statements, and each is stored whole (its row, timeline entry,
// task, outbox row, webhook event and audit entry) with its own values. A
// reference sent twice at once is stored once; the other caller learns the
// stored id. A declaration the tables refuse (its task's id taken) fails
// alone: the rest of its group is stored.
func TestConcurrentIntakeSharesStatements(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	if _, err := db.Exec(`INSERT INTO webhook (id, enterprise, url, secret, state, created_at, updated_at) VALUES ('w_1', '91130200MA0FK3L20Y', 'https://example.com/h', 'x', 'active', now(), now())`); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	if _, _, created, err := db.InsertDeclaration(ctx, newIntake("d_taken", "REF-TAKEN", at)); err != nil || !created {
		t.Fatalf("first declaration: %v %v", created, err)
	}
	const n = 60
	type result struct {
		id      string
		created bool
		err     error
	}
	results := make([]result, n)
	before := postgres.IntakeStatements(db)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("d_%02d", i)
			nd := newIntake(id, "REF-"+id, at.Add(time.Duration(i)*time.Millisecond))
			switch i {
			case 7: // the same reference as 6, sent at once
				nd.PortRef = "REF-d_06"
			case 11: // its task's id is taken: the task table refuses it
				nd.Tasks = []byte(`[{"id":"t_d_taken","workflow":"inspection","bureau":null,"owner":"020000","items":[1],"inspector":null}]`)
			}
			<-start
			id, _, created, err := db.InsertDeclaration(ctx, nd)
			results[i] = result{id, created, err}
		}()
	}
	close(start)
	wg.Wait()
	statements := postgres.IntakeStatements(db) - before

	for i, r := range results {
		switch i {
		case 6, 7:
			continue
		case 11:
			if r.err == nil {
				t.Errorf("a declaration whose task id is taken was stored: %+v", r)
			}
			continue
		}
		if r.err != nil || !r.created || r.id != fmt.Sprintf("d_%02d", i) {
			t.Errorf("declaration %d: %+v", i, r)
		}
	}
	if a, b := results[6], results[7]; a.err != nil || b.err != nil || a.created == b.created || a.id != b.id {
		t.Errorf("one reference sent twice: %+v and %+v", a, b)
	}
	var rows []struct {
		ID       string    `db:"id"`
		Timeline int       `db:"timeline"`
		Tasks    int       `db:"tasks"`
		Outbox   int       `db:"outbox"`
		Events   int       `db:"events"`
		Audit    int       `db:"audit"`
		Canon    string    `db:"canon"`
		Received time.Time `db:"received_at"`
	}
	if err := db.Select(&rows, `SELECT d.id, d.received_at, convert_from(d.canonical, 'UTF8') AS canon,
		(SELECT count(*) FROM timeline t WHERE t.declaration_id = d.id) AS timeline,
		(SELECT count(*) FROM task k WHERE k.declaration_id = d.id) AS tasks,
		(SELECT count(*) FROM outbox o WHERE o.declaration_id = d.id) AS outbox,
		(SELECT count(*) FROM webhook_event e WHERE e.declaration_id = d.id) AS events,
		(SELECT count(*) FROM audit a WHERE a.target = d.id AND a.request_id = 'req-' || d.id) AS audit
		FROM declaration d WHERE d.id <> 'd_taken' ORDER BY d.id`); err != nil {
		t.Fatal(err)
	}
	if len(rows) != n-2 {
		t.Errorf("%d declarations stored, want %d", len(rows), n-2)
	}
	for _, r := range rows {
		var i int
		fmt.Sscanf(r.ID, "d_%d", &i)
		if r.Timeline != 1 || r.Tasks != 1 || r.Outbox != 1 || r.Events != 1 || r.Audit != 1 ||
			r.Canon != `<x id="`+r.ID+`"/>` || !r.Received.Equal(at.Add(time.Duration(i)*time.Millisecond)) {
			t.Errorf("declaration %s stored as %+v", r.ID, r)
		}
	}
	if statements >= n {
		t.Errorf("%d declarations took %d statements: none shared", n, statements)
	}
	t.Logf("%d declarations in %d statements", n, statements)
}

// TestOneGroupOneReferenceTwice: a group holding the same reference twice
// stores the first and leaves the second out, with nothing of it written.
func TestOneGroupOneReferenceTwice(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	a, b, c := newIntake("d_a", "REF-SAME", at), newIntake("d_b", "REF-SAME", at), newIntake("d_c", "REF-OTHER", at)
	created, err := postgres.InsertGroup(ctx, db, []*postgres.NewDeclaration{a, b, c})
	if err != nil {
		t.Fatal(err)
	}
	if !created["d_a"] || created["d_b"] || !created["d_c"] || len(created) != 2 {
		t.Fatalf("created %v, want d_a and d_c", created)
	}
	var n int
	if err := db.Get(&n, `SELECT (SELECT count(*) FROM timeline WHERE declaration_id = 'd_b') + (SELECT count(*) FROM outbox WHERE declaration_id = 'd_b')
		+ (SELECT count(*) FROM task WHERE declaration_id = 'd_b') + (SELECT count(*) FROM audit WHERE target = 'd_b')`); err != nil || n != 0 {
		t.Fatalf("%d rows of the left-out declaration (%v)", n, err)
	}
}

// TestIntakeRefusesANulAlone: a declaration carrying a NUL (which the
// edge refuses, were a caller to get one past it) is refused by the
// server, and only it: the others submitted with it are stored.
func TestIntakeRefusesANulAlone(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := newIntake(fmt.Sprintf("d_nul_%02d", i), fmt.Sprintf("REF-NUL-%02d", i), at)
			if i == 5 {
				d.Note = "accepted\x00and routed"
			}
			_, _, _, errs[i] = db.InsertDeclaration(ctx, d)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (err != nil) != (i == 5) {
			t.Errorf("declaration %d: %v", i, err)
		}
	}
	var stored int
	if err := db.Get(&stored, `SELECT count(*) FROM declaration WHERE id LIKE 'd_nul_%'`); err != nil || stored != n-1 {
		t.Fatalf("%d stored (%v), want %d", stored, err, n-1)
	}
}
