package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/postgres/pgtest"
)

// TestReceiptRecordsEntryWithoutIndexChurn: a delivered declaration's
// entry id is found by the entry (a decision names it), an entry id is
// the review centre's for one declaration only (a second claim on it
// fails the receipt and writes nothing), a later receipt keeps the first
// entry id, and the receipt's update of the declaration is a HOT update
// (no indexed column changes).
func TestReceiptRecordsEntryWithoutIndexChurn(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	for _, id := range []string{"d_1", "d_2"} {
		if _, _, created, err := db.InsertDeclaration(ctx, newIntake(id, "REF-"+id, at)); err != nil || !created {
			t.Fatalf("%s: %v %v", id, created, err)
		}
	}
	claimed, err := db.ClaimOutbox(ctx, 10, time.Minute)
	if err != nil || len(claimed) != 2 {
		t.Fatalf("claimed %d (%v)", len(claimed), err)
	}
	end := func(d customs.Delivery, entry string) customs.DeliveryEnd {
		return customs.DeliveryEnd{ID: d.ID, Lease: d.Lease, State: customs.OutboxCompleted, EntryID: entry,
			Attempt: customs.Attempt{At: at, StatusCode: 201, Latency: time.Millisecond, Outcome: "accepted"}}
	}
	// Both declarations given the same entry: refused whole.
	if err := db.OutboxTx(ctx, true, func(tx postgres.Tx) error {
		_, err := tx.CompleteOutbox(ctx, []customs.DeliveryEnd{end(claimed[0], "E-1"), end(claimed[1], "E-1")})
		return err
	}); err == nil {
		t.Fatal("one entry id for two declarations was accepted")
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM declaration_entry`); err != nil || n != 0 {
		t.Fatalf("%d entries after a refused receipt (%v)", n, err)
	}

	var upd, hot int
	if err := db.OutboxTx(ctx, true, func(tx postgres.Tx) error {
		if _, err := tx.CompleteOutbox(ctx, []customs.DeliveryEnd{end(claimed[0], "E-1"), end(claimed[1], "E-2")}); err != nil {
			return err
		}
		// This transaction's own counts, known at once.
		return tx.QueryRowxContext(ctx, `SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'declaration'`).Scan(&upd, &hot)
	}); err != nil {
		t.Fatal(err)
	}
	if upd != 2 || hot != 2 {
		t.Errorf("the receipt updated %d declarations, %d of them HOT; want 2 and 2", upd, hot)
	}
	for entry, want := range map[string]string{"E-1": claimed[0].DeclarationID, "E-2": claimed[1].DeclarationID} {
		got, err := postgres.DeclarationByEntryID(ctx, db, entry)
		if err != nil || got != want {
			t.Errorf("entry %s: %q (%v), want %q", entry, got, err, want)
		}
		row, err := db.GetDeclaration(ctx, want)
		if err != nil || row.EntryID.String != entry {
			t.Errorf("declaration %s shows entry %+v (%v)", want, row.EntryID, err)
		}
	}
	if _, err := postgres.DeclarationByEntryID(ctx, db, "E-3"); customs.ErrorCodeOf(err) != customs.CodeNotFound {
		t.Errorf("an unknown entry: %v", err)
	}

	// A replay delivers again; the review centre's answer names another
	// entry: the first one stays.
	if _, err := db.Exec(`UPDATE outbox SET state = 'available', locked_until = NULL WHERE id = $1`, claimed[0].ID); err != nil {
		t.Fatal(err)
	}
	again, err := db.ClaimOutbox(ctx, 10, time.Minute)
	if err != nil || len(again) != 1 {
		t.Fatalf("claimed again %d (%v)", len(again), err)
	}
	if err := db.OutboxTx(ctx, true, func(tx postgres.Tx) error {
		_, err := tx.CompleteOutbox(ctx, []customs.DeliveryEnd{end(again[0], "E-9")})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got, err := postgres.DeclarationByEntryID(ctx, db, "E-1"); err != nil || got != claimed[0].DeclarationID {
		t.Errorf("the first entry after a second receipt: %q (%v)", got, err)
	}
	if _, err := postgres.DeclarationByEntryID(ctx, db, "E-9"); customs.ErrorCodeOf(err) != customs.CodeNotFound {
		t.Errorf("the second receipt's entry was recorded: %v", err)
	}
}
