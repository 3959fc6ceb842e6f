package beijing

import (
	"strings"

	"github.com/beevik/etree"

	"github.com/jjj/gateway/adapters"
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

// style is how the reading kit reports for the format: a repeated element
// the format has once is named with its position (Transport[2]).
var style = adapters.Style{Format: "the AirCargoDeclaration format here", IndexRepeats: true}

// The party roles of the format and the canonical slot each fills; the
// slots are the canonical order of Declaration.Parties.
const (
	slotTrader = iota
	slotOwner
	slotDeclarant
	slotOverseas
	nSlots
)

// The elements the format has once under the root and under an Item, by
// their index in an adapters.Once.
const (
	rCustoms = iota
	rParties
	rTransport
	rDestination
	rDirectTransit
	rUnits
	rItems
)

const (
	iDescription = iota
	iModel
	iDangerousGoods
	iFoodProducer
)

// decoder holds the state of one Decode: the declaration being filled and
// the problems found. It walks the etree once, switching on tags and
// attribute keys, and builds paths only for items and for problems.
type decoder struct {
	adapters.Reader
	d *customs.Declaration

	parties [nSlots]customs.Party
	hasRole [nSlots]bool

	seen           adapters.Once
	itemCount      int
	directionKnown bool
	seals          []customs.Seal
	roles          keySet[string]
	unitIDs        keySet[string]
	lines          keySet[int]
}

func (dc *decoder) root(e *etree.Element, sc adapters.Scope) {
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
	dc.head(messageID, direction, created)

	dc.children(e, sc, rootPath, func(c *etree.Element, cs adapters.Scope) bool {
		switch c.Tag {
		case "Customs":
			if dc.Once(&dc.seen, rCustoms, rootPath, c.Tag) {
				dc.customsOf(c)
			}
		case "Parties":
			if dc.Once(&dc.seen, rParties, rootPath, c.Tag) {
				dc.repeated(c, cs, "Party", partiesPath, func(p *etree.Element, _ adapters.Scope, pos int) { dc.party(p, pos) })
			}
		case "Transport":
			if dc.Once(&dc.seen, rTransport, rootPath, c.Tag) {
				dc.transport(c)
			}
		case "Destination":
			if dc.Once(&dc.seen, rDestination, rootPath, c.Tag) {
				if office := adapters.Attr(c, "office"); office != "" {
					d.DestinationOffice = office
					dc.Bureau(office, adapters.At{Parent: destinationOfficePath}, "", "destination office")
				}
				dc.UnknownChildren(c, adapters.At{Parent: destinationPath})
			}
		case "DirectTransit":
			if dc.Once(&dc.seen, rDirectTransit, rootPath, c.Tag) {
				dc.directTransit(c, cs)
			}
		case "Units":
			if dc.Once(&dc.seen, rUnits, rootPath, c.Tag) {
				dc.repeated(c, cs, "Unit", unitsPath, func(u *etree.Element, _ adapters.Scope, pos int) { dc.unit(u, pos) })
			}
		case "Items":
			if dc.Once(&dc.seen, rItems, rootPath, c.Tag) {
				if d.Goods == nil {
					d.Goods = make([]customs.GoodsItem, 0, adapters.Count(c, ""))
				}
				dc.repeated(c, cs, "Item", itemsPath, dc.item)
			}
		default:
			return false
		}
		return true
	})
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
	dc.d.Customs.Declaring = dc.customsCode(declaring, "/@declaring", "declaring customs code (申报关区)")
	dc.d.Customs.Port = dc.customsCode(entry, "/@entry", "port customs code (进出境关别)")
	dc.UnknownChildren(e, adapters.At{Parent: customsPath})
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
	at := adapters.At{Parent: partiesPath, Name: "Party", Key: "role", Val: role, Pos: pos}
	dc.UnknownChildren(e, at)
	if role == "" && uscc == "" && name == "" && country == "" {
		return // an empty element is an absent value, as an empty Unit
	}
	dc.checkParty(at, role, uscc, name, country)
}

func (dc *decoder) transport(e *etree.Element) {
	var t rawTransport
	for _, a := range e.Attr {
		if a.Space != "" {
			continue
		}
		switch a.Key {
		case "mode":
			t.mode = strings.TrimSpace(a.Value)
		case "flight":
			t.flight = strings.TrimSpace(a.Value)
		case "mawb":
			t.mawb = strings.TrimSpace(a.Value)
		case "hawb":
			t.hawb = strings.TrimSpace(a.Value)
		case "departure":
			t.departure = strings.TrimSpace(a.Value)
		case "departureCountry":
			t.country = strings.TrimSpace(a.Value)
		case "departureDate":
			t.date = strings.TrimSpace(a.Value)
		}
	}
	dc.checkTransport(&t)
	dc.UnknownChildren(e, adapters.At{Parent: transportPath})
}

// rawTransport is Transport's attributes as read.
type rawTransport struct {
	mode, flight, mawb, hawb, departure, country, date string
}

func (dc *decoder) directTransit(e *etree.Element, sc adapters.Scope) {
	zone := adapters.Attr(e, "zone")
	pos, count := 0, 0
	hasChild := adapters.Count(e, "") > 0
	dc.children(e, sc, directTransitPath, func(c *etree.Element, _ adapters.Scope) bool {
		if c.Tag != "Seal" {
			return false
		}
		pos++
		at := adapters.At{Parent: directTransitPath, Name: "Seal", Pos: pos}
		unit, number := adapters.Attr(c, "unit"), dc.Leaf(c, at)
		if unit == "" && number == "" {
			return true // an empty element is an absent value
		}
		count++
		dc.checkSeal(at, unit, number)
		return true
	})
	if zone == "" && !hasChild {
		return // an empty DirectTransit asks for nothing
	}
	dc.d.DirectTransit = &customs.DirectTransit{Zone: zone, SealCount: count}
	if zone == "" {
		dc.Add(directTransitZonePath, customs.ProblemMissingField, "the pilot zone of the direct transit is required")
	} else {
		dc.Bureau(zone, adapters.At{Parent: directTransitZonePath}, "", "direct-transit zone")
	}
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
	at := adapters.At{Parent: unitsPath, Name: "Unit", Pos: pos}
	dc.UnknownChildren(e, at)
	if id == "" && kind == "" && typ == "" {
		return // an empty element is an absent value
	}
	dc.checkUnit(at, id, kind, typ)
}

// rawItem is an Item's attributes as read.
type rawItem struct {
	line, hs, ciq, qty, unit, value, currency, origin, district string
	special                                                     string
}

func (dc *decoder) item(e *etree.Element, sc adapters.Scope, pos int) {
	var it rawItem
	for _, a := range e.Attr {
		if a.Space != "" {
			continue
		}
		switch a.Key {
		case "line":
			it.line = strings.TrimSpace(a.Value)
		case "hs":
			it.hs = strings.TrimSpace(a.Value)
		case "ciq":
			it.ciq = strings.TrimSpace(a.Value)
		case "quantity":
			it.qty = strings.TrimSpace(a.Value)
		case "unit":
			it.unit = strings.TrimSpace(a.Value)
		case "value":
			it.value = strings.TrimSpace(a.Value)
		case "currency":
			it.currency = strings.TrimSpace(a.Value)
		case "origin":
			it.origin = strings.TrimSpace(a.Value)
		case "district":
			it.district = strings.TrimSpace(a.Value)
		case "specialArticle":
			it.special = strings.TrimSpace(a.Value)
		}
	}
	path := adapters.Keyed(itemsPath+"/Item", "line", it.line, pos)
	dc.itemCount++
	g := customs.GoodsItem{
		HSCode: it.hs, CIQCode: it.ciq, Quantity: it.qty, Unit: it.unit, Value: it.value,
		Currency: it.currency, Origin: it.origin, DestinationDistrict: it.district, Path: path,
	}
	dc.checkItem(&it, &g)
	if it.special != "" {
		g.SpecialArticle = dc.SpecialLevel(it.special, adapters.At{Parent: path}, "/@specialArticle")
	}

	var seen adapters.Once
	licences := 0
	dc.children(e, sc, path, func(c *etree.Element, _ adapters.Scope) bool {
		switch c.Tag {
		case "Licence":
			licences++
			dc.licence(c, &g, licences)
		case "Description":
			if dc.Once(&seen, iDescription, path, c.Tag) {
				g.Name = dc.Leaf(c, adapters.At{Parent: path, Name: "Description"})
			}
		case "Model":
			if dc.Once(&seen, iModel, path, c.Tag) {
				g.Spec = dc.Leaf(c, adapters.At{Parent: path, Name: "Model"})
			}
		case "DangerousGoods":
			if dc.Once(&seen, iDangerousGoods, path, c.Tag) {
				dc.dangerousGoods(c, &g, path)
			}
		case "FoodProducer":
			if dc.Once(&seen, iFoodProducer, path, c.Tag) {
				g.FoodProducerRegistration = adapters.Attr(c, "registration")
				dc.UnknownChildren(c, adapters.At{Parent: path, Name: "FoodProducer"})
			}
		default:
			return false
		}
		return true
	})
	dc.d.Goods = append(dc.d.Goods, g)
}

// licence reads a supporting document the item cites, Licence[pos] among
// the item's Licence elements. Only the three licence types of
// documents.md exist in this dialect (ports.md), so another @type is
// invalid_enum and a missing one missing_field; neither is cited.
func (dc *decoder) licence(e *etree.Element, g *customs.GoodsItem, pos int) {
	at := adapters.At{Parent: g.Path, Name: "Licence", Pos: pos}
	dc.UnknownChildren(e, at)
	if c, ok := dc.AttrCitation(e, at, "type", "number", "writeOff", "Licence/@type"); ok {
		g.Documents = append(g.Documents, c)
	}
}

// rawDG is a DangerousGoods element's attributes as read.
type rawDG struct {
	un, class, pg, packaging, bulk string
}

func (dc *decoder) dangerousGoods(e *etree.Element, g *customs.GoodsItem, itemPath string) {
	var r rawDG
	for _, a := range e.Attr {
		if a.Space != "" {
			continue
		}
		switch a.Key {
		case "un":
			r.un = strings.TrimSpace(a.Value)
		case "class":
			r.class = strings.TrimSpace(a.Value)
		case "packingGroup":
			r.pg = strings.TrimSpace(a.Value)
		case "packaging":
			r.packaging = strings.TrimSpace(a.Value)
		case "bulk":
			r.bulk = strings.TrimSpace(a.Value)
		}
	}
	at := adapters.At{Parent: itemPath, Name: "DangerousGoods"}
	hasChild := adapters.Count(e, "") > 0
	dc.UnknownChildren(e, at)
	if r == (rawDG{}) && !hasChild {
		return // an empty block is absent (samples/README.md reading 2)
	}
	dc.checkDG(at, &r, g)
}
