package hebei

import (
	"slices"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

// Paths in the port's message (samples/README.md, "Paths").
const (
	pathRoot   = "/BJXX"
	pathBBH    = "/BJXX/@BBH"
	pathHead   = "/BJXX/BTXX"
	pathGoods  = "/BJXX/HWXX"
	pathUnits  = "/BJXX/JZXXX"
	pathOffice = "/BJXX/BTXX/MDJG"
	pathZone   = "/BJXX/BTXX/ZTBZ/@MDQ"
)

// paths tells routing's Check where the fields it may find missing sit.
var paths = customs.Paths{
	DestinationOffice: pathOffice,
	DirectTransitZone: pathZone,
	District:          "/MDD",
	UN:                "/WXP/UNBH",
	PackingGroup:      "/WXP/BZLB",
	PackagingMark:     "/WXP/BZBJ",
}

// bundle holds the declaration and its fixed optional parts, so that they
// cost one allocation instead of four.
type bundle struct {
	d       customs.Declaration
	trade   customs.Trade
	dt      customs.DirectTransit
	orig    bool
	parties [4]customs.Party
}

// decoder is the state of one Decode: one walk over the tree, collecting
// every problem.
type decoder struct {
	t  *codes.Tables
	d  *customs.Declaration
	b  *bundle
	ps customs.Problems

	head head
	// unitKeys are the JZX/@XH seen so far.
	unitKeys []string
}

// partyEl is a party element of the head as read, mapped once the
// direction is known.
type partyEl struct {
	present bool
	uscc    string
	name    string
}

// head holds the head values that are checked against each other after the
// walk (direction decides the trader; ZTBZ needs the seals of JZXXX).
type head struct {
	direction          string
	shr, fhr, xfdw, bj partyEl
	overseas           string
	ztbz, mdq, yjzxbz  string
	seen               uint32
}

// Bits of the elements that the structure has once under BTXX.
const (
	hBJDH uint32 = 1 << iota
	hCRJBZ
	hKAGB
	hSBGB
	hSHR
	hFHR
	hXFDW
	hBJDW
	hJWSFHR
	hYSFS
	hYSGJ
	hTYDH
	hQYG
	hQYGK
	hQYRQ
	hMYFS
	hMDJG
	hYJZXBZ
	hZTBZ
)

func (r *decoder) decode(root *etree.Element) {
	r.b = &bundle{}
	r.d = &r.b.d
	d := r.d
	d.Source.Port = customs.PortHebei
	d.Trade = &r.b.trade
	d.Paths = paths

	switch bbh := attr(root, "BBH"); bbh {
	case "2.0":
		d.Source.Dialect = "hebei/BJXX-2.0"
	case "2.1":
		d.Source.Dialect = "hebei/BJXX-2.1"
	case "":
		// Optional (ports.md lists the required fields; BBH is not one).
		d.Source.Dialect = "hebei/BJXX"
	default:
		d.Source.Dialect = "hebei/BJXX"
		r.ps.Add(pathBBH, customs.ProblemInvalidEnum, "format version BBH %q is not 2.0 or 2.1", bbh)
	}

	var seen uint32
	const sHead, sGoods, sUnits = 1, 2, 4
	for _, tok := range root.Child {
		c, ok := tok.(*etree.Element)
		if !ok {
			continue
		}
		if !plain(c) {
			r.unknown(pathRoot, c)
			continue
		}
		switch c.Tag {
		case "BTXX":
			if r.once(&seen, sHead, pathRoot, c) {
				r.readHead(c)
			}
		case "HWXX":
			if r.once(&seen, sGoods, pathRoot, c) {
				r.readGoods(c)
			}
		case "JZXXX":
			if r.once(&seen, sUnits, pathRoot, c) {
				r.readUnits(c)
			}
		default:
			r.unknown(pathRoot, c)
		}
	}
	r.finish()
}

// readHead reads BTXX. Values that depend on one another are kept in r.head
// and checked in finish.
func (r *decoder) readHead(e *etree.Element) {
	d, h, t := r.d, &r.head, r.t
	for _, tok := range e.Child {
		c, ok := tok.(*etree.Element)
		if !ok {
			continue
		}
		if !plain(c) {
			r.unknown(pathHead, c)
			continue
		}
		switch c.Tag {
		case "BJDH":
			if r.once(&h.seen, hBJDH, pathHead, c) {
				d.Source.PortRef = r.leaf(pathHead, c)
			}
		case "CRJBZ":
			if r.once(&h.seen, hCRJBZ, pathHead, c) {
				h.direction = r.leaf(pathHead, c)
			}
		case "KAGB":
			if r.once(&h.seen, hKAGB, pathHead, c) {
				d.Customs.Port = r.customsCode(c, "/BJXX/BTXX/KAGB", "port customs code KAGB (口岸关别)")
			}
		case "SBGB":
			if r.once(&h.seen, hSBGB, pathHead, c) {
				d.Customs.Declaring = r.customsCode(c, "/BJXX/BTXX/SBGB", "declaring customs code SBGB (申报关别)")
			}
		case "SHR":
			if r.once(&h.seen, hSHR, pathHead, c) {
				h.shr = r.partyEl(c)
			}
		case "FHR":
			if r.once(&h.seen, hFHR, pathHead, c) {
				h.fhr = r.partyEl(c)
			}
		case "XFDW":
			if r.once(&h.seen, hXFDW, pathHead, c) {
				h.xfdw = r.partyEl(c)
			}
		case "BJDW":
			if r.once(&h.seen, hBJDW, pathHead, c) {
				h.bj = r.partyEl(c)
			}
		case "JWSFHR":
			if r.once(&h.seen, hJWSFHR, pathHead, c) {
				h.overseas = r.leaf(pathHead, c)
			}
		case "YSFS":
			if r.once(&h.seen, hYSFS, pathHead, c) {
				if v := r.leaf(pathHead, c); v != "" {
					m, ok := t.TransportByName[v]
					if !ok {
						r.ps.Add("/BJXX/BTXX/YSFS", customs.ProblemUnknownTransportMode, "transport mode YSFS (运输方式) %q is not a name in codes/transport-modes.csv", v)
					}
					d.Transport.Mode = m
				}
			}
		case "YSGJ":
			if r.once(&h.seen, hYSGJ, pathHead, c) {
				d.Transport.Means = r.leaf(pathHead, c)
			}
		case "TYDH":
			if r.once(&h.seen, hTYDH, pathHead, c) {
				d.Transport.BillNo = r.leaf(pathHead, c)
			}
		case "QYG":
			if r.once(&h.seen, hQYG, pathHead, c) {
				if v := r.leaf(pathHead, c); v != "" {
					d.Transport.Country = r.country(v, "/BJXX/BTXX/QYG", "", "country QYG (启运国)")
				}
			}
		case "QYGK":
			if r.once(&h.seen, hQYGK, pathHead, c) {
				d.Transport.DeparturePort = r.leaf(pathHead, c)
			}
		case "QYRQ":
			if r.once(&h.seen, hQYRQ, pathHead, c) {
				if v := r.leaf(pathHead, c); v != "" {
					// Year 0 parses but is no calendar date (nor an xs:date).
					if t, ok := customs.CheckDate("2006-01-02", v); !ok || t.Year() <= 0 {
						r.ps.Add("/BJXX/BTXX/QYRQ", customs.ProblemInvalidDate, "departure date QYRQ (启运日期) %q is not a real yyyy-MM-dd date", v)
					}
					d.Transport.DepartureDate = v
				}
			}
		case "MYFS":
			if r.once(&h.seen, hMYFS, pathHead, c) {
				if v := r.leaf(pathHead, c); v != "" {
					m, ok := t.TradeModeByName[v]
					if !ok {
						r.ps.Add("/BJXX/BTXX/MYFS", customs.ProblemUnknownTradeMode, "trade mode MYFS (贸易方式) %q is not a name in codes/trade-modes.csv", v)
					}
					r.b.trade.Mode = m
				}
			}
		case "MDJG":
			if r.once(&h.seen, hMDJG, pathHead, c) {
				if v := r.leaf(pathHead, c); v != "" {
					if _, ok := t.Bureaus[v]; !ok {
						r.ps.Add(pathOffice, customs.ProblemUnknownBureau, "destination office MDJG (目的地检验检疫机关) %q is not in codes/bureaus.csv", v)
					}
					d.DestinationOffice = v
				}
			}
		case "YJZXBZ":
			if r.once(&h.seen, hYJZXBZ, pathHead, c) {
				h.yjzxbz = r.leaf(pathHead, c)
			}
		case "ZTBZ":
			if r.once(&h.seen, hZTBZ, pathHead, c) {
				h.ztbz = r.leaf(pathHead, c)
				h.mdq = attr(c, "MDQ")
			}
		default:
			r.unknown(pathHead, c)
		}
	}
}

func (r *decoder) partyEl(c *etree.Element) partyEl {
	r.unknownChildren(pathHead+"/"+c.Tag, c)
	p := partyEl{uscc: attr(c, "DM"), name: attr(c, "MC")}
	p.present = p.uscc != "" || p.name != ""
	return p
}

// finish makes the checks that need the whole message, and assembles the
// parties in canonical order.
func (r *decoder) finish() {
	d, h := r.d, &r.head
	if d.Source.PortRef == "" {
		r.ps.Add("/BJXX/BTXX/BJDH", customs.ProblemMissingField, "the declaration number BJDH (报检单号) is required")
	}
	switch h.direction {
	case "RJ":
		d.Direction = customs.Import
	case "CJ":
		d.Direction = customs.Export
	case "":
		r.ps.Add("/BJXX/BTXX/CRJBZ", customs.ProblemMissingField, "the direction CRJBZ (出入境标志) is required: RJ or CJ")
	default:
		r.ps.Add("/BJXX/BTXX/CRJBZ", customs.ProblemInvalidEnum, "direction CRJBZ (出入境标志) %q is neither RJ (import) nor CJ (export)", h.direction)
	}
	if d.Customs.Port == "" {
		r.ps.Add("/BJXX/BTXX/KAGB", customs.ProblemMissingField, "the port customs code KAGB (口岸关别) is required")
	}
	if d.Customs.Declaring == "" {
		r.ps.Add("/BJXX/BTXX/SBGB", customs.ProblemMissingField, "the declaring customs code SBGB (申报关别) is required")
	}

	ps := r.b.parties[:0]
	switch d.Direction {
	case customs.Import:
		ps = r.party(ps, h.shr, customs.RoleConsignee, "/BJXX/BTXX/SHR", "consignee SHR (收货人)", true)
		r.party(nil, h.fhr, "", "/BJXX/BTXX/FHR", "consignor FHR (发货人)", false)
	case customs.Export:
		ps = r.party(ps, h.fhr, customs.RoleConsignor, "/BJXX/BTXX/FHR", "consignor FHR (发货人)", true)
		r.party(nil, h.shr, "", "/BJXX/BTXX/SHR", "consignee SHR (收货人)", false)
	default:
		r.party(nil, h.shr, "", "/BJXX/BTXX/SHR", "consignee SHR (收货人)", false)
		r.party(nil, h.fhr, "", "/BJXX/BTXX/FHR", "consignor FHR (发货人)", false)
	}
	ps = r.party(ps, h.xfdw, customs.RoleOwner, "/BJXX/BTXX/XFDW", "owner XFDW (消费使用单位)", false)
	ps = r.party(ps, h.bj, customs.RoleDeclarant, "/BJXX/BTXX/BJDW", "declarant BJDW (报检单位)", true)
	if h.overseas != "" {
		ps = append(ps, customs.Party{Role: customs.RoleOverseas, Name: h.overseas})
	}
	if len(ps) > 0 {
		d.Parties = ps
	}

	if d.Transport.Mode == "" && !r.has("/BJXX/BTXX/YSFS") {
		r.ps.Add("/BJXX/BTXX/YSFS", customs.ProblemMissingField, "the transport mode YSFS (运输方式) is required")
	}
	if r.b.trade.Mode == "" && !r.has("/BJXX/BTXX/MYFS") {
		r.ps.Add("/BJXX/BTXX/MYFS", customs.ProblemMissingField, "the trade mode MYFS (贸易方式) is required")
	}

	switch h.yjzxbz {
	case "1":
		r.b.orig = true
	case "", "0":
	default:
		r.ps.Add("/BJXX/BTXX/YJZXBZ", customs.ProblemInvalidEnum, "original-container flag YJZXBZ (原集装箱标志) %q is neither 1 nor 0", h.yjzxbz)
	}
	switch h.ztbz {
	case "1":
		dt := &r.b.dt
		dt.Zone = h.mdq
		dt.OriginalContainers = &r.b.orig
		for i := range d.Equipment {
			dt.SealCount += len(d.Equipment[i].Seals)
		}
		d.DirectTransit = dt
		if h.mdq == "" {
			r.ps.Add(pathZone, customs.ProblemMissingField, "direct transit (ZTBZ = 1) needs the pilot zone ZTBZ/@MDQ")
		} else if _, ok := r.t.Bureaus[h.mdq]; !ok {
			r.ps.Add(pathZone, customs.ProblemUnknownBureau, "direct-transit zone ZTBZ/@MDQ %q is not in codes/bureaus.csv", h.mdq)
		}
	case "", "0":
	default:
		r.ps.Add("/BJXX/BTXX/ZTBZ", customs.ProblemInvalidEnum, "direct-transit flag ZTBZ (直通标志) %q is neither 1 nor 0", h.ztbz)
	}

	if len(d.Goods) == 0 {
		r.ps.Add("/BJXX/HWXX/HW", customs.ProblemMissingField, "at least one goods item HW is required")
	}
	if !slices.IsSortedFunc(d.Goods, bySeq) {
		slices.SortStableFunc(d.Goods, bySeq)
	}
}

func bySeq(a, b customs.GoodsItem) int { return a.Seq - b.Seq }

// has reports whether a problem was already recorded at path, so that a
// field that was present but wrong is not also reported missing.
func (r *decoder) has(path string) bool {
	for i := range r.ps {
		if r.ps[i].Path == path {
			return true
		}
	}
	return false
}

// party checks one party element and, when role is set, appends it to ps.
// A required party (the trader, the declarant) needs its USCC; an optional
// one (the owner) may be named without one, as ports.md requires only the
// trader's and the declarant's USCC and the canonical model keeps an owner
// by name (the Tianjin owner by customs code and name alike); an unmapped
// one is checked only when it gives one.
func (r *decoder) party(ps []customs.Party, p partyEl, role customs.Role, path, what string, required bool) []customs.Party {
	if p.uscc == "" {
		switch {
		case required:
			r.ps.Add(path+"/@DM", customs.ProblemMissingField, "the USCC of the %s is required", what)
		case role != "" && p.name != "":
			ps = append(ps, customs.Party{Role: role, Name: p.name})
		}
		return ps
	}
	uscc := customs.NormalizeUSCC(p.uscc)
	if ok, want := customs.CheckUSCC(uscc); !ok {
		if want != 0 {
			r.ps.Add(path+"/@DM", customs.ProblemInvalidUSCC, "USCC of the %s %q: check character is %c, expected %c", what, p.uscc, uscc[17], want)
		} else {
			r.ps.Add(path+"/@DM", customs.ProblemInvalidUSCC, "USCC of the %s %q is not an 18-character unified social credit code", what, p.uscc)
		}
	}
	if role == "" {
		return ps
	}
	return append(ps, customs.Party{Role: role, USCC: uscc, Name: p.name})
}

func (r *decoder) customsCode(c *etree.Element, path, what string) string {
	v := r.leaf(pathHead, c)
	if v == "" {
		return ""
	}
	if _, ok := r.t.Customs[v]; !ok || len(v) != 4 || !customs.AllDigits(v) {
		r.ps.Add(path, customs.ProblemUnknownCustomsCode, "%s %q is not a 4-digit code of codes/customs.csv", what, v)
	}
	return v
}

// country maps a numeric country code to alpha-3. The problem path is
// path+suffix, joined only when there is a problem.
func (r *decoder) country(v, path, suffix, what string) string {
	c, ok := r.t.CountryByNumeric[v]
	if !ok {
		r.ps.Add(path+suffix, customs.ProblemUnknownCountry, "%s %q is not a numeric code of codes/countries.csv", what, v)
		return ""
	}
	return c.Alpha3
}

// readGoods reads HWXX: every HW is one item.
func (r *decoder) readGoods(e *etree.Element) {
	n := 0
	for _, tok := range e.Child {
		if c, ok := tok.(*etree.Element); ok && c.Tag == "HW" {
			n++
		}
	}
	r.d.Goods = make([]customs.GoodsItem, 0, n)
	pos := 0
	var seqs map[int]bool
	if n > 32 {
		seqs = make(map[int]bool, n)
	}
	for _, tok := range e.Child {
		c, ok := tok.(*etree.Element)
		if !ok {
			continue
		}
		if !plain(c) || c.Tag != "HW" {
			r.unknown(pathGoods, c)
			continue
		}
		pos++
		g := r.readItem(c, pos)
		if g.Seq > 0 {
			dup := false
			if seqs != nil {
				dup = seqs[g.Seq]
				seqs[g.Seq] = true
			} else {
				for i := range r.d.Goods {
					if r.d.Goods[i].Seq == g.Seq {
						dup = true
						break
					}
				}
			}
			if dup {
				r.ps.Add(g.Path+"/@XH", customs.ProblemDuplicateKey, "item number XH %d is given twice", g.Seq)
			}
		}
		r.d.Goods = append(r.d.Goods, g)
	}
}

// Bits of the elements that the structure has once under HW.
const (
	iHSBM uint32 = 1 << iota
	iJYJYBM
	iHWMC
	iGGXH
	iSL
	iJLDW
	iHZ
	iBZ
	iYCG
	iMDD
	iWXP
	iSPZC
)

func (r *decoder) readItem(e *etree.Element, pos int) customs.GoodsItem {
	var g customs.GoodsItem
	xh := attr(e, "XH")
	if xh == "" || strings.IndexByte(xh, '\'') >= 0 {
		g.Path = pathGoods + "/HW[" + strconv.Itoa(pos) + "]"
	} else {
		g.Path = pathGoods + "/HW[@XH='" + xh + "']"
	}
	if xh == "" {
		r.ps.Add(g.Path+"/@XH", customs.ProblemMissingField, "the item number HW/@XH is required")
	} else if n, err := strconv.Atoi(xh); err != nil || n <= 0 {
		r.ps.Add(g.Path+"/@XH", customs.ProblemMissingField, "item number HW/@XH %q is not a positive whole number", xh)
	} else {
		g.Seq = n
	}

	t := r.t
	var seen, bad uint32
	for _, tok := range e.Child {
		c, ok := tok.(*etree.Element)
		if !ok {
			continue
		}
		if !plain(c) {
			r.unknown(g.Path, c)
			continue
		}
		var bit uint32
		switch c.Tag {
		case "HSBM":
			bit = iHSBM
		case "JYJYBM":
			bit = iJYJYBM
		case "HWMC":
			bit = iHWMC
		case "GGXH":
			bit = iGGXH
		case "SL":
			bit = iSL
		case "JLDW":
			bit = iJLDW
		case "HZ":
			bit = iHZ
		case "BZ":
			bit = iBZ
		case "YCG":
			bit = iYCG
		case "MDD":
			bit = iMDD
		case "WXP":
			bit = iWXP
		case "SPZC":
			bit = iSPZC
		default:
			r.unknown(g.Path, c)
			continue
		}
		if !r.once(&seen, bit, g.Path, c) {
			bad |= bit
			continue
		}
		if bit == iWXP {
			g.DangerousGoods = r.readWXP(c, g.Path)
			g.HazardFlagged = g.DangerousGoods != nil
			continue
		}
		v := r.leaf(g.Path, c)
		if v == "" {
			continue
		}
		switch bit {
		case iHSBM:
			g.HSCode = v
			if len(v) != 10 || !customs.AllDigits(v) {
				r.ps.Add(g.Path+"/HSBM", customs.ProblemInvalidHSCode, "HS code HSBM %q is not 10 digits", v)
			}
		case iJYJYBM:
			g.CIQCode = v
			if len(v) != 3 || !customs.AllDigits(v) {
				r.ps.Add(g.Path+"/JYJYBM", customs.ProblemInvalidCIQCode, "CIQ code JYJYBM %q is not 3 digits", v)
			}
		case iHWMC:
			g.Name = v
		case iGGXH:
			g.Spec = v
		case iSL:
			g.Quantity = v
			if !customs.CheckDecimal(v, 5) {
				r.ps.Add(g.Path+"/SL", customs.ProblemInvalidQuantity, "quantity SL %q is not a positive decimal of at most 5 decimals", v)
			}
		case iJLDW:
			u, ok := t.UnitByName[v]
			if !ok {
				r.ps.Add(g.Path+"/JLDW", customs.ProblemUnknownUnit, "unit JLDW (计量单位) %q is not a name in codes/units.csv", v)
			}
			g.Unit = u
		case iHZ:
			g.Value = v
			if !customs.CheckDecimal(v, 2) {
				r.ps.Add(g.Path+"/HZ", customs.ProblemInvalidValue, "value HZ %q is not a positive decimal of at most 2 decimals", v)
			}
		case iBZ:
			iso, ok := t.CurrencyByNumeric[v]
			if !ok {
				r.ps.Add(g.Path+"/BZ", customs.ProblemUnknownCurrency, "currency BZ (币种) %q is not a numeric code of codes/currencies.csv", v)
			}
			g.Currency = iso
		case iYCG:
			g.Origin = r.country(v, g.Path, "/YCG", "origin YCG (原产国)")
		case iMDD:
			g.DestinationDistrict = v
			if len(v) != 6 || !customs.AllDigits(v) {
				r.ps.Add(g.Path+"/MDD", customs.ProblemInvalidDistrict, "destination district MDD %q is not 6 digits", v)
			}
		case iSPZC:
			g.FoodProducerRegistration = v
		}
	}
	// A field that was present but wrong already has its problem.
	for _, f := range [...]struct {
		bit  uint32
		val  string
		name string
		what string
	}{
		{iHSBM, g.HSCode, "/HSBM", "HS code HSBM"},
		{iSL, g.Quantity, "/SL", "quantity SL"},
		{iJLDW, g.Unit, "/JLDW", "unit JLDW"},
		{iHZ, g.Value, "/HZ", "value HZ"},
		{iBZ, g.Currency, "/BZ", "currency BZ"},
		{iYCG, g.Origin, "/YCG", "origin YCG"},
	} {
		if f.val == "" && bad&f.bit == 0 && !r.has(g.Path+f.name) {
			r.ps.Add(g.Path+f.name, customs.ProblemMissingField, "the %s of the item is required", f.what)
		}
	}
	return g
}

// Bits of the elements that the structure has once under WXP.
const (
	wUNBH uint32 = 1 << iota
	wWXLB
	wBZLB
	wBZBJ
	wSZBZ
)

// readWXP reads a dangerous-goods block. It returns nil for an empty block
// (no known child with a value), which ports.md treats as absent.
func (r *decoder) readWXP(e *etree.Element, item string) *customs.DangerousGoods {
	path := item + "/WXP"
	var un, class, pg, mark, bulk string
	var seen uint32
	for _, tok := range e.Child {
		c, ok := tok.(*etree.Element)
		if !ok {
			continue
		}
		if !plain(c) {
			r.unknown(path, c)
			continue
		}
		var dst *string
		var bit uint32
		switch c.Tag {
		case "UNBH":
			dst, bit = &un, wUNBH
		case "WXLB":
			dst, bit = &class, wWXLB
		case "BZLB":
			dst, bit = &pg, wBZLB
		case "BZBJ":
			dst, bit = &mark, wBZBJ
		case "SZBZ":
			dst, bit = &bulk, wSZBZ
		default:
			r.unknown(path, c)
			continue
		}
		if r.once(&seen, bit, path, c) {
			*dst = r.leaf(path, c)
		}
	}
	if un == "" && class == "" && pg == "" && mark == "" && bulk == "" {
		return nil
	}
	dg := &customs.DangerousGoods{UN: un, Class: class, DeclaredClass: class, Packaging: mark}
	var entry codes.UNEntry
	listed := false
	if un != "" {
		if entry, listed = r.t.UN[un]; !listed {
			r.ps.Add(path+"/UNBH", customs.ProblemUnknownUNNumber, "UN number UNBH %q is not in codes/un-numbers.csv", un)
		} else {
			dg.Class = entry.Class
			if class != "" && class != entry.Class {
				r.warn(path+"/WXLB", customs.WarnClassDiffersFromTable, "declared hazard class WXLB "+class+" differs from class "+entry.Class+" of UN "+un+"; the table's class governs")
			}
		}
	}
	switch pg {
	case "":
	case "I", "II", "III":
		dg.PackingGroup = pg
		if listed && !slices.Contains(entry.PackingGroups, pg) {
			r.warn(path+"/BZLB", customs.WarnPackingGroupNotListed, "packing group BZLB "+pg+" is not listed for UN "+un)
		}
	default:
		// Carried as declared: the packing group is there, and wrong, so
		// routing does not report it missing as well.
		dg.PackingGroup = pg
		r.ps.Add(path+"/BZLB", customs.ProblemInvalidEnum, "packing group BZLB (包装类别) %q is not I, II or III", pg)
	}
	switch bulk {
	case "1":
		dg.Bulk = true
	case "", "0":
	default:
		r.ps.Add(path+"/SZBZ", customs.ProblemInvalidEnum, "bulk flag SZBZ (散装标志) %q is neither 1 nor 0", bulk)
	}
	return dg
}

// readUnits reads JZXXX: every JZX is one container.
func (r *decoder) readUnits(e *etree.Element) {
	n := 0
	for _, tok := range e.Child {
		if c, ok := tok.(*etree.Element); ok && c.Tag == "JZX" {
			n++
		}
	}
	r.d.Equipment = make([]customs.Unit, 0, n)
	pos := 0
	for _, tok := range e.Child {
		c, ok := tok.(*etree.Element)
		if !ok {
			continue
		}
		if !plain(c) || c.Tag != "JZX" {
			r.unknown(pathUnits, c)
			continue
		}
		pos++
		xh := attr(c, "XH")
		// The path is only needed for a problem or a warning.
		path := func() string {
			if xh == "" || strings.IndexByte(xh, '\'') >= 0 {
				return pathUnits + "/JZX[" + strconv.Itoa(pos) + "]"
			}
			return pathUnits + "/JZX[@XH='" + xh + "']"
		}
		id, kids := text(c)
		if kids {
			r.unknownChildren(path(), c)
		}
		typ, fz := attr(c, "GG"), attr(c, "FZ")
		if id == "" {
			if xh != "" || typ != "" || fz != "" {
				r.ps.Add(path(), customs.ProblemMissingField, "the container number (JZX text) is required")
			}
			continue
		}
		if ok, want := customs.CheckContainer(id); !ok {
			if want != 0 {
				r.ps.Add(path(), customs.ProblemInvalidContainerNumber, "container number %q: check digit is %c, expected %c", id, id[10], want)
			} else {
				r.ps.Add(path(), customs.ProblemInvalidContainerNumber, "container number %q is not an ISO 6346 number (owner code, category U/J/Z, 6-digit serial, check digit)", id)
			}
		}
		dupID := false
		for i := range r.d.Equipment {
			if r.d.Equipment[i].ID == id {
				r.ps.Add(path(), customs.ProblemDuplicateKey, "container %s is given twice", id)
				dupID = true
				break
			}
		}
		// A container given twice over (same XH, same number) is one fault,
		// reported once, at the container.
		if xh != "" && !dupID {
			for _, prev := range r.unitKeys {
				if prev == xh {
					r.ps.Add(path()+"/@XH", customs.ProblemDuplicateKey, "container number XH %s is given twice", xh)
					break
				}
			}
			r.unitKeys = append(r.unitKeys, xh)
		}
		r.d.Equipment = append(r.d.Equipment, customs.Unit{ID: id, Kind: customs.KindContainer, Type: typ, Seals: seals(fz)})
	}
}

// seals splits JZX/@FZ on ';' (or a full-width '；'), dropping empty parts.
func seals(fz string) []string {
	if fz == "" {
		return nil
	}
	n := 1 + strings.Count(fz, ";") + strings.Count(fz, "；")
	out := make([]string, 0, n)
	for fz != "" {
		i := strings.IndexAny(fz, ";；")
		part, rest := fz, ""
		if i >= 0 {
			part = fz[:i]
			if fz[i] == ';' {
				rest = fz[i+1:]
			} else {
				rest = fz[i+len("；"):]
			}
		}
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
		fz = rest
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// once records that the element of bit was seen under parent; a second one
// is a duplicate_key and is not read.
func (r *decoder) once(seen *uint32, bit uint32, parent string, c *etree.Element) bool {
	if *seen&bit != 0 {
		r.ps.Add(parent+"/"+c.Tag, customs.ProblemDuplicateKey, "%s is given more than once in %s", c.Tag, parent)
		return false
	}
	*seen |= bit
	return true
}

// leaf returns the trimmed text of an element that holds a value, found
// under parent. Child elements of a leaf are not in the structure: each is
// a warning.
func (r *decoder) leaf(parent string, c *etree.Element) string {
	s, kids := text(c)
	if kids {
		r.unknownChildren(parent+"/"+c.Tag, c)
	}
	return s
}

// text returns the trimmed character data of c, and whether c has child
// elements. The text of an element is one CharData token unless comments or
// elements split it, so the common case does not allocate.
func text(c *etree.Element) (string, bool) {
	var s string
	n, kids := 0, false
	for _, tok := range c.Child {
		switch x := tok.(type) {
		case *etree.CharData:
			if n == 0 {
				s = x.Data
			} else {
				s += x.Data
			}
			n++
		case *etree.Element:
			kids = true
		}
	}
	return strings.TrimSpace(s), kids
}

// unknownChildren reports every child element of c, whose path is path.
func (r *decoder) unknownChildren(path string, c *etree.Element) {
	for _, tok := range c.Child {
		if x, ok := tok.(*etree.Element); ok {
			r.unknown(path, x)
		}
	}
}

// unknown warns about an unknown element once per path (samples/README.md:
// reported once, at its own path, which has no index of its own, so two
// unknown siblings of the same name share one warning, as in the other
// dialects).
func (r *decoder) unknown(parent string, c *etree.Element) {
	path := parent + "/" + c.Tag
	for i := range r.d.Warnings {
		if w := &r.d.Warnings[i]; w.Code == customs.WarnUnknownElement && w.Path == path {
			return
		}
	}
	r.warn(path, customs.WarnUnknownElement, "element "+c.Tag+" is not part of the BJXX format here; it is kept out of the declaration")
}

func (r *decoder) warn(path, code, msg string) {
	r.d.Warnings = append(r.d.Warnings, customs.Warning{Path: path, Code: code, Message: msg})
}

// attr returns the trimmed value of an attribute without namespace.
func attr(e *etree.Element, key string) string {
	for i := range e.Attr {
		if a := &e.Attr[i]; a.Space == "" && a.Key == key {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// plain reports whether e is in no namespace: BJXX has none, so an element
// with a prefix or its own default namespace is not one of the format's.
func plain(e *etree.Element) bool {
	if e.Space != "" {
		return false
	}
	for i := range e.Attr {
		if a := &e.Attr[i]; a.Space == "" && a.Key == "xmlns" && a.Value != "" {
			return false
		}
	}
	return true
}
