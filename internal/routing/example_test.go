package routing_test

import (
	"fmt"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
)

// An import at Xingang of acetone (safe to sample at the quay) and thermal
// coal for Tangshan, by a consignee that a regional registry rates
// dishonest.
func ExampleEngine_Decide() {
	engine, err := routing.New(routing.Config{Tables: codes.MustEmbedded(), Rates: routing.DefaultRates()})
	if err != nil {
		panic(err)
	}
	d := &customs.Declaration{
		ID:                "d_01JD0000000000000000000000",
		Direction:         customs.Import,
		Customs:           customs.CustomsCodes{Declaring: "0202", Port: "0202"},
		Parties:           []customs.Party{{Role: customs.RoleConsignee, USCC: "91130209MA08LQ2M2A"}},
		DestinationOffice: "130200",
		Goods: []customs.GoodsItem{
			{Seq: 1, HSCode: "2914110000", CIQCode: "101", HazardFlagged: true,
				DangerousGoods: &customs.DangerousGoods{UN: "1090", Class: "3", PackingGroup: "II", Packaging: "1A1/Y1.4/150"}},
			{Seq: 2, HSCode: "2701129000", CIQCode: "999", DestinationDistrict: "130203"},
		},
	}
	if problems := engine.Check(d); len(problems) > 0 {
		fmt.Println(problems)
		return
	}
	route, err := engine.Decide(d, routing.Facts{
		Ratings: map[string]customs.Rating{"91130209MA08LQ2M2A": customs.RatingDishonest},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(route.Lane, route.Bureau, route.RuleSet)
	for _, t := range route.Tasks {
		fmt.Printf("task %s at %q: items %v\n", t.Workflow, t.Bureau, t.Items)
	}
	for _, r := range route.Reasons {
		fmt.Println("reason", r.Rule, r.Item, r.Evidence)
	}
	// Output:
	// destination_inspection 130200 2026.2
	// task hazchem at "": items [1]
	// task coal at "130200": items [2]
	// task inspection at "": items [1 2]
	// reason coal.joint_supervision 2 [{hsCode 2701129000} {coal other}]
	// reason credit.dishonest 0 [{uscc 91130209MA08LQ2M2A} {rating dishonest}]
	// reason hazchem.port_inspection 1 [{unNumber 1090} {class 3} {packingGroup II}]
}
