package routing

import (
	"github.com/jjj/gateway/internal/customs"
)

// Check is routing's validation half: the rules that make a declaration
// invalid rather than route it. It reports every problem at its path in the
// port's message (d.Paths suffixes appended to GoodsItem.Path; head paths as
// they are), and tolerates a partly decoded declaration: an item that could
// not be read far enough simply raises what it can.
//
//   - hazchem.declaration_incomplete, for each imported hazardous item: the
//     UN number; the packing group where the table gives the substance one
//     (or there is no table row to say otherwise) and the goods are not in
//     bulk; the packaging mark unless in bulk; and once per declaration the
//     destination office.
//   - food.registration_missing, at the item, for an imported item whose
//     longest food-hs.csv prefix requires the producer's registration.
//   - document.missing at the item (checkDocuments), for exports too: an
//     exported hazardous item in packages cites its packaging-use record.
//   - missing_field at the item's district path for an import item with
//     destination work (coal, food, grain, a special article of level A or
//     B, a hazchem unsafe at the quay) when the
//     declaration names no destination office, the item no district, and
//     no direct transit will be granted.
//
// Exports are exempt from the rest: routing.md asks them of imports, and
// an export's hazardous goods are checked where they are made.
func (e *Engine) Check(d *customs.Declaration) customs.Problems {
	if d == nil {
		return nil
	}
	var ps customs.Problems
	e.checkDocuments(d, &ps)
	if d.Direction != customs.Import {
		return ps
	}
	p := &d.Paths
	granted := e.granted(d)
	needOffice := false
	for i := range d.Goods {
		g := &d.Goods[i]
		h := e.hazardOf(g)
		if h.is {
			needOffice = true
			if h.un == "" {
				ps.Add(g.Path+p.UN, customs.ProblemHazchemIncomplete,
					"item %d is a hazardous chemical and needs its UN number", g.Seq)
			}
			if h.needsPackingGroup() && (g.DangerousGoods == nil || g.DangerousGoods.PackingGroup == "") {
				ps.Add(g.Path+p.PackingGroup, customs.ProblemHazchemIncomplete,
					"item %d is a packaged hazardous chemical and needs its packing group", g.Seq)
			}
			if !h.bulk && (g.DangerousGoods == nil || g.DangerousGoods.Packaging == "") {
				ps.Add(g.Path+p.PackagingMark, customs.ProblemHazchemIncomplete,
					"item %d is a packaged hazardous chemical and needs its UN packaging mark", g.Seq)
			}
		}
		if f, ok := e.tables.Food(g.HSCode); ok && f.Registration && g.FoodProducerRegistration == "" {
			ps.Add(g.Path, customs.ProblemFoodRegistrationMissing,
				"item %d (%s, HS %s) needs the overseas producer's registration number in China", g.Seq, f.CategoryEn, g.HSCode)
		}
		if !granted && d.DestinationOffice == "" && g.DestinationDistrict == "" && e.needsDestination(g, &h) {
			ps.Add(g.Path+p.District, customs.ProblemMissingField,
				"item %d needs destination inspection and has neither a destination office nor a district", g.Seq)
		}
	}
	if needOffice && d.DestinationOffice == "" {
		ps.Add(p.DestinationOffice, customs.ProblemHazchemIncomplete,
			"a declaration of hazardous chemicals needs its destination inspection office")
	}
	return ps
}

// CheckCodes reports the code-table problems routing.md names for routing
// inputs: a destination office or direct-transit zone that is not a bureau
// of codes/bureaus.csv (unknown_bureau, for exports too) and a declared UN
// number that is not in codes/un-numbers.csv (unknown_un_number). Adapters
// report these while decoding, at the same paths; Check does not repeat
// them, so that a problem is listed once. CheckCodes is for a caller whose
// adapter does not.
func (e *Engine) CheckCodes(d *customs.Declaration) customs.Problems {
	if d == nil {
		return nil
	}
	var ps customs.Problems
	if o := d.DestinationOffice; o != "" {
		if _, ok := e.tables.Bureaus[o]; !ok {
			ps.Add(d.Paths.DestinationOffice, customs.ProblemUnknownBureau, "destination office %s is not a bureau", o)
		}
	}
	if dt := d.DirectTransit; dt != nil {
		if _, ok := e.tables.Bureaus[dt.Zone]; !ok {
			ps.Add(d.Paths.DirectTransitZone, customs.ProblemUnknownBureau, "direct-transit zone %s is not a bureau", dt.Zone)
		}
	}
	for i := range d.Goods {
		g := &d.Goods[i]
		if dg := g.DangerousGoods; dg != nil && dg.UN != "" {
			if _, ok := e.tables.UN[dg.UN]; !ok {
				ps.Add(g.Path+d.Paths.UN, customs.ProblemUnknownUNNumber, "UN %s is not in the dangerous goods list", dg.UN)
			}
		}
	}
	return ps
}
