package loadgen

// writeBeijing writes an AirCargoDeclaration: ISO codes throughout
// (alpha-2 countries, ISO 4217, UN/ECE Rec 20 units), times in Beijing time
// with their offset, ULDs as the units of transport.
func writeBeijing(gen *Generator, p *plan) []byte {
	t := gen.cfg.Tables
	a2 := func(a3 string) string { return t.CountryByAlpha3[a3].Alpha2 }
	x := &xb{b: make([]byte, 0, 2000)}
	dir := "IMPORT"
	if p.export {
		dir = "EXPORT"
	}
	x.b = append(x.b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"...)
	x.open("AirCargoDeclaration", "xmlns", "urn:cn:bjport:aircargo:declaration:2", "messageId", p.ref,
		"direction", dir, "created", p.created.Format("2006-01-02T15:04:05-07:00"))
	x.indent = 1
	x.empty("Customs", "declaring", p.declaring, "entry", p.port)
	x.open("Parties")
	role, foreign := "CONSIGNEE", "SHIPPER"
	if p.export {
		role, foreign = "CONSIGNOR", "RECIPIENT"
	}
	x.empty("Party", "role", role, "uscc", p.trader.uscc, "name", p.trader.name, "country", "CN")
	if p.hasOwner {
		x.empty("Party", "role", "OWNER", "uscc", p.owner.uscc, "name", p.owner.name, "country", "CN")
	}
	x.empty("Party", "role", "DECLARANT", "uscc", p.declarant.uscc, "name", p.declarant.name, "country", "CN")
	x.empty("Party", "role", foreign, "name", p.overseas, "country", a2(p.tradeCountry))
	x.close("Parties")
	x.empty("Transport", "mode", "AIR", "flight", p.means, "mawb", p.bill, "hawb", p.houseBill,
		"departure", p.departurePort, "departureCountry", a2(p.tradeCountry), "departureDate", p.departed.Format("2006-01-02"))
	if p.office != "" {
		x.empty("Destination", "office", p.office)
	}
	if p.zone != "" {
		x.open("DirectTransit", "zone", p.zone)
		for _, c := range p.containers {
			for _, s := range c.seals {
				x.textAttrs("Seal", s, "unit", c.id)
			}
		}
		x.close("DirectTransit")
	}
	if len(p.containers) > 0 {
		x.open("Units")
		for _, c := range p.containers {
			x.empty("Unit", "id", c.id, "kind", "ULD", "type", c.iso)
		}
		x.close("Units")
	}
	x.open("Items")
	for i := range p.items {
		it := &p.items[i]
		x.open("Item", "line", itoa(i+1), "hs", it.g.hs, "ciq", it.g.ciq, "quantity", i64(it.qty),
			"unit", gen.rec20[it.g.unit], "value", cents(it.total), "currency", p.currency,
			"origin", a2(it.origin), "district", it.district)
		x.textAttrs("Description", it.g.name)
		x.textAttrs("Model", it.g.spec)
		if h := it.haz; h != nil {
			bulk := "false"
			if h.bulk {
				bulk = "true"
			}
			x.empty("DangerousGoods", "un", h.un, "class", h.class, "packingGroup", h.pg, "packaging", h.mark, "bulk", bulk)
		}
		if it.reg != "" {
			x.empty("FoodProducer", "registration", it.reg)
		}
		x.close("Item")
	}
	x.close("Items")
	x.close("AirCargoDeclaration")
	x.b = append(x.b, '\n')
	return x.b
}
