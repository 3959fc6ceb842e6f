package tianjin

import (
	"slices"
	"strconv"
	"strings"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/internal/customs"
)

// The checks below run after the walk, on the values it collected, and add
// every problem they find. Messages are built only on failure.

// headAt is the path of head field k.
func headAt(k int) adapters.At { return adapters.At{Parent: pathHead, Name: headNames[k]} }

func (dc *decoder) headPath(k int) string { return pathHead + "/" + headNames[k] }

func (dc *decoder) missingHead(k int, what string) bool {
	if dc.head[k] != "" {
		return false
	}
	dc.Missing(headAt(k), "", what+" ("+headNames[k]+")")
	return true
}

// partyUSCC checks the USCC of a party, head field k (adapters.PartyUSCC).
func (dc *decoder) partyUSCC(k int, required bool, what string) string {
	return dc.PartyUSCC(dc.head[k], required, headAt(k), "", what+" ("+headNames[k]+")")
}

func (dc *decoder) customsCode(k int) string {
	if dc.missingHead(k, "customs code") {
		return ""
	}
	dc.CustomsCode(dc.head[k], headAt(k), "")
	return dc.head[k]
}

func (dc *decoder) checkHead(d *customs.Declaration) {
	h := &dc.head
	d.Source.PortRef = dc.clientSeqNo
	if dc.clientSeqNo == "" {
		dc.Add(pathClientSeq, customs.ProblemMissingField, "the message number (ClientSeqNo, 客户端报关单编号) is required")
	}

	switch v := h[hIEFlag]; v {
	case "I":
		d.Direction = customs.Import
	case "E":
		d.Direction = customs.Export
	case "":
		dc.missingHead(hIEFlag, "direction")
	default:
		dc.Add(dc.headPath(hIEFlag), customs.ProblemInvalidEnum, "IEFlag (进出口标志) %q is neither I nor E", v)
	}

	d.Customs.Declaring = dc.customsCode(hCustomMaster)
	d.Customs.Port = dc.customsCode(hIEPort)

	// Parties, in canonical order: trader, owner, declarant, overseas.
	d.Parties = make([]customs.Party, 0, 4)
	traderRole, overseas := customs.RoleConsignee, h[hOverseasConsignor]
	if d.Direction == customs.Export {
		traderRole, overseas = customs.RoleConsignor, h[hOverseasConsignee]
	}
	trader := customs.Party{Role: traderRole, CustomsCode: h[hTradeCode], Name: h[hTradeName]}
	trader.USCC = dc.partyUSCC(hTradeCoScc, true, "consignee or consignor")
	if trader.USCC != "" || trader.Name != "" || trader.CustomsCode != "" {
		d.Parties = append(d.Parties, trader)
	}
	// An owner may be named by customs code and name without a USCC.
	if h[hOwnerCodeScc] != "" || h[hOwnerCode] != "" || h[hOwnerName] != "" {
		owner := customs.Party{Role: customs.RoleOwner, CustomsCode: h[hOwnerCode], Name: h[hOwnerName]}
		owner.USCC = dc.partyUSCC(hOwnerCodeScc, false, "owner")
		d.Parties = append(d.Parties, owner)
	}
	declarant := customs.Party{Role: customs.RoleDeclarant, CustomsCode: h[hAgentCode], Name: h[hAgentName]}
	declarant.USCC = dc.partyUSCC(hAgentCodeScc, true, "declarant")
	if declarant.USCC != "" || declarant.Name != "" || declarant.CustomsCode != "" {
		d.Parties = append(d.Parties, declarant)
	}
	if overseas != "" {
		d.Parties = append(d.Parties, customs.Party{Role: customs.RoleOverseas, Name: overseas})
	}

	// Transport.
	if v := h[hTrafMode]; !dc.missingHead(hTrafMode, "transport mode") {
		if m, ok := dc.Tables.TransportByCustoms[v]; ok {
			d.Transport.Mode = m
		} else {
			dc.Add(dc.headPath(hTrafMode), customs.ProblemUnknownTransportMode, "transport mode %q is not a customs code of codes/transport-modes.csv", v)
		}
	}
	d.Transport.Means = h[hTrafName]
	d.Transport.BillNo = h[hBillNo]
	if v := h[hTradeCountry]; v != "" {
		dc.Country(v, adapters.Alpha3, headAt(hTradeCountry), "")
		d.Transport.Country = v
	}
	d.Transport.DeparturePort = h[hDespPortCode]
	if v := h[hDespDate]; v != "" {
		if len(v) == 8 && customs.AllDigits(v) {
			// Year 0 parses but is no calendar date (nor an xs:date).
			if t, ok := customs.CheckDate("20060102", v); ok && t.Year() > 0 {
				d.Transport.DepartureDate = v[:4] + "-" + v[4:6] + "-" + v[6:]
			}
		}
		if d.Transport.DepartureDate == "" {
			dc.Add(dc.headPath(hDespDate), customs.ProblemInvalidDate, "DespDate %q is not a real date written yyyyMMdd", v)
		}
	}

	// Trade.
	d.Trade = &customs.Trade{}
	if v := h[hTradeMode]; !dc.missingHead(hTradeMode, "trade mode") {
		if _, ok := dc.Tables.TradeModes[v]; ok {
			d.Trade.Mode = v
		} else {
			dc.Add(dc.headPath(hTradeMode), customs.ProblemUnknownTradeMode, "trade mode (监管方式) %q is not in codes/trade-modes.csv", v)
		}
	}
	switch v := h[hTransMode]; v {
	case "":
	case "1":
		d.Trade.Terms = "CIF"
	case "2":
		d.Trade.Terms = "CFR"
	case "3":
		d.Trade.Terms = "FOB"
	case "4":
		d.Trade.Terms = "C&I"
	case "7":
		d.Trade.Terms = "EXW"
	default:
		dc.Add(dc.headPath(hTransMode), customs.ProblemInvalidEnum, "TransMode (成交方式) %q is not one of 1 CIF, 2 CFR, 3 FOB, 4 C&I, 7 EXW", v)
	}

	// Weights.
	if h[hGrossWet] != "" || h[hNetWt] != "" || h[hPackNo] != "" {
		d.Weights = &customs.Weights{Gross: h[hGrossWet], Net: h[hNetWt], Packages: h[hPackNo]}
		for _, k := range [2]int{hGrossWet, hNetWt} {
			if v := h[k]; v != "" {
				dc.Decimal(v, 5, customs.ProblemInvalidQuantity, headAt(k), "", headNames[k])
			}
		}
		if v := h[hPackNo]; v != "" {
			dc.Decimal(v, 0, customs.ProblemInvalidQuantity, headAt(hPackNo), "", "PackNo (件数)")
		}
	}

	if v := h[hPurpOrgCode]; v != "" {
		dc.Bureau(v, adapters.At{Parent: pathPurpOrg}, "", "destination office (目的地检验检疫机关)")
		d.DestinationOffice = v
	}
	switch v := h[hOrigBoxFlag]; v {
	case "", "0", "1":
	default:
		dc.Add(dc.headPath(hOrigBoxFlag), customs.ProblemInvalidEnum, "OrigBoxFlag (原集装箱标识) %q is neither 0 nor 1", v)
	}

	d.Paths = customs.Paths{
		DestinationOffice: pathPurpOrg,
		DirectTransitZone: pathZone,
		District:          "/DestCode",
		UN:                "/UnCode",
		PackingGroup:      "/DangPackType",
		PackagingMark:     "/DangPackSpec",
	}
	if dc.uncode {
		d.Paths.UN = "/Uncode"
	}
}

// itemAt is the path of the item's field k.
func itemAt(it *rawItem, k int) adapters.At { return adapters.At{Parent: it.path, Name: itemNames[k]} }

func (dc *decoder) itemMissing(it *rawItem, k int, what string) bool {
	if it.f[k] != "" {
		return false
	}
	dc.Missing(itemAt(it, k), "", what+" ("+itemNames[k]+")")
	return true
}

func (dc *decoder) checkItems(d *customs.Declaration) {
	if len(dc.items) == 0 {
		dc.Add(pathLists+"/DecList[1]", customs.ProblemMissingField, "at least one goods item (DecList) is required")
		return
	}
	d.Goods = make([]customs.GoodsItem, len(dc.items))
	sorted := true
	for i := range dc.items {
		it := &dc.items[i]
		g := &d.Goods[i]
		dc.checkItem(it, g)
		if i > 0 && g.Seq < d.Goods[i-1].Seq {
			sorted = false
		}
	}
	// Duplicate item numbers, reported at the later item.
	for i := 1; i < len(d.Goods); i++ {
		if d.Goods[i].Seq <= 0 {
			continue
		}
		for j := 0; j < i; j++ {
			if d.Goods[j].Seq == d.Goods[i].Seq {
				dc.Add(d.Goods[i].Path+"/GNo", customs.ProblemDuplicateKey, "item number %d is given twice (also at %s)", d.Goods[i].Seq, d.Goods[j].Path)
				break
			}
		}
	}
	if !sorted {
		slices.SortStableFunc(d.Goods, func(a, b customs.GoodsItem) int { return a.Seq - b.Seq })
	}
}

func (dc *decoder) checkItem(it *rawItem, g *customs.GoodsItem) {
	f := &it.f
	g.Path = it.path
	g.Name, g.Spec = f[iGName], f[iGModel]
	at := adapters.At{Parent: it.path}

	if !dc.itemMissing(it, iGNo, "item number") {
		if n, err := strconv.Atoi(f[iGNo]); err == nil && n > 0 && customs.AllDigits(f[iGNo]) {
			g.Seq = n
		} else {
			dc.Add(it.path+"/GNo", customs.ProblemMissingField, "item number (商品序号) %q is not a positive whole number", f[iGNo])
		}
	}
	if v := f[iCodeTS]; !dc.itemMissing(it, iCodeTS, "HS code") {
		dc.HSCode(v, at, "/CodeTS")
		g.HSCode = v
	}
	if v := f[iCiqCode]; v != "" {
		dc.CIQCode(v, at, "/CiqCode")
		g.CIQCode = v
	}
	if v := f[iGQty]; !dc.itemMissing(it, iGQty, "quantity") {
		dc.Decimal(v, 5, customs.ProblemInvalidQuantity, at, "/GQty", "quantity (成交数量)")
		g.Quantity = v
	}
	if v := f[iGUnit]; !dc.itemMissing(it, iGUnit, "unit") {
		if _, ok := dc.Tables.Units[v]; !ok {
			dc.Add(it.path+"/GUnit", customs.ProblemUnknownUnit, "unit (成交计量单位) %q is not a customs unit code of codes/units.csv", v)
		}
		g.Unit = v
	}
	if v := f[iDeclTotal]; !dc.itemMissing(it, iDeclTotal, "value") {
		dc.Decimal(v, 2, customs.ProblemInvalidValue, at, "/DeclTotal", "total (申报总价)")
		g.Value = v
	}
	if v := f[iDeclPrice]; v != "" {
		dc.Decimal(v, 4, customs.ProblemInvalidValue, at, "/DeclPrice", "unit price (申报单价)")
	}
	if v := f[iTradeCurr]; !dc.itemMissing(it, iTradeCurr, "currency") {
		if !dc.Tables.Currencies[v] {
			dc.Add(it.path+"/TradeCurr", customs.ProblemUnknownCurrency, "currency (成交币制) %q is not an ISO 4217 code of codes/currencies.csv", v)
		}
		g.Currency = v
	}
	if v := f[iOriginCountry]; !dc.itemMissing(it, iOriginCountry, "country of origin") {
		dc.Country(v, adapters.Alpha3, at, "/OriginCountry")
		g.Origin = v
	}
	if v := f[iDestinationCountry]; v != "" {
		dc.Country(v, adapters.Alpha3, at, "/DestinationCountry")
	}
	if v := f[iDestCode]; v != "" {
		dc.District(v, at, "/DestCode")
		g.DestinationDistrict = v
	}
	g.FoodProducerRegistration = it.frn
	g.Documents = it.docs
	dc.hazard(it, g)
}

// hazard reads the item's hazardous-chemical fields (ports.md; samples
// README readings 1 to 3). Whether they are complete is routing's check.
func (dc *decoder) hazard(it *rawItem, g *customs.GoodsItem) {
	f := &it.f
	var attr31, attr32 bool
	for s := f[iGoodsAttr]; s != ""; {
		var a string
		a, s, _ = strings.Cut(s, ",")
		switch a = strings.TrimSpace(a); a {
		case "31":
			attr31 = true
		case "32":
			attr32 = true
		case "25", "26", "27", "28":
			// A to D级特殊物品 (documents.md); the first level given counts.
			if g.SpecialArticle == "" {
				g.SpecialArticle = string(rune('A' + a[1] - '5'))
			}
		}
	}
	flagged := false
	switch v := f[iNoDangFlag]; v {
	case "", "1":
	case "0":
		flagged = true
	default:
		dc.Add(it.path+"/NoDangFlag", customs.ProblemInvalidEnum, "NoDangFlag (非危险化学品标志) %q is neither 0 nor 1", v)
	}
	g.HazardFlagged = flagged || attr31 || attr32

	// An invalid packing type is carried as declared, so that routing does
	// not report the packing group missing as well: it is there, and wrong
	// (invalid_enum), as the other dialects have it.
	var pg string
	validPG := true
	switch v := f[iDangPackType]; v {
	case "", "4":
	case "1":
		pg = "I"
	case "2":
		pg = "II"
	case "3":
		pg = "III"
	default:
		pg, validPG = v, false
		dc.Add(it.path+"/DangPackType", customs.ProblemInvalidEnum, "DangPackType (危包类别) %q is not 1, 2, 3 (packing group I, II, III) or 4 (none)", v)
	}
	un := f[iUnCode]
	if !g.HazardFlagged && un == "" && f[iDangPackType] == "" && f[iDangPackSpec] == "" {
		return
	}
	dg := &customs.DangerousGoods{
		UN:           un,
		PackingGroup: pg,
		Packaging:    f[iDangPackSpec],
		Bulk:         attr32 || (f[iDangPackType] == "4" && !attr31),
	}
	g.DangerousGoods = dg
	if un == "" {
		return
	}
	e, ok := dc.Tables.UN[un]
	if !ok || len(un) != 4 || !customs.AllDigits(un) {
		dc.Add(it.path+"/"+it.unTag, customs.ProblemUnknownUNNumber, "UN number %q is not in codes/un-numbers.csv", un)
		return
	}
	dg.Class = e.Class
	if pg != "" && validPG && !slices.Contains(e.PackingGroups, pg) {
		listed := strings.Join(e.PackingGroups, ", ")
		if listed == "" {
			listed = "none"
		}
		dc.Warn(it.path+"/DangPackType", customs.WarnPackingGroupNotListed, "packing group "+pg+" is not listed for UN "+un+" (listed: "+listed+")")
	}
}

func (dc *decoder) containerPath(c *rawContainer, field string) string {
	return pathContainers + "/Container[" + strconv.Itoa(c.idx) + "]/" + field
}

func (dc *decoder) checkContainers(d *customs.Declaration) {
	if len(dc.containers) == 0 {
		return
	}
	d.Equipment = make([]customs.Unit, 0, len(dc.containers))
	for i := range dc.containers {
		c := &dc.containers[i]
		if c.id == "" {
			if c.md != "" || c.content {
				dc.Add(dc.containerPath(c, "ContainerId"), customs.ProblemMissingField, "the container number (ContainerId, 集装箱号) is required")
			}
			continue
		}
		dc.Container(c.id, adapters.At{Parent: pathContainers, Name: "Container", Pos: c.idx}, "/ContainerId")
		dup := false
		for j := range d.Equipment {
			if d.Equipment[j].ID == c.id {
				dc.Add(dc.containerPath(c, "ContainerId"), customs.ProblemDuplicateKey, "container %s is given twice", c.id)
				dup = true
				break
			}
		}
		if !dup {
			d.Equipment = append(d.Equipment, customs.Unit{ID: c.id, Kind: customs.KindContainer, Type: c.md})
		}
	}
}

func (dc *decoder) checkTransit(d *customs.Declaration) {
	t := dc.transit
	if t == nil {
		return
	}
	orig := dc.head[hOrigBoxFlag] == "1"
	dt := &customs.DirectTransit{Zone: t.zone, OriginalContainers: &orig, SealCount: len(t.seals)}
	d.DirectTransit = dt
	if t.zone == "" {
		dc.Add(pathZone, customs.ProblemMissingField, "the pilot zone (zone) of the direct-transit request is required")
	} else {
		dc.Bureau(t.zone, adapters.At{Parent: pathZone}, "", "zone")
	}
	for i := range t.seals {
		s := &t.seals[i]
		sealPath := func() string { return pathTransit + "/Seal[" + strconv.Itoa(s.idx) + "]" }
		if s.number == "" {
			dc.Add(sealPath(), customs.ProblemMissingField, "the seal number is required")
			continue
		}
		if !s.hasContainer {
			dc.Add(sealPath()+"/@container", customs.ProblemMissingField, "the seal's container (@container) is required")
			continue
		}
		placed := false
		for j := range d.Equipment {
			if u := &d.Equipment[j]; u.ID == s.container {
				u.Seals = append(u.Seals, s.number)
				placed = true
				break
			}
		}
		if !placed {
			dt.StraySeals = append(dt.StraySeals, customs.Seal{Unit: s.container, Number: s.number})
		}
	}
}
