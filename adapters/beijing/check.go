package beijing

import (
	"strconv"
	"strings"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/internal/customs"
)

// The checks of what the walk read. Those of one element run as it is
// read, so problems come in the message's order; those that need the
// whole message run in finish. Messages are built only on failure.

// head checks the root's attributes: the message number, the direction and
// the creation time.
func (dc *decoder) head(messageID, direction, created string) {
	d := dc.d
	if messageID == "" {
		dc.Add(rootPath+"/@messageId", customs.ProblemMissingField, "the message number (messageId) is required")
	}
	d.Source.PortRef = messageID
	switch direction {
	case "IMPORT":
		d.Direction, dc.directionKnown = customs.Import, true
	case "EXPORT":
		d.Direction, dc.directionKnown = customs.Export, true
	case "":
		dc.Add(rootPath+"/@direction", customs.ProblemMissingField, "the direction is required: IMPORT or EXPORT")
	default:
		dc.Add(rootPath+"/@direction", customs.ProblemInvalidEnum, "direction %q is neither IMPORT nor EXPORT", direction)
	}
	if created != "" {
		if t, ok := parseTime(created); ok {
			d.Source.DeclaredAt = t.UTC()
		} else {
			dc.Add(rootPath+"/@created", customs.ProblemInvalidDate, "created %q is not an ISO 8601 time with an offset (2026-11-27T09:12:00+08:00)", created)
		}
	}
}

// customsCode checks a required customs code of Customs (sub is its
// attribute).
func (dc *decoder) customsCode(v, sub, what string) string {
	at := adapters.At{Parent: customsPath}
	if v == "" {
		dc.Missing(at, sub, what)
	} else {
		dc.CustomsCode(v, at, sub)
	}
	return v
}

// country maps an alpha-2 code to alpha-3, reporting one not in the table;
// it returns the declared value then, so a 422 still shows it.
func (dc *decoder) country(v string, at adapters.At, sub string) string {
	if a3, ok := dc.Country(v, adapters.Alpha2, at, sub); ok {
		return a3
	}
	return v
}

// checkParty checks a Party with content (at at) and maps it to its
// canonical slot.
func (dc *decoder) checkParty(at adapters.At, role, uscc, name, country string) {
	// A role of the other direction (a CONSIGNOR on an import, say) is one
	// of the format's roles, so it is no invalid_enum: like Hebei's FHR on
	// an import, it is checked but not mapped, since the canonical model
	// has room for one trader and one overseas party.
	imp := !dc.directionKnown || dc.d.Direction == customs.Import
	exp := !dc.directionKnown || dc.d.Direction == customs.Export
	slot := -1
	var canon customs.Role
	overseas, required := false, false
	switch role {
	case "CONSIGNEE":
		if imp {
			slot, canon, required = slotTrader, customs.RoleConsignee, true
		}
	case "CONSIGNOR":
		if exp {
			slot, canon, required = slotTrader, customs.RoleConsignor, true
		}
	case "OWNER":
		// ports.md requires the trader's and the declarant's USCC only: an
		// owner may be named without one. One with neither is absent (its
		// country, if any, is still checked).
		if uscc == "" && name == "" {
			if country == "" {
				return
			}
		} else {
			slot, canon = slotOwner, customs.RoleOwner
		}
	case "DECLARANT":
		slot, canon, required = slotDeclarant, customs.RoleDeclarant, true
	case "SHIPPER":
		overseas = true
		if imp {
			slot, canon = slotOverseas, customs.RoleOverseas
		}
	case "RECIPIENT":
		overseas = true
		if exp {
			slot, canon = slotOverseas, customs.RoleOverseas
		}
	case "":
		dc.Add(at.Path("/@role"), customs.ProblemMissingField, "the party's role is required")
		return
	default:
		dc.Add(at.Path("/@role"), customs.ProblemInvalidEnum, "role %q is not one of CONSIGNEE, CONSIGNOR, OWNER, DECLARANT, SHIPPER, RECIPIENT", role)
		return
	}
	if !dc.roles.add(role) {
		dc.Add(at.Path("/@role"), customs.ProblemDuplicateKey, "a second %s: each party role is given once", role)
		return
	}
	var p customs.Party
	if !overseas {
		p.USCC = dc.PartyUSCC(uscc, required, at, "/@uscc", strings.ToLower(role))
	}
	if country != "" {
		p.Country = dc.country(country, at, "/@country")
	}
	// Unmapped: a role of the other direction, or (direction unknown) a
	// second trader or overseas party, already reported through @direction.
	if slot < 0 || dc.hasRole[slot] {
		return
	}
	dc.hasRole[slot] = true
	p.Role, p.Name = canon, name
	dc.parties[slot] = p
}

func (dc *decoder) checkTransport(t *rawTransport) {
	tr := &dc.d.Transport
	if t.mode == "" {
		dc.Add(transportPath+"/@mode", customs.ProblemMissingField, "the transport mode is required: AIR, ROAD or RAIL")
	} else if m, ok := dc.Tables.TransportByBeijing[t.mode]; ok {
		tr.Mode = m
	} else {
		tr.Mode = t.mode
		dc.Add(transportPath+"/@mode", customs.ProblemUnknownTransportMode, "transport mode %q is not one of AIR, ROAD, RAIL", t.mode)
	}
	tr.Means, tr.HouseBill, tr.DeparturePort = t.flight, t.hawb, t.departure
	switch {
	case t.mawb != "":
		tr.BillNo = customs.NormalizeAWB(t.mawb)
		if !customs.CheckAWB(t.mawb) {
			dc.Add(transportPath+"/@mawb", customs.ProblemInvalidAWB, "master air waybill %q: 3-digit prefix and 8-digit serial whose last digit is the first seven mod 7", t.mawb)
		}
	case t.mode == "AIR":
		dc.Add(transportPath+"/@mawb", customs.ProblemMissingField, "the master air waybill (总运单号) is required for air transport")
	}
	if t.country != "" {
		tr.Country = dc.country(t.country, adapters.At{Parent: transportPath}, "/@departureCountry")
	}
	if t.date != "" {
		if day, ok := utcDate(t.date); ok {
			tr.DepartureDate = day
		} else {
			dc.Add(transportPath+"/@departureDate", customs.ProblemInvalidDate, "departure date %q is neither a yyyy-MM-dd date nor an ISO 8601 time with an offset", t.date)
		}
	}
}

// checkSeal checks a Seal with content and keeps it for finish, which puts
// it on its unit.
func (dc *decoder) checkSeal(at adapters.At, unit, number string) {
	if number == "" {
		dc.Add(at.Path(""), customs.ProblemMissingField, "the seal number is required")
	}
	if unit == "" {
		dc.Add(at.Path("/@unit"), customs.ProblemMissingField, "the ULD or container the seal is on is required")
	}
	dc.seals = append(dc.seals, customs.Seal{Unit: unit, Number: number})
}

// checkUnit checks a Unit with content and adds it to the equipment.
func (dc *decoder) checkUnit(at adapters.At, id, kind, typ string) {
	u := customs.Unit{ID: id, Type: typ}
	switch kind {
	case "ULD":
		u.Kind = customs.KindULD
	case "CONTAINER":
		u.Kind = customs.KindContainer
	case "":
		if containerShaped(id) {
			u.Kind = customs.KindContainer
		} else {
			u.Kind = customs.KindULD
		}
	default:
		dc.Add(at.Path("/@kind"), customs.ProblemInvalidEnum, "unit kind %q is neither ULD nor CONTAINER", kind)
	}
	switch {
	case id == "":
		dc.Add(at.Path("/@id"), customs.ProblemMissingField, "the unit's id is required")
	case !dc.unitIDs.add(id):
		dc.Add(at.Path("/@id"), customs.ProblemDuplicateKey, "unit %s is declared more than once", id)
		return
	case u.Kind == customs.KindContainer:
		dc.Container(id, at, "/@id")
	}
	dc.d.Equipment = append(dc.d.Equipment, u)
}

// containerShaped reports whether id looks like an ISO 6346 number (four
// letters, seven digits), whatever its check digit.
func containerShaped(id string) bool {
	if len(id) != 11 {
		return false
	}
	for i := 0; i < 4; i++ {
		if id[i] < 'A' || id[i] > 'Z' {
			return false
		}
	}
	return customs.AllDigits(id[4:])
}

// checkItem checks an Item's attributes; g holds them as declared, and
// takes the mapped unit and origin.
func (dc *decoder) checkItem(it *rawItem, g *customs.GoodsItem) {
	at := adapters.At{Parent: g.Path}
	switch seq, err := strconv.Atoi(it.line); {
	case it.line == "":
		dc.Missing(at, "/@line", "item number (line)")
	case !customs.AllDigits(it.line) || err != nil || seq <= 0:
		dc.Add(at.Path("/@line"), customs.ProblemMissingField, "item number %q is not a positive whole number", it.line)
	case !dc.lines.add(seq):
		g.Seq = seq
		dc.Add(at.Path("/@line"), customs.ProblemDuplicateKey, "item %d is declared more than once", seq)
	default:
		g.Seq = seq
	}
	if it.hs == "" {
		dc.Missing(at, "/@hs", "HS code")
	} else {
		dc.HSCode(it.hs, at, "/@hs")
	}
	if it.ciq != "" {
		dc.CIQCode(it.ciq, at, "/@ciq")
	}
	if it.qty == "" {
		dc.Missing(at, "/@quantity", "quantity")
	} else {
		dc.Decimal(it.qty, 5, customs.ProblemInvalidQuantity, at, "/@quantity", "quantity")
	}
	if it.unit == "" {
		dc.Missing(at, "/@unit", "unit")
	} else if code, ok := dc.Tables.UnitByRec20[it.unit]; ok {
		g.Unit = code
	} else {
		dc.Add(at.Path("/@unit"), customs.ProblemUnknownUnit, "unit %q is not a UN/ECE Rec 20 code of codes/units.csv", it.unit)
	}
	if it.value == "" {
		dc.Missing(at, "/@value", "value")
	} else {
		dc.Decimal(it.value, 2, customs.ProblemInvalidValue, at, "/@value", "value")
	}
	switch {
	case it.currency == "":
		dc.Missing(at, "/@currency", "currency")
	case !dc.Tables.Currencies[it.currency]:
		dc.Add(at.Path("/@currency"), customs.ProblemUnknownCurrency, "currency %q is not an ISO 4217 code of codes/currencies.csv", it.currency)
	}
	if it.origin == "" {
		dc.Missing(at, "/@origin", "country of origin")
	} else {
		g.Origin = dc.country(it.origin, at, "/@origin")
	}
	if it.district != "" {
		dc.District(it.district, at, "/@district")
	}
}

// checkDG checks a DangerousGoods block (at at) that is not empty: it
// makes the item hazardous. The class of codes/un-numbers.csv governs; a
// declared class that differs, or a declared packing group the table does
// not list, is a warning. A missing UN number is routing's
// hazchem.declaration_incomplete.
func (dc *decoder) checkDG(at adapters.At, r *rawDG, g *customs.GoodsItem) {
	g.HazardFlagged = true
	dg := &customs.DangerousGoods{UN: r.un, Class: r.class, DeclaredClass: r.class, PackingGroup: r.pg, Packaging: r.packaging}
	g.DangerousGoods = dg

	switch r.bulk {
	case "", "false", "0":
	case "true", "1":
		dg.Bulk = true
	default:
		dc.Add(at.Path("/@bulk"), customs.ProblemInvalidEnum, "bulk %q is neither true nor false", r.bulk)
	}
	switch r.pg {
	case "", "I", "II", "III":
	default:
		dc.Add(at.Path("/@packingGroup"), customs.ProblemInvalidEnum, "packing group %q is not I, II or III", r.pg)
	}
	if r.un == "" {
		return
	}
	entry, ok := dc.Tables.UN[r.un]
	if !ok {
		dc.Add(at.Path("/@un"), customs.ProblemUnknownUNNumber, "UN number %q is not in codes/un-numbers.csv", r.un)
		return
	}
	dg.Class = entry.Class
	if r.class != "" && !sameClass(r.class, entry.Class) {
		dc.Warn(at.Path("/@class"), customs.WarnClassDiffersFromTable,
			"declared class "+r.class+" differs from class "+entry.Class+" of UN "+r.un+" in the dangerous goods list, which governs")
	}
	if r.pg == "I" || r.pg == "II" || r.pg == "III" {
		listed := false
		for _, l := range entry.PackingGroups {
			if l == r.pg {
				listed = true
				break
			}
		}
		if !listed {
			msg := "the dangerous goods list gives no packing group for UN " + r.un
			if len(entry.PackingGroups) > 0 {
				msg = "the dangerous goods list gives packing group " + strings.Join(entry.PackingGroups, " or ") + " for UN " + r.un
			}
			dc.Warn(at.Path("/@packingGroup"), customs.WarnPackingGroupNotListed, "declared packing group "+r.pg+" is not listed: "+msg)
		}
	}
}

// sameClass reports whether a declared hazard class is the listed one. A
// class-1 entry is listed with its compatibility group (1.1D); a declared
// division without the letter (1.1) is the same class.
func sameClass(declared, listed string) bool {
	if declared == listed {
		return true
	}
	if len(listed) == len(declared)+1 && strings.HasPrefix(listed, declared) {
		c := listed[len(listed)-1]
		return c >= 'A' && c <= 'Z'
	}
	return strings.EqualFold(declared, listed)
}

// finish makes the checks that need the whole message: required parts that
// never appeared, the canonical party order and the seals' units.
func (dc *decoder) finish() {
	d := dc.d
	if dc.seen.Count(rCustoms) == 0 {
		dc.Add(customsPath+"/@declaring", customs.ProblemMissingField, "the declaring customs code is required")
		dc.Add(customsPath+"/@entry", customs.ProblemMissingField, "the port customs code is required")
	}
	if dc.seen.Count(rTransport) == 0 {
		dc.Add(transportPath+"/@mode", customs.ProblemMissingField, "the transport (mode, and the master waybill for air) is required")
	}
	if dc.itemCount == 0 {
		dc.Add(itemsPath+"/Item", customs.ProblemMissingField, "at least one goods item is required")
	}
	if dc.directionKnown && !dc.hasRole[slotTrader] {
		role := "CONSIGNEE"
		if d.Direction == customs.Export {
			role = "CONSIGNOR"
		}
		dc.Add(partiesPath+"/Party[@role='"+role+"']/@uscc", customs.ProblemMissingField, "the %s is required", strings.ToLower(role))
	}
	if !dc.hasRole[slotDeclarant] {
		dc.Add(partiesPath+"/Party[@role='DECLARANT']/@uscc", customs.ProblemMissingField, "the declarant is required")
	}
	n := 0
	for _, h := range dc.hasRole {
		if h {
			n++
		}
	}
	if n > 0 {
		d.Parties = make([]customs.Party, 0, n)
		for i, h := range dc.hasRole {
			if h {
				d.Parties = append(d.Parties, dc.parties[i])
			}
		}
	}
	if dt := d.DirectTransit; dt != nil {
		for _, s := range dc.seals {
			if i := dc.unitIndex(s.Unit); i >= 0 {
				d.Equipment[i].Seals = append(d.Equipment[i].Seals, s.Number)
			} else {
				dt.StraySeals = append(dt.StraySeals, s)
			}
		}
	}
	d.Warnings = dc.Warnings
}

func (dc *decoder) unitIndex(id string) int {
	if id == "" {
		return -1
	}
	for i := range dc.d.Equipment {
		if dc.d.Equipment[i].ID == id {
			return i
		}
	}
	return -1
}
