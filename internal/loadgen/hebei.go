package loadgen

import (
	"strings"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// writeHebei writes a BJXX inspection declaration, encoded GBK as Hebei's
// ports send it: names for transport and trade modes and units, customs
// numeric codes for countries and currencies, yyyy-MM-dd dates.
func writeHebei(gen *Generator, p *plan) []byte {
	t := gen.cfg.Tables
	x := &xb{b: make([]byte, 0, 2000)}
	x.b = append(x.b, "<?xml version=\"1.0\" encoding=\"GBK\"?>\n<BJXX BBH=\""...)
	x.b = append(x.b, pick(gen, []string{"2.0", "2.1", "2.1"})...)
	x.b = append(x.b, "\">"...)
	x.indent = 1
	num := func(a3 string) string { return t.CountryByAlpha3[a3].Numeric }

	x.open("BTXX")
	x.leaf("BJDH", p.ref)
	if p.export {
		x.leaf("CRJBZ", "CJ")
	} else {
		x.leaf("CRJBZ", "RJ")
	}
	x.leaf("KAGB", p.port)
	x.leaf("SBGB", p.declaring)
	if p.export {
		x.empty("FHR", "DM", p.trader.uscc, "MC", p.trader.name)
	} else {
		x.empty("SHR", "DM", p.trader.uscc, "MC", p.trader.name)
	}
	if p.hasOwner {
		x.empty("XFDW", "DM", p.owner.uscc, "MC", p.owner.name)
	}
	x.empty("BJDW", "DM", p.declarant.uscc, "MC", p.declarant.name)
	x.leaf("JWSFHR", p.overseas)
	x.leaf("YSFS", transportName(gen, p.mode))
	x.leaf("YSGJ", p.means)
	x.leaf("TYDH", p.bill)
	if !p.export {
		x.leaf("QYG", num(p.tradeCountry))
		if p.departurePort != "" {
			x.leaf("QYGK", p.departurePort)
		}
		x.leaf("QYRQ", p.departed.Format("2006-01-02"))
	}
	x.leaf("MYFS", t.TradeModes[p.tradeMode])
	if p.office != "" {
		x.leaf("MDJG", p.office)
	}
	if p.origBox {
		x.leaf("YJZXBZ", "1")
	} else {
		x.leaf("YJZXBZ", "0")
	}
	if p.zone != "" {
		x.textAttrs("ZTBZ", "1", "MDQ", p.zone)
	} else {
		x.leaf("ZTBZ", "0")
	}
	x.close("BTXX")

	x.open("HWXX")
	cur := gen.currencyNumeric[p.currency]
	for i := range p.items {
		it := &p.items[i]
		x.open("HW", "XH", itoa(i+1))
		x.leaf("HSBM", it.g.hs)
		x.leaf("JYJYBM", it.g.ciq)
		x.leaf("HWMC", it.g.name)
		x.leaf("GGXH", it.g.spec)
		x.leaf("SL", i64(it.qty))
		x.leaf("JLDW", t.Units[it.g.unit])
		x.leaf("HZ", cents(it.total))
		x.leaf("BZ", cur)
		x.leaf("YCG", num(it.origin))
		x.leaf("MDD", it.district)
		if h := it.haz; h != nil {
			x.open("WXP")
			x.leaf("UNBH", h.un)
			x.leaf("WXLB", h.class)
			x.leaf("BZLB", h.pg)
			x.leaf("BZBJ", h.mark)
			if h.bulk {
				x.leaf("SZBZ", "1")
			} else {
				x.leaf("SZBZ", "0")
			}
			x.close("WXP")
		}
		if it.reg != "" {
			x.leaf("SPZC", it.reg)
		}
		x.close("HW")
	}
	x.close("HWXX")
	if len(p.containers) > 0 {
		x.open("JZXXX")
		for i, c := range p.containers {
			x.textAttrs("JZX", c.id, "XH", itoa(i+1), "GG", c.iso, "FZ", strings.Join(c.seals, ";"))
		}
		x.close("JZXXX")
	}
	x.indent = 0
	x.nl()
	x.b = append(x.b, "</BJXX>\n"...)
	out, err := simplifiedchinese.GBK.NewEncoder().Bytes(x.b)
	if err != nil {
		// The catalogue is GBK-clean; a character outside GBK is a defect
		// of the catalogue that the tests catch.
		panic("loadgen: hebei message is not GBK: " + err.Error())
	}
	return out
}

// transportName is the Chinese name of a canonical transport mode.
func transportName(gen *Generator, mode string) string {
	for _, m := range gen.cfg.Tables.TransportModes {
		if m.Canonical == mode {
			return m.Name
		}
	}
	return ""
}
