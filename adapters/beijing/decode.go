package beijing

import (
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

// Paths in the port's message (samples/README.md).
const (
	rootTag               = "AirCargoDeclaration"
	rootPath              = "/AirCargoDeclaration"
	customsPath           = rootPath + "/Customs"
	partiesPath           = rootPath + "/Parties"
	transportPath         = rootPath + "/Transport"
	destinationPath       = rootPath + "/Destination"
	destinationOfficePath = destinationPath + "/@office"
	directTransitPath     = rootPath + "/DirectTransit"
	directTransitZonePath = directTransitPath + "/@zone"
	unitsPath             = rootPath + "/Units"
	itemsPath             = rootPath + "/Items"
)

// The party roles of the format and the canonical slot each fills; the
// slots are the canonical order of Declaration.Parties.
const (
	slotTrader = iota
	slotOwner
	slotDeclarant
	slotOverseas
	nSlots
)

// decoder holds the state of one Decode: the declaration being filled and
// the problems found. It walks the etree once, switching on tags and
// attribute keys, and builds paths only for items and for problems.
type decoder struct {
	t  *codes.Tables
	d  *customs.Declaration
	ps customs.Problems

	parties [nSlots]customs.Party
	hasRole [nSlots]bool

	seenCustoms, seenParties, seenTransport, seenDestination int
	seenDirectTransit, seenUnits, seenItems                  int
	itemCount                                                int
	directionKnown                                           bool
	seals                                                    []customs.Seal
	roles                                                    keySet[string]
	unitIDs                                                  keySet[string]
	lines                                                    keySet[int]
	unknownSeen                                              map[string]struct{}
}

func (dc *decoder) add(path, code, format string, args ...any) {
	dc.ps.Add(path, code, format, args...)
}

// unknown reports an element the format does not have at that place, once
// per path: its content is not looked at.
func (dc *decoder) unknown(parent, tag string) {
	path := parent + "/" + tag
	if dc.unknownSeen == nil {
		dc.unknownSeen = make(map[string]struct{}, 2)
	} else if _, dup := dc.unknownSeen[path]; dup {
		return
	}
	dc.unknownSeen[path] = struct{}{}
	dc.d.Warnings = append(dc.d.Warnings, customs.Warning{
		Path:    path,
		Code:    customs.WarnUnknownElement,
		Message: "element " + tag + " is not part of the AirCargoDeclaration format here; it is kept out of the canonical message",
	})
}

// once counts an element the format has at most once under its parent and
// reports every repeat as duplicate_key; it reports whether to read it.
func (dc *decoder) once(n *int, parent, tag string) bool {
	*n++
	if *n == 1 {
		return true
	}
	dc.add(parent+"/"+tag+"["+strconv.Itoa(*n)+"]", customs.ProblemDuplicateKey, "%s is given more than once; only the first is read", tag)
	return false
}

func (dc *decoder) root(e *etree.Element, sc *scope) {
	d := dc.d
	var messageID, direction, created string
	for _, a := range e.Attr {
		if a.Space != "" {
			continue
		}
		switch a.Key {
		case "messageId":
			messageID = strings.TrimSpace(a.Value)
		case "direction":
			direction = strings.TrimSpace(a.Value)
		case "created":
			created = strings.TrimSpace(a.Value)
		}
	}
	if messageID == "" {
		dc.add(rootPath+"/@messageId", customs.ProblemMissingField, "the message number (messageId) is required")
	}
	d.Source.PortRef = messageID
	switch direction {
	case "IMPORT":
		d.Direction, dc.directionKnown = customs.Import, true
	case "EXPORT":
		d.Direction, dc.directionKnown = customs.Export, true
	case "":
		dc.add(rootPath+"/@direction", customs.ProblemMissingField, "the direction is required: IMPORT or EXPORT")
	default:
		dc.add(rootPath+"/@direction", customs.ProblemInvalidEnum, "direction %q is neither IMPORT nor EXPORT", direction)
	}
	if created != "" {
		if t, ok := parseTime(created); ok {
			d.Source.DeclaredAt = t.UTC()
		} else {
			dc.add(rootPath+"/@created", customs.ProblemInvalidDate, "created %q is not an ISO 8601 time with an offset (2026-11-27T09:12:00+08:00)", created)
		}
	}

	for _, tok := range e.Child {
		c, ok := tok.(*etree.Element)
		if !ok {
			continue
		}
		cs := enter(c, sc)
		if cs.uri(c.Space) != Namespace {
			dc.unknown(rootPath, c.Tag)
			continue
		}
		switch c.Tag {
		case "Customs":
			if dc.once(&dc.seenCustoms, rootPath, c.Tag) {
				dc.customsOf(c)
			}
		case "Parties":
			if dc.once(&dc.seenParties, rootPath, c.Tag) {
				dc.partiesOf(c, cs)
			}
		case "Transport":
			if dc.once(&dc.seenTransport, rootPath, c.Tag) {
				dc.transport(c)
			}
		case "Destination":
			if dc.once(&dc.seenDestination, rootPath, c.Tag) {
				dc.destination(c)
			}
		case "DirectTransit":
			if dc.once(&dc.seenDirectTransit, rootPath, c.Tag) {
				dc.directTransit(c, cs)
			}
		case "Units":
			if dc.once(&dc.seenUnits, rootPath, c.Tag) {
				dc.units(c, cs)
			}
		case "Items":
			if dc.once(&dc.seenItems, rootPath, c.Tag) {
				dc.items(c, cs)
			}
		default:
			dc.unknown(rootPath, c.Tag)
		}
	}
}

// leaf reports every child element of an element that the format gives no
// children as unknown.
func (dc *decoder) leaf(e *etree.Element, at lazyPath) {
	for _, tok := range e.Child {
		if c, ok := tok.(*etree.Element); ok {
			dc.unknown(at.at(""), c.Tag)
		}
	}
}

func (dc *decoder) customsOf(e *etree.Element) {
	var declaring, entry string
	for _, a := range e.Attr {
		if a.Space != "" {
			continue
		}
		switch a.Key {
		case "declaring":
			declaring = strings.TrimSpace(a.Value)
		case "entry":
			entry = strings.TrimSpace(a.Value)
		}
	}
	dc.d.Customs.Declaring = dc.customsCode(declaring, customsPath+"/@declaring", "declaring customs code (申报关区)")
	dc.d.Customs.Port = dc.customsCode(entry, customsPath+"/@entry", "port customs code (进出境关别)")
	dc.leaf(e, lazyPath{parent: customsPath})
}

func (dc *decoder) customsCode(v, path, what string) string {
	switch {
	case v == "":
		dc.add(path, customs.ProblemMissingField, "the %s is required", what)
	case len(v) != 4 || !customs.AllDigits(v):
		dc.add(path, customs.ProblemUnknownCustomsCode, "%s %q is not a 4-digit customs code", what, v)
	default:
		if _, ok := dc.t.Customs[v]; !ok {
			dc.add(path, customs.ProblemUnknownCustomsCode, "%s %s is not in codes/customs.csv", what, v)
		}
	}
	return v
}

func (dc *decoder) partiesOf(e *etree.Element, sc *scope) {
	dc.repeated(e, sc, "Party", partiesPath, func(c *etree.Element, _ *scope, pos int) { dc.party(c, pos) })
}

func (dc *decoder) party(e *etree.Element, pos int) {
	var role, uscc, name, country string
	for _, a := range e.Attr {
		if a.Space != "" {
			continue
		}
		switch a.Key {
		case "role":
			role = strings.TrimSpace(a.Value)
		case "uscc":
			uscc = strings.TrimSpace(a.Value)
		case "name":
			name = strings.TrimSpace(a.Value)
		case "country":
			country = strings.TrimSpace(a.Value)
		}
	}
	at := lazyPath{parent: partiesPath, name: "Party", key: "role", val: role, pos: pos}
	dc.leaf(e, at)
	if role == "" && uscc == "" && name == "" && country == "" {
		return // an empty element is an absent value, as an empty Unit
	}

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
		dc.add(at.at("/@role"), customs.ProblemMissingField, "the party's role is required")
		return
	default:
		dc.add(at.at("/@role"), customs.ProblemInvalidEnum, "role %q is not one of CONSIGNEE, CONSIGNOR, OWNER, DECLARANT, SHIPPER, RECIPIENT", role)
		return
	}
	if !dc.roles.add(role) {
		dc.add(at.at("/@role"), customs.ProblemDuplicateKey, "a second %s: each party role is given once", role)
		return
	}
	var p customs.Party
	if !overseas {
		p.USCC = customs.NormalizeUSCC(uscc)
		switch {
		case uscc == "":
			if required {
				dc.add(at.at("/@uscc"), customs.ProblemMissingField, "the %s's unified social credit code is required", strings.ToLower(role))
			}
		default:
			if ok, want := customs.CheckUSCC(p.USCC); !ok {
				if want != 0 {
					dc.add(at.at("/@uscc"), customs.ProblemInvalidUSCC, "USCC %s: check character is %c, expected %c", uscc, p.USCC[17], want)
				} else {
					dc.add(at.at("/@uscc"), customs.ProblemInvalidUSCC, "USCC %q is not 18 characters of GB 32100", uscc)
				}
			}
		}
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

// country maps an alpha-2 code to alpha-3, reporting one not in the table;
// it returns the declared value then, so a 422 still shows it.
func (dc *decoder) country(v string, at lazyPath, attr string) string {
	if c, ok := dc.t.CountryByAlpha2[v]; ok {
		return c.Alpha3
	}
	dc.add(at.at(attr), customs.ProblemUnknownCountry, "country %q is not an ISO 3166 alpha-2 code in codes/countries.csv", v)
	return v
}

func (dc *decoder) transport(e *etree.Element) {
	tr := &dc.d.Transport
	var mode, flight, mawb, hawb, departure, country, date string
	for _, a := range e.Attr {
		if a.Space != "" {
			continue
		}
		switch a.Key {
		case "mode":
			mode = strings.TrimSpace(a.Value)
		case "flight":
			flight = strings.TrimSpace(a.Value)
		case "mawb":
			mawb = strings.TrimSpace(a.Value)
		case "hawb":
			hawb = strings.TrimSpace(a.Value)
		case "departure":
			departure = strings.TrimSpace(a.Value)
		case "departureCountry":
			country = strings.TrimSpace(a.Value)
		case "departureDate":
			date = strings.TrimSpace(a.Value)
		}
	}
	if mode == "" {
		dc.add(transportPath+"/@mode", customs.ProblemMissingField, "the transport mode is required: AIR, ROAD or RAIL")
	} else if m, ok := dc.t.TransportByBeijing[mode]; ok {
		tr.Mode = m
	} else {
		tr.Mode = mode
		dc.add(transportPath+"/@mode", customs.ProblemUnknownTransportMode, "transport mode %q is not one of AIR, ROAD, RAIL", mode)
	}
	tr.Means, tr.HouseBill, tr.DeparturePort = flight, hawb, departure
	switch {
	case mawb != "":
		tr.BillNo = customs.NormalizeAWB(mawb)
		if !customs.CheckAWB(mawb) {
			dc.add(transportPath+"/@mawb", customs.ProblemInvalidAWB, "master air waybill %q: 3-digit prefix and 8-digit serial whose last digit is the first seven mod 7", mawb)
		}
	case mode == "AIR":
		dc.add(transportPath+"/@mawb", customs.ProblemMissingField, "the master air waybill (总运单号) is required for air transport")
	}
	if country != "" {
		tr.Country = dc.country(country, lazyPath{parent: transportPath}, "/@departureCountry")
	}
	if date != "" {
		if day, ok := utcDate(date); ok {
			tr.DepartureDate = day
		} else {
			dc.add(transportPath+"/@departureDate", customs.ProblemInvalidDate, "departure date %q is neither a yyyy-MM-dd date nor an ISO 8601 time with an offset", date)
		}
	}
	dc.leaf(e, lazyPath{parent: transportPath})
}

func (dc *decoder) destination(e *etree.Element) {
	office := attr(e, "office")
	if office != "" {
		dc.d.DestinationOffice = office
		dc.bureau(office, destinationOfficePath, "destination office")
	}
	dc.leaf(e, lazyPath{parent: destinationPath})
}

func (dc *decoder) bureau(v, path, what string) {
	if _, ok := dc.t.Bureaus[v]; !ok {
		dc.add(path, customs.ProblemUnknownBureau, "%s %q is not a bureau of codes/bureaus.csv", what, v)
	}
}

func (dc *decoder) directTransit(e *etree.Element, sc *scope) {
	zone := attr(e, "zone")
	pos, count := 0, 0
	hasChild := false
	for _, tok := range e.Child {
		c, ok := tok.(*etree.Element)
		if !ok {
			continue
		}
		hasChild = true
		cs := enter(c, sc)
		if c.Tag != "Seal" || cs.uri(c.Space) != Namespace {
			dc.unknown(directTransitPath, c.Tag)
			continue
		}
		pos++
		unit := attr(c, "unit")
		number := strings.TrimSpace(c.Text())
		at := lazyPath{parent: directTransitPath, name: "Seal", pos: pos}
		dc.leaf(c, at)
		if unit == "" && number == "" {
			continue // an empty element is an absent value
		}
		count++
		if number == "" {
			dc.add(at.at(""), customs.ProblemMissingField, "the seal number is required")
		}
		if unit == "" {
			dc.add(at.at("/@unit"), customs.ProblemMissingField, "the ULD or container the seal is on is required")
		}
		dc.seals = append(dc.seals, customs.Seal{Unit: unit, Number: number})
	}
	if zone == "" && !hasChild {
		return // an empty DirectTransit asks for nothing
	}
	dc.d.DirectTransit = &customs.DirectTransit{Zone: zone, SealCount: count}
	if zone == "" {
		dc.add(directTransitZonePath, customs.ProblemMissingField, "the pilot zone of the direct transit is required")
	} else {
		dc.bureau(zone, directTransitZonePath, "direct-transit zone")
	}
}

func (dc *decoder) units(e *etree.Element, sc *scope) {
	dc.repeated(e, sc, "Unit", unitsPath, func(c *etree.Element, _ *scope, pos int) { dc.unit(c, pos) })
}

func (dc *decoder) unit(e *etree.Element, pos int) {
	var id, kind, typ string
	for _, a := range e.Attr {
		if a.Space != "" {
			continue
		}
		switch a.Key {
		case "id":
			id = strings.TrimSpace(a.Value)
		case "kind":
			kind = strings.TrimSpace(a.Value)
		case "type":
			typ = strings.TrimSpace(a.Value)
		}
	}
	at := lazyPath{parent: unitsPath, name: "Unit", pos: pos}
	dc.leaf(e, at)
	if id == "" && kind == "" && typ == "" {
		return // an empty element is an absent value
	}
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
		dc.add(at.at("/@kind"), customs.ProblemInvalidEnum, "unit kind %q is neither ULD nor CONTAINER", kind)
	}
	switch {
	case id == "":
		dc.add(at.at("/@id"), customs.ProblemMissingField, "the unit's id is required")
	case !dc.unitIDs.add(id):
		dc.add(at.at("/@id"), customs.ProblemDuplicateKey, "unit %s is declared more than once", id)
		return
	case u.Kind == customs.KindContainer:
		if ok, want := customs.CheckContainer(id); !ok {
			if want != 0 {
				dc.add(at.at("/@id"), customs.ProblemInvalidContainerNumber, "container %s: check digit is %c, expected %c", id, id[10], want)
			} else {
				dc.add(at.at("/@id"), customs.ProblemInvalidContainerNumber, "container number %q is not of the ISO 6346 form", id)
			}
		}
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

func (dc *decoder) items(e *etree.Element, sc *scope) {
	n := 0
	for _, tok := range e.Child {
		if _, ok := tok.(*etree.Element); ok {
			n++
		}
	}
	if dc.d.Goods == nil {
		dc.d.Goods = make([]customs.GoodsItem, 0, n)
	}
	dc.repeated(e, sc, "Item", itemsPath, dc.item)
}

func (dc *decoder) item(e *etree.Element, sc *scope, pos int) {
	var line, hs, ciq, qty, unit, value, currency, origin, district string
	for _, a := range e.Attr {
		if a.Space != "" {
			continue
		}
		switch a.Key {
		case "line":
			line = strings.TrimSpace(a.Value)
		case "hs":
			hs = strings.TrimSpace(a.Value)
		case "ciq":
			ciq = strings.TrimSpace(a.Value)
		case "quantity":
			qty = strings.TrimSpace(a.Value)
		case "unit":
			unit = strings.TrimSpace(a.Value)
		case "value":
			value = strings.TrimSpace(a.Value)
		case "currency":
			currency = strings.TrimSpace(a.Value)
		case "origin":
			origin = strings.TrimSpace(a.Value)
		case "district":
			district = strings.TrimSpace(a.Value)
		}
	}
	path := keyed(itemsPath+"/Item", "line", line, pos)
	dc.itemCount++
	g := customs.GoodsItem{
		HSCode: hs, CIQCode: ciq, Quantity: qty, Unit: unit, Value: value,
		Currency: currency, Origin: origin, DestinationDistrict: district, Path: path,
	}

	switch seq, err := strconv.Atoi(line); {
	case line == "":
		dc.add(path+"/@line", customs.ProblemMissingField, "the item number (line) is required")
	case !customs.AllDigits(line) || err != nil || seq <= 0:
		dc.add(path+"/@line", customs.ProblemMissingField, "item number %q is not a positive whole number", line)
	case !dc.lines.add(seq):
		g.Seq = seq
		dc.add(path+"/@line", customs.ProblemDuplicateKey, "item %d is declared more than once", seq)
	default:
		g.Seq = seq
	}
	switch {
	case hs == "":
		dc.add(path+"/@hs", customs.ProblemMissingField, "the HS code is required")
	case len(hs) != 10 || !customs.AllDigits(hs):
		dc.add(path+"/@hs", customs.ProblemInvalidHSCode, "HS code %q must be 10 digits", hs)
	}
	if ciq != "" && (len(ciq) != 3 || !customs.AllDigits(ciq)) {
		dc.add(path+"/@ciq", customs.ProblemInvalidCIQCode, "CIQ code %q must be 3 digits", ciq)
	}
	switch {
	case qty == "":
		dc.add(path+"/@quantity", customs.ProblemMissingField, "the quantity is required")
	case !customs.CheckDecimal(qty, 5):
		dc.add(path+"/@quantity", customs.ProblemInvalidQuantity, "quantity %q is not a positive decimal of at most 5 decimals", qty)
	}
	if unit == "" {
		dc.add(path+"/@unit", customs.ProblemMissingField, "the unit is required")
	} else if code, ok := dc.t.UnitByRec20[unit]; ok {
		g.Unit = code
	} else {
		dc.add(path+"/@unit", customs.ProblemUnknownUnit, "unit %q is not a UN/ECE Rec 20 code of codes/units.csv", unit)
	}
	switch {
	case value == "":
		dc.add(path+"/@value", customs.ProblemMissingField, "the value is required")
	case !customs.CheckDecimal(value, 2):
		dc.add(path+"/@value", customs.ProblemInvalidValue, "value %q is not a positive decimal of at most 2 decimals", value)
	}
	switch {
	case currency == "":
		dc.add(path+"/@currency", customs.ProblemMissingField, "the currency is required")
	case !dc.t.Currencies[currency]:
		dc.add(path+"/@currency", customs.ProblemUnknownCurrency, "currency %q is not an ISO 4217 code of codes/currencies.csv", currency)
	}
	if origin == "" {
		dc.add(path+"/@origin", customs.ProblemMissingField, "the country of origin is required")
	} else {
		g.Origin = dc.country(origin, lazyPath{parent: path}, "/@origin")
	}
	if district != "" && (len(district) != 6 || !customs.AllDigits(district)) {
		dc.add(path+"/@district", customs.ProblemInvalidDistrict, "district %q must be 6 digits", district)
	}

	var nDesc, nModel, nDG, nFood int
	for _, tok := range e.Child {
		c, ok := tok.(*etree.Element)
		if !ok {
			continue
		}
		cs := enter(c, sc)
		if cs.uri(c.Space) != Namespace {
			dc.unknown(path, c.Tag)
			continue
		}
		switch c.Tag {
		case "Description":
			if dc.once(&nDesc, path, c.Tag) {
				g.Name = strings.TrimSpace(c.Text())
				dc.leaf(c, lazyPath{parent: path, name: "Description"})
			}
		case "Model":
			if dc.once(&nModel, path, c.Tag) {
				g.Spec = strings.TrimSpace(c.Text())
				dc.leaf(c, lazyPath{parent: path, name: "Model"})
			}
		case "DangerousGoods":
			if dc.once(&nDG, path, c.Tag) {
				dc.dangerousGoods(c, &g, path)
			}
		case "FoodProducer":
			if dc.once(&nFood, path, c.Tag) {
				g.FoodProducerRegistration = attr(c, "registration")
				dc.leaf(c, lazyPath{parent: path, name: "FoodProducer"})
			}
		default:
			dc.unknown(path, c.Tag)
		}
	}
	dc.d.Goods = append(dc.d.Goods, g)
}

func (dc *decoder) dangerousGoods(e *etree.Element, g *customs.GoodsItem, itemPath string) {
	var un, class, pg, packaging, bulk string
	for _, a := range e.Attr {
		if a.Space != "" {
			continue
		}
		switch a.Key {
		case "un":
			un = strings.TrimSpace(a.Value)
		case "class":
			class = strings.TrimSpace(a.Value)
		case "packingGroup":
			pg = strings.TrimSpace(a.Value)
		case "packaging":
			packaging = strings.TrimSpace(a.Value)
		case "bulk":
			bulk = strings.TrimSpace(a.Value)
		}
	}
	at := lazyPath{parent: itemPath, name: "DangerousGoods"}
	hasChild := false
	for _, tok := range e.Child {
		if c, ok := tok.(*etree.Element); ok {
			hasChild = true
			dc.unknown(at.at(""), c.Tag)
		}
	}
	if un == "" && class == "" && pg == "" && packaging == "" && bulk == "" && !hasChild {
		return // an empty block is absent (samples/README.md reading 2)
	}
	g.HazardFlagged = true
	dg := &customs.DangerousGoods{UN: un, Class: class, DeclaredClass: class, PackingGroup: pg, Packaging: packaging}
	g.DangerousGoods = dg

	switch bulk {
	case "", "false", "0":
	case "true", "1":
		dg.Bulk = true
	default:
		dc.add(at.at("/@bulk"), customs.ProblemInvalidEnum, "bulk %q is neither true nor false", bulk)
	}
	switch pg {
	case "", "I", "II", "III":
	default:
		dc.add(at.at("/@packingGroup"), customs.ProblemInvalidEnum, "packing group %q is not I, II or III", pg)
	}
	if un == "" {
		return // missing: routing's hazchem.declaration_incomplete
	}
	entry, ok := dc.t.UN[un]
	if !ok {
		dc.add(at.at("/@un"), customs.ProblemUnknownUNNumber, "UN number %q is not in codes/un-numbers.csv", un)
		return
	}
	dg.Class = entry.Class
	if class != "" && !sameClass(class, entry.Class) {
		dc.d.Warnings = append(dc.d.Warnings, customs.Warning{
			Path:    at.at("/@class"),
			Code:    customs.WarnClassDiffersFromTable,
			Message: "declared class " + class + " differs from class " + entry.Class + " of UN " + un + " in the dangerous goods list, which governs",
		})
	}
	if pg == "I" || pg == "II" || pg == "III" {
		listed := false
		for _, l := range entry.PackingGroups {
			if l == pg {
				listed = true
				break
			}
		}
		if !listed {
			msg := "the dangerous goods list gives no packing group for UN " + un
			if len(entry.PackingGroups) > 0 {
				msg = "the dangerous goods list gives packing group " + strings.Join(entry.PackingGroups, " or ") + " for UN " + un
			}
			dc.d.Warnings = append(dc.d.Warnings, customs.Warning{
				Path: at.at("/@packingGroup"), Code: customs.WarnPackingGroupNotListed,
				Message: "declared packing group " + pg + " is not listed: " + msg,
			})
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
	if dc.seenCustoms == 0 {
		dc.add(customsPath+"/@declaring", customs.ProblemMissingField, "the declaring customs code is required")
		dc.add(customsPath+"/@entry", customs.ProblemMissingField, "the port customs code is required")
	}
	if dc.seenTransport == 0 {
		dc.add(transportPath+"/@mode", customs.ProblemMissingField, "the transport (mode, and the master waybill for air) is required")
	}
	if dc.itemCount == 0 {
		dc.add(itemsPath+"/Item", customs.ProblemMissingField, "at least one goods item is required")
	}
	if dc.directionKnown && !dc.hasRole[slotTrader] {
		role := "CONSIGNEE"
		if d.Direction == customs.Export {
			role = "CONSIGNOR"
		}
		dc.add(partiesPath+"/Party[@role='"+role+"']/@uscc", customs.ProblemMissingField, "the %s is required", strings.ToLower(role))
	}
	if !dc.hasRole[slotDeclarant] {
		dc.add(partiesPath+"/Party[@role='DECLARANT']/@uscc", customs.ProblemMissingField, "the declarant is required")
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

// keyed is the path of a repeated element named by its key attribute
// (Item[@line='2']), or by its position when the key is absent or cannot be
// quoted.
func keyed(base, key, value string, pos int) string {
	if value == "" || strings.IndexByte(value, '\'') >= 0 {
		return base + "[" + strconv.Itoa(pos) + "]"
	}
	return base + "[@" + key + "='" + value + "']"
}

// lazyPath is an element's path, rendered only when a problem or a warning
// needs it: on the hot path of a valid message no path is built but the
// items' own (GoodsItem.Path).
type lazyPath struct {
	// parent is the parent's path, or the element's own when name is "".
	parent, name string
	// key and val name a keyed element (Party[@role='OWNER']); pos is the
	// position among same-named siblings otherwise, 0 for an element the
	// format has once.
	key, val string
	pos      int
}

// at returns the path with sub appended ("/@uscc", or "" for the element).
func (p lazyPath) at(sub string) string {
	switch {
	case p.name == "":
		return p.parent + sub
	case p.key != "":
		return keyed(p.parent+"/"+p.name, p.key, p.val, p.pos) + sub
	case p.pos > 0:
		return p.parent + "/" + p.name + "[" + strconv.Itoa(p.pos) + "]" + sub
	}
	return p.parent + "/" + p.name + sub
}

// attr returns the trimmed value of an unprefixed attribute, or "".
func attr(e *etree.Element, key string) string {
	for _, a := range e.Attr {
		if a.Space == "" && a.Key == key {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// keySet is a set that stays in a small array for the usual handful of keys
// and moves to a map for large messages, so that duplicate checks are
// neither allocating for small messages nor quadratic for large ones.
type keySet[K comparable] struct {
	small [8]K
	n     int
	m     map[K]struct{}
}

// add inserts k and reports whether it was new.
func (s *keySet[K]) add(k K) bool {
	if s.m != nil {
		if _, dup := s.m[k]; dup {
			return false
		}
		s.m[k] = struct{}{}
		return true
	}
	for i := 0; i < s.n; i++ {
		if s.small[i] == k {
			return false
		}
	}
	if s.n < len(s.small) {
		s.small[s.n] = k
		s.n++
		return true
	}
	s.m = make(map[K]struct{}, 2*len(s.small))
	for _, v := range s.small {
		s.m[v] = struct{}{}
	}
	s.m[k] = struct{}{}
	return true
}

// scope resolves namespace prefixes while the tree is walked: etree keeps
// prefixes, and Element.NamespaceURI walks to the root on every call. A
// scope is made only where an element declares namespaces.
type scope struct {
	el     *etree.Element
	parent *scope
	def    string // the default namespace URI in force
}

const xmlNamespace = "http://www.w3.org/XML/1998/namespace"

// repeated walks the children of a list element (Parties, Units, Items):
// each element of the format's tag in its namespace goes to f with its
// position among them; anything else is an unknown element of path.
func (dc *decoder) repeated(e *etree.Element, sc *scope, tag, path string, f func(c *etree.Element, cs *scope, pos int)) {
	pos := 0
	for _, tok := range e.Child {
		c, ok := tok.(*etree.Element)
		if !ok {
			continue
		}
		cs := enter(c, sc)
		if c.Tag != tag || cs.uri(c.Space) != Namespace {
			dc.unknown(path, c.Tag)
			continue
		}
		pos++
		f(c, cs, pos)
	}
}

func enter(e *etree.Element, parent *scope) *scope {
	for _, a := range e.Attr {
		if a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") {
			s := &scope{el: e, parent: parent}
			if parent != nil {
				s.def = parent.def
			}
			for _, b := range e.Attr {
				if b.Space == "" && b.Key == "xmlns" {
					s.def = b.Value
				}
			}
			return s
		}
	}
	if parent == nil {
		return &scope{el: e}
	}
	return parent
}

// uri returns the namespace URI of prefix ("" for the default namespace),
// or "" when the prefix is not bound.
func (s *scope) uri(prefix string) string {
	if prefix == "" {
		return s.def
	}
	if prefix == "xml" {
		return xmlNamespace
	}
	for ; s != nil; s = s.parent {
		for _, a := range s.el.Attr {
			if a.Space == "xmlns" && a.Key == prefix {
				return a.Value
			}
		}
	}
	return ""
}
