package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/postgres/pgtest"
)

// TestIntakeWritesItsAuditEntry: the submission's audit entry is written
// by intake's own statement, with the declaration: once when it is
// created, not at all when nothing is created (the same reference again,
// or a write-off the register refuses, which stores nothing).
func TestIntakeWritesItsAuditEntry(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	if _, err := db.Exec(`INSERT INTO document (kind, number, issuer, holder, valid_from, valid_until, quantity, unit, remaining, created_at, created_by)
		VALUES ('licence', 'L-1', '120000', '91120000MA05M8FK3X', '2026-01-01', '2027-01-01', 5, '035', 5, now(), 'bureau:120000')`); err != nil {
		t.Fatal(err)
	}
	newDecl := func(id, ref string, writeOffs string) *postgres.NewDeclaration {
		n := newIntake(id, ref, at)
		n.Tasks = nil
		if writeOffs != "" {
			n.WriteOffs = []byte(writeOffs)
		}
		return n
	}
	entries := func(requestID string) []customs.AuditEntry {
		t.Helper()
		var got []customs.AuditEntry
		all, err := db.AuditEntries(ctx, customs.AuditFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range all {
			if e.RequestID == requestID {
				got = append(got, e)
			}
		}
		return got
	}

	if _, _, created, err := db.InsertDeclaration(ctx, newDecl("d_a", "REF-A", `[{"kind":"licence","number":"L-1","item":1,"qty":"2"}]`)); err != nil || !created {
		t.Fatalf("created %v (%v)", created, err)
	}
	got := entries("req-d_a")
	if len(got) != 1 || got[0].Target != "d_a" || got[0].KeyID != "k_1" || got[0].Action != customs.AuditSubmit ||
		got[0].Status != 201 || got[0].Outcome != "ok" || !got[0].At.Equal(at) || got[0].Role != customs.CallerPort {
		t.Fatalf("entries of the created declaration: %+v", got)
	}

	if _, _, created, err := db.InsertDeclaration(ctx, newDecl("d_b", "REF-A", "")); err != nil || created {
		t.Fatalf("the same reference again: created %v (%v)", created, err)
	}
	if got := entries("req-d_b"); len(got) != 0 {
		t.Fatalf("a resend wrote %+v", got)
	}

	_, _, _, err := db.InsertDeclaration(ctx, newDecl("d_c", "REF-C", `[{"kind":"licence","number":"L-1","item":1,"qty":"4"}]`))
	if !errors.Is(err, customs.ErrDocumentShort) {
		t.Fatalf("a write-off past the remaining quantity: %v", err)
	}
	if got := entries("req-d_c"); len(got) != 0 {
		t.Fatalf("a refused statement wrote %+v", got)
	}

	n := newDecl("d_d", "REF-D", "")
	n.Audit = nil
	if _, _, created, err := db.InsertDeclaration(ctx, n); err != nil || !created {
		t.Fatalf("created %v (%v)", created, err)
	}
	var count int
	if err := db.Get(&count, `SELECT count(*) FROM audit WHERE target = 'd_d'`); err != nil || count != 0 {
		t.Fatalf("no entry given, %d written (%v)", count, err)
	}
}
