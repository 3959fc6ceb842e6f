package loadgen

import (
	"strconv"
	"strings"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// plan is one declaration before it is written in a dialect: what every
// dialect says, in the canonical vocabulary (alpha-3 countries, ISO
// currencies, customs unit codes).
type plan struct {
	kind   Kind
	ref    string
	export bool

	declaring, port string // customs codes
	trader, owner   party
	declarant       party
	hasOwner        bool
	overseas        string
	tradeCountry    string // alpha-3

	mode          string // canonical transport mode
	means, bill   string
	houseBill     string
	departurePort string
	departed      time.Time
	created       time.Time

	tradeMode string // customs code
	terms     string // Tianjin TransMode: 1, 2, 3, 4, 7
	currency  string

	office  string // destination inspection office, or ""
	origBox bool
	zone    string // direct-transit pilot zone, or ""

	items      []item
	containers []container
	packages   int64
	netKg      float64
}

type party struct {
	uscc, code, name string
}

type item struct {
	g        *goods
	qty      int64
	price    int64 // ten-thousandths
	total    int64 // hundredths
	origin   string
	dest     string // alpha-3 destination country
	district string
	reg      string // food producer registration
	haz      *hazard
}

type hazard struct {
	un, class, pg, mark, name string
	bulk                      bool
}

type container struct {
	id, md, iso string
	uld         bool
	seals       []string
}

func (gen *Generator) intn(n int) int { return gen.rng.IntN(n) }

func (gen *Generator) between(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + gen.rng.Int64N(hi-lo+1)
}

func pick[T any](gen *Generator, xs []T) T { return xs[gen.rng.IntN(len(xs))] }

func (gen *Generator) chance(percent int) bool { return gen.rng.IntN(100) < percent }

func (gen *Generator) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + gen.rng.IntN(10))
	}
	return string(b)
}

const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// uscc makes a valid unified social credit code of an enterprise
// registered in district: "91" (enterprise, company) + district + a
// 9-character organisation code + the check character.
func (gen *Generator) uscc(district string) string {
	b := make([]byte, 0, 18)
	b = append(b, "91"...)
	b = append(b, district...)
	if gen.chance(70) {
		b = append(b, "MA"...) // codes issued since 2015 start MA
	}
	for len(b) < 17 {
		b = append(b, usccChars[gen.rng.IntN(len(usccChars))])
	}
	return string(append(b, customs.USCCCheckChar(string(b))))
}

// containerID makes a valid ISO 6346 number.
func (gen *Generator) containerID() string {
	s := pick(gen, containerOwners) + gen.digits(6)
	_, want := customs.CheckContainer(s + "0")
	return s + string(want)
}

// mawb makes a valid master air waybill number with its hyphen.
func (gen *Generator) mawb(prefix string) string {
	serial := gen.between(1000000, 9999999)
	return prefix + "-" + strconv.FormatInt(serial, 10) + strconv.FormatInt(serial%7, 10)
}

func (gen *Generator) enterprise(region, trade string) party {
	c := cityOf[region]
	district := pick(gen, c.districts)
	name := pick(gen, c.names) + pick(gen, tradeWords) + trade + "有限公司"
	code := district[:4] + gen.digits(6)
	return party{uscc: gen.uscc(district), code: code, name: name}
}

// airport is an airport of country c; Hong Kong where the catalogue has none.
func (gen *Generator) airport(c string) string {
	if a, ok := airports[c]; ok {
		return pick(gen, a)
	}
	return "HKG"
}

func (gen *Generator) overseasName() string {
	return pick(gen, overseasWords) + " " + pick(gen, overseasTails)
}

func (gen *Generator) pickKind() Kind { return gen.kinds[gen.rng.IntN(len(gen.kinds))] }

// The district an item is bound for, by port: mostly the port's own
// hinterland, some of it the rest of the region.
var destinations = map[string][]string{
	"TJ": {"120116", "120101", "120104", "120110", "110105", "110108", "130104", "130203"},
	"HE": {"130203", "130209", "130302", "130983", "131003", "130104", "120116"},
	"BJ": {"110105", "110108", "110113", "110115", "110101", "120116"},
}

// zoneDistricts are districts inside each pilot zone's bureau.
var zoneDistricts = map[string][]string{"110100": {"110117"}, "130100": {"130104", "130105", "130108"}, "131000": {"131003", "131002"}}

// officeOf is the bureau of a district, for declarations that name their
// destination office.
func (gen *Generator) officeOf(district string) string {
	b, _ := gen.cfg.Tables.BureauForDistrict(district)
	return b
}

// portBureau is the bureau of the port customs code.
func (gen *Generator) portBureau(port string) string {
	return gen.cfg.Tables.OfficeForCustoms(port)
}

func (gen *Generator) plan() *plan {
	p := &plan{kind: gen.pickKind()}
	p.export = p.kind == KindExport
	p.ref = gen.ref()
	day := gen.cfg.Date
	p.created = day.Add(time.Duration(gen.intn(9*3600)) * time.Second)
	if p.export {
		p.departed = day.AddDate(0, 0, 1+gen.intn(5))
	} else {
		p.departed = day.AddDate(0, 0, -(2 + gen.intn(25)))
	}

	switch gen.cfg.Port {
	case customs.PortTianjin:
		p.declaring, p.port = "0202", "0202"
		if gen.chance(25) {
			p.port = "0217"
		}
		p.mode = "sea"
	case customs.PortHebei:
		p.declaring, p.port = "0400", pick(gen, []string{"0403", "0404", "0408", "0409"})
		p.mode = "sea"
	case customs.PortBeijing:
		p.declaring, p.port = "0100", "0101"
		if gen.chance(20) {
			p.port = "0107"
		}
		p.mode = "air"
	}
	trade := pick(gen, tradeTrades)
	switch p.kind {
	case KindCoal:
		trade = "能源"
	case KindFood:
		trade = "食品"
	case KindHazchemPort, KindHazchemUnsafe:
		trade = "化工贸易"
	}
	p.trader = gen.enterprise(gen.region, trade)
	if p.kind == KindTransit {
		// The consignee sits in the pilot zone it ships to.
		p.zone = pick(gen, gen.pilotZones)
		if gen.cfg.Port == customs.PortBeijing {
			p.zone = "110100"
		}
		d := pick(gen, zoneDistricts[p.zone])
		p.trader.uscc = gen.uscc(d)
	}
	if gen.chance(25) {
		p.hasOwner = true
		p.owner = gen.enterprise(gen.region, pick(gen, tradeTrades))
	}
	an := agentNames[gen.region]
	ai := gen.intn(len(an))
	// The region's few customs brokers each keep their one USCC.
	p.declarant = party{uscc: brokerUSCC(gen.region, ai), code: cityOf[gen.region].districts[0][:4] + "98004" + strconv.Itoa(ai), name: an[ai]}
	p.overseas = gen.overseasName()
	p.tradeMode = "0110"
	if gen.chance(15) {
		p.tradeMode = pick(gen, []string{"0214", "0615", "2225"})
	}
	p.terms = pick(gen, []string{"1", "1", "1", "2", "3", "3", "4", "7"})
	p.packages = gen.between(10, 2000)

	switch p.kind {
	case KindOrdinary, KindTransit:
		n := 1 + gen.intn(4)
		for i := 0; i < n; i++ {
			gen.addItem(p, &gen.ordinary[gen.intn(len(gen.ordinary))], nil)
		}
	case KindExport:
		n := 1 + gen.intn(3)
		for i := 0; i < n; i++ {
			gen.addItem(p, &gen.exports[gen.intn(len(gen.exports))], nil)
		}
	case KindCoal:
		n := 1 + gen.intn(2)
		for i := 0; i < n; i++ {
			gen.addItem(p, &gen.coals[gen.intn(len(gen.coals))], nil)
		}
		if gen.chance(50) {
			p.office = gen.officeOf(p.items[0].district)
		}
	case KindFood:
		n := 1 + gen.intn(3)
		for i := 0; i < n; i++ {
			j := gen.intn(len(gen.foods))
			gen.addItem(p, &gen.foods[j], nil)
			if gen.foodReg[j] {
				it := &p.items[len(p.items)-1]
				it.reg = "C" + it.origin + it.g.hs[:4] + gen.digits(6)
			}
		}
		if gen.chance(30) {
			gen.addItem(p, &gen.ordinary[gen.intn(len(gen.ordinary))], nil)
		}
	case KindHazchemPort, KindHazchemUnsafe:
		list := gen.hazSafe
		if p.kind == KindHazchemUnsafe {
			list = gen.hazUnsafe
		}
		h := &list[gen.intn(len(list))]
		gen.addItem(p, &h.goods, h)
		if gen.chance(30) {
			gen.addItem(p, &gen.ordinary[gen.intn(len(gen.ordinary))], nil)
		}
		// routing.md: an imported hazardous chemical needs the
		// declaration's destination office.
		p.office = gen.officeOf(p.items[0].district)
		if p.kind == KindHazchemPort {
			p.office = gen.portBureau(p.port)
		}
	}
	if p.kind == KindTransit {
		p.office = p.zone
		p.origBox = true
	}
	p.tradeCountry = p.items[0].origin
	if p.export {
		p.tradeCountry = p.items[0].dest
	}
	p.currency = "USD"
	if c, ok := currencyOf[p.tradeCountry]; ok && gen.chance(60) {
		p.currency = c
	}
	gen.priceItems(p)
	gen.transport(p)
	return p
}

// brokerUSCC is the fixed USCC of broker i of a region.
func brokerUSCC(region string, i int) string {
	prefix := map[string]string{"TJ": "91120116732845", "HE": "91130203MA0B3N", "BJ": "91110113802581"}[region]
	s := prefix + strconv.Itoa(100+i)
	return s + string(customs.USCCCheckChar(s))
}

func (gen *Generator) ref() string {
	n := strconv.FormatUint(gen.n, 10)
	pad := strings.Repeat("0", max(0, 9-len(n)))
	switch gen.cfg.Port {
	case customs.PortTianjin:
		return "I" + gen.cfg.RefPrefix + pad + n
	case customs.PortHebei:
		return "HE" + gen.cfg.RefPrefix + pad + n
	}
	return "BJA" + gen.cfg.RefPrefix + pad + n
}

func (gen *Generator) addItem(p *plan, x *goods, h *hazGoods) {
	it := item{g: x, qty: gen.between(x.qtyMin, x.qtyMax)}
	if p.export {
		it.origin, it.dest = "CHN", pick(gen, x.origins)
		it.district = pick(gen, destinations[gen.region])
	} else {
		it.origin, it.dest = pick(gen, x.origins), "CHN"
		if len(p.items) > 0 && gen.chance(70) {
			it.origin = p.items[0].origin // one shipment, one supplier, mostly
		}
		it.district = pick(gen, destinations[gen.region])
		if len(p.items) > 0 {
			it.district = p.items[0].district
		}
	}
	if p.kind == KindTransit {
		it.district = pick(gen, zoneDistricts[p.zone])
		if len(p.items) > 0 {
			it.district = p.items[0].district
		}
	}
	if h != nil {
		u := gen.cfg.Tables.UN[h.un]
		hz := &hazard{un: h.un, class: u.Class, name: x.name}
		hz.bulk = h.bulkOK && gen.chance(50)
		if !hz.bulk && len(u.PackingGroups) > 0 {
			hz.pg = pick(gen, u.PackingGroups)
		}
		if !hz.bulk {
			hz.mark = packagingMark(h.packType, hz.pg, gen)
		}
		it.haz = hz
	}
	p.items = append(p.items, it)
}

// packagingMark writes a UN packaging mark: type / performance level
// (X, Y, Z for packing groups I, II, III) and gross mass / year / country
// / manufacturer.
func packagingMark(packType, pg string, gen *Generator) string {
	level := "Y"
	switch pg {
	case "I":
		level = "X"
	case "III":
		level = "Z"
	}
	return packType + "/" + level + strconv.Itoa(int(gen.between(20, 400))) + "/S/" + strconv.Itoa(24+gen.intn(3)) + "/" +
		pick(gen, []string{"CN", "KR", "DE", "JP", "US"}) + "/" + pick(gen, []string{"HD", "BAM", "VL", "KT"}) + gen.digits(4)
}

// priceItems sets unit prices and totals (a total is quantity × price,
// rounded to cents) and the net weight.
func (gen *Generator) priceItems(p *plan) {
	rate := int64(1)
	if p.currency == "JPY" {
		rate = 150
	}
	for i := range p.items {
		it := &p.items[i]
		it.price = gen.between(it.g.priceMin, it.g.priceMax) * rate
		it.total = (it.qty*it.price + 50) / 100
		if it.total <= 0 {
			it.total = 1
		}
		p.netKg += float64(it.qty) * it.g.kgPer
	}
	if p.netKg < 1 {
		p.netKg = 1
	}
}

// transport fills the means, bill, departure and the containers.
func (gen *Generator) transport(p *plan) {
	bulk := p.kind == KindCoal || (p.items[0].haz != nil && p.items[0].haz.bulk) || p.items[0].g.unit == "070" && p.items[0].g.kgPer >= 1000 && p.items[0].g.hs[:2] == "26"
	if p.mode == "air" {
		al := pick(gen, airlines)
		p.means = al.code + strconv.Itoa(100+gen.intn(900))
		p.bill = gen.mawb(al.prefix)
		p.houseBill = gen.airport(p.tradeCountry) + "PEK" + p.created.Format("0601") + gen.digits(3)
		p.departurePort = gen.airport(p.tradeCountry)
		if p.export {
			p.departurePort = "PEK"
		}
		n := 1 + gen.intn(3)
		for i := 0; i < n; i++ {
			t := pick(gen, ulds)
			id := t + gen.digits(5) + p.means[:2]
			p.containers = append(p.containers, container{id: id, iso: t, uld: true})
		}
	} else {
		p.means = pick(gen, vessels)
		p.bill = pick(gen, blPrefixes) + gen.digits(10)
		if ports, ok := seaports[p.tradeCountry]; ok {
			p.departurePort = pick(gen, ports)
		}
		if p.export {
			p.departurePort = map[string]string{"0202": "CNTXG", "0217": "CNTXG", "0403": "CNQHD", "0404": "CNJTG", "0408": "CNCFD", "0409": "CNHHA"}[p.port]
		}
		if !bulk {
			n := 1 + gen.intn(4)
			for i := 0; i < n; i++ {
				k := pick(gen, containerKinds)
				p.containers = append(p.containers, container{id: gen.containerID(), md: k.md, iso: k.iso})
			}
		}
	}
	if p.zone != "" {
		if len(p.containers) == 0 {
			k := containerKinds[0]
			p.containers = append(p.containers, container{id: gen.containerID(), md: k.md, iso: k.iso})
		}
		area := map[string]string{"TJ": "TJ", "HE": "HE", "BJ": "BJ"}[gen.region]
		for i := range p.containers {
			seals := 1
			if !p.containers[i].uld && gen.chance(30) {
				seals = 2
			}
			for s := 0; s < seals; s++ {
				p.containers[i].seals = append(p.containers[i].seals, "CIQ"+p.created.Format("2006")+area+gen.digits(6))
			}
		}
	}
}

// Decimal formatting: values are integers in hundredths or ten-thousandths.
func cents(v int64) string { return fixed(v, 2) }

func tenThousandths(v int64) string { return fixed(v, 4) }

func fixed(v int64, frac int) string {
	s := strconv.FormatInt(v, 10)
	for len(s) <= frac {
		s = "0" + s
	}
	return s[:len(s)-frac] + "." + s[len(s)-frac:]
}

func kg(v float64) string {
	return strconv.FormatFloat(float64(int64(v*100+0.5))/100, 'f', -1, 64)
}
