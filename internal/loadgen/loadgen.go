package loadgen

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

// Kind is what a generated declaration is about; it decides its route
// (with no credit records, alerts or draw).
type Kind string

const (
	// KindOrdinary: an import of ordinary goods, released.
	KindOrdinary Kind = "ordinary"
	// KindExport: an export of ordinary goods, released.
	KindExport Kind = "export"
	// KindCoal: imported coal, coal.joint_supervision at the inland bureau.
	KindCoal Kind = "coal"
	// KindFood: imported food (with the producer's registration where the
	// HS code needs one), possibly with ordinary goods;
	// food.post_entry_supervision.
	KindFood Kind = "food"
	// KindHazchemPort: a hazardous chemical safe to sample at the quay,
	// complete; hazchem.port_inspection.
	KindHazchemPort Kind = "hazchem_port"
	// KindHazchemUnsafe: one that is not opened at the quay;
	// hazchem.unsafe_port_sampling.
	KindHazchemUnsafe Kind = "hazchem_unsafe"
	// KindTransit: ordinary goods in original containers (or ULDs) under
	// seal to an inland pilot zone; direct_transit.sealed_move.
	KindTransit Kind = "direct_transit"
)

// Kinds lists every kind.
var Kinds = []Kind{KindOrdinary, KindExport, KindCoal, KindFood, KindHazchemPort, KindHazchemUnsafe, KindTransit}

// Mix is the share of each kind, in any unit (weights). The defaults
// (DefaultMix) follow what the port is: bulk coal through Hebei, none by
// air through Beijing.
type Mix map[Kind]int

// DefaultMix is the mix of a port's traffic. About a third of it needs
// inspection, as in the region's ports.
func DefaultMix(port customs.Port) Mix {
	switch port {
	case customs.PortHebei:
		return Mix{KindOrdinary: 30, KindExport: 15, KindCoal: 20, KindFood: 10, KindHazchemPort: 10, KindHazchemUnsafe: 5, KindTransit: 10}
	case customs.PortBeijing:
		return Mix{KindOrdinary: 45, KindExport: 15, KindFood: 15, KindHazchemPort: 10, KindHazchemUnsafe: 5, KindTransit: 10}
	}
	return Mix{KindOrdinary: 40, KindExport: 15, KindCoal: 8, KindFood: 15, KindHazchemPort: 10, KindHazchemUnsafe: 4, KindTransit: 8}
}

// Config configures a Generator.
type Config struct {
	// Port is the dialect: tianjin, hebei or beijing. Required.
	Port customs.Port
	// Tables are the code tables the messages must agree with. Required.
	Tables *codes.Tables
	// Seed makes the sequence; the same Config gives the same messages.
	Seed uint64
	// RefPrefix is put in every portRef before a counter, so that runs and
	// workers do not collide; empty means the seed in decimal. A gateway
	// that already holds a portRef answers 200 or 409, not 201.
	RefPrefix string
	// Date is the day the messages are written on (Beijing time); zero
	// means 2026-11-27.
	Date time.Time
	// Mix is the share of each kind; nil means DefaultMix(Port).
	Mix Mix
}

// Message is one generated declaration.
type Message struct {
	Port    customs.Port
	PortRef string
	Kind    Kind
	// Items is the number of goods items.
	Items int
	// Body is the message as the port sends it (GBK for Hebei).
	Body []byte
}

// Generator makes messages of one dialect.
type Generator struct {
	cfg    Config
	rng    *rand.Rand
	n      uint64
	kinds  []Kind // one entry per unit of weight
	region string
	writer func(*Generator, *plan) []byte

	ordinary, exports, foods []goods
	foodReg                  []bool
	coals                    []goods
	hazSafe, hazUnsafe       []hazGoods
	rec20                    map[string]string // unit code -> Rec 20
	currencyNumeric          map[string]string // ISO 4217 -> customs numeric
	pilotZones               []string
}

var beijing = time.FixedZone("CST", 8*3600)

// New checks cfg and the catalogue against the tables.
func New(cfg Config) (*Generator, error) {
	if cfg.Tables == nil {
		return nil, fmt.Errorf("loadgen: Config.Tables is required")
	}
	gen := &Generator{cfg: cfg}
	switch cfg.Port {
	case customs.PortTianjin:
		gen.region, gen.writer = "TJ", writeTianjin
	case customs.PortHebei:
		gen.region, gen.writer = "HE", writeHebei
	case customs.PortBeijing:
		gen.region, gen.writer = "BJ", writeBeijing
	default:
		return nil, fmt.Errorf("loadgen: unknown port %q", cfg.Port)
	}
	if gen.cfg.Date.IsZero() {
		gen.cfg.Date = time.Date(2026, 11, 27, 9, 0, 0, 0, beijing)
	}
	if gen.cfg.RefPrefix == "" {
		gen.cfg.RefPrefix = strconv.FormatUint(cfg.Seed, 10)
	}
	mix := cfg.Mix
	if mix == nil {
		mix = DefaultMix(cfg.Port)
	}
	for _, k := range Kinds {
		for i := 0; i < mix[k]; i++ {
			gen.kinds = append(gen.kinds, k)
		}
	}
	if len(gen.kinds) == 0 {
		return nil, fmt.Errorf("loadgen: the mix has no kind with a positive weight")
	}
	if err := gen.prepare(); err != nil {
		return nil, err
	}
	gen.rng = rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	return gen, nil
}

// prepare picks the catalogue entries this dialect can declare and checks
// them against the tables.
func (gen *Generator) prepare() error {
	t := gen.cfg.Tables
	air := gen.cfg.Port == customs.PortBeijing
	gen.rec20 = map[string]string{}
	for rec, code := range t.UnitByRec20 {
		gen.rec20[code] = rec
	}
	gen.currencyNumeric = map[string]string{}
	for num, iso := range t.CurrencyByNumeric {
		gen.currencyNumeric[iso] = num
	}
	fits := func(x *goods) bool {
		if air && (!x.air || gen.rec20[x.unit] == "") {
			return false
		}
		return air || x.sea
	}
	check := func(x *goods) error {
		if _, ok := t.Units[x.unit]; !ok {
			return fmt.Errorf("loadgen: %s: unit %s is not in the tables", x.hs, x.unit)
		}
		for _, c := range x.origins {
			if _, ok := t.CountryByAlpha3[c]; !ok {
				return fmt.Errorf("loadgen: %s: country %s is not in the tables", x.hs, c)
			}
		}
		return nil
	}
	for i := range ordinaryImports {
		if x := &ordinaryImports[i]; fits(x) {
			if err := check(x); err != nil {
				return err
			}
			gen.ordinary = append(gen.ordinary, *x)
		}
	}
	for i := range ordinaryExports {
		if x := &ordinaryExports[i]; fits(x) {
			if err := check(x); err != nil {
				return err
			}
			gen.exports = append(gen.exports, *x)
		}
	}
	for i := range foods {
		x := &foods[i]
		if !fits(&x.goods) {
			continue
		}
		if err := check(&x.goods); err != nil {
			return err
		}
		fp, ok := t.Food(x.hs)
		if !ok || fp.Registration != x.reg {
			return fmt.Errorf("loadgen: food %s: codes/food-hs.csv does not agree (food %v, registration %v)", x.hs, ok, fp.Registration)
		}
		gen.foods = append(gen.foods, x.goods)
		gen.foodReg = append(gen.foodReg, x.reg)
	}
	for i := range coals {
		if x := &coals[i]; fits(x) {
			if err := check(x); err != nil {
				return err
			}
			gen.coals = append(gen.coals, *x)
		}
	}
	for i := range hazchems {
		x := &hazchems[i]
		if !fits(&x.goods) {
			continue
		}
		if err := check(&x.goods); err != nil {
			return err
		}
		if _, ok := t.UN[x.un]; !ok {
			return fmt.Errorf("loadgen: %s: UN %s is not in codes/un-numbers.csv", x.hs, x.un)
		}
		if x.unsafe {
			gen.hazUnsafe = append(gen.hazUnsafe, *x)
		} else {
			gen.hazSafe = append(gen.hazSafe, *x)
		}
	}
	for _, code := range []string{"110100", "130100", "131000"} {
		if b, ok := t.Bureaus[code]; ok && b.PilotZone {
			gen.pilotZones = append(gen.pilotZones, code)
		}
	}
	if len(gen.ordinary) == 0 || len(gen.exports) == 0 || len(gen.foods) == 0 || len(gen.hazSafe) == 0 || len(gen.hazUnsafe) == 0 || len(gen.pilotZones) == 0 {
		return fmt.Errorf("loadgen: the tables leave nothing to declare for some kind")
	}
	if !air && len(gen.coals) == 0 {
		return fmt.Errorf("loadgen: no coal to declare")
	}
	for k := range gen.cfg.Mix {
		if k == KindCoal && air && gen.cfg.Mix[k] > 0 {
			return fmt.Errorf("loadgen: Beijing declares no coal: air cargo has none")
		}
	}
	return nil
}

// Next returns the next message.
func (gen *Generator) Next() Message {
	gen.n++
	p := gen.plan()
	return Message{Port: gen.cfg.Port, PortRef: p.ref, Kind: p.kind, Items: len(p.items), Body: gen.writer(gen, p)}
}
