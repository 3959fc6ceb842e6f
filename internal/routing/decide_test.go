package routing_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
)

// decideCase is one hand-built declaration and the route it must get.
type decideCase struct {
	name      string
	d         *customs.Declaration
	f         routing.Facts
	lane      customs.Lane
	workflows string // comma-separated, task order
	bureau    string
	tasks     string // taskString
	reasons   string // reasonString
	// evidence of the first reason of rule evRule, when set.
	evRule   string
	evidence map[string]string
}

func runDecideCases(t *testing.T, tests []decideCase) {
	t.Helper()
	e := newEngine(t, zeroRates())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if ps := e.Check(tt.d); len(ps) > 0 {
				t.Fatalf("the case does not pass Check: %v", ps)
			}
			r, err := e.Decide(tt.d, tt.f)
			if err != nil {
				t.Fatalf("Decide: %v", err)
			}
			checkRoute(t, r, tt.lane, tt.workflows, tt.bureau, tt.tasks, tt.reasons)
			if tt.evRule != "" {
				reason, ok := findReason(r.Reasons, tt.evRule)
				if !ok {
					t.Fatalf("no reason %s", tt.evRule)
				}
				if got := evidence(reason); !reflect.DeepEqual(got, tt.evidence) {
					t.Errorf("evidence of %s:\n got %v\nwant %v", tt.evRule, got, tt.evidence)
				}
			}
		})
	}
}

func checkRoute(t *testing.T, r *customs.Route, lane customs.Lane, workflows, bureau, tasks, reasons string) {
	t.Helper()
	if r.Lane != lane {
		t.Errorf("lane = %s, want %s", r.Lane, lane)
	}
	if got := workflowString(r.Workflows); got != workflows {
		t.Errorf("workflows = %q, want %q", got, workflows)
	}
	if r.Bureau != bureau {
		t.Errorf("bureau = %q, want %q", r.Bureau, bureau)
	}
	if got := taskString(r.Tasks); got != tasks {
		t.Errorf("tasks:\n got %s\nwant %s", got, tasks)
	}
	if got := reasonString(r.Reasons); got != reasons {
		t.Errorf("reasons:\n got %s\nwant %s", got, reasons)
	}
	if r.RuleSet != tables.Version {
		t.Errorf("ruleSet = %q, want %q", r.RuleSet, tables.Version)
	}
	for _, task := range r.Tasks {
		if task.Status != customs.TaskOpen {
			t.Errorf("task %s@%s status %q, want open", task.Workflow, task.Bureau, task.Status)
		}
	}
}

func office(d *customs.Declaration, o string) *customs.Declaration { d.DestinationOffice = o; return d }

func dg(un, class, pg string, bulk bool) *customs.DangerousGoods {
	return &customs.DangerousGoods{UN: un, Class: class, PackingGroup: pg, Packaging: "1A1", Bulk: bulk}
}

func haz(hs string, g *customs.DangerousGoods, district string) customs.GoodsItem {
	return customs.GoodsItem{HSCode: hs, CIQCode: "999", HazardFlagged: true, DangerousGoods: g, DestinationDistrict: district}
}

const (
	dest = customs.LaneDestinationInspection
	port = customs.LanePortInspection
	rel  = customs.LaneRelease
)

func TestRuleHazchemUnsafePortSampling(t *testing.T) {
	t.Parallel()
	runDecideCases(t, []decideCase{
		{name: "sodium cyanide 6.1 PG I at the declared office", d: office(imp(cyanide("130802")), "130000"),
			lane: dest, workflows: "hazchem", bureau: "130000", tasks: "hazchem@130000:1",
			reasons: "hazchem.unsafe_port_sampling#1", evRule: "hazchem.unsafe_port_sampling",
			evidence: map[string]string{"unNumber": "1689", "class": "6.1", "packingGroup": "I"}},
		{name: "chlorine 2.3 in cylinders", d: office(imp(haz("2801100000", dg("1017", "2.3", "", false), "130983")), "130900"),
			lane: dest, workflows: "hazchem", bureau: "130900", tasks: "hazchem@130900:1",
			reasons: "hazchem.unsafe_port_sampling#1", evRule: "hazchem.unsafe_port_sampling",
			evidence: map[string]string{"unNumber": "1017", "class": "2.3", "pressure": "yes"}},
		{name: "carbon dioxide 2.2: pressure receptacle", d: office(imp(haz("2811210000", dg("1013", "2.2", "", false), "")), "120000"),
			lane: dest, workflows: "hazchem", bureau: "120000", tasks: "hazchem@120000:1",
			reasons: "hazchem.unsafe_port_sampling#1"},
		{name: "explosive 1.1D", d: office(imp(haz("3602000000", dg("0081", "1.1D", "", false), "")), "130000"),
			lane: dest, workflows: "hazchem", bureau: "130000", tasks: "hazchem@130000:1", reasons: "hazchem.unsafe_port_sampling#1"},
		{name: "4.2 white phosphorus", d: office(imp(haz("2804701000", dg("1381", "4.2", "I", false), "")), "130000"),
			lane: dest, workflows: "hazchem", bureau: "130000", tasks: "hazchem@130000:1", reasons: "hazchem.unsafe_port_sampling#1"},
		{name: "4.3 sodium", d: office(imp(haz("2805110000", dg("1428", "4.3", "I", false), "")), "130000"),
			lane: dest, workflows: "hazchem", bureau: "130000", tasks: "hazchem@130000:1", reasons: "hazchem.unsafe_port_sampling#1"},
		{name: "5.2 organic peroxide", d: office(imp(haz("2909600000", dg("3105", "5.2", "", false), "")), "130000"),
			lane: dest, workflows: "hazchem", bureau: "130000", tasks: "hazchem@130000:1", reasons: "hazchem.unsafe_port_sampling#1"},
		{name: "7 radioactive", d: office(imp(haz("2844430000", dg("2915", "7", "", false), "110105")), "110000"),
			lane: dest, workflows: "hazchem", bureau: "110000", tasks: "hazchem@110000:1", reasons: "hazchem.unsafe_port_sampling#1"},
		{name: "table class governs a differing declared one", d: office(imp(haz("2837110000",
			&customs.DangerousGoods{UN: "1689", Class: "3", DeclaredClass: "3", PackingGroup: "I", Packaging: "11G"}, "")), "130000"),
			lane: dest, workflows: "hazchem", bureau: "130000", tasks: "hazchem@130000:1",
			reasons: "hazchem.unsafe_port_sampling#1", evRule: "hazchem.unsafe_port_sampling",
			evidence: map[string]string{"unNumber": "1689", "class": "6.1", "packingGroup": "I"}},
		{name: "bulk 6.1 takes the table's single packing group", d: office(imp(haz("2837110000", dg("1689", "6.1", "", true), "")), "130000"),
			lane: dest, workflows: "hazchem", bureau: "130000", tasks: "hazchem@130000:1", reasons: "hazchem.unsafe_port_sampling#1"},
		{name: "declared office wins over the district", d: office(imp(cyanide("110105")), "130000"),
			lane: dest, workflows: "hazchem", bureau: "130000", tasks: "hazchem@130000:1", reasons: "hazchem.unsafe_port_sampling#1"},
	})
}

func TestRuleHazchemPortInspection(t *testing.T) {
	t.Parallel()
	runDecideCases(t, []decideCase{
		{name: "acetone 3 PG II", d: office(imp(acetone("120116")), "120000"),
			lane: port, workflows: "hazchem", tasks: "hazchem@-:1", reasons: "hazchem.port_inspection#1",
			evRule: "hazchem.port_inspection", evidence: map[string]string{"unNumber": "1090", "class": "3", "packingGroup": "II"}},
		{name: "6.1 PG III is opened at the quay", d: office(imp(haz("2903120000", dg("1593", "6.1", "III", false), "")), "120000"),
			lane: port, workflows: "hazchem", tasks: "hazchem@-:1", reasons: "hazchem.port_inspection#1"},
		{name: "methanol in bulk", d: office(imp(haz("2905110000", dg("1230", "3", "", true), "130983")), "130900"),
			lane: port, workflows: "hazchem", tasks: "hazchem@-:1", reasons: "hazchem.port_inspection#1",
			evRule: "hazchem.port_inspection", evidence: map[string]string{"unNumber": "1230", "class": "3", "packingGroup": "II"}},
		{name: "5.1 and 8 items merge into one port task", d: office(imp(ordinary("120116"),
			haz("3102300000", dg("1942", "5.1", "III", false), ""), haz("2807000010", dg("1830", "8", "II", false), "")), "120000"),
			lane: port, workflows: "hazchem", tasks: "hazchem@-:2,3", reasons: "hazchem.port_inspection#2 hazchem.port_inspection#3"},
	})
}

func TestRuleHazchemExportPortCheck(t *testing.T) {
	t.Parallel()
	runDecideCases(t, []decideCase{
		{name: "exported acetone", d: decl(customs.Export, acetone("120116")),
			lane: port, workflows: "hazchem", tasks: "hazchem@-:1", reasons: "hazchem.export_port_check#1",
			evRule: "hazchem.export_port_check", evidence: map[string]string{"unNumber": "1090", "class": "3", "packingGroup": "II", "document": "120000DGP0001"}},
		{name: "exported acetone names its record's issuer", d: decl(customs.Export, acetone("120116")),
			f: routing.Facts{Issuer: func(k customs.DocumentKind, n string) string {
				return map[bool]string{true: "130100"}[k == customs.DocDGPackagingUse && n == "120000DGP0001"]
			}},
			lane: port, workflows: "hazchem", tasks: "hazchem@-:1", reasons: "hazchem.export_port_check#1",
			evRule: "hazchem.export_port_check", evidence: map[string]string{"unNumber": "1090", "class": "3", "packingGroup": "II", "document": "120000DGP0001", "issuer": "130100"}},
		{name: "exported cyanide stays at the port", d: decl(customs.Export, cyanide("130802")),
			lane: port, workflows: "hazchem", tasks: "hazchem@-:1", reasons: "hazchem.export_port_check#1"},
		{name: "export marked by hazchem-hs only", d: decl(customs.Export, ordinary(""), customs.GoodsItem{HSCode: "2902300000", CIQCode: "101"}),
			lane: port, workflows: "hazchem", tasks: "hazchem@-:2", reasons: "hazchem.export_port_check#2",
			evRule: "hazchem.export_port_check", evidence: map[string]string{"hsCode": "2902300000", "document": "120000DGP0002"}},
	})
}

func TestRuleCoalJointSupervision(t *testing.T) {
	t.Parallel()
	runDecideCases(t, []decideCase{
		{name: "thermal coal by district", d: imp(coal("2701129000", "120116")),
			lane: dest, workflows: "coal", bureau: "120000", tasks: "coal@120000:1", reasons: "coal.joint_supervision#1",
			evRule: "coal.joint_supervision", evidence: map[string]string{"hsCode": "2701129000", "coal": "other"}},
		{name: "lignite by district", d: imp(coal("2702100000", "130203")),
			lane: dest, workflows: "coal", bureau: "130200", tasks: "coal@130200:1", reasons: "coal.joint_supervision#1",
			evRule: "coal.joint_supervision", evidence: map[string]string{"hsCode": "2702100000", "coal": "lignite"}},
		{name: "coke 2704 and coking coal at the office", d: office(imp(coal("2704001000", ""), coal("2701121000", "")), "130200"),
			lane: dest, workflows: "coal", bureau: "130200", tasks: "coal@130200:1,2",
			reasons: "coal.joint_supervision#1 coal.joint_supervision#2"},
		{name: "peat 2703 is not coal", d: imp(coal("2703000010", "120116")), lane: rel},
		{name: "exported coal is released", d: decl(customs.Export, coal("2701129000", "120116")), lane: rel},
	})
}

func TestRuleFoodPostEntrySupervision(t *testing.T) {
	t.Parallel()
	runDecideCases(t, []decideCase{
		{name: "registered beef to Beijing", d: imp(food("0202300090", "110105", "CAUS01"), food("0206210000", "110105", "CAUS01")),
			lane: dest, workflows: "food", bureau: "110000", tasks: "food@110000:1,2",
			reasons: "food.post_entry_supervision#1 food.post_entry_supervision#2", evRule: "food.post_entry_supervision",
			evidence: map[string]string{"hsCode": "0202300090", "foodPrefix": "0202", "category": "meat and meat products", "registration": "yes"}},
		{name: "wine needs no registration and is still food", d: imp(food("2204210000", "120101", "")),
			lane: dest, workflows: "food", bureau: "120000", tasks: "food@120000:1", reasons: "food.post_entry_supervision#1",
			evRule:   "food.post_entry_supervision",
			evidence: map[string]string{"hsCode": "2204210000", "foodPrefix": "2204", "category": "wine", "registration": "no"}},
		{name: "infant formula: longest prefix", d: imp(food("1901101000", "120101", "CFRA02")),
			lane: dest, workflows: "food", bureau: "120000", tasks: "food@120000:1", reasons: "food.post_entry_supervision#1",
			evRule:   "food.post_entry_supervision",
			evidence: map[string]string{"hsCode": "1901101000", "foodPrefix": "190110", "category": "foods for special dietary uses (infants)", "registration": "yes"}},
		{name: "only the food item", d: imp(ordinary("110105"), food("0406900000", "110105", "CFRA03")),
			lane: dest, workflows: "food", bureau: "110000", tasks: "food@110000:2", reasons: "food.post_entry_supervision#2"},
		{name: "exported food is released", d: decl(customs.Export, food("0202300090", "120116", "")), lane: rel},
	})
}

func TestRuleDirectTransitSealedMove(t *testing.T) {
	t.Parallel()
	beijing := transit(imp(ordinary("110117")), "110100", 2)
	beijing.DirectTransit.OriginalContainers = nil // Beijing has no such flag and needs none
	runDecideCases(t, []decideCase{
		{name: "Shijiazhuang inland port", d: office(transit(imp(ordinary("130104"), ordinary("130104")), "130100", 2), "130100"),
			lane: dest, workflows: "direct_transit", bureau: "130100", tasks: "direct_transit@130100:1,2",
			reasons: "direct_transit.sealed_move#0", evRule: "direct_transit.sealed_move",
			evidence: map[string]string{"zone": "130100", "seals": "2"}},
		{name: "Pinggu without an original-container flag", d: beijing,
			lane: dest, workflows: "direct_transit", bureau: "110100", tasks: "direct_transit@110100:1", reasons: "direct_transit.sealed_move#0"},
		{name: "Langfang", d: transit(imp(ordinary(""), ordinary("")), "131000", 3),
			lane: dest, workflows: "direct_transit", bureau: "131000", tasks: "direct_transit@131000:1,2", reasons: "direct_transit.sealed_move#0"},
	})
}

func TestRuleDirectTransitNotEligible(t *testing.T) {
	t.Parallel()
	notOriginal := transit(imp(ordinary("130104")), "130100", 1)
	notOriginal.DirectTransit.OriginalContainers = boolPtr(false)
	stray := transit(imp(ordinary("130104")), "130100", 2)
	stray.DirectTransit.StraySeals = []customs.Seal{{Unit: "ABCU1234560", Number: "S1"}}
	all := transit(decl(customs.Export, ordinary("130104")), "130000", 0)
	all.DirectTransit.OriginalContainers = boolPtr(false)
	all.DirectTransit.StraySeals = []customs.Seal{{Unit: "X1"}, {Unit: "X2"}}
	failed := func(zone, what string) map[string]string { return map[string]string{"zone": zone, "failed": what} }
	runDecideCases(t, []decideCase{
		{name: "export", d: transit(decl(customs.Export, ordinary("130104")), "130100", 1),
			lane: rel, reasons: "direct_transit.not_eligible#0", evRule: "direct_transit.not_eligible", evidence: failed("130100", "export")},
		{name: "not in original containers", d: notOriginal,
			lane: rel, reasons: "direct_transit.not_eligible#0", evRule: "direct_transit.not_eligible", evidence: failed("130100", "notOriginalContainers")},
		{name: "no seals", d: transit(imp(ordinary("130104")), "130100", 0),
			lane: rel, reasons: "direct_transit.not_eligible#0", evRule: "direct_transit.not_eligible", evidence: failed("130100", "noSeals")},
		{name: "stray seal", d: stray,
			lane: rel, reasons: "direct_transit.not_eligible#0", evRule: "direct_transit.not_eligible",
			evidence: map[string]string{"zone": "130100", "failed": "straySeals", "strayUnits": "ABCU1234560"}},
		{name: "zone is not a pilot zone", d: transit(imp(ordinary("130104")), "130000", 1),
			lane: rel, reasons: "direct_transit.not_eligible#0", evRule: "direct_transit.not_eligible", evidence: failed("130000", "notPilotZone")},
		{name: "everything at once", d: all,
			lane: rel, reasons: "direct_transit.not_eligible#0", evRule: "direct_transit.not_eligible",
			evidence: map[string]string{"zone": "130000", "failed": "export,notOriginalContainers,noSeals,straySeals,notPilotZone", "strayUnits": "X1,X2"}},
		{name: "routes as if not asked: coal goes to its district", d: transit(imp(coal("2701129000", "120116")), "130000", 1),
			lane: dest, workflows: "coal", bureau: "120000", tasks: "coal@120000:1",
			reasons: "coal.joint_supervision#1 direct_transit.not_eligible#0"},
	})
}

func TestRuleCreditDishonest(t *testing.T) {
	t.Parallel()
	seed := routing.DaySeed([]byte("test-secret"), "2026-11-27")
	owner := imp(ordinary(""), ordinary(""))
	owner.Parties = append(owner.Parties, customs.Party{Role: customs.RoleOwner, USCC: usccOwner})
	runDecideCases(t, []decideCase{
		{name: "dishonest declarant", d: imp(ordinary(""), ordinary("")),
			f:    routing.Facts{Ratings: map[string]customs.Rating{usccDeclarant: customs.RatingDishonest, usccTrader: customs.RatingAdvanced}},
			lane: port, workflows: "inspection", tasks: "inspection@-:1,2", reasons: "credit.dishonest#0",
			evRule: "credit.dishonest", evidence: map[string]string{"uscc": usccDeclarant, "rating": "dishonest"}},
		{name: "dishonest owner needs no draw", d: owner,
			f:    routing.Facts{Seed: &seed, Ratings: map[string]customs.Rating{usccOwner: customs.RatingDishonest}},
			lane: port, workflows: "inspection", tasks: "inspection@-:1,2", reasons: "credit.dishonest#0"},
		{name: "advanced and general are not dishonest", d: imp(ordinary("")),
			f:    routing.Facts{Ratings: map[string]customs.Rating{usccDeclarant: customs.RatingAdvanced, usccTrader: customs.RatingGeneral}},
			lane: rel},
		{name: "the overseas party has no credit", d: imp(ordinary("")),
			f:    routing.Facts{Ratings: map[string]customs.Rating{"": customs.RatingDishonest}},
			lane: rel},
		{name: "exports too", d: decl(customs.Export, ordinary("")),
			f:    routing.Facts{Ratings: map[string]customs.Rating{usccTrader: customs.RatingDishonest}},
			lane: port, workflows: "inspection", tasks: "inspection@-:1", reasons: "credit.dishonest#0"},
	})
}

// A dishonest enterprise is inspected without a draw: none is made.
func TestDishonestDrawsNothing(t *testing.T) {
	t.Parallel()
	e := newEngine(t, routing.DefaultRates())
	seed := routing.DaySeed([]byte("test-secret"), "2026-11-27")
	r, err := e.Decide(imp(ordinary("")), routing.Facts{Seed: &seed, Ratings: map[string]customs.Rating{usccTrader: customs.RatingDishonest}})
	if err != nil {
		t.Fatal(err)
	}
	checkRoute(t, r, port, "inspection", "", "inspection@-:1", "credit.dishonest#0")
	if r.Draw != nil {
		t.Errorf("dishonest: draw %+v", r.Draw)
	}
	// A draw kept from before the rating changed stays on the route, and
	// does not fire random.selected on top of credit.dishonest.
	kept := customs.Draw{SeedID: "s", Value: 0.001, Rate: 0.03, Selected: true, Inspector: "TJ-101"}
	r = mustDecide(t, e, imp(ordinary("")), routing.Facts{Draw: &kept, Ratings: map[string]customs.Rating{usccTrader: customs.RatingDishonest}})
	checkRoute(t, r, port, "inspection", "", "inspection@-:1", "credit.dishonest#0")
	if r.Draw == nil || *r.Draw != kept {
		t.Errorf("kept draw = %+v", r.Draw)
	}
}

func TestRuleRandomSelected(t *testing.T) {
	t.Parallel()
	e := newEngine(t, routing.DefaultRates())
	seed := routing.DaySeed([]byte("test-secret"), "2026-11-27")
	// d_00000002 draws 0.010926920285937497 (TestDrawByHand): selected at
	// the general 3 %, not at the advanced 0.5 %.
	d := imp(ordinary(""), ordinary(""))
	r, err := e.Decide(d, routing.Facts{Seed: &seed})
	if err != nil {
		t.Fatal(err)
	}
	checkRoute(t, r, port, "inspection", "", "inspection@-:1,2", "random.selected#0")
	if r.Draw == nil || !r.Draw.Selected || r.Draw.Inspector != "TJ-115" || r.Draw.SeedID != seed.ID || r.Draw.Rate != 0.03 {
		t.Errorf("draw = %+v", r.Draw)
	}
	if got := taskAt(t, r, 0).Inspector; got != "TJ-115" {
		t.Errorf("inspection task inspector = %q, want TJ-115 (roster of 120000, office of 0202)", got)
	}
	want := map[string]string{"seedId": seed.ID, "value": "0.010926920285937497", "rate": "0.03", "rating": "general", "inspector": "TJ-115"}
	if got := evidence(reasonAt(t, r, 0)); !reflect.DeepEqual(got, want) {
		t.Errorf("evidence = %v, want %v", got, want)
	}

	// Advanced: drawn, not selected; the draw is still on the route.
	d = imp(ordinary(""))
	r, err = e.Decide(d, routing.Facts{Seed: &seed, Ratings: map[string]customs.Rating{usccTrader: customs.RatingAdvanced, usccDeclarant: customs.RatingAdvanced}})
	if err != nil {
		t.Fatal(err)
	}
	checkRoute(t, r, rel, "", "", "", "")
	if r.Draw == nil || r.Draw.Selected || r.Draw.Rate != 0.005 || r.Draw.Inspector != "" {
		t.Errorf("advanced draw = %+v", r.Draw)
	}

	// A re-route keeps the draw, seed or not.
	kept := customs.Draw{SeedID: "2026-11-01:abcdef01", Value: 0.001, Rate: 0.03, Selected: true, Inspector: "TJ-102"}
	r, err = e.Decide(imp(ordinary("")), routing.Facts{Draw: &kept, Seed: &seed})
	if err != nil {
		t.Fatal(err)
	}
	checkRoute(t, r, port, "inspection", "", "inspection@-:1", "random.selected#0")
	if dr, task := drawOf(t, r), taskAt(t, r, 0); dr != kept || task.Inspector != "TJ-102" {
		t.Errorf("kept draw = %+v, task %+v", dr, task)
	}
	notSelected := customs.Draw{SeedID: "2026-11-01:abcdef01", Value: 0.9, Rate: 0.03}
	r = mustDecide(t, e, imp(ordinary("")), routing.Facts{Draw: &notSelected, Seed: &seed})
	checkRoute(t, r, rel, "", "", "", "")
	if r.Draw == nil || *r.Draw != notSelected {
		t.Errorf("kept unselected draw = %+v", r.Draw)
	}

	// No seed, no draw (/validate, offline translation).
	r = mustDecide(t, e, imp(ordinary("")), routing.Facts{})
	if r.Draw != nil {
		t.Errorf("draw without seed: %+v", r.Draw)
	}

	// Under granted direct transit the inspector comes from the zone's roster.
	d = transit(imp(ordinary("")), "110100", 1)
	r, err = e.Decide(d, routing.Facts{Seed: &seed})
	if err != nil {
		t.Fatal(err)
	}
	checkRoute(t, r, dest, "direct_transit,inspection", "110100", "direct_transit@110100:1 inspection@110100:1",
		"direct_transit.sealed_move#0 random.selected#0")
	if got := drawOf(t, r).Inspector; got != "PG-008" {
		t.Errorf("zone inspector = %q, want PG-008", got)
	}

	// A bureau without a roster gets no inspector.
	d = imp(ordinary(""))
	d.Customs.Port = "0401" // office 130000, no roster
	r = mustDecide(t, e, d, routing.Facts{Seed: &seed})
	if dr, task := drawOf(t, r), taskAt(t, r, 0); !dr.Selected || dr.Inspector != "" || task.Inspector != "" {
		t.Errorf("no roster: draw %+v task %+v", dr, task)
	}

	// The draw is keyed by the declaration id.
	d = imp(ordinary(""))
	d.ID = ""
	if _, err := e.Decide(d, routing.Facts{Seed: &seed}); err == nil {
		t.Error("a draw without a declaration id: no error")
	}
}

func TestRuleRiskAlert(t *testing.T) {
	t.Parallel()
	alert := func(id string, action customs.Lane, mod func(*routing.Alert)) []routing.Alert {
		a := routing.Alert{ID: id, Action: action}
		mod(&a)
		return []routing.Alert{a}
	}
	twoItems := func() *customs.Declaration {
		d := imp(ordinary("120116"), food("0406900000", "110105", "CFRA03"))
		d.Goods[1].Origin = "FRA"
		return d
	}
	runDecideCases(t, []decideCase{
		{name: "HS prefix, at the port", d: twoItems(),
			f:    routing.Facts{Alerts: alert("ra_1", port, func(a *routing.Alert) { a.HSPrefix = "8457" })},
			lane: dest, workflows: "food,inspection", bureau: "110000", tasks: "food@110000:2 inspection@-:1",
			reasons: "food.post_entry_supervision#2 risk.alert#1", evRule: "risk.alert",
			evidence: map[string]string{"alertId": "ra_1", "action": "port_inspection", "hsPrefix": "8457"}},
		{name: "origin, at the destination bureau", d: twoItems(),
			f:    routing.Facts{Alerts: alert("ra_2", dest, func(a *routing.Alert) { a.Origin = "FRA" })},
			lane: dest, workflows: "food,inspection", bureau: "110000", tasks: "food@110000:2 inspection@110000:2",
			reasons: "food.post_entry_supervision#2 risk.alert#2", evRule: "risk.alert",
			evidence: map[string]string{"alertId": "ra_2", "action": "destination_inspection", "origin": "FRA"}},
		{name: "USCC and port: every item", d: imp(ordinary("120116"), ordinary("130104")),
			f: routing.Facts{Alerts: alert("ra_3", dest, func(a *routing.Alert) {
				a.USCC = usccDeclarant
				a.Port = customs.PortTianjin
			})},
			lane: dest, workflows: "inspection", tasks: "inspection@120000:1 inspection@130100:2",
			reasons: "risk.alert#1 risk.alert#2"},
		{name: "port by customs code", d: imp(ordinary("")),
			f:    routing.Facts{Alerts: alert("ra_4", port, func(a *routing.Alert) { a.Port = "0202" })},
			lane: port, workflows: "inspection", tasks: "inspection@-:1", reasons: "risk.alert#1"},
		{name: "one matcher misses", d: imp(ordinary("")),
			f: routing.Facts{Alerts: alert("ra_5", port, func(a *routing.Alert) {
				a.HSPrefix = "8457"
				a.Port = customs.PortHebei
			})},
			lane: rel},
		{name: "an alert without matchers matches nothing", d: imp(ordinary("")),
			f: routing.Facts{Alerts: alert("ra_6", port, func(*routing.Alert) {})}, lane: rel},
		{name: "destination action without any destination stays at the port", d: imp(ordinary("")),
			f:    routing.Facts{Alerts: alert("ra_7", dest, func(a *routing.Alert) { a.HSPrefix = "84" })},
			lane: port, workflows: "inspection", tasks: "inspection@-:1", reasons: "risk.alert#1"},
		{name: "two alerts on one item, one task", d: imp(ordinary("")),
			f: routing.Facts{Alerts: append(alert("ra_8", port, func(a *routing.Alert) { a.HSPrefix = "84" }),
				alert("ra_9", port, func(a *routing.Alert) { a.Origin = "KOR" })...)},
			lane: port, workflows: "inspection", tasks: "inspection@-:1", reasons: "risk.alert#1 risk.alert#1"},
	})
}

func TestRuleDestinationOutsideRegion(t *testing.T) {
	t.Parallel()
	runDecideCases(t, []decideCase{
		{name: "coal for Shanghai stays at the port", d: imp(coal("2701129000", "310115")),
			lane: port, workflows: "coal", tasks: "coal@-:1",
			reasons: "coal.joint_supervision#1 route.destination_outside_region#1", evRule: "route.destination_outside_region",
			evidence: map[string]string{"district": "310115", "workflow": "coal"}},
		{name: "an office overrides the district", d: office(imp(coal("2701129000", "310115")), "120000"),
			lane: dest, workflows: "coal", bureau: "120000", tasks: "coal@120000:1", reasons: "coal.joint_supervision#1"},
		{name: "inland work beside it keeps the lane", d: imp(food("0202300090", "440300", "CAUS01"), food("0202300090", "110105", "CAUS01")),
			lane: dest, workflows: "food", bureau: "110000", tasks: "food@-:1 food@110000:2",
			reasons: "food.post_entry_supervision#1 food.post_entry_supervision#2 route.destination_outside_region#1"},
		{name: "an alert's destination outside the region", d: imp(ordinary("310115")),
			f:    routing.Facts{Alerts: []routing.Alert{{ID: "ra", HSPrefix: "8457", Action: dest}}},
			lane: port, workflows: "inspection", tasks: "inspection@-:1", reasons: "risk.alert#1 route.destination_outside_region#1"},
	})
}

func TestNoRuleFires(t *testing.T) {
	t.Parallel()
	runDecideCases(t, []decideCase{
		{name: "ordinary import", d: imp(ordinary("120113"), ordinary("120113")), lane: rel},
		{name: "ordinary export", d: decl(customs.Export, ordinary("120116")), lane: rel},
	})
}

func TestCombinations(t *testing.T) {
	t.Parallel()
	dtAll := office(transit(imp(acetone("120116"), coal("2701129000", "120116"), cyanide("130802")), "130100", 2), "110000")
	runDecideCases(t, []decideCase{
		{name: "destination beats port", d: office(imp(acetone(""), coal("2701129000", "")), "120000"),
			lane: dest, workflows: "hazchem,coal", bureau: "120000", tasks: "hazchem@-:1 coal@120000:2",
			reasons: "coal.joint_supervision#2 hazchem.port_inspection#1"},
		{name: "dishonest and a port hazchem: port", d: office(imp(acetone(""), ordinary("")), "120000"),
			f:    routing.Facts{Ratings: map[string]customs.Rating{usccTrader: customs.RatingDishonest}},
			lane: port, workflows: "hazchem,inspection", tasks: "hazchem@-:1 inspection@-:1,2",
			reasons: "credit.dishonest#0 hazchem.port_inspection#1"},
		{name: "items split across bureaus", d: imp(food("0202300090", "110105", "R"), food("0302140000", "130203", "R"), food("0202300090", "110108", "R")),
			lane: dest, workflows: "food", tasks: "food@110000:1,3 food@130200:2",
			reasons: "food.post_entry_supervision#1 food.post_entry_supervision#2 food.post_entry_supervision#3"},
		{name: "longest district prefix: Pinggu", d: imp(food("0202300090", "110117", "R"), food("0202300090", "110105", "R")),
			lane: dest, workflows: "food", tasks: "food@110000:2 food@110100:1",
			reasons: "food.post_entry_supervision#1 food.post_entry_supervision#2"},
		{name: "one bureau across workflows", d: imp(coal("2701129000", "130203"), food("0302140000", "130204", "R")),
			lane: dest, workflows: "coal,food", bureau: "130200", tasks: "coal@130200:1 food@130200:2",
			reasons: "coal.joint_supervision#1 food.post_entry_supervision#2"},
		{name: "two workflows, two bureaus", d: imp(coal("2701129000", "130203"), food("0302140000", "120101", "R")),
			lane: dest, workflows: "coal,food", tasks: "coal@130200:1 food@120000:2",
			reasons: "coal.joint_supervision#1 food.post_entry_supervision#2"},
		{name: "granted direct transit takes all the work", d: dtAll,
			f:    routing.Facts{Ratings: map[string]customs.Rating{usccTrader: customs.RatingDishonest}},
			lane: dest, workflows: "hazchem,coal,direct_transit,inspection", bureau: "130100",
			tasks:   "hazchem@130100:1,3 coal@130100:2 direct_transit@130100:1,2,3 inspection@130100:1,2,3",
			reasons: "coal.joint_supervision#2 credit.dishonest#0 direct_transit.sealed_move#0 hazchem.port_inspection#1 hazchem.unsafe_port_sampling#3"},
		{name: "granted direct transit: port alert goes to the zone too", d: transit(imp(ordinary("")), "131000", 1),
			f:    routing.Facts{Alerts: []routing.Alert{{ID: "ra", HSPrefix: "8457", Action: port}}},
			lane: dest, workflows: "direct_transit,inspection", bureau: "131000",
			tasks: "direct_transit@131000:1 inspection@131000:1", reasons: "direct_transit.sealed_move#0 risk.alert#1"},
		{name: "inspection tasks merge per bureau", d: office(imp(ordinary(""), ordinary("")), "130200"),
			f: routing.Facts{Ratings: map[string]customs.Rating{usccDeclarant: customs.RatingDishonest},
				Alerts: []routing.Alert{{ID: "a1", HSPrefix: "8457", Action: port}, {ID: "a2", HSPrefix: "8457", Action: dest}}},
			lane: dest, workflows: "inspection", bureau: "130200", tasks: "inspection@-:1,2 inspection@130200:1,2",
			reasons: "credit.dishonest#0 risk.alert#1 risk.alert#1 risk.alert#2 risk.alert#2"},
	})
}

func TestDecideSetsGranted(t *testing.T) {
	t.Parallel()
	e := newEngine(t, zeroRates())
	ok := transit(imp(ordinary("")), "130100", 1)
	no := transit(imp(ordinary("")), "130000", 1)
	no.DirectTransit.Granted = true // a stale value is overwritten
	for _, c := range []struct {
		d    *customs.Declaration
		want bool
	}{{ok, true}, {no, false}} {
		if _, err := e.Decide(c.d, routing.Facts{}); err != nil {
			t.Fatal(err)
		}
		if c.d.DirectTransit.Granted != c.want {
			t.Errorf("zone %s: granted = %v, want %v", c.d.DirectTransit.Zone, c.d.DirectTransit.Granted, c.want)
		}
	}
}

func TestDecideRefuses(t *testing.T) {
	t.Parallel()
	e := newEngine(t, zeroRates())
	tests := []struct {
		name string
		d    *customs.Declaration
		want string
	}{
		{"coal with nowhere to go", imp(coal("2701129000", "")), "missing_field@" + item1 + "/DestCode"},
		{"unknown office", office(imp(ordinary("")), "123456"), "unknown_bureau@/DecMessage/DecHead/PurpOrgCode"},
		{"unknown zone, export too", transit(decl(customs.Export, ordinary("")), "999999", 1), "unknown_bureau@/DecMessage/DirectTransit/@zone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := e.Decide(tt.d, routing.Facts{})
			if err == nil {
				t.Fatalf("no error; route %+v", r)
			}
			var ce *customs.Error
			if !errors.As(err, &ce) || ce.Code != customs.CodeInvalid {
				t.Fatalf("error %v is not a CodeInvalid *customs.Error", err)
			}
			if got := problemString(ce.Problems); got != tt.want {
				t.Errorf("problems = %s, want %s", got, tt.want)
			}
		})
	}
	if _, err := e.Decide(nil, routing.Facts{}); err == nil {
		t.Error("nil declaration: no error")
	}
}

// The same inputs give the same route, whatever the order of maps inside.
func TestDecideDeterministic(t *testing.T) {
	t.Parallel()
	e := newEngine(t, routing.DefaultRates())
	seed := routing.DaySeed([]byte("k"), "2026-11-27")
	build := func() *customs.Declaration {
		return imp(acetone("120116"), coal("2701129000", "130203"), food("0202300090", "110117", "R"), cyanide("130802"))
	}
	f := routing.Facts{Seed: &seed, Alerts: []routing.Alert{{ID: "a", Origin: "KOR", Action: dest}}}
	first, err := e.Decide(office(build(), "130000"), f)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		again := mustDecide(t, e, office(build(), "130000"), f)
		if !reflect.DeepEqual(first, again) {
			t.Fatalf("routes differ:\n%+v\n%+v", first, again)
		}
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	if _, err := routing.New(routing.Config{}); err == nil {
		t.Error("no tables: no error")
	}
	for _, rates := range []map[customs.Rating]float64{
		{customs.RatingGeneral: 1.5},
		{customs.RatingGeneral: -0.1},
		{"excellent": 0.1},
	} {
		if _, err := routing.New(routing.Config{Tables: tables, Rates: rates}); err == nil {
			t.Errorf("rates %v: no error", rates)
		}
	}
	e := newEngine(t, nil)
	if e.Rate(customs.RatingGeneral) != 0.03 || e.Rate(customs.RatingAdvanced) != 0.005 || e.Rate(customs.RatingDishonest) != 0 {
		t.Errorf("default rates: general %v advanced %v", e.Rate(customs.RatingGeneral), e.Rate(customs.RatingAdvanced))
	}
	if e.RuleSet() != "2026.2" {
		t.Errorf("RuleSet = %q", e.RuleSet())
	}
	e = newEngine(t, map[customs.Rating]float64{customs.RatingGeneral: 0.1})
	if e.Rate(customs.RatingAdvanced) != 0 {
		t.Error("a rating missing from the map must have rate 0")
	}
}
