package routing_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
)

var tables = codes.MustEmbedded()

// zeroRates is the samples' configuration: random inspection never selects.
func zeroRates() map[customs.Rating]float64 {
	return map[customs.Rating]float64{customs.RatingGeneral: 0, customs.RatingAdvanced: 0}
}

func newEngine(t testing.TB, rates map[customs.Rating]float64) *routing.Engine {
	t.Helper()
	e, err := routing.New(routing.Config{Tables: tables, Rates: rates})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Valid USCCs (GB 32100 check characters) for hand-built declarations.
const (
	usccTrader    = "91120116MA05T7K30Q"
	usccDeclarant = "91120116732845199J"
	usccOwner     = "91130104MA0CF8N241"
)

// tjPaths are the Tianjin dialect's paths (samples/README.md).
var tjPaths = customs.Paths{
	DestinationOffice: "/DecMessage/DecHead/PurpOrgCode",
	DirectTransitZone: "/DecMessage/DirectTransit/@zone",
	District:          "/DestCode",
	UN:                "/UnCode",
	PackingGroup:      "/DangPackType",
	PackagingMark:     "/DangPackSpec",
}

// decl builds an import through Xingang (0202, office 120000) with the
// given items, numbered from 1 in order.
func decl(dir customs.Direction, items ...customs.GoodsItem) *customs.Declaration {
	d := &customs.Declaration{
		ID:        "d_00000002",
		Source:    customs.Source{Port: customs.PortTianjin, PortRef: "I2026"},
		Direction: dir,
		Customs:   customs.CustomsCodes{Declaring: "0202", Port: "0202"},
		Parties: []customs.Party{
			{Role: customs.RoleConsignee, USCC: usccTrader},
			{Role: customs.RoleDeclarant, USCC: usccDeclarant},
			{Role: customs.RoleOverseas, Name: "ACME"},
		},
		Transport: customs.Transport{Mode: "sea"},
		Paths:     tjPaths,
	}
	if dir == customs.Export {
		d.Parties[0].Role = customs.RoleConsignor
	}
	for i, g := range items {
		if g.Seq == 0 {
			g.Seq = i + 1
		}
		if g.Path == "" {
			g.Path = fmt.Sprintf("/DecMessage/DecLists/DecList[%d]", g.Seq)
		}
		if g.Origin == "" {
			g.Origin = "KOR"
		}
		// An exported item cites a packaging-use record unless the case
		// says otherwise (a non-nil empty Documents cites none), so that
		// exported hazardous items pass Check (documents.md).
		if dir == customs.Export && g.Documents == nil {
			g.Documents = []customs.Citation{dgp(g.Seq)}
		}
		d.Goods = append(d.Goods, g)
	}
	return d
}

// dgp is a citation of packaging-use record 120000DGP<seq> by item seq.
func dgp(seq int) customs.Citation {
	return customs.Citation{Kind: customs.DocDGPackagingUse, Number: fmt.Sprintf("120000DGP%04d", seq), WriteOff: "1",
		Path: fmt.Sprintf("/DecMessage/DecLists/DecList[%d]/DecGoodsLimits/DecGoodsLimit[1]/LicenceNo", seq)}
}

func imp(items ...customs.GoodsItem) *customs.Declaration { return decl(customs.Import, items...) }

// Items of the kinds the rules care about.
func ordinary(district string) customs.GoodsItem {
	return customs.GoodsItem{HSCode: "8457101000", CIQCode: "999", DestinationDistrict: district}
}

func acetone(district string) customs.GoodsItem {
	return customs.GoodsItem{HSCode: "2914110000", CIQCode: "101", DestinationDistrict: district, HazardFlagged: true,
		DangerousGoods: &customs.DangerousGoods{UN: "1090", Class: "3", PackingGroup: "II", Packaging: "1A1/Y1.4/150/26/KR/HD2611"}}
}

func cyanide(district string) customs.GoodsItem {
	return customs.GoodsItem{HSCode: "2837110000", CIQCode: "101", DestinationDistrict: district, HazardFlagged: true,
		DangerousGoods: &customs.DangerousGoods{UN: "1689", Class: "6.1", PackingGroup: "I", Packaging: "11G/X/26/USA/M4521"}}
}

func coal(hs, district string) customs.GoodsItem {
	return customs.GoodsItem{HSCode: hs, CIQCode: "999", DestinationDistrict: district}
}

func food(hs, district, registration string) customs.GoodsItem {
	return customs.GoodsItem{HSCode: hs, CIQCode: "999", DestinationDistrict: district, FoodProducerRegistration: registration}
}

func boolPtr(b bool) *bool { return &b }

// transit asks for direct transit to zone in original containers with n seals.
func transit(d *customs.Declaration, zone string, seals int) *customs.Declaration {
	d.DirectTransit = &customs.DirectTransit{Zone: zone, OriginalContainers: boolPtr(true), SealCount: seals}
	return d
}

// taskString writes tasks compactly: "hazchem@-:1,2 coal@130200:3".
func taskString(ts []customs.Task) string {
	parts := make([]string, 0, len(ts))
	for _, t := range ts {
		b := t.Bureau
		if b == "" {
			b = "-"
		}
		items := make([]string, len(t.Items))
		for i, n := range t.Items {
			items[i] = fmt.Sprint(n)
		}
		parts = append(parts, fmt.Sprintf("%s@%s:%s", t.Workflow, b, strings.Join(items, ",")))
	}
	return strings.Join(parts, " ")
}

// reasonString writes reasons compactly: "coal.joint_supervision#1 random.selected#0".
func reasonString(rs []customs.Reason) string {
	parts := make([]string, 0, len(rs))
	for _, r := range rs {
		parts = append(parts, fmt.Sprintf("%s#%d", r.Rule, r.Item))
	}
	return strings.Join(parts, " ")
}

func workflowString(ws []customs.Workflow) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = string(w)
	}
	return strings.Join(parts, ",")
}

func problemString(ps customs.Problems) string {
	parts := make([]string, 0, len(ps))
	for _, p := range ps {
		parts = append(parts, p.Code+"@"+p.Path)
	}
	slices.Sort(parts)
	return strings.Join(parts, " ")
}

// evidence returns a reason's evidence as name=value pairs.
func evidence(r customs.Reason) map[string]string {
	m := map[string]string{}
	for _, e := range r.Evidence {
		m[e.Name] = e.Value
	}
	return m
}

func findReason(rs []customs.Reason, rule string) (customs.Reason, bool) {
	for _, r := range rs {
		if r.Rule == rule {
			return r, true
		}
	}
	return customs.Reason{}, false
}

// The accessors below stop the test (t.Fatalf) when what they reach for is
// not there. Checks such as checkRoute only report (t.Errorf) and go on, so
// indexing r.Tasks[0] or dereferencing r.Draw after them would panic on a
// wrong route, and a panic takes down the package's whole test binary and
// hides every other result.

// mustDecide is e.Decide that stops the test on an error: no nil route
// reaches the checks.
func mustDecide(t testing.TB, e *routing.Engine, d *customs.Declaration, f routing.Facts) *customs.Route {
	t.Helper()
	r, err := e.Decide(d, f)
	if err != nil {
		t.Fatalf("Decide: %v", err)
	}
	if r == nil {
		t.Fatal("Decide: nil route without an error")
	}
	return r
}

// taskAt returns the route's i-th task.
func taskAt(t testing.TB, r *customs.Route, i int) customs.Task {
	t.Helper()
	if i >= len(r.Tasks) {
		t.Fatalf("route has %d tasks (%s), want a task #%d", len(r.Tasks), taskString(r.Tasks), i)
	}
	return r.Tasks[i]
}

// reasonAt returns the route's i-th reason.
func reasonAt(t testing.TB, r *customs.Route, i int) customs.Reason {
	t.Helper()
	if i >= len(r.Reasons) {
		t.Fatalf("route has %d reasons (%s), want a reason #%d", len(r.Reasons), reasonString(r.Reasons), i)
	}
	return r.Reasons[i]
}

// drawOf returns the route's draw.
func drawOf(t testing.TB, r *customs.Route) customs.Draw {
	t.Helper()
	if r.Draw == nil {
		t.Fatal("route has no draw")
	}
	return *r.Draw
}
