package postgres_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres/pgtest"
)

// BenchmarkTrace measures a trace for an HS prefix and an origin over a
// year of declarations. TRACE_BENCH_ROWS sets how many are generated
// (the issue asks for 1000000; without it, 20000 so the benchmark stays
// quick); the plan (EXPLAIN ANALYZE, BUFFERS) is logged with -v.
//
//	TRACE_BENCH_ROWS=1000000 go test -run '^$' -bench BenchmarkTrace -benchtime 20x -v ./internal/postgres/
func BenchmarkTrace(b *testing.B) {
	rows := 20000
	if v := os.Getenv("TRACE_BENCH_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("TRACE_BENCH_ROWS=%q", v)
		}
		rows = n
	}
	db := pgtest.New(b)
	ctx := context.Background()
	end := time.Now().UTC()
	start := time.Now()
	// 500 four-digit headings (0100 to 0599), 40 origins: a heading and
	// an origin together hit about 1 item in 20,000, a chapter ("03")
	// and an origin 1 in 200.
	_, err := db.ExecContext(ctx, `
	INSERT INTO declaration (id, port, port_ref, digest, direction, status, received_at, updated_at, enterprises, lane, doc, canonical)
	SELECT 'd_bench_' || g,
	       (ARRAY['tianjin','hebei','beijing'])[1 + g % 3],
	       'R' || g, 'x', 'import', 'accepted',
	       $2::timestamptz - make_interval(secs => (g::float8 / $1) * 365 * 86400),
	       $2::timestamptz,
	       ARRAY['91120113600138724G'], 'release',
	       jsonb_build_object('v', 1, 'declaration', jsonb_build_object(
	           'ID', 'd_bench_' || g,
	           'Goods', jsonb_build_array(
	               jsonb_build_object('Seq', 1, 'HSCode', lpad(((g * 7919) % 500 + 100)::text, 4, '0') || lpad(((g * 31) % 1000000)::text, 6, '0'),
	                                  'Origin', (ARRAY['DEU','NOR','KOR','JPN','USA','AUS','BRA','CHL','FRA','ITA','ESP','GBR','CAN','MEX','IND','IDN','THA','VNM','MYS','SGP',
	                                                   'NZL','ZAF','EGY','TUR','RUS','UKR','POL','NLD','BEL','CHE','AUT','SWE','FIN','DNK','IRL','PRT','GRC','ARG','PER','COL'])[1 + abs(hashint8(g::bigint) % 40)],
	                                  'DestinationDistrict', '110108', 'Quantity', '10', 'Unit', '035'),
	               jsonb_build_object('Seq', 2, 'HSCode', '8466939000', 'Origin', 'DEU', 'DestinationDistrict', '', 'Quantity', '1', 'Unit', '007')),
	           'Equipment', jsonb_build_array(jsonb_build_object('ID', 'BNCH' || lpad((g % 10000000)::text, 7, '0'))))),
	       '\x00'::bytea
	FROM generate_series(1::bigint, $1::bigint) AS g`, rows, end)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `ANALYZE declaration; ANALYZE trace_item; ANALYZE trace_container`); err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d declarations in %s", rows, time.Since(start).Round(time.Millisecond))

	for _, c := range []struct{ name, hs, origin string }{{"heading", "0302", "NOR"}, {"chapter", "03", "NOR"}} {
		b.Run(c.name, func(b *testing.B) {
			q := customs.TraceQuery{HSPrefix: c.hs, Origin: c.origin, Since: end.AddDate(-1, 0, 0), Until: end.Add(time.Second), Limit: 50}
			first, err := db.Trace(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			if len(first) == 0 {
				b.Fatalf("the trace found nothing in %d declarations", rows)
			}
			for _, h := range first {
				if len(h.Matched) != 1 || !strings.HasPrefix(h.Matched[0].HSCode, c.hs) || h.Matched[0].Origin != c.origin {
					b.Fatalf("trace hit %+v does not match", h)
				}
			}
			plan, err := db.ExplainTrace(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("trace %s/%s over a year of %d declarations: %d on the first page\n%s", c.hs, c.origin, rows, len(first), plan)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := db.Trace(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if per := b.Elapsed() / time.Duration(b.N); per > time.Second {
				b.Errorf("a trace took %s, want under 1s", per)
			}
		})
	}
}

// BenchmarkTraceIntakeCost measures what the trace's side tables cost
// intake: one declaration inserted per statement (as intake does), with
// the trigger that writes trace_item and trace_container, and without it.
//
//	go test -run '^$' -bench BenchmarkTraceIntakeCost -benchtime 3000x ./internal/postgres/
func BenchmarkTraceIntakeCost(b *testing.B) {
	db := pgtest.New(b)
	ctx := context.Background()
	const insert = `INSERT INTO declaration (id, port, port_ref, digest, direction, status, received_at, updated_at, enterprises, lane, doc, canonical)
	VALUES ($1, 'tianjin', $1, 'x', 'import', 'accepted', now(), now(), ARRAY['91120113600138724G'], 'release',
	  jsonb_build_object('v', 1, 'declaration', jsonb_build_object('ID', $1::text,
	    'Goods', jsonb_build_array(
	      jsonb_build_object('Seq', 1, 'HSCode', '8457101000', 'Origin', 'DEU', 'DestinationDistrict', '', 'Quantity', '2', 'Unit', '001', 'Name', 'vertical machining centre', 'Value', '486000.00'),
	      jsonb_build_object('Seq', 2, 'HSCode', '8466939000', 'Origin', 'DEU', 'DestinationDistrict', '', 'Quantity', '850', 'Unit', '035', 'Name', 'tool magazine', 'Value', '37400.00')),
	    'Equipment', jsonb_build_array(jsonb_build_object('ID', 'TGHU3812047'), jsonb_build_object('ID', 'MSCU4729152')))),
	  '\x00'::bytea)`
	for _, c := range []struct {
		name    string
		trigger string
	}{{"with-trace-tables", "ENABLE"}, {"without", "DISABLE"}} {
		b.Run(c.name, func(b *testing.B) {
			if _, err := db.ExecContext(ctx, `ALTER TABLE declaration `+c.trigger+` TRIGGER declaration_trace`); err != nil {
				b.Fatal(err)
			}
			for i := 0; i < b.N; i++ {
				if _, err := db.ExecContext(ctx, insert, c.name+"_"+strconv.Itoa(i)+"_"+strconv.Itoa(b.N)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
