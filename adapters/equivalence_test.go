package adapters_test

import (
	"fmt"
	"os"
	"reflect"
	"testing"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/adapters/beijing"
	"github.com/jjj/gateway/adapters/hebei"
	"github.com/jjj/gateway/adapters/tianjin"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
	"github.com/jjj/gateway/internal/translate"
)

// consignment is what must not depend on the port a declaration came
// through: parties, goods, destination and route ("unified rules, one
// yardstick"). The ports may differ only where a dialect lacks a field
// (weights, terms, trade mode) or in their own codes (source, customs
// codes, transport, equipment).
type consignment struct {
	Direction         customs.Direction
	Parties           []string
	TradeCountry      string
	DepartureDate     string
	DestinationOffice string
	Goods             []customs.GoodsItem
	Route             customs.Route
}

func project(d *customs.Declaration) consignment {
	c := consignment{Direction: d.Direction, TradeCountry: d.Transport.Country, DepartureDate: d.Transport.DepartureDate,
		DestinationOffice: d.DestinationOffice, Route: *d.Route}
	for _, p := range d.Parties {
		c.Parties = append(c.Parties, fmt.Sprintf("%s %s %s", p.Role, p.USCC, p.Name))
	}
	for _, g := range d.Goods {
		g.Path = ""             // where the item sits in the port's message
		g.HazardFlagged = false // how the dialect marks it; DangerousGoods says what it is
		if g.DangerousGoods != nil {
			dg := *g.DangerousGoods
			dg.DeclaredClass = "" // Tianjin declares none; the table's class governs
			g.DangerousGoods = &dg
		}
		c.Goods = append(c.Goods, g)
	}
	return c
}

// TestSameConsignmentInEveryDialect declares one consignment (acetone,
// a hazardous chemical safe to sample at the port, and frozen beef needing
// food supervision, bound for Shijiazhuang) at Tianjin, Hebei (in GBK) and
// Beijing, and shows that the three canonical declarations agree on
// parties, goods and route.
func TestSameConsignmentInEveryDialect(t *testing.T) {
	tables := codes.MustEmbedded()
	cfg := adapters.Config{Tables: tables}
	reg := adapters.NewRegistry()
	reg.Register(tianjin.MustNew(cfg))
	reg.Register(hebei.MustNew(cfg))
	reg.Register(beijing.MustNew(cfg))
	engine, err := routing.New(routing.Config{Tables: tables, Rates: map[customs.Rating]float64{}})
	if err != nil {
		t.Fatal(err)
	}
	tr := &translate.Translator{Adapters: reg, Engine: engine}
	var got []consignment
	var decls []*customs.Declaration
	for _, port := range []customs.Port{customs.PortTianjin, customs.PortHebei, customs.PortBeijing} {
		raw, err := os.ReadFile("testdata/equivalence/" + string(port) + ".xml")
		if err != nil {
			t.Fatal(err)
		}
		d, err := tr.Decode(port, raw)
		if err != nil {
			t.Fatalf("%s: %v", port, err)
		}
		d.ID = "offline"
		if d.Route, err = engine.Decide(d, routing.Facts{}); err != nil {
			t.Fatalf("%s: %v", port, err)
		}
		decls = append(decls, d)
		got = append(got, project(d))
	}
	for i := 1; i < len(got); i++ {
		if !reflect.DeepEqual(got[0], got[i]) {
			t.Errorf("%s and %s differ:\n%+v\n%+v", decls[0].Source.Port, decls[i].Source.Port, got[0], got[i])
		}
	}
	// What the consignment is, so that agreeing on nothing cannot pass.
	c := got[0]
	if c.Route.Lane != customs.LaneDestinationInspection || c.Route.Bureau != "130100" || len(c.Route.Tasks) != 2 {
		t.Errorf("route %+v", c.Route)
	}
	if g := c.Goods[0]; g.Unit != "035" || g.Currency != "USD" || g.Origin != "KOR" || g.DangerousGoods == nil ||
		g.DangerousGoods.UN != "1090" || g.DangerousGoods.Class != "3" || g.DangerousGoods.PackingGroup != "II" {
		t.Errorf("item 1 %+v", g)
	}
	if g := c.Goods[1]; g.Origin != "AUS" || g.FoodProducerRegistration != "CHN-AUS-EST-0123" || g.Quantity != "5000" {
		t.Errorf("item 2 %+v", g)
	}
	// Where the dialects are allowed to differ, they do as ports.md says.
	if decls[0].Weights == nil || decls[1].Weights != nil || decls[2].Weights != nil {
		t.Error("only Tianjin declares weights")
	}
	if decls[0].Trade == nil || decls[1].Trade == nil || decls[1].Trade.Terms != "" || decls[2].Trade != nil {
		t.Error("trade: Tianjin mode and terms, Hebei mode only, Beijing none")
	}
}
