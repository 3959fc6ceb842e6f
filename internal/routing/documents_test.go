package routing_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
)

func ironOre(district string) customs.GoodsItem {
	return customs.GoodsItem{HSCode: "2601110000", CIQCode: "999", DestinationDistrict: district}
}

// soybeans are grain and food (1201); with a permit and a registration.
func soybeans(district string) customs.GoodsItem {
	return customs.GoodsItem{HSCode: "1201901000", CIQCode: "999", DestinationDistrict: district, FoodProducerRegistration: "CBRA1201260415",
		Documents: []customs.Citation{{Kind: customs.DocQuarantinePermit, Number: "130000QTP1", WriteOff: "100", Path: "/x"}}}
}

// special is an item of a special-article level citing approval number.
func special(level, district, number string) customs.GoodsItem {
	g := customs.GoodsItem{HSCode: "3002120000", CIQCode: "999", DestinationDistrict: district, SpecialArticle: level}
	if number != "" {
		g.Documents = []customs.Citation{{Kind: customs.DocSpecialArticleApproval, Number: number, WriteOff: "1", Path: "/x"}}
	}
	return g
}

func notFirst(customs.DocumentKind, string) bool { return false }

func TestRuleIronOre(t *testing.T) {
	t.Parallel()
	everything := imp(ironOre("130203"), ordinary("130203"))
	runDecideCases(t, []decideCase{
		{name: "iron ore is checked on site at the port, whatever its district", d: imp(ironOre("130203")),
			lane: port, workflows: "iron_ore", tasks: "iron_ore@-:1", reasons: "iron_ore.on_site_check#1",
			evRule: "iron_ore.on_site_check", evidence: map[string]string{"hsCode": "2601110000"}},
		{name: "one task for the declaration's iron-ore items", d: imp(ironOre(""), ordinary(""), ironOre("")),
			lane: port, workflows: "iron_ore", tasks: "iron_ore@-:1,3", reasons: "iron_ore.on_site_check#1 iron_ore.on_site_check#3"},
		{name: "under granted direct transit at the pilot zone", d: transit(everything, "131000", 2),
			lane: dest, workflows: "iron_ore,direct_transit", bureau: "131000", tasks: "iron_ore@131000:1 direct_transit@131000:1,2",
			reasons: "direct_transit.sealed_move#0 iron_ore.on_site_check#1"},
		{name: "manganese ore 2602 is not iron ore", d: imp(customs.GoodsItem{HSCode: "2602000000", CIQCode: "999"}), lane: rel},
		{name: "exported iron ore is released", d: decl(customs.Export, ironOre("")), lane: rel},
	})
}

func TestRuleGrain(t *testing.T) {
	t.Parallel()
	maizeSeed := customs.GoodsItem{HSCode: "1005100000", CIQCode: "999", DestinationDistrict: "130302", FoodProducerRegistration: "CUSA1005"}
	runDecideCases(t, []decideCase{
		{name: "soybeans: grain and food at the same bureau", d: imp(soybeans("130302")),
			lane: dest, workflows: "food,grain", bureau: "130300", tasks: "food@130300:1 grain@130300:1",
			reasons: "food.post_entry_supervision#1 grain.designated_processing#1",
			evRule:  "grain.designated_processing", evidence: map[string]string{"hsCode": "1201901000", "grainPrefix": "1201", "document": "130000QTP1"}},
		{name: "the destination office takes the grain", d: office(imp(soybeans("110105")), "120000"),
			lane: dest, workflows: "food,grain", bureau: "120000", tasks: "food@120000:1 grain@120000:1",
			reasons: "food.post_entry_supervision#1 grain.designated_processing#1"},
		{name: "grain bound outside the region stays at the port", d: imp(soybeans("310000")),
			lane: port, workflows: "food,grain", tasks: "food@-:1 grain@-:1",
			reasons: "food.post_entry_supervision#1 grain.designated_processing#1 route.destination_outside_region#1 route.destination_outside_region#1"},
		{name: "maize seed for sowing is food, not grain", d: imp(maizeSeed),
			lane: dest, workflows: "food", bureau: "130300", tasks: "food@130300:1", reasons: "food.post_entry_supervision#1"},
	})
}

func TestRuleSpecialArticles(t *testing.T) {
	t.Parallel()
	seed := routing.DaySeed([]byte("special-test"), "2026-11-27")
	// Find one item whose later use is drawn at level C and one that is not,
	// by the formula routing.md gives (computed here with crypto/hmac).
	value := func(id string, seq int) float64 {
		m := hmac.New(sha256.New, seed.Key)
		m.Write([]byte("special:" + id + ":" + strconv.Itoa(seq)))
		return float64(binary.BigEndian.Uint64(m.Sum(nil)[:8])) / (1 << 64)
	}
	drawn, passed := "", ""
	for i := 0; drawn == "" || passed == ""; i++ {
		id := fmt.Sprintf("d_special%03d", i)
		switch v := value(id, 1); {
		case v < 0.2 && drawn == "":
			drawn = id
		case v >= 0.2 && passed == "":
			passed = id
		}
	}
	withID := func(d *customs.Declaration, id string) *customs.Declaration { d.ID = id; return d }
	vDrawn := value(drawn, 1)
	if got := routing.SpecialDraw(seed, drawn, 1); got != vDrawn {
		t.Fatalf("SpecialDraw = %v, want %v", got, vDrawn)
	}
	runDecideCases(t, []decideCase{
		{name: "level A after entry at the district's bureau", d: imp(special("A", "110105", "110000SPA1")),
			lane: dest, workflows: "special_articles", bureau: "110000", tasks: "special_articles@110000:1",
			reasons: "special_articles.post_entry#1",
			evRule:  "special_articles.post_entry", evidence: map[string]string{"level": "A", "document": "110000SPA1"}},
		{name: "level B every declaration, first use or not", d: imp(special("B", "120116", "120000SPA1")), f: routing.Facts{FirstUse: notFirst},
			lane: dest, workflows: "special_articles", bureau: "120000", tasks: "special_articles@120000:1",
			reasons: "special_articles.post_entry#1"},
		{name: "level A outside the region stays at the port", d: imp(special("A", "310000", "110000SPA2")),
			lane: port, workflows: "special_articles", tasks: "special_articles@-:1",
			reasons: "route.destination_outside_region#1 special_articles.post_entry#1"},
		{name: "level C first use is always checked at the port", d: imp(special("C", "110105", "110000SPC1")),
			lane: port, workflows: "special_articles", tasks: "special_articles@-:1", reasons: "special_articles.port_check#1",
			evRule: "special_articles.port_check", evidence: map[string]string{"level": "C", "document": "110000SPC1", "firstUse": "true"}},
		{name: "level D first use says so from the register", d: imp(special("D", "", "110000SPD1")),
			f: routing.Facts{FirstUse: func(k customs.DocumentKind, n string) bool {
				return k == customs.DocSpecialArticleApproval && n == "110000SPD1"
			}},
			lane: port, workflows: "special_articles", tasks: "special_articles@-:1", reasons: "special_articles.port_check#1"},
		{name: "level C later use drawn", d: withID(imp(special("C", "", "110000SPC2")), drawn), f: routing.Facts{FirstUse: notFirst, Seed: &seed},
			lane: port, workflows: "special_articles", tasks: "special_articles@-:1", reasons: "special_articles.port_check#1",
			evRule: "special_articles.port_check",
			evidence: map[string]string{"level": "C", "document": "110000SPC2", "firstUse": "false",
				"value": strconv.FormatFloat(vDrawn, 'f', -1, 64), "rate": "0.2"}},
		{name: "level C later use not drawn fires nothing", d: withID(imp(special("C", "", "110000SPC3")), passed), f: routing.Facts{FirstUse: notFirst, Seed: &seed},
			lane: rel},
		{name: "a later use without a seed (/validate) draws nothing", d: withID(imp(special("C", "", "110000SPC4")), drawn), f: routing.Facts{FirstUse: notFirst},
			lane: rel},
		{name: "under granted direct transit the zone checks it", d: transit(imp(special("C", "", "110000SPC5")), "131000", 1),
			lane: dest, workflows: "special_articles,direct_transit", bureau: "131000", tasks: "special_articles@131000:1 direct_transit@131000:1",
			reasons: "direct_transit.sealed_move#0 special_articles.port_check#1"},
		{name: "exported special articles fire nothing", d: decl(customs.Export, special("A", "", "110000SPA3")), lane: rel},
	})
}

func TestCheckDocumentMissing(t *testing.T) {
	t.Parallel()
	e := newEngine(t, zeroRates())
	bulk := acetone("")
	bulk.DangerousGoods = &customs.DangerousGoods{UN: "1090", Bulk: true}
	bulk.Documents = []customs.Citation{}
	uncited := acetone("")
	uncited.Documents = []customs.Citation{}
	wrongKind := acetone("")
	wrongKind.Documents = []customs.Citation{{Kind: customs.DocQuarantinePermit, Number: "X1", WriteOff: "1"}}
	noPermit := soybeans("130302")
	noPermit.Documents = nil
	seed := customs.GoodsItem{HSCode: "1201100000", CIQCode: "999", DestinationDistrict: "130302", FoodProducerRegistration: "CBRA1"}
	const dm, item1, item2 = "document.missing", "/DecMessage/DecLists/DecList[1]", "/DecMessage/DecLists/DecList[2]"
	for _, tt := range []struct {
		name string
		d    *customs.Declaration
		want string
	}{
		{"export hazchem in packages without its record", decl(customs.Export, uncited), dm + "@" + item1},
		{"export hazchem citing another kind", decl(customs.Export, wrongKind), dm + "@" + item1},
		{"export hazchem in bulk cites nothing", decl(customs.Export, bulk), ""},
		{"export hazchem with its record", decl(customs.Export, acetone("")), ""},
		{"special article without its approval", imp(ordinary("110105"), special("B", "110105", "")), dm + "@" + item2},
		{"special article with its approval", imp(special("D", "110105", "110000SPD9")), ""},
		{"grain without its permit", imp(noPermit), dm + "@" + item1},
		{"soya seed for sowing needs no permit", imp(seed), ""},
		{"exported grain needs no permit", decl(customs.Export, noPermit), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := problemString(e.Check(tt.d)); got != tt.want {
				t.Errorf("Check:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	// The message names the kind.
	ps := e.Check(imp(noPermit))
	if len(ps) != 1 || !strings.Contains(ps[0].Message, "quarantine_permit") || !strings.Contains(ps[0].Message, "325") {
		t.Errorf("message %v does not name the kind", ps)
	}
}

// Grain and levels A and B are destination work: without an office or a
// district they have nowhere to go.
func TestCheckDocumentWorkNeedsADestination(t *testing.T) {
	t.Parallel()
	e := newEngine(t, zeroRates())
	for _, g := range []customs.GoodsItem{soybeans(""), special("A", "", "110000SPA9")} {
		g.FoodProducerRegistration = "CBRA1"
		if got := problemString(e.Check(imp(g))); got != "missing_field@/DecMessage/DecLists/DecList[1]/DestCode" {
			t.Errorf("%s: %s", g.HSCode, got)
		}
	}
}
