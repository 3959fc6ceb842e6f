package credit_test

import (
	"context"
	"reflect"
	"sort"
	"testing"

	"github.com/jjj/gateway/internal/credit"
	"github.com/jjj/gateway/internal/credit/sim"
	"github.com/jjj/gateway/internal/customs"
)

// TestStoreMatchesMergeOfStoredRecords syncs three generated registries
// (versions growing over pages, withdrawals, expiries, enterprises rated
// by two regions), in small pages and then again after more records, and
// holds what the store and the cache kept page by page to a recomputation
// from the stored records alone: every merged record is credit.Merge of
// its enterprise's stored records, the merged versions are distinct, and
// the cache (updated from each page's records) answers as a cache loaded
// from scratch and as the merged records say.
func TestStoreMatchesMergeOfStoredRecords(t *testing.T) {
	t.Parallel()
	sims := map[customs.Region]*sim.Registry{}
	for i, r := range []customs.Region{customs.RegionBJ, customs.RegionTJ, customs.RegionHE} {
		s, err := sim.New(sim.Config{Region: r, Records: 1500, Seed: uint64(7 + i), MaxLimit: 100})
		if err != nil {
			t.Fatal(err)
		}
		sims[r] = s
	}
	b := setup(t, options{sims: sims, pageSize: 100})
	ctx := context.Background()
	for round := 0; round < 2; round++ {
		if round > 0 {
			for _, s := range sims {
				s.Append(400)
			}
		}
		if err := b.syncer.SyncAll(ctx); err != nil {
			t.Fatal(err)
		}
		var usccs []string
		if err := b.db.Select(&usccs, `SELECT DISTINCT uscc FROM credit_record ORDER BY uscc`); err != nil {
			t.Fatal(err)
		}
		recs, err := b.db.CreditRecords(ctx, usccs)
		if err != nil {
			t.Fatal(err)
		}
		day := customs.BeijingDay(b.clock.Now())
		versions := map[int64]string{}
		want := map[string]customs.Rating{}
		for _, u := range usccs {
			got, err := b.db.CreditMergedByUSCC(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			m := credit.Merge(u, recs[u], day)
			if got == nil {
				if len(m.Sources) != 0 || m.Watch || m.Rating != customs.RatingGeneral {
					t.Fatalf("round %d: %s has no merged record, want %+v", round, u, m)
				}
				continue
			}
			if !got.SameView(&m) || got.NextChange != m.NextChange || got.EvaluatedOn != day {
				t.Fatalf("round %d: %s merged %+v, want %+v", round, u, *got, m)
			}
			if other, dup := versions[got.Version]; dup {
				t.Fatalf("round %d: %s and %s share version %d", round, u, other, got.Version)
			}
			versions[got.Version] = u
			if m.Rating != customs.RatingGeneral {
				want[u] = m.Rating
			}
		}
		if len(want) == 0 || len(want) == len(usccs) {
			t.Fatalf("round %d: %d of %d enterprises rated: the feed does not exercise the cache", round, len(want), len(usccs))
		}
		fresh, err := credit.NewCache(credit.CacheConfig{Store: b.db, Logger: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		for name, c := range map[string]*credit.Cache{"followed page by page": b.cache, "loaded from scratch": fresh} {
			got, err := c.Ratings(ctx, usccs, day)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round %d: cache %s: %d ratings, want %d; first differences: %v", round, name, len(got), len(want), diff(got, want))
			}
		}
	}
}

func diff(got, want map[string]customs.Rating) []string {
	var out []string
	for u, r := range want {
		if got[u] != r {
			out = append(out, u+": got "+string(got[u])+" want "+string(r))
		}
	}
	for u, r := range got {
		if _, ok := want[u]; !ok {
			out = append(out, u+": got "+string(r)+" want general")
		}
	}
	sort.Strings(out)
	return out[:min(len(out), 5)]
}
