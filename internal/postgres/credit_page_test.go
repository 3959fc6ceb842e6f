package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/credit"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/postgres/pgtest"
)

// creditTestPage is a page of region rating every enterprise of usccs.
func creditTestPage(region customs.Region, usccs []string, rating customs.Rating, version int64, now time.Time) customs.CreditPage {
	p := customs.CreditPage{Region: region, Next: fmt.Sprintf("%s-%d", region, version), Now: now}
	for _, u := range usccs {
		p.Records = append(p.Records, customs.CreditRecord{Region: region, USCC: u, Published: string(rating), Rating: rating,
			EffectiveFrom: "2025-01-01", Version: version})
	}
	return p
}

// TestCreditPageOvertaken: a page whose enterprises another region's page
// writes between its reads and its turn for the credit lock merges them
// again with that page's records, whether the log of written enterprises
// still covers its reads or was pruned past them (then the records and
// merged records numbered since its reads say it).
func TestCreditPageOvertaken(t *testing.T) {
	for _, pruned := range []bool{false, true} {
		t.Run(fmt.Sprintf("pruned=%v", pruned), func(t *testing.T) {
			t.Parallel()
			db := pgtest.New(t)
			ctx := context.Background()
			now := time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)
			usccs := []string{"91110108MA02B00001", "91110108MA02B00002", "91110108MA02B00003"}
			var meanwhile error
			_, err := postgres.ApplyCreditPageMeanwhile(ctx, db, creditTestPage(customs.RegionTJ, usccs, customs.RatingAdvanced, 1, now), credit.Merge, func() {
				if _, meanwhile = db.ApplyCreditPage(ctx, creditTestPage(customs.RegionBJ, usccs[1:], customs.RatingDishonest, 1, now), credit.Merge); meanwhile != nil {
					return
				}
				if !pruned {
					return
				}
				if _, meanwhile = db.Exec(`INSERT INTO credit_written (usccs) SELECT '{}' FROM generate_series(1, $1)`, postgres.CreditWrittenKept); meanwhile != nil {
					return
				}
				_, _, meanwhile = db.ReevaluateCredit(ctx, customs.BeijingDay(now), now, credit.Merge, 100)
			})
			if err != nil || meanwhile != nil {
				t.Fatal(err, meanwhile)
			}
			var oldest int64
			if err := db.Get(&oldest, `SELECT min(id) FROM credit_written`); err != nil {
				t.Fatal(err)
			}
			if pruned != (oldest > 1) {
				t.Fatalf("the log's oldest row is %d: pruned %v", oldest, pruned)
			}
			recs, err := db.CreditRecords(ctx, usccs)
			if err != nil {
				t.Fatal(err)
			}
			day := customs.BeijingDay(now)
			versions := map[int64]bool{}
			for i, u := range usccs {
				want := credit.Merge(u, recs[u], day)
				wantRating := customs.RatingDishonest
				if i == 0 {
					wantRating = customs.RatingAdvanced
				}
				got, err := db.CreditMergedByUSCC(ctx, u)
				switch {
				case err != nil:
					t.Fatal(err)
				case got == nil || got.Rating != wantRating || !got.SameView(&want):
					t.Errorf("%s: merged %+v, want %+v (%s)", u, got, want, wantRating)
				case versions[got.Version]:
					t.Errorf("%s: version %d taken twice", u, got.Version)
				default:
					versions[got.Version] = true
				}
			}
		})
	}
}

// TestCreditWrittenLogged: every write of regional or merged records logs
// its enterprises, a page's and a re-evaluation's; a page that writes
// nothing logs nothing; a re-evaluation keeps the newest rows only.
func TestCreditWrittenLogged(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)
	logged := func() []string {
		var out []string
		if err := db.Select(&out, `SELECT array_to_string(usccs, ',') FROM credit_written ORDER BY id`); err != nil {
			t.Fatal(err)
		}
		return out
	}
	p := creditTestPage(customs.RegionHE, []string{"91130102MA0000001", "91130102MA0000002"}, customs.RatingDishonest, 1, now)
	p.Records[1].ExpiresAt = "2026-11-28"
	if _, err := db.ApplyCreditPage(ctx, p, credit.Merge); err != nil {
		t.Fatal(err)
	}
	p.From = p.Next
	if _, err := db.ApplyCreditPage(ctx, p, credit.Merge); err != nil { // the same records again: nothing written
		t.Fatal(err)
	}
	later := now.Add(24 * time.Hour)
	changed, _, err := db.ReevaluateCredit(ctx, customs.BeijingDay(later), later, credit.Merge, 100)
	if err != nil {
		t.Fatal(err)
	}
	got, want := fmt.Sprint(logged()), "[91130102MA0000001,91130102MA0000002 91130102MA0000002]"
	if got != want || fmt.Sprint(changed) != "[91130102MA0000002]" {
		t.Errorf("logged %s, want %s; changed %v", got, want, changed)
	}
	if _, err := db.Exec(`INSERT INTO credit_written (usccs) SELECT '{}' FROM generate_series(1, $1)`, postgres.CreditWrittenKept+5); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.ReevaluateCredit(ctx, customs.BeijingDay(later), later, credit.Merge, 100); err != nil {
		t.Fatal(err)
	}
	var n, top int64
	if err := db.QueryRow(`SELECT count(*), max(id) FROM credit_written`).Scan(&n, &top); err != nil {
		t.Fatal(err)
	}
	if n != postgres.CreditWrittenKept || top != postgres.CreditWrittenKept+7 {
		t.Errorf("kept %d rows up to %d, want %d up to %d", n, top, postgres.CreditWrittenKept, postgres.CreditWrittenKept+7)
	}
}
