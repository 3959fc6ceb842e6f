package credit_test

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/credit"
	"github.com/jjj/gateway/internal/credit/sim"
	"github.com/jjj/gateway/internal/customs"
)

// TestStoreMatchesMergeOfStoredRecords syncs three generated registries
// (versions growing over pages, withdrawals, expiries, enterprises rated
// by two regions), in small pages and then again after more records, and
// holds what the store and the cache kept to a recomputation from the
// stored records alone: every enterprise with a record has a merged record
// that is credit.Merge of its stored records, the merged versions are
// distinct, and the cache answers as a cache loaded from scratch (in spans
// of 97 records) and as the merged records say. It does so flushing
// once per sync and flushing after every page with merges of forty
// records, and the two end with the same view.
func TestStoreMatchesMergeOfStoredRecords(t *testing.T) {
	t.Parallel()
	once := syncedView(t, options{pageSize: 100})
	often := syncedView(t, options{pageSize: 100, flushEvery: time.Nanosecond, mergeBatch: 40, cacheSpan: 97})
	if len(once) == 0 || !reflect.DeepEqual(once, often) {
		t.Errorf("flushed once per sync: %d merged records; after every page: %d; the views differ", len(once), len(often))
	}
}

// syncedView runs TestStoreMatchesMergeOfStoredRecords with o and returns
// the view at the end: each enterprise's merged record, versions aside.
func syncedView(t *testing.T, o options) map[string]string {
	sims := map[customs.Region]*sim.Registry{}
	for i, r := range []customs.Region{customs.RegionBJ, customs.RegionTJ, customs.RegionHE} {
		s, err := sim.New(sim.Config{Region: r, Records: 1500, Seed: uint64(7 + i), MaxLimit: 100})
		if err != nil {
			t.Fatal(err)
		}
		sims[r] = s
	}
	o.sims = sims
	b := setup(t, o)
	ctx := context.Background()
	view := map[string]string{}
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
				t.Fatalf("round %d: %s has records and no merged record, want %+v", round, u, m)
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
			view[u] = fmt.Sprintf("%s %s %t %+v %s", got.Name, got.Rating, got.Watch, got.Sources, got.NextChange)
		}
		if len(want) == 0 || len(want) == len(usccs) {
			t.Fatalf("round %d: %d of %d enterprises rated: the feed does not exercise the cache", round, len(want), len(usccs))
		}
		fresh, err := credit.NewCache(credit.CacheConfig{Store: b.db, Span: 97, Logger: quiet()})
		if err != nil {
			t.Fatal(err)
		}
		for name, c := range map[string]*credit.Cache{"followed flush by flush": b.cache, "loaded from scratch": fresh} {
			got, err := c.Ratings(ctx, usccs, day)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round %d: cache %s: %d ratings, want %d; first differences: %v", round, name, len(got), len(want), diff(got, want))
			}
		}
	}
	return view
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

// TestConcurrentPagesOnSharedEnterprises stages and flushes pages of the
// three registries at the same time, each page rating the same
// enterprises, so that flushes overlap stagings and each other: every
// merged record must still be credit.Merge of its enterprise's stored
// records, and every version distinct.
func TestConcurrentPagesOnSharedEnterprises(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	ctx := context.Background()
	const enterprises, pages = 40, 8
	usccs := make([]string, enterprises)
	for i := range usccs {
		usccs[i] = uscc(fmt.Sprintf("91110108MA02B%04d", i))
	}
	ratings := map[customs.Region][]string{
		customs.RegionBJ: {"advanced", "general", "dishonest"},
		customs.RegionTJ: {"dishonest", "advanced", "general"},
		customs.RegionHE: {"AA", "C", "D", "B"},
	}
	errs := make(chan error, 3)
	for _, region := range []customs.Region{customs.RegionBJ, customs.RegionTJ, customs.RegionHE} {
		go func() {
			cursor := ""
			for v := 1; v <= pages; v++ {
				var pub []credit.Published
				for i, u := range usccs {
					pub = append(pub, credit.Published{USCC: u, Rating: ratings[region][(i+v)%len(ratings[region])],
						EffectiveFrom: strp("2025-01-01"), Version: int64(v), Deleted: (i+v)%7 == 0})
				}
				recs, skips := credit.Check(region, pub)
				next := fmt.Sprintf("%s-%d", region, v)
				p := postgresPage(region, recs, skips, b.clock.Now())
				p.From, p.Next = cursor, next
				if err := b.applyPage(ctx, p); err != nil {
					errs <- err
					return
				}
				cursor = next
			}
			errs <- nil
		}()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	recs, err := b.db.CreditRecords(ctx, usccs)
	if err != nil {
		t.Fatal(err)
	}
	day := customs.BeijingDay(b.clock.Now())
	versions := map[int64]bool{}
	for _, u := range usccs {
		if len(recs[u]) != 3 {
			t.Fatalf("%s: %d regional records, want 3", u, len(recs[u]))
		}
		for _, r := range recs[u] {
			if r.Version != pages {
				t.Errorf("%s %s stored at version %d, want %d", u, r.Region, r.Version, pages)
			}
		}
		got, err := b.db.CreditMergedByUSCC(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		want := credit.Merge(u, recs[u], day)
		if got == nil || !got.SameView(&want) || got.NextChange != want.NextChange {
			t.Errorf("%s: merged %+v, want %+v", u, got, want)
			continue
		}
		if versions[got.Version] {
			t.Errorf("%s: version %d taken twice", u, got.Version)
		}
		versions[got.Version] = true
	}
}
