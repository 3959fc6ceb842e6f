package routing_test

import (
	"testing"

	"github.com/jjj/gateway/internal/customs"
)

const (
	item1      = "/DecMessage/DecLists/DecList[1]"
	item2      = "/DecMessage/DecLists/DecList[2]"
	officePath = "/DecMessage/DecHead/PurpOrgCode"
	hzInc      = customs.ProblemHazchemIncomplete
	foodRM     = customs.ProblemFoodRegistrationMissing
	missF      = customs.ProblemMissingField
)

func TestCheck(t *testing.T) {
	t.Parallel()
	e := newEngine(t, zeroRates())
	withOffice := func(d *customs.Declaration, o string) *customs.Declaration { d.DestinationOffice = o; return d }
	tests := []struct {
		name string
		d    *customs.Declaration
		want string // problemString
	}{
		{"ordinary import", imp(ordinary("120113")), ""},
		{"complete hazchem with office", withOffice(imp(acetone("120116")), "120000"), ""},
		{"hazchem without office: office reported once", imp(acetone("120116"), acetone("120116")),
			hzInc + "@" + officePath},
		{"toluene flagged without UN number (tianjin sample)", withOffice(imp(ordinary("120116"), customs.GoodsItem{
			HSCode: "2902300000", CIQCode: "101", HazardFlagged: true, DestinationDistrict: "120116",
			DangerousGoods: &customs.DangerousGoods{PackingGroup: "II", Packaging: "1A1/Y1.4/150/26/KR/HD2611"}}), "120000"),
			hzInc + "@" + item2 + "/UnCode"},
		{"flag only: UN, packing group and mark all missing", withOffice(imp(customs.GoodsItem{
			HSCode: "3920109090", CIQCode: "999", HazardFlagged: true, DestinationDistrict: "120116"}), "120000"),
			hzInc + "@" + item1 + "/DangPackSpec " + hzInc + "@" + item1 + "/DangPackType " + hzInc + "@" + item1 + "/UnCode"},
		{"hazchem-hs pair alone makes it hazardous", withOffice(imp(customs.GoodsItem{
			HSCode: "2914110000", CIQCode: "101", DestinationDistrict: "120116"}), "120000"),
			hzInc + "@" + item1 + "/DangPackSpec " + hzInc + "@" + item1 + "/DangPackType " + hzInc + "@" + item1 + "/UnCode"},
		{"same HS with another CIQ code is not hazardous", imp(customs.GoodsItem{
			HSCode: "2914110000", CIQCode: "999", DestinationDistrict: "120116"}), ""},
		{"dangerous-goods block alone makes it hazardous", withOffice(imp(customs.GoodsItem{
			HSCode: "3920109090", CIQCode: "999", DestinationDistrict: "120116",
			DangerousGoods: &customs.DangerousGoods{DeclaredClass: "8", PackingGroup: "II", Packaging: "31H1"}}), "120000"),
			hzInc + "@" + item1 + "/UnCode"},
		{"bulk needs no packing group nor mark", withOffice(imp(customs.GoodsItem{
			HSCode: "2905110000", CIQCode: "101", HazardFlagged: true, DestinationDistrict: "130983",
			DangerousGoods: &customs.DangerousGoods{UN: "1230", Class: "3", Bulk: true}}), "130900"), ""},
		{"gas needs no packing group (reading 1)", withOffice(imp(customs.GoodsItem{
			HSCode: "2801100000", CIQCode: "101", HazardFlagged: true, DestinationDistrict: "130983",
			DangerousGoods: &customs.DangerousGoods{UN: "1017", Class: "2.3", Packaging: "ISO 9809-1"}}), "130900"), ""},
		{"substance with a packing group needs it", withOffice(imp(customs.GoodsItem{
			HSCode: "2914110000", CIQCode: "101", HazardFlagged: true, DestinationDistrict: "120116",
			DangerousGoods: &customs.DangerousGoods{UN: "1090", Class: "3", Packaging: "1A1"}}), "120000"),
			hzInc + "@" + item1 + "/DangPackType"},
		{"unknown UN number still needs a packing group", withOffice(imp(customs.GoodsItem{
			HSCode: "3920109090", CIQCode: "999", HazardFlagged: true, DestinationDistrict: "120116",
			DangerousGoods: &customs.DangerousGoods{UN: "9999", Packaging: "1A1"}}), "120000"),
			hzInc + "@" + item1 + "/DangPackType"},
		{"missing UN number, not bulk, needs a packing group", withOffice(imp(customs.GoodsItem{
			HSCode: "3920109090", CIQCode: "999", HazardFlagged: true, DestinationDistrict: "120116",
			DangerousGoods: &customs.DangerousGoods{Packaging: "1A1"}}), "120000"),
			hzInc + "@" + item1 + "/DangPackType " + hzInc + "@" + item1 + "/UnCode"},
		{"export hazchem is not asked for anything", decl(customs.Export, customs.GoodsItem{
			HSCode: "2914110000", CIQCode: "101", HazardFlagged: true}), ""},
		{"food needing registration without it", imp(food("0202300090", "110105", "")),
			foodRM + "@" + item1},
		{"food with registration", imp(food("0202300090", "110105", "CAUS01234567")), ""},
		{"food not needing registration", imp(food("2204210000", "120101", "")), ""},
		{"longest prefix: 1901 says no", imp(food("1901200000", "120101", "")), ""},
		{"longest prefix: 190110 infant formula says yes", imp(food("1901101000", "120101", "")),
			foodRM + "@" + item1},
		{"food export is exempt", decl(customs.Export, food("0202300090", "", "")), ""},
		{"coal without office or district", imp(coal("2701129000", "")),
			missF + "@" + item1 + "/DestCode"},
		{"coal with district", imp(coal("2701129000", "120116")), ""},
		{"coal with office only", withOffice(imp(coal("2701129000", "")), "130200"), ""},
		{"coal under granted direct transit needs no district", transit(imp(coal("2704001000", "")), "130100", 1), ""},
		{"coal under refused direct transit needs a district", transit(imp(coal("2704001000", "")), "130000", 1),
			missF + "@" + item1 + "/DestCode"},
		{"food without district: registration and district", imp(food("0302140000", "", "")),
			foodRM + "@" + item1 + " " + missF + "@" + item1 + "/DestCode"},
		{"unsafe hazchem without office or district", imp(cyanide("")),
			hzInc + "@" + officePath + " " + missF + "@" + item1 + "/DestCode"},
		{"port-safe hazchem needs no district", imp(acetone("")), hzInc + "@" + officePath},
		{"exported coal needs no district", decl(customs.Export, coal("2701129000", "")), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := problemString(e.Check(tt.d)); got != tt.want {
				t.Errorf("Check:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// Check runs on whatever an adapter managed to read.
func TestCheckPartlyDecoded(t *testing.T) {
	t.Parallel()
	e := newEngine(t, zeroRates())
	for _, d := range []*customs.Declaration{
		nil,
		{},
		{Direction: customs.Import},
		{Direction: customs.Import, Goods: []customs.GoodsItem{{}}},
		{Direction: customs.Import, DirectTransit: &customs.DirectTransit{}, Goods: []customs.GoodsItem{{DangerousGoods: &customs.DangerousGoods{}}}},
		{Direction: "sideways", Goods: []customs.GoodsItem{{HazardFlagged: true}}},
	} {
		_ = e.Check(d)
		_ = e.CheckCodes(d)
	}
	// Without paths the problems still come, at what is known.
	ps := e.Check(&customs.Declaration{Direction: customs.Import, Goods: []customs.GoodsItem{{Seq: 1, HazardFlagged: true}}})
	if len(ps) != 4 {
		t.Errorf("flagged item without anything: %d problems, want 4 (UN, packing group, mark, office): %v", len(ps), ps)
	}
}

func TestCheckCodes(t *testing.T) {
	t.Parallel()
	e := newEngine(t, zeroRates())
	d := transit(imp(customs.GoodsItem{HSCode: "3920109090", DangerousGoods: &customs.DangerousGoods{UN: "9999"}}), "999999", 1)
	d.DestinationOffice = "123456"
	want := customs.ProblemUnknownBureau + "@/DecMessage/DecHead/PurpOrgCode " +
		customs.ProblemUnknownBureau + "@/DecMessage/DirectTransit/@zone " +
		customs.ProblemUnknownUNNumber + "@" + item1 + "/UnCode"
	if got := problemString(e.CheckCodes(d)); got != want {
		t.Errorf("CheckCodes:\n got %s\nwant %s", got, want)
	}
	if got := e.CheckCodes(transit(imp(acetone("120116")), "130100", 1)); len(got) != 0 {
		t.Errorf("CheckCodes of known codes: %v", got)
	}
}
