package postgres_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/postgres/pgtest"
)

// TestIntakeFillsTheTraceTables: declarations stored together, by one
// statement, each get their goods and containers in the trace tables
// (migration 0016's statement trigger): every item with its values, every
// container once, and nothing for a reference stored already.
func TestIntakeFillsTheTraceTables(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	// A reference stored before: the one sent again below is not.
	if _, _, _, err := db.InsertDeclaration(ctx, newIntake("d_pre", "REF-PRE", at)); err != nil {
		t.Fatal(err)
	}
	want := []string{"d_pre item 1 2601111000 BRA  1 035"}
	origins := []string{"BRA", "AUS", "NOR", "DEU"}
	const n = 40
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	for i := range n {
		nd := newIntake(fmt.Sprintf("d_%02d", i), fmt.Sprintf("REF-%02d", i), at)
		d := nd.Declaration
		d.Goods = nil
		for s := 1; s <= 1+i%4; s++ {
			d.Goods = append(d.Goods, customs.GoodsItem{Seq: s, HSCode: fmt.Sprintf("03021%05d", i*10+s), Quantity: fmt.Sprint(s * 7),
				Unit: "035", Value: "1.00", Currency: "USD", Origin: origins[(i+s)%4], DestinationDistrict: "12010" + fmt.Sprint(s)})
		}
		d.Equipment = nil
		for c := 0; c < i%3; c++ {
			// The same container twice is traced once.
			d.Equipment = append(d.Equipment, customs.Unit{ID: fmt.Sprintf("TGHU%07d", i)}, customs.Unit{ID: fmt.Sprintf("TGHU%07d", i)})
		}
		if i == 5 {
			nd.PortRef = "REF-PRE"
		} else {
			for _, g := range d.Goods {
				want = append(want, fmt.Sprintf("%s item %d %s %s %s %s %s", nd.ID, g.Seq, g.HSCode, g.Origin, g.DestinationDistrict, g.Quantity, g.Unit))
			}
			if len(d.Equipment) > 0 {
				want = append(want, fmt.Sprintf("%s container %s", nd.ID, d.Equipment[0].ID))
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, _, _, errs[i] = db.InsertDeclaration(ctx, nd)
		}()
	}
	before := postgres.IntakeStatements(db)
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("declaration %d: %v", i, err)
		}
	}
	var got []string
	rows, err := db.Query(`
SELECT d.id || ' item ' || i.seq || ' ' || i.hs_code || ' ' || i.origin || ' ' || i.district || ' ' || i.quantity || ' ' || i.unit
FROM trace_item i JOIN declaration d ON d.seq = i.declaration_seq AND d.received_at = i.received_at
UNION ALL
SELECT d.id || ' container ' || c.container
FROM trace_container c JOIN declaration d ON d.seq = c.declaration_seq AND d.received_at = c.received_at`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		got = append(got, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("trace rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if s := postgres.IntakeStatements(db) - before; s >= n {
		t.Errorf("%d declarations in %d statements: none shared, the statement trigger saw one row each", n, s)
	}
}
