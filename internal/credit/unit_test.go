package credit_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/jjj/gateway/internal/credit"
	"github.com/jjj/gateway/internal/credit/sim"
	"github.com/jjj/gateway/internal/customs"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	good := uscc("91130203MA0Q5K9XX")
	for _, c := range []struct {
		name   string
		region customs.Region
		rec    credit.Published
		rating customs.Rating
		watch  bool
		reason string // the skip reason; "" when applied
	}{
		{"advanced", customs.RegionBJ, credit.Published{USCC: good, Rating: "advanced", Version: 1}, customs.RatingAdvanced, false, ""},
		{"lower case uscc", customs.RegionBJ, credit.Published{USCC: "91130203ma0q5k9xx8", Rating: "general", Version: 1}, customs.RatingGeneral, false, ""},
		{"hebei AA", customs.RegionHE, credit.Published{USCC: good, Rating: "AA", Version: 1}, customs.RatingAdvanced, false, ""},
		{"hebei A", customs.RegionHE, credit.Published{USCC: good, Rating: "A", Version: 1}, customs.RatingAdvanced, false, ""},
		{"hebei B", customs.RegionHE, credit.Published{USCC: good, Rating: "B", Version: 1}, customs.RatingGeneral, false, ""},
		{"hebei C watch", customs.RegionHE, credit.Published{USCC: good, Rating: "C", Version: 1}, customs.RatingGeneral, true, ""},
		{"hebei D", customs.RegionHE, credit.Published{USCC: good, Rating: "D", Version: 1}, customs.RatingDishonest, false, ""},
		{"hebei 2021 category", customs.RegionHE, credit.Published{USCC: good, Rating: "dishonest", Version: 1}, customs.RatingDishonest, false, ""},
		{"hebei grade from TJ", customs.RegionTJ, credit.Published{USCC: good, Rating: "D", Version: 1}, "", false, credit.ReasonUnknownRating},
		{"unknown rating", customs.RegionBJ, credit.Published{USCC: good, Rating: "excellent", Version: 1}, "", false, credit.ReasonUnknownRating},
		{"bad check char", customs.RegionHE, credit.Published{USCC: "91130602MA0W4E8D3D", Rating: "B", Version: 1}, "", false, credit.ReasonInvalidUSCC},
		{"short uscc", customs.RegionHE, credit.Published{USCC: "9113", Rating: "B", Version: 1}, "", false, credit.ReasonInvalidUSCC},
		{"february 30", customs.RegionHE, credit.Published{USCC: good, Rating: "B", EffectiveFrom: strp("2026-02-30"), Version: 1}, "", false, credit.ReasonMalformedDate},
		{"slashes", customs.RegionBJ, credit.Published{USCC: good, Rating: "general", ExpiresAt: strp("2026/03/01"), Version: 1}, "", false, credit.ReasonMalformedDate},
		{"bad updatedAt", customs.RegionBJ, credit.Published{USCC: good, Rating: "general", UpdatedAt: "yesterday", Version: 1}, "", false, credit.ReasonMalformedDate},
		{"no version", customs.RegionBJ, credit.Published{USCC: good, Rating: "general"}, "", false, credit.ReasonMalformedRecord},
		{"malformed", customs.RegionBJ, credit.Published{USCC: good, Malformed: "version: not a number"}, "", false, credit.ReasonMalformedRecord},
		{"deletion with an unknown rating", customs.RegionBJ, credit.Published{USCC: good, Rating: "whatever", Version: 2, Deleted: true}, "", false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			recs, skips := credit.Check(c.region, []credit.Published{c.rec})
			if c.reason != "" {
				if len(recs) != 0 || len(skips) != 1 || skips[0].Reason != c.reason {
					t.Fatalf("got %+v %+v, want skipped %s", recs, skips, c.reason)
				}
				return
			}
			if len(recs) != 1 || len(skips) != 0 {
				t.Fatalf("got %+v %+v, want applied", recs, skips)
			}
			if r := recs[0]; r.Rating != c.rating || r.Watch != c.watch || r.Published != c.rec.Rating || r.USCC != customs.NormalizeUSCC(c.rec.USCC) {
				t.Errorf("got %+v", r)
			}
		})
	}
}

func TestCheckKeepsNewestOfPage(t *testing.T) {
	t.Parallel()
	a, b := uscc("91130203MA0Q5K9XX"), uscc("91130102MA0U2B6C1")
	recs, _ := credit.Check(customs.RegionHE, []credit.Published{
		{USCC: a, Rating: "B", Version: 2}, {USCC: b, Rating: "B", Version: 1}, {USCC: a, Rating: "D", Version: 3}, {USCC: a, Rating: "A", Version: 1},
	})
	if len(recs) != 2 || recs[0].USCC != a || recs[0].Version != 3 || recs[1].USCC != b {
		t.Errorf("got %+v", recs)
	}
}

func TestMerge(t *testing.T) {
	t.Parallel()
	const day = "2026-11-27"
	r := func(region customs.Region, rating customs.Rating, from, until string) customs.CreditRecord {
		return customs.CreditRecord{Region: region, Rating: rating, Published: string(rating), EffectiveFrom: from, ExpiresAt: until, Version: 1}
	}
	del := r(customs.RegionTJ, customs.RatingDishonest, "2025-01-01", "")
	del.Deleted = true
	watch := r(customs.RegionHE, customs.RatingGeneral, "2025-01-01", "")
	watch.Watch = true
	for _, c := range []struct {
		name    string
		recs    []customs.CreditRecord
		rating  customs.Rating
		watch   bool
		sources []string
		next    string
	}{
		{"none", nil, customs.RatingGeneral, false, nil, ""},
		{"most severe wins", []customs.CreditRecord{r(customs.RegionHE, customs.RatingDishonest, "2025-01-01", ""), r(customs.RegionBJ, customs.RatingAdvanced, "2025-01-01", "")},
			customs.RatingDishonest, false, []string{"BJ", "HE"}, ""},
		{"advanced and general is general", []customs.CreditRecord{r(customs.RegionBJ, customs.RatingAdvanced, "", ""), r(customs.RegionTJ, customs.RatingGeneral, "", "")},
			customs.RatingGeneral, false, []string{"BJ", "TJ"}, ""},
		{"expired", []customs.CreditRecord{r(customs.RegionBJ, customs.RatingDishonest, "2024-01-01", "2025-07-10")}, customs.RatingGeneral, false, nil, ""},
		{"expires today", []customs.CreditRecord{r(customs.RegionBJ, customs.RatingDishonest, "2024-01-01", day)}, customs.RatingGeneral, false, nil, ""},
		{"expires tomorrow", []customs.CreditRecord{r(customs.RegionBJ, customs.RatingDishonest, "2024-01-01", "2026-11-28")}, customs.RatingDishonest, false, []string{"BJ"}, "2026-11-28"},
		{"starts today", []customs.CreditRecord{r(customs.RegionBJ, customs.RatingDishonest, day, "")}, customs.RatingDishonest, false, []string{"BJ"}, ""},
		{"future", []customs.CreditRecord{r(customs.RegionTJ, customs.RatingDishonest, "2099-01-01", "")}, customs.RatingGeneral, false, nil, "2099-01-01"},
		{"deleted", []customs.CreditRecord{del}, customs.RatingGeneral, false, nil, ""},
		{"hebei C watch", []customs.CreditRecord{watch}, customs.RatingGeneral, true, []string{"HE"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := credit.Merge("X", c.recs, day)
			var regions []string
			for _, s := range m.Sources {
				regions = append(regions, string(s.Region))
			}
			if m.Rating != c.rating || m.Watch != c.watch || !reflect.DeepEqual(regions, c.sources) || m.NextChange != c.next {
				t.Errorf("got %s watch=%v %v next %q, want %s watch=%v %v next %q", m.Rating, m.Watch, regions, m.NextChange, c.rating, c.watch, c.sources, c.next)
			}
		})
	}
}

// FuzzDecodePage: a page never panics the decoder or the checks; what
// decodes as a page yields, for every record, either a record with a valid
// USCC and a known rating or a skip with a reason.
func FuzzDecodePage(f *testing.F) {
	for _, n := range []string{"bj-page-1.json", "tj-page-1.json", "tj-page-2.json", "he-page-1.json", "he-page-2.json"} {
		f.Add(readSample(f, n))
	}
	f.Add([]byte(`{"region":"BJ","records":[{"uscc":1,"version":"x"},{"uscc":"91110105MA0J2R6T4T","rating":"general","version":1}],"next":null}`))
	f.Add([]byte(`{"region":"HE","records":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := credit.DecodePage(body)
		if err != nil {
			return
		}
		recs, skips := credit.Check(customs.RegionHE, p.Records)
		if len(recs)+len(skips) > len(p.Records) {
			t.Fatalf("%d records gave %d applied and %d skipped", len(p.Records), len(recs), len(skips))
		}
		for _, r := range recs {
			if ok, _ := customs.CheckUSCC(r.USCC); !ok {
				t.Fatalf("applied an invalid USCC %q", r.USCC)
			}
			if !r.Deleted && r.Rating.Severity() == 0 {
				t.Fatalf("applied an unknown rating %q", r.Published)
			}
		}
		for _, s := range skips {
			if s.Reason == "" {
				t.Fatal("a skip without a reason")
			}
		}
	})
}

// TestSimGenerates: the generated feed is reproducible and realistic: valid
// USCCs but for the planted invalid records, a mix of ratings and
// withdrawals, versions per enterprise that grow, and cursor paging.
func TestSimGenerates(t *testing.T) {
	t.Parallel()
	mk := func() *sim.Registry {
		s, err := sim.New(sim.Config{Region: customs.RegionHE, Records: 5000, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, b := mk(), mk()
	if !reflect.DeepEqual(a.Records(), b.Records()) {
		t.Fatal("the same seed gave different feeds")
	}
	recs, skips := credit.Check(customs.RegionHE, a.Records())
	ratings := map[string]int{}
	deleted, expiring, future := 0, 0, 0
	for _, r := range a.Records() {
		ratings[r.Rating]++
		if r.Deleted {
			deleted++
		}
		if r.ExpiresAt != nil {
			expiring++
		}
		if r.EffectiveFrom != nil && *r.EffectiveFrom > r.UpdatedAt[:10] {
			future++
		}
	}
	for _, g := range []string{"AA", "A", "B", "C", "D", "advanced", "general", "dishonest"} {
		if ratings[g] == 0 {
			t.Errorf("no %s rating among %v", g, ratings)
		}
	}
	if deleted == 0 || expiring == 0 || future == 0 || len(skips) == 0 || len(skips) > 100 || len(recs) < 3000 {
		t.Errorf("deleted %d expiring %d future %d skipped %d applied %d", deleted, expiring, future, len(skips), len(recs))
	}
	reasons := map[string]bool{}
	for _, s := range skips {
		reasons[s.Reason] = true
	}
	for _, r := range []string{credit.ReasonInvalidUSCC, credit.ReasonUnknownRating, credit.ReasonMalformedDate} {
		if !reasons[r] {
			t.Errorf("no record skipped for %s", r)
		}
	}

	// Paging with the HTTP client reads the whole feed once.
	b2 := setup(t, options{sims: map[customs.Region]*sim.Registry{customs.RegionHE: a}, pageSize: 700})
	if err := b2.syncer.SyncAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := a.Stats(); st.Requests != 8 { // ceil(5000/700) = 8 pages
		t.Errorf("%d requests for 5000 records in pages of 700", st.Requests)
	}
	checkNewest(t, b2, customs.RegionHE, a.Records())
}
