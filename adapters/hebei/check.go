package hebei

import (
	"slices"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

// The checks of what the walk read. Those of a single value run as it is
// read, so problems come in the message's order; those that need the
// whole message run in finish. Messages are built only on failure.

// head is the path of a head field.
func headAt(tag string) adapters.At { return adapters.At{Parent: pathHead, Name: tag} }

// headValue takes the value v of the head field k (element c).
func (r *decoder) headValue(k int, v string, c *etree.Element) {
	d, h, t := r.d, &r.head, r.Tables
	switch k {
	case hBJDH:
		d.Source.PortRef = v
	case hCRJBZ:
		h.direction = v
	case hKAGB:
		if v != "" {
			r.CustomsCode(v, headAt("KAGB"), "")
		}
		d.Customs.Port = v
	case hSBGB:
		if v != "" {
			r.CustomsCode(v, headAt("SBGB"), "")
		}
		d.Customs.Declaring = v
	case hJWSFHR:
		h.overseas = v
	case hYSFS:
		if v != "" {
			m, ok := t.TransportByName[v]
			if !ok {
				r.Add("/BJXX/BTXX/YSFS", customs.ProblemUnknownTransportMode, "transport mode YSFS (运输方式) %q is not a name in codes/transport-modes.csv", v)
			}
			d.Transport.Mode = m
		}
	case hYSGJ:
		d.Transport.Means = v
	case hTYDH:
		d.Transport.BillNo = v
	case hQYG:
		if v != "" {
			d.Transport.Country, _ = r.Country(v, adapters.Numeric, headAt("QYG"), "")
		}
	case hQYGK:
		d.Transport.DeparturePort = v
	case hQYRQ:
		if v != "" {
			// Year 0 parses but is no calendar date (nor an xs:date).
			if t, ok := customs.CheckDate("2006-01-02", v); !ok || t.Year() <= 0 {
				r.Add("/BJXX/BTXX/QYRQ", customs.ProblemInvalidDate, "departure date QYRQ (启运日期) %q is not a real yyyy-MM-dd date", v)
			}
			d.Transport.DepartureDate = v
		}
	case hMYFS:
		if v != "" {
			m, ok := t.TradeModeByName[v]
			if !ok {
				r.Add("/BJXX/BTXX/MYFS", customs.ProblemUnknownTradeMode, "trade mode MYFS (贸易方式) %q is not a name in codes/trade-modes.csv", v)
			}
			r.b.trade.Mode = m
		}
	case hMDJG:
		if v != "" {
			r.Bureau(v, adapters.At{Parent: pathOffice}, "", "destination office MDJG (目的地检验检疫机关)")
			d.DestinationOffice = v
		}
	case hYJZXBZ:
		h.yjzxbz = v
	case hZTBZ:
		h.ztbz = v
		h.mdq = adapters.Attr(c, "MDQ")
	}
}

// finish makes the checks that need the whole message, and assembles the
// parties in canonical order.
func (r *decoder) finish() {
	d, h := r.d, &r.head
	if d.Source.PortRef == "" {
		r.Add("/BJXX/BTXX/BJDH", customs.ProblemMissingField, "the declaration number BJDH (报检单号) is required")
	}
	switch h.direction {
	case "RJ":
		d.Direction = customs.Import
	case "CJ":
		d.Direction = customs.Export
	case "":
		r.Add("/BJXX/BTXX/CRJBZ", customs.ProblemMissingField, "the direction CRJBZ (出入境标志) is required: RJ or CJ")
	default:
		r.Add("/BJXX/BTXX/CRJBZ", customs.ProblemInvalidEnum, "direction CRJBZ (出入境标志) %q is neither RJ (import) nor CJ (export)", h.direction)
	}
	if d.Customs.Port == "" {
		r.Add("/BJXX/BTXX/KAGB", customs.ProblemMissingField, "the port customs code KAGB (口岸关别) is required")
	}
	if d.Customs.Declaring == "" {
		r.Add("/BJXX/BTXX/SBGB", customs.ProblemMissingField, "the declaring customs code SBGB (申报关别) is required")
	}

	ps := r.b.parties[:0]
	switch d.Direction {
	case customs.Import:
		ps = r.party(ps, h.shr, customs.RoleConsignee, "SHR", "consignee SHR (收货人)", true)
		r.party(nil, h.fhr, "", "FHR", "consignor FHR (发货人)", false)
	case customs.Export:
		ps = r.party(ps, h.fhr, customs.RoleConsignor, "FHR", "consignor FHR (发货人)", true)
		r.party(nil, h.shr, "", "SHR", "consignee SHR (收货人)", false)
	default:
		r.party(nil, h.shr, "", "SHR", "consignee SHR (收货人)", false)
		r.party(nil, h.fhr, "", "FHR", "consignor FHR (发货人)", false)
	}
	ps = r.party(ps, h.xfdw, customs.RoleOwner, "XFDW", "owner XFDW (消费使用单位)", false)
	ps = r.party(ps, h.bj, customs.RoleDeclarant, "BJDW", "declarant BJDW (报检单位)", true)
	if h.overseas != "" {
		ps = append(ps, customs.Party{Role: customs.RoleOverseas, Name: h.overseas})
	}
	if len(ps) > 0 {
		d.Parties = ps
	}

	if d.Transport.Mode == "" && !r.Has("/BJXX/BTXX/YSFS") {
		r.Add("/BJXX/BTXX/YSFS", customs.ProblemMissingField, "the transport mode YSFS (运输方式) is required")
	}
	if r.b.trade.Mode == "" && !r.Has("/BJXX/BTXX/MYFS") {
		r.Add("/BJXX/BTXX/MYFS", customs.ProblemMissingField, "the trade mode MYFS (贸易方式) is required")
	}

	switch h.yjzxbz {
	case "1":
		r.b.orig = true
	case "", "0":
	default:
		r.Add("/BJXX/BTXX/YJZXBZ", customs.ProblemInvalidEnum, "original-container flag YJZXBZ (原集装箱标志) %q is neither 1 nor 0", h.yjzxbz)
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
			r.Add(pathZone, customs.ProblemMissingField, "direct transit (ZTBZ = 1) needs the pilot zone ZTBZ/@MDQ")
		} else {
			r.Bureau(h.mdq, adapters.At{Parent: pathZone}, "", "direct-transit zone ZTBZ/@MDQ")
		}
	case "", "0":
	default:
		r.Add("/BJXX/BTXX/ZTBZ", customs.ProblemInvalidEnum, "direct-transit flag ZTBZ (直通标志) %q is neither 1 nor 0", h.ztbz)
	}

	if len(d.Goods) == 0 {
		r.Add("/BJXX/HWXX/HW", customs.ProblemMissingField, "at least one goods item HW is required")
	}
	if !slices.IsSortedFunc(d.Goods, bySeq) {
		slices.SortStableFunc(d.Goods, bySeq)
	}
}

func bySeq(a, b customs.GoodsItem) int { return a.Seq - b.Seq }

// party checks one party element (tag, under BTXX) and, when role is set,
// appends it to ps. A required party (the trader, the declarant) needs its
// USCC; an optional one (the owner) may be named without one, as ports.md
// requires only the trader's and the declarant's USCC and the canonical
// model keeps an owner by name (the Tianjin owner by customs code and name
// alike); an unmapped one is checked only when it gives one.
func (r *decoder) party(ps []customs.Party, p partyEl, role customs.Role, tag, what string, required bool) []customs.Party {
	uscc := r.PartyUSCC(p.uscc, required, headAt(tag), "/@DM", what)
	switch {
	case role == "":
	case uscc != "":
		ps = append(ps, customs.Party{Role: role, USCC: uscc, Name: p.name})
	case !required && p.name != "":
		ps = append(ps, customs.Party{Role: role, Name: p.name})
	}
	return ps
}

// itemNumber reads HW/@XH, which the canonical item needs as a positive
// whole number.
func (r *decoder) itemNumber(g *customs.GoodsItem, xh string) {
	if xh == "" {
		r.Add(g.Path+"/@XH", customs.ProblemMissingField, "the item number HW/@XH is required")
	} else if n, err := strconv.Atoi(xh); err != nil || n <= 0 {
		r.Add(g.Path+"/@XH", customs.ProblemMissingField, "item number HW/@XH %q is not a positive whole number", xh)
	} else {
		g.Seq = n
	}
}

// checkItemNumber reports an item number given twice, at the later item.
// seqs, when not nil, holds the numbers seen so far (for a long list);
// otherwise the items read so far are searched.
func (r *decoder) checkItemNumber(g *customs.GoodsItem, seqs map[int]bool) {
	if g.Seq <= 0 {
		return
	}
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
		r.Add(g.Path+"/@XH", customs.ProblemDuplicateKey, "item number XH %d is given twice", g.Seq)
	}
}

// itemValue takes the value v of the item field k.
func (r *decoder) itemValue(g *customs.GoodsItem, k int, v string) {
	at := adapters.At{Parent: g.Path}
	t := r.Tables
	switch k {
	case iHSBM:
		g.HSCode = v
		r.HSCode(v, at, "/HSBM")
	case iJYJYBM:
		g.CIQCode = v
		r.CIQCode(v, at, "/JYJYBM")
	case iHWMC:
		g.Name = v
	case iGGXH:
		g.Spec = v
	case iSL:
		g.Quantity = v
		r.Decimal(v, 5, customs.ProblemInvalidQuantity, at, "/SL", "quantity SL")
	case iJLDW:
		u, ok := t.UnitByName[v]
		if !ok {
			r.Add(g.Path+"/JLDW", customs.ProblemUnknownUnit, "unit JLDW (计量单位) %q is not a name in codes/units.csv", v)
		}
		g.Unit = u
	case iHZ:
		g.Value = v
		r.Decimal(v, 2, customs.ProblemInvalidValue, at, "/HZ", "value HZ")
	case iBZ:
		iso, ok := t.CurrencyByNumeric[v]
		if !ok {
			r.Add(g.Path+"/BZ", customs.ProblemUnknownCurrency, "currency BZ (币种) %q is not a numeric code of codes/currencies.csv", v)
		}
		g.Currency = iso
	case iYCG:
		g.Origin, _ = r.Country(v, adapters.Numeric, at, "/YCG")
	case iMDD:
		g.DestinationDistrict = v
		r.District(v, at, "/MDD")
	case iSPZC:
		g.FoodProducerRegistration = v
	case iTSWP:
		g.SpecialArticle = r.SpecialLevel(v, at, "/TSWP")
	}
}

// itemMissing reports the required fields of an item that are missing. A
// field that was present but wrong already has its problem, and one given
// twice its duplicate_key.
func (r *decoder) itemMissing(g *customs.GoodsItem, seen *adapters.Once) {
	for _, f := range [...]struct {
		k    int
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
		if f.val == "" && seen.Count(f.k) <= 1 && !r.Has(g.Path+f.name) {
			r.Add(g.Path+f.name, customs.ProblemMissingField, "the %s of the item is required", f.what)
		}
	}
}

// hazard checks a dangerous-goods block at path that has a value. The
// class of codes/un-numbers.csv governs; a declared WXLB that differs, or a
// BZLB the table does not list for the UN number, is a warning.
func (r *decoder) hazard(path, un, class, pg, mark, bulk string) *customs.DangerousGoods {
	dg := &customs.DangerousGoods{UN: un, Class: class, DeclaredClass: class, Packaging: mark}
	var entry codes.UNEntry
	listed := false
	if un != "" {
		if entry, listed = r.Tables.UN[un]; !listed {
			r.Add(path+"/UNBH", customs.ProblemUnknownUNNumber, "UN number UNBH %q is not in codes/un-numbers.csv", un)
		} else {
			dg.Class = entry.Class
			if class != "" && class != entry.Class {
				r.Warn(path+"/WXLB", customs.WarnClassDiffersFromTable, "declared hazard class WXLB "+class+" differs from class "+entry.Class+" of UN "+un+"; the table's class governs")
			}
		}
	}
	switch pg {
	case "":
	case "I", "II", "III":
		dg.PackingGroup = pg
		if listed && !slices.Contains(entry.PackingGroups, pg) {
			r.Warn(path+"/BZLB", customs.WarnPackingGroupNotListed, "packing group BZLB "+pg+" is not listed for UN "+un)
		}
	default:
		// Carried as declared: the packing group is there, and wrong, so
		// routing does not report it missing as well.
		dg.PackingGroup = pg
		r.Add(path+"/BZLB", customs.ProblemInvalidEnum, "packing group BZLB (包装类别) %q is not I, II or III", pg)
	}
	switch bulk {
	case "1":
		dg.Bulk = true
	case "", "0":
	default:
		r.Add(path+"/SZBZ", customs.ProblemInvalidEnum, "bulk flag SZBZ (散装标志) %q is neither 1 nor 0", bulk)
	}
	return dg
}

// container checks one JZX (at at, number XH xh) and adds it to the
// equipment: its number id (the text), size and type typ (@GG), seals fz
// (@FZ).
func (r *decoder) container(at adapters.At, xh, id, typ, fz string) {
	if id == "" {
		if xh != "" || typ != "" || fz != "" {
			r.Add(at.Path(""), customs.ProblemMissingField, "the container number (JZX text) is required")
		}
		return
	}
	r.Container(id, at, "")
	dupID := false
	for i := range r.d.Equipment {
		if r.d.Equipment[i].ID == id {
			r.Add(at.Path(""), customs.ProblemDuplicateKey, "container %s is given twice", id)
			dupID = true
			break
		}
	}
	// A container given twice over (same XH, same number) is one fault,
	// reported once, at the container.
	if xh != "" && !dupID {
		for _, prev := range r.unitKeys {
			if prev == xh {
				r.Add(at.Path("/@XH"), customs.ProblemDuplicateKey, "container number XH %s is given twice", xh)
				break
			}
		}
		r.unitKeys = append(r.unitKeys, xh)
	}
	r.d.Equipment = append(r.d.Equipment, customs.Unit{ID: id, Kind: customs.KindContainer, Type: typ, Seals: seals(fz)})
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
