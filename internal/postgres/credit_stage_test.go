package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/credit"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/postgres/pgtest"
)

// uscc completes a 17-character prefix with its check character.
func uscc(prefix string) string { return prefix + string(customs.USCCCheckChar(prefix)) }

// stageTestPage is a page of region from cursor from to next.
func stageTestPage(region customs.Region, from, next string, now time.Time, recs ...customs.CreditRecord) customs.CreditPage {
	for i := range recs {
		recs[i].Region = region
		if recs[i].Published == "" {
			recs[i].Published = string(recs[i].Rating)
		}
	}
	return customs.CreditPage{Region: region, From: from, Next: next, Records: recs, Now: now}
}

// mergeAll merges every record written, limit records a transaction,
// and returns the enterprises whose effective rating changed.
func mergeAll(t *testing.T, db *postgres.DB, now time.Time, limit int) []string {
	t.Helper()
	ctx := context.Background()
	mark, err := db.CreditMergeMark(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var changed []string
	for {
		ch, err := db.ReadCreditChunk(ctx, mark, limit)
		if err != nil {
			t.Fatal(err)
		}
		c, _, err := db.MergeCreditChunk(ctx, ch, customs.BeijingDay(now), now, credit.Merge)
		if err != nil {
			t.Fatal(err)
		}
		changed = append(changed, c...)
		if ch.Taken < limit {
			return changed
		}
		mark = ch.Through
	}
}

// TestStageApplyMerge: a page is staged with its cursor and skips (a page
// from a moved cursor stages nothing); a flush keeps the newest version of
// each enterprise and region (the first staged of two equal ones, never an
// older or equal one over the stored), writes it over the stored record,
// and merges in chunks exactly as credit.Merge reads the stored records,
// with the re-routes of the ratings that changed naming the region.
func TestStageApplyMerge(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)
	a, b, c := uscc("91110105MA0J2R6T4"), uscc("91110105MA0J2R6T5"), uscc("91110105MA0J2R6T6")
	rec := func(u string, rating customs.Rating, version int64, name string) customs.CreditRecord {
		return customs.CreditRecord{USCC: u, Name: name, Rating: rating, EffectiveFrom: "2025-01-01", Version: version}
	}
	p1 := stageTestPage(customs.RegionBJ, "", "c1", now, rec(a, customs.RatingDishonest, 2, "A2"), rec(b, customs.RatingAdvanced, 1, "B first"))
	p1.Skipped = []customs.CreditSkip{{USCC: "bad", Version: 1, Reason: credit.ReasonInvalidUSCC, Detail: "no"}}
	withdrawn := rec(c, customs.RatingDishonest, 3, "C")
	withdrawn.Deleted = true
	p2 := stageTestPage(customs.RegionBJ, "c1", "c2", now, rec(a, customs.RatingAdvanced, 1, "A1"), rec(b, customs.RatingDishonest, 1, "B again"), withdrawn)
	p3 := stageTestPage(customs.RegionTJ, "", "t1", now, rec(a, customs.RatingGeneral, 5, "A TJ"))
	for _, p := range []customs.CreditPage{p1, p2, p3} {
		if _, err := db.StageCreditPage(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.Get(&n, q, args...); err != nil {
			t.Fatal(err)
		}
		return n
	}
	moved := stageTestPage(customs.RegionBJ, "c1", "c9", now, rec(a, customs.RatingDishonest, 9, "A9"))
	moved.Skipped = []customs.CreditSkip{{USCC: "worse", Version: 1, Reason: credit.ReasonInvalidUSCC}}
	if _, err := db.StageCreditPage(ctx, moved); !errors.Is(err, customs.ErrCreditCursorMoved) {
		t.Fatalf("a page from a moved cursor: %v", err)
	}
	if n, sk := count(`SELECT count(*) FROM credit_staged`), count(`SELECT count(*) FROM credit_skipped`); n != 6 || sk != 1 {
		t.Fatalf("staged %d records and %d skips, want 6 and 1: the refused page left something", n, sk)
	}

	depths := func(staged, unmerged int64) {
		t.Helper()
		q, err := db.QueueDepths(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if q.CreditStaged != staged || q.CreditUnmerged != unmerged {
			t.Errorf("queue depths: %d staged, %d unmerged; want %d and %d", q.CreditStaged, q.CreditUnmerged, staged, unmerged)
		}
	}
	depths(6, 0)
	applied, err := db.ApplyStagedCredit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[customs.Region]int{customs.RegionBJ: 3, customs.RegionTJ: 1}; !reflect.DeepEqual(applied, want) {
		t.Errorf("applied %v, want %v", applied, want)
	}
	depths(0, 4)
	if n := count(`SELECT count(*) FROM credit_staged`); n != 0 {
		t.Errorf("%d rows left staged", n)
	}
	recs, err := db.CreditRecords(ctx, []string{a, b, c})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for u, rs := range recs {
		for _, r := range rs {
			got[u+" "+string(r.Region)] = fmt.Sprintf("v%d %s %s deleted=%t", r.Version, r.Rating, r.Name, r.Deleted)
		}
	}
	want := map[string]string{
		a + " BJ": "v2 dishonest A2 deleted=false",     // not the older version 1 staged after it
		a + " TJ": "v5 general A TJ deleted=false",     // another region's record of the same enterprise
		b + " BJ": "v1 advanced B first deleted=false", // of two equal versions the first staged
		c + " BJ": "v3 dishonest C deleted=true",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stored %v\nwant %v", got, want)
	}
	var cursor string
	var appliedBJ int
	if err := db.QueryRow(`SELECT cursor, applied FROM credit_cursor WHERE region = 'BJ'`).Scan(&cursor, &appliedBJ); err != nil {
		t.Fatal(err)
	}
	if cursor != "c2" || appliedBJ != 3 {
		t.Errorf("BJ cursor %q applied %d, want c2 and 3", cursor, appliedBJ)
	}

	// Chunks of one record: b's and c's merges do not wait for a's.
	changed := mergeAll(t, db, now, 1)
	if fmt.Sprint(changed) != fmt.Sprint([]string{a, b}) {
		t.Errorf("effective ratings changed %v, want %v", changed, []string{a, b})
	}
	day := customs.BeijingDay(now)
	var last int64
	for _, u := range []string{a, b, c} {
		m, err := db.CreditMergedByUSCC(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		w := credit.Merge(u, recs[u], day)
		if m == nil || !m.SameView(&w) {
			t.Fatalf("%s merged %+v, want %+v", u, m, w)
		}
		if m.Version <= last {
			t.Errorf("%s version %d after %d: not in the records' order", u, m.Version, last)
		}
		last = m.Version
	}
	var reasons []string
	if err := db.Select(&reasons, `SELECT uscc || ' ' || reason FROM reroute_request ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if want := []string{a + " credit rating changed (BJ registry)", b + " credit rating changed (BJ registry)"}; !reflect.DeepEqual(reasons, want) {
		t.Errorf("re-routes %v, want %v", reasons, want)
	}
	depths(0, 0)
	if mark, top := count(`SELECT seq FROM credit_merge_mark`), count(`SELECT max(seq) FROM credit_record`); mark != top {
		t.Errorf("merge mark %d, want the last record %d", mark, top)
	}

	// A chunk read before another merge moved the mark is refused, and
	// changes nothing.
	stale, err := db.ReadCreditChunk(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if stale.Taken != 4 {
		t.Fatalf("a chunk from the start took %d records, want 4", stale.Taken)
	}
	before := count(`SELECT max(version) FROM credit_merged`)
	if _, _, err := db.MergeCreditChunk(ctx, stale, day, now, credit.Merge); !errors.Is(err, customs.ErrCreditMergeMoved) {
		t.Errorf("a chunk behind the mark: %v", err)
	}
	if after := count(`SELECT max(version) FROM credit_merged`); after != before {
		t.Errorf("the refused chunk wrote: versions up to %d, were %d", after, before)
	}

	// Nothing staged, nothing to merge: nothing changes.
	if applied, err := db.ApplyStagedCredit(ctx); err != nil || len(applied) != 0 {
		t.Errorf("an empty flush applied %v (%v)", applied, err)
	}
	if changed := mergeAll(t, db, now, 10); len(changed) != 0 {
		t.Errorf("an empty merge changed %v", changed)
	}
}

// TestStagingDuringApply: a page staged while a flush writes is either
// written by it or left staged for the next, never lost: the flush waits
// for pages being staged when it starts, and holds off those that come
// after until it commits, so that emptying the table removes only what
// it read.
func TestStagingDuringApply(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)
	for round := range 4 {
		// A page of BJ being staged (its transaction open) when the
		// flush starts.
		early := uscc(fmt.Sprintf("91110105MA0E%05d", round))
		tx, err := db.Begin()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO credit_staged (region, uscc, name, published, rating, watch, reason, source_version, deleted, synced_at)
			VALUES ('BJ', $1, '', 'dishonest', 'dishonest', false, '', 1, false, now())`, early); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := db.ApplyStagedCredit(ctx)
			done <- err
		}()
		time.Sleep(20 * time.Millisecond)
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		// A page of TJ staged while the flush runs, before or after it
		// takes the table.
		late := uscc(fmt.Sprintf("91120116MA0L%05d", round))
		cursor := ""
		if round > 0 {
			cursor = fmt.Sprint("t", round-1)
		}
		if _, err := db.StageCreditPage(ctx, stageTestPage(customs.RegionTJ, cursor, fmt.Sprint("t", round), now,
			customs.CreditRecord{USCC: late, Rating: customs.RatingAdvanced, Version: 1})); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		where := func(u string) string {
			var recorded, staged bool
			if err := db.QueryRow(`SELECT EXISTS (SELECT 1 FROM credit_record WHERE uscc = $1), EXISTS (SELECT 1 FROM credit_staged WHERE uscc = $1)`, u).Scan(&recorded, &staged); err != nil {
				t.Fatal(err)
			}
			switch {
			case recorded && !staged:
				return "written"
			case staged && !recorded:
				return "staged"
			}
			return fmt.Sprintf("recorded %t, staged %t", recorded, staged)
		}
		if w := where(early); w != "written" {
			t.Errorf("round %d: the page being staged when the flush started: %s, want written", round, w)
		}
		if w := where(late); w != "written" && w != "staged" {
			t.Errorf("round %d: the page staged during the flush: %s", round, w)
		}
		if _, err := db.ApplyStagedCredit(ctx); err != nil {
			t.Fatal(err)
		}
		if w := where(late); w != "written" {
			t.Errorf("round %d: after the next flush, the page staged during the first: %s", round, w)
		}
	}
}

// TestApplyInTwoHalves: a large batch written by two transactions at once
// stores what the rule says (the newest version of each enterprise and
// region, the first staged of equal ones), numbers the records in the
// primary key's order (the lower half's block first), and counts them.
func TestApplyInTwoHalves(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	postgres.SetApplySplit(db, 1)
	ctx := context.Background()
	if _, err := db.Exec(`INSERT INTO credit_cursor (region) VALUES ('BJ'), ('TJ'), ('HE')`); err != nil {
		t.Fatal(err)
	}
	// 60,000 rows: 8,000 enterprises, three regions, versions 1 to 3
	// (some twice), in a shuffled order.
	if _, err := db.Exec(`INSERT INTO credit_staged (region, uscc, name, published, rating, watch, reason, source_version, deleted, synced_at)
		SELECT (ARRAY['BJ','TJ','HE'])[1 + i % 3], '9113' || lpad(((i * 7919) % 8000)::text, 14, '0'), 'n' || i || repeat('x', 100),
			'general', 'general', false, '', 1 + (i * 31) % 3, false, now()
		FROM generate_series(1, 60000) AS i ORDER BY hashint4(i)`); err != nil {
		t.Fatal(err)
	}
	var want []string
	if err := db.Select(&want, `SELECT uscc || region || source_version || name FROM (
			SELECT DISTINCT ON (uscc, region) * FROM credit_staged ORDER BY uscc, region, source_version DESC, id) AS d
		ORDER BY uscc, region`); err != nil {
		t.Fatal(err)
	}
	applied, err := db.ApplyStagedCredit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := db.Select(&got, `SELECT uscc || region || source_version || name FROM credit_record ORDER BY uscc, region`); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("stored %d records, want %d; they differ", len(got), len(want))
	}
	var inOrder bool
	var counted int
	if err := db.QueryRow(`SELECT bool_and(seq > prev), (SELECT sum(applied) FROM credit_cursor) FROM (
			SELECT seq, lag(seq, 1, 0::bigint) OVER (ORDER BY uscc COLLATE "C", region COLLATE "C") AS prev FROM credit_record) AS s`).Scan(&inOrder, &counted); err != nil {
		t.Fatal(err)
	}
	total := applied[customs.RegionBJ] + applied[customs.RegionTJ] + applied[customs.RegionHE]
	if !inOrder || total != len(want) || counted != total {
		t.Errorf("numbered in key order: %t; applied %v (%d), counted %d; want %d", inOrder, applied, total, counted, len(want))
	}
}

// TestApplyWithASmallPool: with a pool of two connections, a large batch
// is written in one half, and a merge queued for the lock meanwhile (its
// connection taken) does not leave the write waiting for the pool.
func TestApplyWithASmallPool(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := postgres.Connect(ctx, postgres.Config{URL: pgtest.URL(t), MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	postgres.SetApplySplit(db, 1)
	if _, err := db.Exec(`INSERT INTO credit_staged (region, uscc, name, published, rating, watch, reason, source_version, deleted, synced_at)
		SELECT 'TJ', '9112' || lpad(i::text, 14, '0'), repeat('n', 100), 'dishonest', 'dishonest', false, '', 1, false, now()
		FROM generate_series(1, 30000) AS i`); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 4, 0, 0, 0, time.UTC)
	merged := make(chan error, 1)
	go func() {
		_, _, err := db.MergeCreditChunk(ctx, customs.CreditChunk{Taken: 1}, customs.BeijingDay(now), now, credit.Merge)
		merged <- err
	}()
	done := make(chan error, 1)
	go func() {
		_, err := db.ApplyStagedCredit(ctx)
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the write of the records waited 30 s: stuck on the pool")
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM credit_record`); err != nil || n != 30000 {
		t.Errorf("stored %d records (%v), want 30000", n, err)
	}
	if err := <-merged; err != nil && !errors.Is(err, customs.ErrCreditMergeMoved) {
		t.Errorf("the merge queued meanwhile: %v", err)
	}
}
