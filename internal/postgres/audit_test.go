package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres/pgtest"
)

// The audit trail takes INSERT and SELECT only: the trigger refuses UPDATE,
// DELETE and TRUNCATE even to the superuser the tests connect as.
func TestAuditIsAppendOnly(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	for _, a := range []customs.AuditAction{customs.AuditKeyCreate, customs.AuditClaim} {
		if err := db.AppendAudit(ctx, customs.AuditEntry{KeyID: "k_1", Role: customs.CallerAdmin, Actor: "admin", RequestID: "r1",
			Action: a, Target: "x", Outcome: "ok", Status: 200}); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		`UPDATE audit SET outcome = 'forged'`,
		`DELETE FROM audit`,
		`TRUNCATE audit`,
	} {
		_, err := db.ExecContext(ctx, q)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want a refusal", q, err)
		}
	}
	got, err := db.AuditEntries(ctx, customs.AuditFilter{Limit: 10})
	if err != nil || len(got) != 2 || got[0].Action != customs.AuditClaim || got[1].Outcome != "ok" || got[0].At.IsZero() {
		t.Fatalf("entries %+v, %v", got, err)
	}
	page, err := db.AuditEntries(ctx, customs.AuditFilter{Limit: 10, Before: got[0].ID, Action: customs.AuditKeyCreate, Actor: "k_1"})
	if err != nil || len(page) != 1 || page[0].ID != got[1].ID {
		t.Fatalf("filtered page %+v, %v", page, err)
	}
}
