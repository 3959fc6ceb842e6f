package credit_test

import (
	"context"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"

	"github.com/jjj/gateway/internal/credit"
	"github.com/jjj/gateway/internal/credit/sim"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/postgres/pgtest"
)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// peakHeap samples the heap in use until stop is called and returns the
// peak, in bytes.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

// BenchmarkSync is issue 6's benchmark: a first full sync of
// CREDIT_BENCH_RECORDS records (default 30000; the figure is
// 1000000) from three simulated registries together, then an incremental
// sync of CREDIT_BENCH_CHANGES changes (default 10000), with the ratings
// cache refreshed after every page as in the gateway. Page size:
// CREDIT_BENCH_PAGE (default 1000). Run it as
//
//	CREDIT_BENCH_RECORDS=1000000 go test -run '^$' -bench BenchmarkSync -benchtime 1x ./internal/credit/
//
// Peak heap is the whole test process: the simulators' records (compact,
// about 40 bytes each) and their rendered pages included.
func BenchmarkSync(b *testing.B) {
	total := envInt("CREDIT_BENCH_RECORDS", 30000)
	changes := envInt("CREDIT_BENCH_CHANGES", 10000)
	pageSize := envInt("CREDIT_BENCH_PAGE", 1000)
	regions := []customs.Region{customs.RegionBJ, customs.RegionTJ, customs.RegionHE}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		sims := map[customs.Region]*sim.Registry{}
		for j, r := range regions {
			s, err := sim.New(sim.Config{Region: r, Records: total / 3, Seed: uint64(100 + j), MaxLimit: pageSize})
			if err != nil {
				b.Fatal(err)
			}
			sims[r] = s
		}
		db := pgtest.New(b)
		sources := map[customs.Region]credit.Source{}
		for r, s := range sims {
			srv := httptest.NewServer(s)
			defer srv.Close()
			c, err := credit.NewClient(credit.ClientConfig{Region: r, URL: srv.URL})
			if err != nil {
				b.Fatal(err)
			}
			sources[r] = c
		}
		cache, _ := credit.NewCache(credit.CacheConfig{Store: db, Logger: quiet()})
		now := beijingNoon(b, "2026-11-27")
		syncer, err := credit.New(credit.Config{Sources: sources, Store: db, PageSize: pageSize, Cache: cache,
			NowFunc: func() time.Time { return now }, Logger: quiet()})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)

		stop := peakHeap()
		b.StartTimer()
		start := time.Now()
		if err := syncer.SyncAll(ctx); err != nil {
			b.Fatal(err)
		}
		full := time.Since(start)
		b.StopTimer()
		peak := stop()
		runtime.GC()

		for _, s := range sims {
			s.Append(changes / 3)
		}
		stop = peakHeap()
		b.StartTimer()
		start = time.Now()
		if err := syncer.SyncAll(ctx); err != nil {
			b.Fatal(err)
		}
		incr := time.Since(start)
		b.StopTimer()
		peakIncr := stop()
		// The yardstick runs last: its million rows of WAL would otherwise
		// put the incremental sync in the middle of the checkpoint they
		// cause, a cost only the benchmark has. It copies the rows as the
		// incremental sync left them: the full sync's, with the changes'
		// new versions (10,000 of them at the defaults) in place.
		copyTime := copyYardstick(b, db)

		var records, merged int
		db.Get(&records, `SELECT count(*) FROM credit_record`)
		db.Get(&merged, `SELECT count(*) FROM credit_merged`)
		n := (total / 3) * 3
		b.ReportMetric(full.Seconds(), "full-s")
		b.ReportMetric(float64(n)/full.Seconds(), "full-records/s")
		b.ReportMetric(incr.Seconds(), "incr-s")
		b.ReportMetric(float64(changes/3*3)/incr.Seconds(), "incr-records/s")
		b.ReportMetric(float64(peak)/(1<<20), "full-peak-heap-MB")
		b.ReportMetric(float64(peakIncr)/(1<<20), "incr-peak-heap-MB")
		b.ReportMetric(copyTime.Seconds(), "copy-s")
		b.ReportMetric(float64(n)/copyTime.Seconds(), "copy-records/s")
		b.ReportMetric(full.Seconds()/copyTime.Seconds(), "full/copy")
		b.Logf("%d records from 3 registries: full sync %s (%.0f records/s), peak heap %.0f MB (%.0f MB before: simulators);"+
			" %d changes: %s (%.0f records/s), peak heap %.0f MB; stored %d regional records, %d merged; cache holds %d;"+
			" COPY of the stored rows (the full sync's, with the changes' versions) into the same tables of a fresh database: %s (full sync %.2f times as long)",
			n, full.Round(time.Millisecond), float64(n)/full.Seconds(), float64(peak)/(1<<20), float64(base.HeapInuse)/(1<<20),
			changes/3*3, incr.Round(time.Millisecond), float64(changes/3*3)/incr.Seconds(), float64(peakIncr)/(1<<20), records, merged, cache.Len(),
			copyTime.Round(time.Millisecond), full.Seconds()/copyTime.Seconds())
		b.StartTimer()
	}
}

// copyYardstick is PostgreSQL's own rate for what a full sync stores: the
// regional and merged records db holds, as stored, are read into memory
// (untimed), then written with COPY into the same tables of a fresh
// database in one transaction, indexes and all. It returns the time of
// the COPY and the commit.
func copyYardstick(b *testing.B, db *postgres.DB) time.Duration {
	b.Helper()
	tables := []struct {
		name string
		cols []string
	}{
		{"credit_record", []string{"uscc", "region", "name", "published", "rating", "watch", "reason", "effective_from", "expires_at",
			"source_version", "updated_at", "deleted", "synced_at", "seq"}},
		{"credit_merged", []string{"uscc", "name", "rating", "watch", "sources", "version", "evaluated_on", "next_change", "changed_at"}},
	}
	data := make([][][]any, len(tables))
	for i, t := range tables {
		// Dates and jsonb as text, as COPY reads them.
		sel := make([]string, len(t.cols))
		for j, c := range t.cols {
			sel[j] = c + "::text"
			if c == "watch" || c == "deleted" || c == "source_version" || c == "seq" || c == "version" {
				sel[j] = c
			}
		}
		rows, err := db.Query(`SELECT ` + strings.Join(sel, ", ") + ` FROM ` + t.name)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			vals := make([]any, len(t.cols))
			ptrs := make([]any, len(t.cols))
			for j := range vals {
				ptrs[j] = &vals[j]
			}
			if err := rows.Scan(ptrs...); err != nil {
				b.Fatal(err)
			}
			for j, v := range vals {
				if bs, ok := v.([]byte); ok {
					vals[j] = string(bs) // text, not bytea
				}
			}
			data[i] = append(data[i], vals)
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
		rows.Close()
	}
	to := pgtest.New(b)
	start := time.Now()
	tx, err := to.Begin()
	if err != nil {
		b.Fatal(err)
	}
	for i, t := range tables {
		stmt, err := tx.Prepare(pq.CopyIn(t.name, t.cols...))
		if err != nil {
			b.Fatal(err)
		}
		for _, row := range data[i] {
			if _, err := stmt.Exec(row...); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := stmt.Exec(); err != nil {
			b.Fatal(err)
		}
		if err := stmt.Close(); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// BenchmarkCacheRatings is the intake hot path: the ratings of a
// declaration's enterprises from the cache.
func BenchmarkCacheRatings(b *testing.B) {
	s, err := sim.New(sim.Config{Region: customs.RegionHE, Records: 20000, Seed: 5})
	if err != nil {
		b.Fatal(err)
	}
	t := setup(b, options{sims: map[customs.Region]*sim.Registry{customs.RegionHE: s}, pageSize: 5000})
	ctx := context.Background()
	if err := t.syncer.SyncAll(ctx); err != nil {
		b.Fatal(err)
	}
	recs, _ := credit.Check(customs.RegionHE, s.Records())
	usccs := []string{recs[0].USCC, recs[1].USCC, recs[2].USCC, uscc("91110000MA0000000")}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := t.cache.Ratings(ctx, usccs, "2026-11-27"); err != nil {
			b.Fatal(err)
		}
	}
}
