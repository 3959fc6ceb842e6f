package credit_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/credit"
	"github.com/jjj/gateway/internal/credit/sim"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres/pgtest"
)

type expectedSource struct {
	Region    string `json:"region"`
	Published string `json:"published"`
	Rating    string `json:"rating"`
	Version   int64  `json:"version"`
}

type expectedMerged struct {
	AsOf   string `json:"asOf"`
	Merged []struct {
		USCC    string           `json:"uscc"`
		Name    string           `json:"name"`
		Rating  string           `json:"rating"`
		Watch   bool             `json:"watch"`
		Sources []expectedSource `json:"sources"`
	} `json:"merged"`
	Skipped []struct {
		Region string `json:"region"`
		USCC   string `json:"uscc"`
		Reason string `json:"reason"`
	} `json:"skipped"`
}

// TestSamplePages: the sample pages give exactly expected-merged.json,
// evaluated on its day, and reading them all again changes nothing.
func TestSamplePages(t *testing.T) {
	t.Parallel()
	var want expectedMerged
	if err := json.Unmarshal(readSample(t, "expected-merged.json"), &want); err != nil {
		t.Fatal(err)
	}
	b := setup(t, options{sims: sampleSims(t), now: beijingNoon(t, want.AsOf)})
	ctx := context.Background()
	if err := b.syncer.SyncAll(ctx); err != nil {
		t.Fatal(err)
	}
	versions := map[string]int64{}
	for _, w := range want.Merged {
		m := b.enterprise(t, w.USCC)
		if m == nil {
			t.Errorf("%s (%s): no merged record", w.USCC, w.Name)
			continue
		}
		got := []expectedSource{}
		for _, s := range m.Sources {
			got = append(got, expectedSource{Region: string(s.Region), Published: s.Published, Rating: string(s.Rating), Version: s.Version})
		}
		if string(m.Rating) != w.Rating || m.Watch != w.Watch || !reflect.DeepEqual(got, w.Sources) || m.Name != w.Name {
			t.Errorf("%s: got %s watch=%v %q %+v, want %s watch=%v %q %+v", w.USCC, m.Rating, m.Watch, m.Name, got, w.Rating, w.Watch, w.Name, w.Sources)
		}
		versions[w.USCC] = m.Version
	}
	if n := b.count(t, `SELECT count(*) FROM credit_merged`); n != len(want.Merged) {
		t.Errorf("%d merged records, want %d", n, len(want.Merged))
	}

	// The skipped records, each reported with its registry and reason.
	type skip struct{ Region, USCC, Reason string }
	var gotSkips, wantSkips []skip
	for region, st := range b.status(t) {
		for _, s := range st.RecentSkipped {
			gotSkips = append(gotSkips, skip{string(region), s.USCC, s.Reason})
		}
		var n int64
		for _, c := range st.SkippedReasons {
			n += c
		}
		if n != st.Skipped {
			t.Errorf("%s: skipped %d but reasons add up to %d", region, st.Skipped, n)
		}
	}
	for _, s := range want.Skipped {
		wantSkips = append(wantSkips, skip{s.Region, s.USCC, s.Reason})
	}
	less := func(a, b skip) int {
		if a.Region+a.USCC < b.Region+b.USCC {
			return -1
		}
		return 1
	}
	slices.SortFunc(gotSkips, less)
	slices.SortFunc(wantSkips, less)
	if !reflect.DeepEqual(gotSkips, wantSkips) {
		t.Errorf("skipped %+v, want %+v", gotSkips, wantSkips)
	}

	// Every registry at the end, and a second sync (the last pages read
	// again) changes nothing: no version moves, nothing counted twice.
	before := b.status(t)
	if err := b.syncer.SyncAll(ctx); err != nil {
		t.Fatal(err)
	}
	after := b.status(t)
	for _, r := range []customs.Region{customs.RegionBJ, customs.RegionTJ, customs.RegionHE} {
		if after[r].Applied != before[r].Applied || after[r].Skipped != before[r].Skipped || after[r].LastError != nil || after[r].LastSuccess == nil {
			t.Errorf("%s: second sync changed counts or failed: before %+v after %+v", r, before[r], after[r])
		}
	}
	for u, v := range versions {
		if m := b.enterprise(t, u); m.Version != v {
			t.Errorf("%s: version %d after a second sync, was %d", u, m.Version, v)
		}
	}
}

// TestResumeAfterFailure: a registry failing in the middle of a page
// sequence leaves the cursor at the first page not applied; the next sync
// resumes there (the pages before are not asked again) and ends with what
// an unbroken sync gives.
func TestResumeAfterFailure(t *testing.T) {
	t.Parallel()
	s, err := sim.New(sim.Config{Region: customs.RegionTJ, Records: 600, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	b := setup(t, options{sims: map[customs.Region]*sim.Registry{customs.RegionTJ: s}, pageSize: 50})
	ctx := context.Background()

	// Find the cursor of the fifth page, then fail every request for it.
	var fifth string
	{
		p, err := credit.DecodePage(get(t, b.urls[customs.RegionTJ]+"/records?limit=200"))
		if err != nil {
			t.Fatal(err)
		}
		fifth = p.Next
	}
	probed := s.Stats().ByCursor[""]
	s.SetFault(func(after string) bool { return after == fifth })
	err = b.syncer.SyncRegistry(ctx, customs.RegionTJ)
	if err == nil {
		t.Fatal("sync through a failing page succeeded")
	}
	st := b.status(t)[customs.RegionTJ]
	if st.Cursor == nil || *st.Cursor != fifth {
		t.Fatalf("cursor after the failure = %v, want the fifth page's %q", st.Cursor, fifth)
	}
	if st.LastError == nil || st.LastSuccess != nil {
		t.Errorf("status after the failure: lastError %v, lastSuccess %v", st.LastError, st.LastSuccess)
	}
	if n := b.count(t, `SELECT count(*) FROM credit_record`); n == 0 {
		t.Error("the four pages before the failure were not kept")
	}

	s.SetFault(nil)
	if err := b.syncer.SyncRegistry(ctx, customs.RegionTJ); err != nil {
		t.Fatal(err)
	}
	stats := s.Stats()
	if n := stats.ByCursor[""] - probed; n != 1 {
		t.Errorf("the first page was asked %d times: the sync started over", n)
	}
	if stats.ByCursor[fifth] != 2 {
		t.Errorf("the failing page was asked %d times, want 2 (once failing, once on resume)", stats.ByCursor[fifth])
	}
	st = b.status(t)[customs.RegionTJ]
	if st.LastError != nil || st.LastSuccess == nil {
		t.Errorf("status after the resume: lastError %v, lastSuccess %v", st.LastError, st.LastSuccess)
	}
	checkNewest(t, b, customs.RegionTJ, s.Records())
}

// checkNewest compares the stored records of a region with the newest
// valid version of each enterprise in what the registry published.
func checkNewest(t *testing.T, b *testBundle, region customs.Region, published []credit.Published) {
	t.Helper()
	recs, _ := credit.Check(region, published)
	want := map[string]int64{}
	for _, r := range recs {
		want[r.USCC] = max(want[r.USCC], r.Version)
	}
	rows, err := b.db.Query(`SELECT uscc, source_version FROM credit_record WHERE region = $1`, string(region))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]int64{}
	for rows.Next() {
		var u string
		var v int64
		if err := rows.Scan(&u, &v); err != nil {
			t.Fatal(err)
		}
		got[u] = v
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: %d stored records differ from the %d newest published", region, len(got), len(want))
	}
}

// TestRegistryDown: one registry down does not stop the other two; its
// status shows the error and an open breaker; it catches up when it is back.
func TestRegistryDown(t *testing.T) {
	t.Parallel()
	sims := map[customs.Region]*sim.Registry{}
	for i, r := range []customs.Region{customs.RegionBJ, customs.RegionTJ, customs.RegionHE} {
		s, err := sim.New(sim.Config{Region: r, Records: 300, Seed: uint64(10 + i)})
		if err != nil {
			t.Fatal(err)
		}
		sims[r] = s
	}
	sims[customs.RegionHE].SetDown(true)
	b := setup(t, options{sims: sims, pageSize: 100})
	ctx := context.Background()
	err := b.syncer.SyncAll(ctx)
	if err == nil {
		t.Fatal("SyncAll with HE down reported no error")
	}
	// Once more, so that the breaker opens (two failures in a row).
	b.syncer.SyncAll(ctx)
	st := b.status(t)
	for _, r := range []customs.Region{customs.RegionBJ, customs.RegionTJ} {
		if st[r].LastError != nil || st[r].LastSuccess == nil || st[r].Applied == 0 {
			t.Errorf("%s did not sync while HE was down: %+v", r, st[r])
		}
		checkNewest(t, b, r, sims[r].Records())
	}
	// The breaker tripped: open, or already half-open when this test was
	// slower than its 200 ms (half-open is reached only from open).
	he := st[customs.RegionHE]
	if he.LastError == nil || he.LastSuccess != nil || he.Applied != 0 || (he.Breaker != "open" && he.Breaker != "half-open") {
		t.Errorf("HE status while down: lastError %v lastSuccess %v applied %d breaker %s", he.LastError, he.LastSuccess, he.Applied, he.Breaker)
	}

	sims[customs.RegionHE].SetDown(false)
	// Wait for the breaker to half-open (after 200 ms) on its state, not a
	// sleep a slow machine outruns.
	for deadline := time.Now().Add(10 * time.Second); b.status(t)[customs.RegionHE].Breaker != "half-open"; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("HE breaker %s 10 s after opening, want half-open", b.status(t)[customs.RegionHE].Breaker)
		}
	}
	if err := b.syncer.SyncAll(ctx); err != nil {
		t.Fatal(err)
	}
	he = b.status(t)[customs.RegionHE]
	if he.LastError != nil || he.LastSuccess == nil || he.Applied == 0 || he.Breaker != "closed" {
		t.Errorf("HE status after it came back: %+v", he)
	}
	checkNewest(t, b, customs.RegionHE, sims[customs.RegionHE].Records())
}

// TestDishonestInHebeiAlone: an enterprise that Beijing rates advanced and
// Tianjin general turns dishonest everywhere when Hebei alone gives it a D;
// OnChange is told exactly the enterprises whose effective rating changed,
// after the cache already answers the new rating.
func TestDishonestInHebeiAlone(t *testing.T) {
	t.Parallel()
	x := uscc("91130203MA0Q5K9XX") // rated in all three regions
	y := uscc("91130102MA0U2B6C1") // new, Hebei B: general, no change
	z := uscc("91130209MA0T9P3A1") // new, Hebei AA: advanced, a change
	w := uscc("91110105MA0J2R6T4") // Beijing advanced, untouched by Hebei
	bjtj := map[customs.Region]*sim.Registry{
		customs.RegionBJ: pageSim(t, customs.RegionBJ, pages(t, customs.RegionBJ, []rec{
			{USCC: x, Rating: "advanced", EffectiveFrom: "2025-01-01", Version: 1},
			{USCC: w, Rating: "advanced", EffectiveFrom: "2025-01-01", Version: 1}})),
		customs.RegionTJ: pageSim(t, customs.RegionTJ, pages(t, customs.RegionTJ, []rec{
			{USCC: x, Rating: "general", EffectiveFrom: "2025-01-01", Version: 3}})),
	}
	db := pgtest.New(t)
	first := setup(t, options{db: db, sims: bjtj})
	ctx := context.Background()
	// Tianjin first, then Beijing: x is general throughout.
	for _, r := range []customs.Region{customs.RegionTJ, customs.RegionBJ} {
		if err := first.syncer.SyncRegistry(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if m := first.enterprise(t, x); m.Rating != customs.RatingGeneral {
		t.Fatalf("before Hebei: %s is %s, want general (advanced and general: the most severe)", x, m.Rating)
	}
	if got := first.changes.all(); !slices.Equal(got, []string{w}) {
		t.Errorf("first OnChange = %v, want [%s]", got, w)
	}

	all := map[customs.Region]*sim.Registry{
		customs.RegionBJ: bjtj[customs.RegionBJ], customs.RegionTJ: bjtj[customs.RegionTJ],
		customs.RegionHE: pageSim(t, customs.RegionHE, pages(t, customs.RegionHE, []rec{
			{USCC: y, Rating: "B", EffectiveFrom: "2025-01-01", Version: 1},
			{USCC: x, Rating: "D", Reason: "检验检疫信用D级", EffectiveFrom: "2026-01-01", Version: 2},
			{USCC: z, Rating: "AA", EffectiveFrom: "2025-01-01", Version: 1}})),
	}
	b := setup(t, options{db: db, sims: all})
	b.cache.Refresh(ctx)
	var ratingAtHook customs.Rating
	hooked := false
	b2, err := credit.New(credit.Config{Sources: sourcesOf(t, b), Store: db, NowFunc: b.clock.Now, Cache: b.cache, Logger: quiet(),
		OnChange: func(ctx context.Context, usccs []string) error {
			r, err := b.cache.Ratings(ctx, []string{x}, "2026-11-27")
			if err != nil {
				return err
			}
			ratingAtHook, hooked = r[x], true
			return b.changes.hook(ctx, usccs)
		}})
	if err != nil {
		t.Fatal(err)
	}
	if err := b2.SyncAll(ctx); err != nil {
		t.Fatal(err)
	}
	m := b.enterprise(t, x)
	if m.Rating != customs.RatingDishonest || len(m.Sources) != 3 {
		t.Fatalf("after Hebei D: %s is %s with %d sources, want dishonest with 3", x, m.Rating, len(m.Sources))
	}
	if he := m.Sources[2]; he.Region != "HE" || he.Published != "D" || he.Rating != "dishonest" || he.Version != 2 {
		t.Errorf("Hebei source = %+v", he)
	}
	if got := b.changes.all(); !slices.Equal(got, []string{x, z}) {
		t.Errorf("OnChange = %v, want [%s %s]", got, x, z)
	}
	if !hooked || ratingAtHook != customs.RatingDishonest {
		t.Errorf("when OnChange ran the cache said %q for %s, want dishonest", ratingAtHook, x)
	}
	got, err := b.cache.Ratings(ctx, []string{x, y, z, w}, "2026-11-27")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]customs.Rating{x: customs.RatingDishonest, z: customs.RatingAdvanced, w: customs.RatingAdvanced}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("cache ratings = %v, want %v", got, want)
	}
}

func sourcesOf(t *testing.T, b *testBundle) map[customs.Region]credit.Source {
	out := map[customs.Region]credit.Source{}
	for r, u := range b.urls {
		c, err := credit.NewClient(credit.ClientConfig{Region: r, URL: u, RetryMax: -1})
		if err != nil {
			t.Fatal(err)
		}
		out[r] = c
	}
	return out
}

// TestExpiry: a rating that expires, and one that takes effect later,
// change the effective rating on their day without a new record: the
// cache answers by the day asked, and the re-evaluation numbers the change
// in the shared view and tells OnChange.
func TestExpiry(t *testing.T) {
	t.Parallel()
	x := uscc("91110112MA0K4D8P8") // dishonest until 2026-12-01
	y := uscc("91120116MA0N1C7R1") // dishonest from 2026-12-01
	z := uscc("91110105MA0J2R6T4") // advanced, no end
	sims := map[customs.Region]*sim.Registry{
		customs.RegionBJ: pageSim(t, customs.RegionBJ, pages(t, customs.RegionBJ, []rec{
			{USCC: x, Rating: "dishonest", EffectiveFrom: "2025-06-01", ExpiresAt: strp("2026-12-01"), Version: 2},
			{USCC: z, Rating: "advanced", EffectiveFrom: "2025-06-01", Version: 1}})),
		customs.RegionTJ: pageSim(t, customs.RegionTJ, pages(t, customs.RegionTJ, []rec{
			{USCC: y, Rating: "dishonest", EffectiveFrom: "2026-12-01", Version: 1}})),
	}
	b := setup(t, options{sims: sims, now: beijingNoon(t, "2026-11-30")})
	ctx := context.Background()
	if err := b.syncer.SyncAll(ctx); err != nil {
		t.Fatal(err)
	}
	mx, my := b.enterprise(t, x), b.enterprise(t, y)
	if mx.Rating != customs.RatingDishonest || my.Rating != customs.RatingGeneral || len(my.Sources) != 0 {
		t.Fatalf("on 2026-11-30: %s %s, %s %s %v", x, mx.Rating, y, my.Rating, my.Sources)
	}
	for _, c := range []struct {
		day  string
		want map[string]customs.Rating
	}{
		{"2026-11-30", map[string]customs.Rating{x: customs.RatingDishonest, z: customs.RatingAdvanced}},
		{"2026-12-01", map[string]customs.Rating{y: customs.RatingDishonest, z: customs.RatingAdvanced}},
	} {
		got, err := b.cache.Ratings(ctx, []string{x, y, z}, c.day)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("cache on %s = %v, want %v", c.day, got, c.want)
		}
	}

	all, err := b.syncer.Records(ctx, 0, 100)
	if err != nil || len(all) != 3 {
		t.Fatalf("shared view before the expiry: %d records, %v", len(all), err)
	}
	top := all[len(all)-1].Version
	b.changes.reset()
	// Just after midnight in Beijing: 2026-11-30T16:00:30Z.
	b.clock.Set(time.Date(2026, 11, 30, 16, 0, 30, 0, time.UTC))
	n, err := b.syncer.Reevaluate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || !slices.Equal(sorted(b.changes.all()), sorted([]string{x, y})) {
		t.Errorf("re-evaluation changed %d; OnChange %v, want %s and %s", n, b.changes.all(), x, y)
	}
	mx2, my2 := b.enterprise(t, x), b.enterprise(t, y)
	if mx2.Rating != customs.RatingGeneral || len(mx2.Sources) != 0 || mx2.Version <= mx.Version {
		t.Errorf("%s on 2026-12-01: %s %v version %d (was %d)", x, mx2.Rating, mx2.Sources, mx2.Version, mx.Version)
	}
	if my2.Rating != customs.RatingDishonest || my2.Version <= my.Version {
		t.Errorf("%s on 2026-12-01: %s version %d (was %d)", y, my2.Rating, my2.Version, my.Version)
	}
	feed, err := b.syncer.Records(ctx, top, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(feed) != 2 {
		t.Errorf("the shared view shows %d changes after the expiry, want 2", len(feed))
	}
	// Nothing more to do the same day.
	if n, _ := b.syncer.Reevaluate(ctx); n != 0 {
		t.Errorf("a second re-evaluation changed %d", n)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

// TestReadRepairsExpiry: reading an enterprise whose rating expired since
// it was merged shows the new rating and tells OnChange.
func TestReadRepairsExpiry(t *testing.T) {
	t.Parallel()
	x := uscc("91110112MA0K4D8P8")
	b := setup(t, options{now: beijingNoon(t, "2026-11-30"), sims: map[customs.Region]*sim.Registry{
		customs.RegionBJ: pageSim(t, customs.RegionBJ, pages(t, customs.RegionBJ, []rec{
			{USCC: x, Rating: "dishonest", EffectiveFrom: "2025-06-01", ExpiresAt: strp("2026-12-01"), Version: 1}})),
	}})
	ctx := context.Background()
	if err := b.syncer.SyncAll(ctx); err != nil {
		t.Fatal(err)
	}
	b.changes.reset()
	b.clock.Set(beijingNoon(t, "2026-12-01"))
	if m := b.enterprise(t, x); m.Rating != customs.RatingGeneral {
		t.Errorf("read on 2026-12-01: %s", m.Rating)
	}
	if got := b.changes.all(); !slices.Equal(got, []string{x}) {
		t.Errorf("OnChange = %v", got)
	}
}

// TestVersionOrdering: an older or equal version never overwrites a newer
// one, in the same page or a later one; a deletion withdraws and an older
// version does not bring the record back.
func TestVersionOrdering(t *testing.T) {
	t.Parallel()
	a := uscc("91130209MA0T9P3A1")
	c := uscc("91130102MA0U2B6C1")
	d := uscc("91131003MA0P3G5U7")
	he := pages(t, customs.RegionHE,
		[]rec{
			{USCC: a, Rating: "AA", EffectiveFrom: "2025-01-01", Version: 6},
			{USCC: c, Rating: "D", EffectiveFrom: "2025-01-01", Version: 3},
			{USCC: c, Rating: "B", EffectiveFrom: "2025-01-01", Version: 2}, // older, same page
			{USCC: d, Rating: "D", EffectiveFrom: "2025-01-01", Version: 3},
		},
		[]rec{
			{USCC: a, Rating: "D", EffectiveFrom: "2024-01-01", Version: 5},                // replayed older version
			{USCC: c, Rating: "A", EffectiveFrom: "2024-01-01", Version: 3},                // same version again
			{USCC: d, Rating: "D", EffectiveFrom: "2025-01-01", Version: 4, Deleted: true}, // withdrawn
		},
		[]rec{
			{USCC: d, Rating: "D", EffectiveFrom: "2025-01-01", Version: 3}, // older than the withdrawal
		},
	)
	b := setup(t, options{sims: map[customs.Region]*sim.Registry{customs.RegionHE: pageSim(t, customs.RegionHE, he)}})
	if err := b.syncer.SyncAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		uscc      string
		rating    customs.Rating
		published string
		version   int64
	}{
		{a, customs.RatingAdvanced, "AA", 6},
		{c, customs.RatingDishonest, "D", 3},
		{d, customs.RatingGeneral, "", 0},
	} {
		m := b.enterprise(t, c.uscc)
		switch {
		case m.Rating != c.rating:
			t.Errorf("%s: %s, want %s", c.uscc, m.Rating, c.rating)
		case c.version == 0 && len(m.Sources) != 0:
			t.Errorf("%s: withdrawn, still has sources %+v", c.uscc, m.Sources)
		case c.version > 0 && (len(m.Sources) != 1 || m.Sources[0].Version != c.version || m.Sources[0].Published != c.published):
			t.Errorf("%s: sources %+v, want version %d %s", c.uscc, m.Sources, c.version, c.published)
		}
	}
	if n := b.count(t, `SELECT source_version FROM credit_record WHERE uscc = $1`, d); n != 4 {
		t.Errorf("%s stored at version %d, want the withdrawal 4", d, n)
	}
}

// TestApplyPageTwice: applying the same page twice changes nothing.
func TestApplyPageTwice(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	ctx := context.Background()
	recs, skips := credit.Check(customs.RegionBJ, []credit.Published{
		{USCC: uscc("91110105MA0J2R6T4"), Rating: "dishonest", EffectiveFrom: strp("2025-01-01"), Version: 2},
		{USCC: "91110105MA0J2R6T0", Rating: "dishonest", Version: 1},
	})
	page := func() error {
		return b.applyPage(ctx, postgresPage(customs.RegionBJ, recs, skips, b.clock.Now()))
	}
	if err := page(); err != nil {
		t.Fatal(err)
	}
	snap := func() string {
		var s string
		if err := b.db.Get(&s, `SELECT (SELECT json_agg(m ORDER BY uscc) FROM credit_merged m)::text || (SELECT json_agg(c) FROM credit_cursor c)::text
			|| (SELECT count(*) FROM credit_skipped)::text || (SELECT json_agg(r.source_version) FROM credit_record r)::text`); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := snap()
	if err := page(); err != nil {
		t.Fatal(err)
	}
	if after := snap(); after != before {
		t.Errorf("the second application changed the store:\n%s\n%s", before, after)
	}
	// A page asked from a cursor that another process has moved past is refused.
	p := postgresPage(customs.RegionBJ, recs, skips, b.clock.Now())
	p.From, p.Next = "elsewhere", "further"
	if err := b.applyPage(ctx, p); !errors.Is(err, errCursorMoved()) {
		t.Errorf("a page from a moved cursor: %v", err)
	}
}
