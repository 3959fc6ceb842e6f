package credit_test

import (
	"context"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/credit/sim"
	"github.com/jjj/gateway/internal/customs"
)

// TestAuditMergeThroughSync holds the whole path (page → check → store →
// merge → cache) to credit.md, one enterprise per situation, with the clock
// at 2026-11-27T17:00Z: already 2026-11-28 in Beijing, so "today" is the
// 28th although the UTC date is the 27th.
func TestAuditMergeThroughSync(t *testing.T) {
	t.Parallel()
	var (
		startsToday      = uscc("91110108MA01A0001")
		startsTomorrow   = uscc("91110108MA01A0002")
		expiresToday     = uscc("91110108MA01A0003")
		expiresTomorrow  = uscc("91110108MA01A0004")
		newestDeleted    = uscc("91110108MA01A0005")
		newestExpired    = uscc("91110108MA01A0006")
		newestFuture     = uscc("91110108MA01A0007")
		severeAcross     = uscc("91110108MA01A0008")
		hebeiGradeFromBJ = uscc("91110108MA01A0009")
		hebeiC           = uscc("91110108MA01A0010")
		hebeiCExpired    = uscc("91110108MA01A0011")
		replayedOlder    = uscc("91110108MA01A0012")
		advancedOnly     = uscc("91110108MA01A0013")
		expiresUTCDay    = uscc("91110108MA01A0014")
	)
	bj := pages(t, customs.RegionBJ,
		[]rec{
			{USCC: startsToday, Rating: "dishonest", EffectiveFrom: "2026-11-28", Version: 1},
			{USCC: startsTomorrow, Rating: "dishonest", EffectiveFrom: "2026-11-29", Version: 1},
			{USCC: expiresToday, Rating: "dishonest", EffectiveFrom: "2025-01-01", ExpiresAt: strp("2026-11-28"), Version: 1},
			{USCC: expiresTomorrow, Rating: "dishonest", EffectiveFrom: "2025-01-01", ExpiresAt: strp("2026-11-29"), Version: 1},
			// 2026-11-27 is "today" in UTC, but not in Beijing: expired.
			{USCC: expiresUTCDay, Rating: "dishonest", EffectiveFrom: "2025-01-01", ExpiresAt: strp("2026-11-28"), Version: 1},
			{USCC: newestDeleted, Rating: "dishonest", EffectiveFrom: "2025-01-01", Version: 1},
			{USCC: newestExpired, Rating: "dishonest", EffectiveFrom: "2025-01-01", Version: 1},
			{USCC: newestFuture, Rating: "advanced", EffectiveFrom: "2025-01-01", Version: 1},
			{USCC: severeAcross, Rating: "advanced", EffectiveFrom: "2025-01-01", Version: 3},
			{USCC: hebeiGradeFromBJ, Rating: "D", EffectiveFrom: "2025-01-01", Version: 1},
			{USCC: advancedOnly, Rating: "advanced", EffectiveFrom: "2025-01-01", Version: 1},
		},
		[]rec{
			{USCC: newestDeleted, Rating: "dishonest", EffectiveFrom: "2025-01-01", Version: 2, Deleted: true},
			{USCC: newestExpired, Rating: "general", EffectiveFrom: "2025-01-01", ExpiresAt: strp("2026-06-01"), Version: 2},
			{USCC: newestFuture, Rating: "dishonest", EffectiveFrom: "2027-01-01", Version: 2},
		},
	)
	tj := pages(t, customs.RegionTJ, []rec{
		{USCC: severeAcross, Rating: "general", EffectiveFrom: "2025-01-01", Version: 1},
		{USCC: hebeiGradeFromBJ, Rating: "C", EffectiveFrom: "2025-01-01", Version: 1},
	})
	he := pages(t, customs.RegionHE,
		[]rec{
			{USCC: severeAcross, Rating: "D", EffectiveFrom: "2026-11-01", Version: 1},
			{USCC: hebeiC, Rating: "C", EffectiveFrom: "2025-01-01", Version: 1},
			{USCC: hebeiCExpired, Rating: "C", EffectiveFrom: "2025-01-01", ExpiresAt: strp("2026-11-28"), Version: 1},
			{USCC: replayedOlder, Rating: "AA", EffectiveFrom: "2025-01-01", Version: 6},
		},
		[]rec{
			{USCC: replayedOlder, Rating: "D", EffectiveFrom: "2025-01-01", Version: 5},
		},
	)
	now := time.Date(2026, 11, 27, 17, 0, 0, 0, time.UTC)
	b := setup(t, options{now: now, sims: map[customs.Region]*sim.Registry{
		customs.RegionBJ: pageSim(t, customs.RegionBJ, bj),
		customs.RegionTJ: pageSim(t, customs.RegionTJ, tj),
		customs.RegionHE: pageSim(t, customs.RegionHE, he),
	}})
	ctx := context.Background()
	if err := b.syncer.SyncAll(ctx); err != nil {
		t.Fatal(err)
	}
	if day := customs.BeijingDay(now); day != "2026-11-28" {
		t.Fatalf("Beijing day of %s is %s", now, day)
	}
	tests := []struct {
		name    string
		uscc    string
		rating  customs.Rating
		watch   bool
		sources []string // region:published:version
	}{
		{"effectiveFrom today (Beijing) counts", startsToday, customs.RatingDishonest, false, []string{"BJ:dishonest:1"}},
		{"effectiveFrom tomorrow does not", startsTomorrow, customs.RatingGeneral, false, nil},
		{"expiresAt today (Beijing) does not count", expiresToday, customs.RatingGeneral, false, nil},
		{"expiresAt tomorrow counts", expiresTomorrow, customs.RatingDishonest, false, []string{"BJ:dishonest:1"}},
		{"expiresAt = Beijing today although UTC is a day behind", expiresUTCDay, customs.RatingGeneral, false, nil},
		{"newest deleted: no fallback to version 1", newestDeleted, customs.RatingGeneral, false, nil},
		{"newest expired: no fallback", newestExpired, customs.RatingGeneral, false, nil},
		{"newest in the future: no fallback to the active advanced", newestFuture, customs.RatingGeneral, false, nil},
		{"most severe across regions", severeAcross, customs.RatingDishonest, false, []string{"BJ:advanced:3", "TJ:general:1", "HE:D:1"}},
		{"Hebei grades from BJ and TJ are skipped", hebeiGradeFromBJ, customs.RatingGeneral, false, nil},
		{"Hebei C: general with watch", hebeiC, customs.RatingGeneral, true, []string{"HE:C:1"}},
		{"an expired C raises no watch", hebeiCExpired, customs.RatingGeneral, false, nil},
		{"a replayed older version does not overwrite", replayedOlder, customs.RatingAdvanced, false, []string{"HE:AA:6"}},
		{"advanced alone", advancedOnly, customs.RatingAdvanced, false, []string{"BJ:advanced:1"}},
	}
	var all []string
	for _, tt := range tests {
		all = append(all, tt.uscc)
	}
	cached, err := b.cache.Ratings(ctx, all, customs.BeijingDay(now))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		m := b.enterprise(t, tt.uscc)
		if m == nil {
			if tt.uscc == hebeiGradeFromBJ {
				continue // nothing applied at all is also "general"
			}
			t.Errorf("%s: no merged record", tt.name)
			continue
		}
		var got []string
		for _, s := range m.Sources {
			got = append(got, string(s.Region)+":"+s.Published+":"+strconv.FormatInt(s.Version, 10))
		}
		if m.Rating != tt.rating || m.Watch != tt.watch || !reflect.DeepEqual(got, tt.sources) {
			t.Errorf("%s: got %s watch=%v %v, want %s watch=%v %v", tt.name, m.Rating, m.Watch, got, tt.rating, tt.watch, tt.sources)
		}
		// The routing cache agrees (it leaves general out).
		want := tt.rating
		if want == customs.RatingGeneral {
			want = ""
		}
		if cached[tt.uscc] != want {
			t.Errorf("%s: cache says %q, merge says %s", tt.name, cached[tt.uscc], tt.rating)
		}
	}
	skips := 0
	for _, st := range b.status(t) {
		skips += int(st.SkippedReasons["unknown_rating"])
	}
	if skips != 2 {
		t.Errorf("unknown_rating skips = %d, want 2 (BJ D, TJ C)", skips)
	}
}
