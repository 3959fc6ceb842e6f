package clearance_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/adapters/beijing"
	"github.com/jjj/gateway/adapters/hebei"
	"github.com/jjj/gateway/adapters/tianjin"
	"github.com/jjj/gateway/internal/clearance"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/postgres/migration"
	"github.com/jjj/gateway/internal/postgres/pgtest"
	"github.com/jjj/gateway/internal/routing"
	"github.com/jjj/gateway/internal/translate"
	"github.com/jjj/gateway/internal/view"
)

// TestDomainDocMigration: a row stored before 0008 (its doc the API's view,
// as intake then wrote it) reads back the same after the migration
// converts it to the domain model in SQL: GET answers the same bytes and
// webhook events get the same route. The down migration gives the old
// document back, and up again the same answers.
func TestDomainDocMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.New(t)
	tables := codes.MustEmbedded()
	cfg := adapters.Config{Tables: tables}
	reg := adapters.NewRegistry()
	reg.Register(tianjin.MustNew(cfg))
	reg.Register(hebei.MustNew(cfg))
	reg.Register(beijing.MustNew(cfg))
	engine, err := routing.New(routing.Config{Tables: tables, Rates: map[customs.Rating]float64{customs.RatingGeneral: 1, customs.RatingAdvanced: 1}})
	if err != nil {
		t.Fatal(err)
	}
	s := &clearance.Service{Store: postgres.DeclarationStore{DB: db}, Translator: &translate.Translator{Adapters: reg, Engine: engine}, Engine: engine, Tables: tables,
		Facts: &clearance.LiveFacts{SeedSecret: []byte("domain-doc-test")}}
	admin := customs.Principal{Role: customs.CallerAdmin}

	var ids []string
	for _, port := range []customs.Port{customs.PortTianjin, customs.PortHebei, customs.PortBeijing} {
		files, err := filepath.Glob(filepath.Join("..", "..", "adapters", string(port), "testdata", "*.xml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, ".golden.xml") || strings.Contains(filepath.Base(f), "invalid-") {
				continue
			}
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			res, err := s.Submit(ctx, port, raw, customs.Principal{Role: customs.CallerPort, Scope: string(port)})
			if err != nil {
				t.Logf("%s: %v", f, err)
				continue // refused for reasons of its own (a handwritten base)
			}
			ids = append(ids, res.ID)
		}
	}
	if len(ids) < 10 {
		t.Fatalf("only %d samples stored", len(ids))
	}

	before := map[string]string{}
	oldDoc := map[string][]byte{}
	kept := ids[:0]
	for _, id := range ids {
		b, err := s.Get(ctx, id, admin)
		if err != nil {
			t.Fatal(err)
		}
		before[id] = string(b)
		row, err := db.GetDeclaration(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		d, err := row.Declaration()
		if err != nil {
			t.Fatal(err)
		}
		// A declaration citing documents or of a special-article level
		// cannot have been stored before 0008 (rule set 2026.2 came
		// later), and the old format has no place for either.
		if cites2026(d) {
			continue
		}
		kept = append(kept, id)
		// What intake stored before 0008: the view of the routed model,
		// without the goods' specialArticle and documents of 2026.2.
		oldDoc[id] = withoutRuleSet2026Fields(t, view.Marshal(view.NewView(d)))
	}
	ids = kept
	if len(ids) < 10 {
		t.Fatalf("only %d samples without citations", len(ids))
	}
	runSQL := func(name string) {
		t.Helper()
		b, err := migration.FS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, string(b)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	// Back to the old format: the view as the document, no route column.
	runSQL("0008_domain_doc.down.sql")
	for _, id := range ids {
		var same bool
		if err := db.GetContext(ctx, &same, `SELECT doc = $2::jsonb FROM declaration WHERE id = $1`, id, string(oldDoc[id])); err != nil {
			t.Fatal(err)
		}
		if !same {
			var got string
			db.GetContext(ctx, &got, `SELECT doc::text FROM declaration WHERE id = $1`, id)
			t.Errorf("%s: the down migration's document\n%s\nis not the view intake stored\n%s", id, got, oldDoc[id])
		}
	}
	runSQL("0008_domain_doc.up.sql")
	check := func(when string) {
		t.Helper()
		for _, id := range ids {
			b, err := s.Get(ctx, id, admin)
			if err != nil {
				t.Fatalf("%s: %s: %v", when, id, err)
			}
			if string(b) != before[id] {
				t.Errorf("%s: %s reads back\n%s\nwant\n%s", when, id, b, before[id])
			}
			var route bool
			if err := db.GetContext(ctx, &route, `SELECT route = ($2::jsonb)->'route' FROM declaration WHERE id = $1`, id, string(oldDoc[id])); err != nil {
				t.Fatal(err)
			}
			if !route {
				t.Errorf("%s: %s: the route column is not the view's route", when, id)
			}
		}
	}
	check("after the down and up migrations")

	// Every row in the old format at once, as a database of before 0008
	// holds them, converted by the up migration alone.
	for _, id := range ids {
		if _, err := db.ExecContext(ctx, `UPDATE declaration SET doc = $2::jsonb, route = NULL WHERE id = $1`, id, string(oldDoc[id])); err != nil {
			t.Fatal(err)
		}
	}
	runSQL("0008_domain_doc.up.sql")
	check("after the up migration")
	// Converted rows are left alone by a second run.
	runSQL("0008_domain_doc.up.sql")
	check("after the up migration ran twice")
}

func cites2026(d *customs.Declaration) bool {
	for _, g := range d.Goods {
		if g.SpecialArticle != "" || len(g.Documents) > 0 {
			return true
		}
	}
	return false
}

// withoutRuleSet2026Fields drops the goods' specialArticle and documents
// from a view: the view's form before rule set 2026.2.
func withoutRuleSet2026Fields(t *testing.T, b []byte) []byte {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	goods, _ := v["goods"].([]any)
	for _, g := range goods {
		m := g.(map[string]any)
		delete(m, "specialArticle")
		delete(m, "documents")
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
