package routing_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"testing"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
)

// The cases below combine rules in ways the per-rule tests do not: several
// items bound for several bureaus under several workflows, every way a
// direct-transit request fails, every hazard class of codes/un-numbers.csv,
// the longest-prefix edges of food-hs.csv, credit across the three
// enterprises and alerts on top of all of it. Each expectation is read off
// routing.md, not off what the engine did.

func TestAuditSplitAndMerge(t *testing.T) {
	t.Parallel()
	mixed := func() *customs.Declaration {
		return imp(
			coal("2701129000", "130203"),       // 1: Tangshan 130200
			food("0202300090", "110117", "R1"), // 2: Pinggu 110100 (longest prefix)
			food("0406900000", "130104", "R2"), // 3: Shijiazhuang 130100
			coal("2702100000", "110105"),       // 4: lignite, Beijing 110000
			ordinary("120116"),                 // 5: nothing
			food("2204210000", "130203", ""),   // 6: wine, Tangshan 130200
			coal("2704001000", "131002"),       // 7: coke, Langfang 131000
			food("0302140000", "110117", "R3"), // 8: Pinggu again, merged with 2
		)
	}
	withOffice := office(mixed(), "130000")
	runDecideCases(t, []decideCase{
		{name: "split per bureau and workflow, ordered by workflow then bureau", d: mixed(),
			lane: dest, workflows: "coal,food",
			tasks: "coal@110000:4 coal@130200:1 coal@131000:7 food@110100:2,8 food@130100:3 food@130200:6",
			reasons: "coal.joint_supervision#1 coal.joint_supervision#4 coal.joint_supervision#7 " +
				"food.post_entry_supervision#2 food.post_entry_supervision#3 food.post_entry_supervision#6 food.post_entry_supervision#8"},
		{name: "a destination office takes every item whatever its district", d: withOffice,
			lane: dest, workflows: "coal,food", bureau: "130000",
			tasks: "coal@130000:1,4,7 food@130000:2,3,6,8",
			reasons: "coal.joint_supervision#1 coal.joint_supervision#4 coal.joint_supervision#7 " +
				"food.post_entry_supervision#2 food.post_entry_supervision#3 food.post_entry_supervision#6 food.post_entry_supervision#8"},
		{name: "port hazchem beside split inland work", d: office(imp(acetone("110105"), cyanide("130104"), acetone("")), "130200"),
			lane: dest, workflows: "hazchem", bureau: "130200", tasks: "hazchem@-:1,3 hazchem@130200:2",
			reasons: "hazchem.port_inspection#1 hazchem.port_inspection#3 hazchem.unsafe_port_sampling#2"},
	})
}

func TestAuditOutsideRegion(t *testing.T) {
	t.Parallel()
	alertDest := []routing.Alert{{ID: "ra", Origin: "KOR", Action: dest}}
	runDecideCases(t, []decideCase{
		{name: "coal, food and a destination alert all outside: port lane", d: imp(coal("2701129000", "310115"), food("0202300090", "440300", "R"), ordinary("500101")),
			f:    routing.Facts{Alerts: alertDest},
			lane: port, workflows: "coal,food,inspection", tasks: "coal@-:1 food@-:2 inspection@-:1,2,3",
			reasons: "coal.joint_supervision#1 food.post_entry_supervision#2 risk.alert#1 risk.alert#2 risk.alert#3 " +
				"route.destination_outside_region#1 route.destination_outside_region#1 route.destination_outside_region#2 " +
				"route.destination_outside_region#2 route.destination_outside_region#3",
			evRule: "route.destination_outside_region", evidence: map[string]string{"district": "310115", "workflow": "coal"}},
		{name: "one coal outside, one inside: both tasks, destination lane, one inland bureau", d: imp(coal("2701129000", "310115"), coal("2701129000", "130203")),
			lane: dest, workflows: "coal", bureau: "130200", tasks: "coal@-:1 coal@130200:2",
			reasons: "coal.joint_supervision#1 coal.joint_supervision#2 route.destination_outside_region#1"},
		{name: "a district that only shares a shorter prefix with no row: 14 is Shanxi", d: imp(food("0202300090", "140105", "R")),
			lane: port, workflows: "food", tasks: "food@-:1",
			reasons: "food.post_entry_supervision#1 route.destination_outside_region#1"},
		{name: "granted direct transit ignores the outside district", d: transit(imp(coal("2701129000", "310115")), "130100", 1),
			lane: dest, workflows: "coal,direct_transit", bureau: "130100", tasks: "coal@130100:1 direct_transit@130100:1",
			reasons: "coal.joint_supervision#1 direct_transit.sealed_move#0"},
		{name: "dishonest on top of outside work: port", d: imp(coal("2701129000", "310115")),
			f:    routing.Facts{Ratings: map[string]customs.Rating{usccTrader: customs.RatingDishonest}},
			lane: port, workflows: "coal,inspection", tasks: "coal@-:1 inspection@-:1",
			reasons: "coal.joint_supervision#1 credit.dishonest#0 route.destination_outside_region#1"},
	})
}

func TestAuditDirectTransit(t *testing.T) {
	t.Parallel()
	everything := func(zone string) *customs.Declaration {
		d := office(imp(
			coal("2701129000", "310115"),
			food("0202300090", "110105", "R"),
			acetone("120116"),
			cyanide("130203"),
			ordinary("120116"),
		), "120000")
		return transit(d, zone, 3)
	}
	f := routing.Facts{
		Ratings: map[string]customs.Rating{usccDeclarant: customs.RatingDishonest},
		Alerts: []routing.Alert{
			{ID: "a-port", HSPrefix: "8457", Action: port},
			{ID: "a-dest", HSPrefix: "0202", Action: dest},
		},
	}
	beijing := transit(imp(coal("2701129000", ""), food("0406900000", "", "R"), acetone("")), "110100", 1)
	beijing.DestinationOffice = "110000"
	beijing.DirectTransit.OriginalContainers = nil
	notEligible := func(mod func(*customs.Declaration)) *customs.Declaration {
		d := office(imp(coal("2701129000", "130203"), food("0202300090", "110105", "R"), acetone("")), "120000")
		d.DestinationOffice = ""
		d.Goods[2].DestinationDistrict = "120116"
		d = transit(d, "130100", 2)
		mod(d)
		return d
	}
	// acetone needs the office (hazchem.declaration_incomplete), so the
	// not-eligible cases declare one: then everything goes there.
	notEligibleOffice := func(mod func(*customs.Declaration)) *customs.Declaration {
		d := notEligible(mod)
		d.DestinationOffice = "130200"
		return d
	}
	wantNE := func(name, failed string, d *customs.Declaration) decideCase {
		ev := map[string]string{"zone": d.DirectTransit.Zone, "failed": failed}
		if len(d.DirectTransit.StraySeals) > 0 {
			ev["strayUnits"] = d.DirectTransit.StraySeals[0].Unit
		}
		lane, wf, bureau, tasks := dest, "hazchem,coal,food", "130200", "hazchem@-:3 coal@130200:1 food@130200:2"
		reasons := "coal.joint_supervision#1 direct_transit.not_eligible#0 food.post_entry_supervision#2 hazchem.port_inspection#3"
		if d.Direction == customs.Export {
			lane, wf, bureau, tasks = port, "hazchem", "", "hazchem@-:3"
			reasons = "direct_transit.not_eligible#0 hazchem.export_port_check#3"
		}
		return decideCase{name: name, d: d, lane: lane, workflows: wf, bureau: bureau, tasks: tasks, reasons: reasons,
			evRule: "direct_transit.not_eligible", evidence: ev}
	}
	runDecideCases(t, []decideCase{
		{name: "granted: the zone takes every workflow, port-side ones included", d: everything("131000"), f: f,
			lane: dest, workflows: "hazchem,coal,food,direct_transit,inspection", bureau: "131000",
			tasks: "hazchem@131000:3,4 coal@131000:1 food@131000:2 direct_transit@131000:1,2,3,4,5 inspection@131000:1,2,3,4,5",
			reasons: "coal.joint_supervision#1 credit.dishonest#0 direct_transit.sealed_move#0 food.post_entry_supervision#2 " +
				"hazchem.port_inspection#3 hazchem.unsafe_port_sampling#4 risk.alert#2 risk.alert#5",
			evRule: "direct_transit.sealed_move", evidence: map[string]string{"zone": "131000", "seals": "3"}},
		{name: "granted in Beijing without the flag, office 110000 overridden by Pinggu", d: beijing,
			lane: dest, workflows: "hazchem,coal,food,direct_transit", bureau: "110100",
			tasks:   "hazchem@110100:3 coal@110100:1 food@110100:2 direct_transit@110100:1,2,3",
			reasons: "coal.joint_supervision#1 direct_transit.sealed_move#0 food.post_entry_supervision#2 hazchem.port_inspection#3"},
		wantNE("export", "export", notEligibleOffice(func(d *customs.Declaration) {
			d.Direction = customs.Export
			d.Parties[0].Role = customs.RoleConsignor
			d.Goods[2].Documents = []customs.Citation{dgp(3)} // the acetone's packaging-use record
		})),
		wantNE("not original containers", "notOriginalContainers", notEligibleOffice(func(d *customs.Declaration) { d.DirectTransit.OriginalContainers = boolPtr(false) })),
		wantNE("no seals", "noSeals", notEligibleOffice(func(d *customs.Declaration) { d.DirectTransit.SealCount = 0 })),
		wantNE("stray seal", "straySeals", notEligibleOffice(func(d *customs.Declaration) {
			d.DirectTransit.StraySeals = []customs.Seal{{Unit: "TGHU0000000", Number: "S9"}}
		})),
		wantNE("not a pilot zone (Tangshan)", "notPilotZone", notEligibleOffice(func(d *customs.Declaration) { d.DirectTransit.Zone = "130200" })),
		wantNE("not a pilot zone (Beijing bureau)", "notPilotZone", notEligibleOffice(func(d *customs.Declaration) {
			d.DirectTransit.Zone = "110000"
			d.DirectTransit.OriginalContainers = nil
		})),
	})
}

func TestAuditHazardClasses(t *testing.T) {
	t.Parallel()
	type hc struct {
		un, pg string
		bulk   bool
		unsafe bool
		ev     map[string]string
	}
	cases := []hc{
		{un: "0012", unsafe: true, ev: map[string]string{"unNumber": "0012", "class": "1.4S"}},
		{un: "0336", unsafe: true},
		{un: "0081", unsafe: true},
		{un: "1005", unsafe: true, ev: map[string]string{"unNumber": "1005", "class": "2.3", "pressure": "yes"}},
		{un: "1011", unsafe: true, ev: map[string]string{"unNumber": "1011", "class": "2.1", "pressure": "yes"}},
		{un: "1066", unsafe: true, ev: map[string]string{"unNumber": "1066", "class": "2.2", "pressure": "yes"}},
		{un: "1038", bulk: true, unsafe: true}, // refrigerated liquid ethylene: still a pressure=yes gas
		{un: "1381", pg: "I", unsafe: true},
		{un: "1402", pg: "II", unsafe: true},
		{un: "1428", pg: "I", unsafe: true},
		{un: "3105", unsafe: true},
		{un: "1680", pg: "I", unsafe: true, ev: map[string]string{"unNumber": "1680", "class": "6.1", "packingGroup": "I"}},
		{un: "1689", pg: "I", unsafe: true},
		{un: "1689", bulk: true, unsafe: true}, // bulk: the table's single group I
		{un: "1689", pg: "II", unsafe: false},  // the declared group governs (a warning elsewhere)
		{un: "1710", pg: "III", unsafe: false},
		{un: "1593", pg: "III", unsafe: false},
		{un: "2910", unsafe: true},
		{un: "2912", unsafe: true},
		{un: "2915", unsafe: true},
		{un: "1052", pg: "I", unsafe: false, ev: map[string]string{"unNumber": "1052", "class": "8", "packingGroup": "I"}}, // class 8 PG I is opened at the quay
		{un: "1090", pg: "II", unsafe: false},
		{un: "1263", pg: "I", unsafe: false},
		{un: "1350", pg: "III", unsafe: false},
		{un: "1495", pg: "II", unsafe: false},
		{un: "2014", pg: "II", unsafe: false},
		{un: "3480", unsafe: false},
		{un: "3090", unsafe: false},
		{un: "3077", pg: "III", bulk: true, unsafe: false},
	}
	var tests []decideCase
	for _, c := range cases {
		g := haz("3824999999", dg(c.un, "", c.pg, c.bulk), "130203")
		name := "UN " + c.un + " PG " + c.pg
		if c.bulk {
			name += " bulk"
		}
		tc := decideCase{name: name, d: office(imp(g), "130200")}
		if c.unsafe {
			tc.lane, tc.workflows, tc.bureau, tc.tasks, tc.reasons = dest, "hazchem", "130200", "hazchem@130200:1", "hazchem.unsafe_port_sampling#1"
			if c.ev != nil {
				tc.evRule, tc.evidence = routing.RuleHazchemUnsafe, c.ev
			}
		} else {
			tc.lane, tc.workflows, tc.tasks, tc.reasons = port, "hazchem", "hazchem@-:1", "hazchem.port_inspection#1"
			if c.ev != nil {
				tc.evRule, tc.evidence = routing.RuleHazchemPort, c.ev
			}
		}
		tests = append(tests, tc)
		// The same goods exported: checked at the port, whatever the class.
		ex := decideCase{name: "export " + name, d: decl(customs.Export, g), lane: port, workflows: "hazchem",
			tasks: "hazchem@-:1", reasons: "hazchem.export_port_check#1"}
		tests = append(tests, ex)
	}
	runDecideCases(t, tests)
}

func TestAuditHazchemByTableOnly(t *testing.T) {
	t.Parallel()
	e := newEngine(t, zeroRates())
	item1 := "/DecMessage/DecLists/DecList[1]"
	tests := []struct {
		name string
		d    *customs.Declaration
		want string
	}{
		{"HS+CIQ 101 only: UN, packing group, mark and office",
			imp(customs.GoodsItem{HSCode: "2902300000", CIQCode: "101", DestinationDistrict: "120116"}),
			"hazchem.declaration_incomplete@/DecMessage/DecHead/PurpOrgCode hazchem.declaration_incomplete@" + item1 + "/DangPackSpec " +
				"hazchem.declaration_incomplete@" + item1 + "/DangPackType hazchem.declaration_incomplete@" + item1 + "/UnCode"},
		{"HS+CIQ 101 only, with an office",
			office(imp(customs.GoodsItem{HSCode: "2902300000", CIQCode: "101"}), "120000"),
			"hazchem.declaration_incomplete@" + item1 + "/DangPackSpec hazchem.declaration_incomplete@" + item1 + "/DangPackType " +
				"hazchem.declaration_incomplete@" + item1 + "/UnCode"},
		{"the same HS with another CIQ code is not hazardous",
			imp(customs.GoodsItem{HSCode: "2902300000", CIQCode: "999"}), ""},
		{"bulk without a UN number: only the UN number and the office",
			imp(customs.GoodsItem{HSCode: "2902300000", CIQCode: "101", HazardFlagged: true, DangerousGoods: &customs.DangerousGoods{Bulk: true}}),
			"hazchem.declaration_incomplete@/DecMessage/DecHead/PurpOrgCode hazchem.declaration_incomplete@" + item1 + "/UnCode"},
		{"chlorine in cylinders needs no packing group",
			office(imp(haz("2801100000", &customs.DangerousGoods{UN: "1017", Packaging: "1A1"}, "")), "130900"), ""},
		{"exported, nothing is asked",
			decl(customs.Export, customs.GoodsItem{HSCode: "2902300000", CIQCode: "101"}), ""},
	}
	for _, tt := range tests {
		if got := problemString(e.Check(tt.d)); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestAuditFoodPrefixes(t *testing.T) {
	t.Parallel()
	e := newEngine(t, zeroRates())
	tests := []struct {
		hs       string
		food     bool
		prefix   string
		register bool
	}{
		{"1901909000", true, "1901", false},
		{"1901101000", true, "190110", true},
		{"1901200000", true, "1901", false},
		{"0410001000", true, "0410", true},
		{"0410009000", true, "0410", true},
		{"0806100000", true, "0806", false},
		{"0806200000", true, "080620", true},
		{"0901110000", true, "09011", true},
		{"0901210000", true, "09012", false},
		{"0407110000", false, "", false}, // 04071 live eggs for hatching: not a prefix of the table
		{"1902200000", true, "190220", true},
		{"1902110000", false, "", false},
		{"0301991000", true, "03019", true},
		{"0301110000", false, "", false}, // ornamental fish
		{"2207100000", false, "", false},
	}
	for _, tt := range tests {
		g := food(tt.hs, "120116", "")
		d := imp(g)
		ps := e.Check(d)
		wantPS := ""
		if tt.register {
			wantPS = "food.registration_missing@/DecMessage/DecLists/DecList[1]"
		}
		if got := problemString(ps); got != wantPS {
			t.Errorf("%s: Check %q, want %q", tt.hs, got, wantPS)
		}
		d = imp(food(tt.hs, "120116", "REG"))
		r, err := e.Decide(d, routing.Facts{})
		if err != nil {
			t.Fatalf("%s: %v", tt.hs, err)
		}
		if !tt.food {
			checkRoute(t, r, rel, "", "", "", "")
			continue
		}
		checkRoute(t, r, dest, "food", "120000", "food@120000:1", "food.post_entry_supervision#1")
		ev := evidence(reasonAt(t, r, 0))
		reg := "no"
		if tt.register {
			reg = "yes"
		}
		if ev["foodPrefix"] != tt.prefix || ev["registration"] != reg {
			t.Errorf("%s: evidence %v, want prefix %s registration %s", tt.hs, ev, tt.prefix, reg)
		}
		// Exported food: neither routed nor asked for a registration.
		x := decl(customs.Export, food(tt.hs, "120116", ""))
		if ps := e.Check(x); len(ps) > 0 {
			t.Errorf("%s export: %v", tt.hs, ps)
		}
		if r := mustDecide(t, e, x, routing.Facts{}); r.Lane != rel || len(r.Reasons) != 0 {
			t.Errorf("%s export: %s %v", tt.hs, r.Lane, reasonString(r.Reasons))
		}
	}
}

func TestAuditCoalHeadings(t *testing.T) {
	t.Parallel()
	runDecideCases(t, []decideCase{
		{name: "2701 anthracite", d: imp(coal("2701110010", "130203")), lane: dest, workflows: "coal", bureau: "130200",
			tasks: "coal@130200:1", reasons: "coal.joint_supervision#1", evRule: routing.RuleCoal,
			evidence: map[string]string{"hsCode": "2701110010", "coal": "other"}},
		{name: "2702 lignite", d: imp(coal("2702200000", "130203")), lane: dest, workflows: "coal", bureau: "130200",
			tasks: "coal@130200:1", reasons: "coal.joint_supervision#1", evRule: routing.RuleCoal,
			evidence: map[string]string{"hsCode": "2702200000", "coal": "lignite"}},
		{name: "2704 coke", d: imp(coal("2704009000", "130203")), lane: dest, workflows: "coal", bureau: "130200",
			tasks: "coal@130200:1", reasons: "coal.joint_supervision#1", evRule: routing.RuleCoal,
			evidence: map[string]string{"hsCode": "2704009000", "coal": "other"}},
		{name: "2703 peat, 2705 coal gas, 2706 tar are not coal", d: imp(coal("2703000010", "130203"), coal("2705000000", "130203"), coal("2706000000", "130203")), lane: rel},
	})
	// Distance edges and lignite against other coal at the same values.
	lab := goodCoal()
	lab["ash"], lab["sulfur"], lab["calorific"] = 25, 1.2, 17
	for _, c := range []struct {
		hs     string
		km     float64
		failed string
	}{
		{"2702100000", 600, ""},
		{"2702100000", 600.1, "ash sulfur"},
		{"2701129000", 600, ""},
		{"2701129000", 600.1, "calorific"},
		{"2704001000", 601, "calorific"},
	} {
		_, failed, missing := routing.EvaluateCoal(tables, c.hs, c.km, lab)
		got := ""
		for i, f := range failed {
			if i > 0 {
				got += " "
			}
			got += f.Indicator
		}
		if got != c.failed || len(missing) != 0 {
			t.Errorf("%s at %v km: failed %q missing %v, want %q", c.hs, c.km, got, missing, c.failed)
		}
	}
}

func TestAuditCredit(t *testing.T) {
	t.Parallel()
	three := func() *customs.Declaration {
		d := office(imp(coal("2701129000", "")), "130200")
		d.Parties = append(d.Parties, customs.Party{Role: customs.RoleOwner, USCC: usccOwner})
		return d
	}
	for _, who := range []string{usccTrader, usccOwner, usccDeclarant} {
		runDecideCases(t, []decideCase{{name: "dishonest " + who, d: three(),
			f: routing.Facts{Ratings: map[string]customs.Rating{
				usccTrader: customs.RatingAdvanced, usccOwner: customs.RatingAdvanced, usccDeclarant: customs.RatingAdvanced, who: customs.RatingDishonest}},
			lane: dest, workflows: "coal,inspection", bureau: "130200", tasks: "coal@130200:1 inspection@-:1",
			reasons: "coal.joint_supervision#1 credit.dishonest#0", evRule: routing.RuleCreditDishonest,
			evidence: map[string]string{"uscc": who, "rating": "dishonest"}}})
	}

	// The rate is that of the most severe rating: one general enterprise
	// among advanced ones draws at 3 %.
	e := newEngine(t, routing.DefaultRates())
	seed := routing.DaySeed([]byte("audit"), "2026-11-28")
	for _, c := range []struct {
		name    string
		ratings map[string]customs.Rating
		rate    float64
	}{
		{"all advanced", map[string]customs.Rating{usccTrader: customs.RatingAdvanced, usccOwner: customs.RatingAdvanced, usccDeclarant: customs.RatingAdvanced}, 0.005},
		{"owner has no record", map[string]customs.Rating{usccTrader: customs.RatingAdvanced, usccDeclarant: customs.RatingAdvanced}, 0.03},
		{"declarant general", map[string]customs.Rating{usccTrader: customs.RatingAdvanced, usccOwner: customs.RatingAdvanced, usccDeclarant: customs.RatingGeneral}, 0.03},
		{"none", nil, 0.03},
	} {
		r, err := e.Decide(three(), routing.Facts{Seed: &seed, Ratings: c.ratings})
		if err != nil {
			t.Fatal(err)
		}
		if r.Draw == nil || r.Draw.Rate != c.rate {
			t.Errorf("%s: draw %+v, want rate %v", c.name, r.Draw, c.rate)
		}
	}
}

// TestAuditDrawIndependent redoes the draw from routing.md with big
// numbers, for many ids and days, and holds Decide's draw to it.
func TestAuditDrawIndependent(t *testing.T) {
	t.Parallel()
	secret := []byte("RANDOM_SEED_SECRET for the audit")
	e := newEngine(t, map[customs.Rating]float64{customs.RatingGeneral: 0.5, customs.RatingAdvanced: 0.005})
	roster := tables.Bureaus["120000"].Inspectors
	selected := 0
	for _, day := range []string{"2026-11-27", "2026-11-28", "2027-01-01"} {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte("seed:" + day))
		seedKey := m.Sum(nil)
		sum := sha256.Sum256(seedKey)
		seedID := day + ":" + hex.EncodeToString(sum[:])[:8]
		seed := routing.DaySeed(secret, day)
		if seed.ID != seedID {
			t.Fatalf("seed id %s, want %s", seed.ID, seedID)
		}
		for i := range 200 {
			id := "d_01JAUDIT" + big.NewInt(int64(i)).Text(36)
			hm := hmac.New(sha256.New, seedKey)
			hm.Write([]byte(id))
			h := hm.Sum(nil)
			num := new(big.Int).SetBytes(h[:8])
			val := new(big.Rat).SetFrac(num, new(big.Int).Lsh(big.NewInt(1), 64))
			rate := new(big.Rat).SetFloat64(0.5)
			want := val.Cmp(rate) < 0
			wantInspector := ""
			if want {
				idx := new(big.Int).Mod(new(big.Int).SetBytes(h[8:16]), big.NewInt(int64(len(roster))))
				wantInspector = roster[idx.Int64()]
				selected++
			}
			d := imp(ordinary(""))
			d.ID = id
			r, err := e.Decide(d, routing.Facts{Seed: &seed})
			if err != nil {
				t.Fatal(err)
			}
			fv, _ := val.Float64()
			if r.Draw == nil || r.Draw.SeedID != seedID || r.Draw.Value != fv || r.Draw.Selected != want || r.Draw.Inspector != wantInspector {
				t.Fatalf("%s %s: draw %+v, want value %v selected %v inspector %q", day, id, r.Draw, fv, want, wantInspector)
			}
			if want != (len(r.Reasons) == 1 && r.Reasons[0].Rule == routing.RuleRandomSelected) {
				t.Fatalf("%s %s: reasons %s", day, id, reasonString(r.Reasons))
			}
			if want && (taskString(r.Tasks) != "inspection@-:1" || r.Tasks[0].Inspector != wantInspector) {
				t.Fatalf("%s %s: tasks %s, want inspection@-:1 with inspector %q", day, id, taskString(r.Tasks), wantInspector)
			}
		}
	}
	if selected == 0 || selected == 600 {
		t.Errorf("selected %d of 600 at rate 0.5", selected)
	}
}

func TestAuditAlertsAndLanes(t *testing.T) {
	t.Parallel()
	two := func() *customs.Declaration {
		d := office(imp(ordinary("120116"), food("0406900000", "110105", "R")), "")
		d.Goods[1].Origin = "FRA"
		return d
	}
	runDecideCases(t, []decideCase{
		{name: "destination alert with an office: at the office", d: office(two(), "130200"),
			f:    routing.Facts{Alerts: []routing.Alert{{ID: "a", Origin: "KOR", Action: dest}}},
			lane: dest, workflows: "food,inspection", bureau: "130200", tasks: "food@130200:2 inspection@130200:1",
			reasons: "food.post_entry_supervision#2 risk.alert#1"},
		{name: "destination alert by district: item 1 to Tianjin, food to Beijing", d: two(),
			f:    routing.Facts{Alerts: []routing.Alert{{ID: "a", USCC: usccTrader, Action: dest}}},
			lane: dest, workflows: "food,inspection", tasks: "food@110000:2 inspection@110000:2 inspection@120000:1",
			reasons: "food.post_entry_supervision#2 risk.alert#1 risk.alert#2"},
		{name: "port alert plus dishonest: one port task with every item", d: two(),
			f: routing.Facts{Alerts: []routing.Alert{{ID: "a", HSPrefix: "0406", Origin: "FRA", Action: port}},
				Ratings: map[string]customs.Rating{usccDeclarant: customs.RatingDishonest}},
			lane: dest, workflows: "food,inspection", bureau: "110000", tasks: "food@110000:2 inspection@-:1,2",
			reasons: "credit.dishonest#0 food.post_entry_supervision#2 risk.alert#2"},
		{name: "HS prefix and origin must both match", d: two(),
			f:    routing.Facts{Alerts: []routing.Alert{{ID: "a", HSPrefix: "0406", Origin: "KOR", Action: port}}},
			lane: dest, workflows: "food", bureau: "110000", tasks: "food@110000:2", reasons: "food.post_entry_supervision#2"},
		{name: "alert for another port", d: two(),
			f:    routing.Facts{Alerts: []routing.Alert{{ID: "a", Port: "0409", Action: port}}},
			lane: dest, workflows: "food", bureau: "110000", tasks: "food@110000:2", reasons: "food.post_entry_supervision#2"},
		{name: "release only: port alert", d: imp(ordinary("120116")),
			f:    routing.Facts{Alerts: []routing.Alert{{ID: "a", Port: customs.PortTianjin, Action: port}}},
			lane: port, workflows: "inspection", tasks: "inspection@-:1", reasons: "risk.alert#1",
			evRule: routing.RuleRiskAlert, evidence: map[string]string{"alertId": "a", "action": "port_inspection", "port": "tianjin"}},
	})
}
