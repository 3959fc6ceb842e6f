package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/postgres/pgtest"
)

// backendTicks sums the CPU ticks (user and system, 1/100 s) of the
// server's backends on db's database, read from /proc: the bench runs on
// the database's machine.
func backendTicks(b *testing.B, db *postgres.DB) int64 {
	b.Helper()
	var pids []int
	if err := db.Select(&pids, `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'`); err != nil {
		b.Fatal(err)
	}
	var sum int64
	for _, pid := range pids {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue // it ended
		}
		f := strings.Fields(string(raw[strings.LastIndexByte(string(raw), ')')+2:]))
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		sum += u + s
	}
	return sum
}

// benchIntake is a declaration of the bench corpus's shape: six items,
// a stored document of about 3 KB and canonical XML of about 2 KB.
func benchIntake(id string, at time.Time) *postgres.NewDeclaration {
	n := newIntake(id, "REF-"+id, at)
	for i := 2; i <= 6; i++ {
		n.Declaration.Goods = append(n.Declaration.Goods, customs.GoodsItem{Seq: i, HSCode: "030213" + strconv.Itoa(1000+i), Name: "frozen Atlantic salmon fillets", Spec: strings.Repeat("skin-on, vacuum packed, 10 kg cartons; ", 3),
			Quantity: "1200.5", Unit: "035", Value: "18000.00", Currency: "USD", Origin: "NOR"})
	}
	n.Canonical = []byte(`<Declaration id="` + id + `">` + strings.Repeat("<Item><HS>0302131000</HS><Origin>NOR</Origin></Item>", 36) + `</Declaration>`)
	n.Tasks = nil
	return n
}

// BenchmarkInsertDeclaration is intake's statement alone, 32 callers at
// once, each declaration alone on the pool against grouped by the intake
// workers. It reports the
// server's CPU per declaration (its backends on the bench's database),
// the measure deploy/bench.sh compares with pgbench, and the mean group.
//
//	go test ./internal/postgres -run '^$' -bench InsertDeclaration -benchtime 4000x
func BenchmarkInsertDeclaration(b *testing.B) {
	for _, mode := range []struct {
		name string
		set  func(*postgres.DB)
	}{
		{"alone", postgres.WithoutIntakeGroups},
		{"grouped", func(*postgres.DB) {}},
	} {
		b.Run(mode.name, func(b *testing.B) {
			db := pgtest.New(b)
			mode.set(db)
			at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
			const callers = 32
			var next atomic.Int64
			before := int64(0)
			if mode.name != "alone" {
				before = postgres.IntakeStatements(db)
			}
			var wg sync.WaitGroup
			// Open the pool's connections first, so every backend is seen.
			run := func(count int) {
				for w := 0; w < callers; w++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							i := next.Add(1)
							if i > int64(count) {
								return
							}
							id := fmt.Sprintf("d_%s_%d", mode.name, i)
							if _, _, _, err := db.InsertDeclaration(context.Background(), benchIntake(id, at)); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
			}
			run(200)
			next.Store(0)
			b.ResetTimer()
			t0 := backendTicks(b, db)
			next.Store(200)
			run(200 + b.N)
			t1 := backendTicks(b, db)
			b.StopTimer()
			b.ReportMetric(float64(t1-t0)*10/float64(b.N), "server-ms/decl")
			if mode.name != "alone" {
				b.ReportMetric(float64(b.N+200)/float64(postgres.IntakeStatements(db)-before), "decl/statement")
			}
		})
	}
}
