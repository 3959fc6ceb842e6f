// Package codes loads the code tables of the contract (spec/codes/) that the
// adapters and the routing rules consult. The tables are data, not code: a
// copy ships embedded in the binary, and CODES_DIR can replace it at run time
// for a new rule set without a new build. They are loaded once and read-only
// afterwards, so a *Tables is safe for concurrent use.
package codes

import (
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
)

//go:embed tables/*.csv tables/VERSION
var embedded embed.FS

// Embedded returns the code tables shipped in the binary.
func Embedded() fs.FS {
	sub, err := fs.Sub(embedded, "tables")
	if err != nil {
		panic(err)
	}
	return sub
}

// CustomsCode is a row of customs.csv.
type CustomsCode struct {
	Code   string
	NameZh string
	NameEn string
	// Port is the adapter whose messages use the code, or empty.
	Port string
	// Office is the bureau that works port-side tasks at this code.
	Office string
}

// Bureau is a row of bureaus.csv.
type Bureau struct {
	Code   string
	NameZh string
	NameEn string
	// Region is the credit region: BJ, TJ or HE.
	Region    string
	PilotZone bool
	// Inspectors is the roster of the random draw; empty where none.
	Inspectors []string
}

// UNEntry is a row of un-numbers.csv.
type UNEntry struct {
	UN     string
	NameEn string
	NameZh string
	// Class as in the list: "3", "2.3", "1.1D".
	Class string
	// PackingGroups lists every group the list gives; empty for none.
	PackingGroups []string
	// Pressure is true for gases carried in pressure receptacles.
	Pressure bool
}

// FoodPrefix is a row of food-hs.csv.
type FoodPrefix struct {
	Prefix       string
	CategoryZh   string
	CategoryEn   string
	Registration bool
}

// GrainPrefix is a row of grain-hs.csv (rule set 2026.2).
type GrainPrefix struct {
	Prefix string
	NameZh string
	NameEn string
	// Grain is false for the rows that carve seed for sowing out of a
	// grain heading: the longest prefix decides.
	Grain bool
}

// CoalLimit is a row of coal-limits.csv. A nil limit means none.
type CoalLimit struct {
	Indicator   string
	Unit        string
	Lignite     *float64
	Other       *float64
	LongLignite *float64
	LongOther   *float64
	// Max is true when the value must not exceed the limit, false when it
	// must reach it (calorific value).
	Max bool
}

// TransportMode is a row of transport-modes.csv.
type TransportMode struct {
	Canonical string
	Customs   string
	Name      string
	Beijing   string
}

// Country is a row of countries.csv.
type Country struct {
	Numeric, Alpha2, Alpha3, NameZh, NameEn string
}

// Tables holds every code table, indexed the ways the gateway looks them up.
type Tables struct {
	// Version is the rule-set version (codes/VERSION).
	Version string

	Customs   map[string]CustomsCode
	Bureaus   map[string]Bureau
	districts []district // longest prefix first

	CountryByAlpha3  map[string]Country
	CountryByAlpha2  map[string]Country
	CountryByNumeric map[string]Country

	// CurrencyByNumeric maps the customs' 3-digit code to ISO 4217.
	CurrencyByNumeric map[string]string
	Currencies        map[string]bool

	// Units is the set of customs unit codes; UnitByName and UnitByRec20 map
	// the Hebei name and the Beijing Rec 20 code to it.
	Units       map[string]string // code -> Chinese name
	UnitByName  map[string]string
	UnitByRec20 map[string]string

	TransportModes     []TransportMode
	TransportByCustoms map[string]string
	TransportByName    map[string]string
	TransportByBeijing map[string]string

	TradeModes      map[string]string // code -> name
	TradeModeByName map[string]string

	UN        map[string]UNEntry
	hazchemHS map[string]bool // hs + "/" + ciq
	food      []FoodPrefix    // longest prefix first
	grain     []GrainPrefix   // longest prefix first

	// DecMessageElements is the national format's element names.
	DecMessageElements map[string]bool

	CoalLimits []CoalLimit
}

type district struct {
	prefix string
	bureau string
}

// BureauForDistrict returns the bureau of the longest districts.csv prefix
// matching district, or false when the district is outside the region.
func (t *Tables) BureauForDistrict(district string) (string, bool) {
	for _, d := range t.districts {
		if strings.HasPrefix(district, d.prefix) {
			return d.bureau, true
		}
	}
	return "", false
}

// IsHazchemHS reports whether the HS+CIQ pair is in hazchem-hs.csv.
func (t *Tables) IsHazchemHS(hs, ciq string) bool {
	return t.hazchemHS[hs+"/"+ciq]
}

// Food returns the longest food-hs.csv prefix matching hs, or false when the
// HS code is not food.
func (t *Tables) Food(hs string) (FoodPrefix, bool) {
	for _, f := range t.food {
		if strings.HasPrefix(hs, f.Prefix) {
			return f, true
		}
	}
	return FoodPrefix{}, false
}

// Grain returns the longest grain-hs.csv prefix matching hs when that row
// says grain (routing.md: seed for sowing is not grain), or false.
func (t *Tables) Grain(hs string) (GrainPrefix, bool) {
	for _, g := range t.grain {
		if strings.HasPrefix(hs, g.Prefix) {
			return g, g.Grain
		}
	}
	return GrainPrefix{}, false
}

// OfficeForCustoms returns the bureau that owns port-side work at a customs code.
func (t *Tables) OfficeForCustoms(code string) string {
	return t.Customs[code].Office
}

// LoadDir loads the tables from a folder (CODES_DIR).
func LoadDir(dir string) (*Tables, error) {
	return Load(os.DirFS(dir))
}

// MustEmbedded loads the embedded tables; they are tested, so a failure is a
// build defect.
func MustEmbedded() *Tables {
	t, err := Load(Embedded())
	if err != nil {
		panic(err)
	}
	return t
}

// Load reads every table from fsys. It fails, naming the file and line, on a
// missing table, a missing column or a malformed value.
func Load(fsys fs.FS) (*Tables, error) {
	t := &Tables{}
	v, err := fs.ReadFile(fsys, "VERSION")
	if err != nil {
		return nil, fmt.Errorf("codes: %w", err)
	}
	t.Version = strings.TrimSpace(string(v))
	if t.Version == "" {
		return nil, fmt.Errorf("codes: VERSION is empty")
	}
	type loader struct {
		file string
		cols []string
		row  func(r map[string]string) error
	}
	t.Customs = map[string]CustomsCode{}
	t.Bureaus = map[string]Bureau{}
	t.CountryByAlpha3, t.CountryByAlpha2, t.CountryByNumeric = map[string]Country{}, map[string]Country{}, map[string]Country{}
	t.CurrencyByNumeric, t.Currencies = map[string]string{}, map[string]bool{}
	t.Units, t.UnitByName, t.UnitByRec20 = map[string]string{}, map[string]string{}, map[string]string{}
	t.TransportByCustoms, t.TransportByName, t.TransportByBeijing = map[string]string{}, map[string]string{}, map[string]string{}
	t.TradeModes, t.TradeModeByName = map[string]string{}, map[string]string{}
	t.UN = map[string]UNEntry{}
	t.hazchemHS = map[string]bool{}
	t.DecMessageElements = map[string]bool{}
	loaders := []loader{
		{"customs.csv", []string{"code", "name_zh", "name_en", "port", "office"}, func(r map[string]string) error {
			t.Customs[r["code"]] = CustomsCode{Code: r["code"], NameZh: r["name_zh"], NameEn: r["name_en"], Port: r["port"], Office: r["office"]}
			return nil
		}},
		{"bureaus.csv", []string{"code", "name_zh", "name_en", "region", "pilotZone", "inspectors"}, func(r map[string]string) error {
			b := Bureau{Code: r["code"], NameZh: r["name_zh"], NameEn: r["name_en"], Region: r["region"], PilotZone: r["pilotZone"] == "yes"}
			if s := r["inspectors"]; s != "" {
				b.Inspectors = strings.Split(s, ";")
			}
			t.Bureaus[b.Code] = b
			return nil
		}},
		{"districts.csv", []string{"prefix", "bureau"}, func(r map[string]string) error {
			t.districts = append(t.districts, district{r["prefix"], r["bureau"]})
			return nil
		}},
		{"countries.csv", []string{"numeric", "alpha2", "alpha3", "name_zh", "name_en"}, func(r map[string]string) error {
			c := Country{r["numeric"], r["alpha2"], r["alpha3"], r["name_zh"], r["name_en"]}
			t.CountryByAlpha3[c.Alpha3] = c
			if c.Alpha2 != "" {
				t.CountryByAlpha2[c.Alpha2] = c
			}
			if c.Numeric != "" {
				t.CountryByNumeric[c.Numeric] = c
			}
			return nil
		}},
		{"currencies.csv", []string{"numeric", "iso"}, func(r map[string]string) error {
			t.CurrencyByNumeric[r["numeric"]] = r["iso"]
			t.Currencies[r["iso"]] = true
			return nil
		}},
		{"units.csv", []string{"code", "name", "rec20"}, func(r map[string]string) error {
			t.Units[r["code"]] = r["name"]
			if r["name"] != "" {
				t.UnitByName[r["name"]] = r["code"]
			}
			if r["rec20"] != "" {
				t.UnitByRec20[r["rec20"]] = r["code"]
			}
			return nil
		}},
		{"transport-modes.csv", []string{"canonical", "customs", "name", "beijing"}, func(r map[string]string) error {
			m := TransportMode{r["canonical"], r["customs"], r["name"], r["beijing"]}
			t.TransportModes = append(t.TransportModes, m)
			t.TransportByCustoms[m.Customs] = m.Canonical
			t.TransportByName[m.Name] = m.Canonical
			if m.Beijing != "" {
				t.TransportByBeijing[m.Beijing] = m.Canonical
			}
			return nil
		}},
		{"trade-modes.csv", []string{"code", "name"}, func(r map[string]string) error {
			t.TradeModes[r["code"]] = r["name"]
			t.TradeModeByName[r["name"]] = r["code"]
			return nil
		}},
		{"un-numbers.csv", []string{"un", "name_en", "name_zh", "class", "packingGroup", "pressure"}, func(r map[string]string) error {
			e := UNEntry{UN: r["un"], NameEn: r["name_en"], NameZh: r["name_zh"], Class: r["class"], Pressure: r["pressure"] == "yes"}
			if s := r["packingGroup"]; s != "" {
				e.PackingGroups = strings.Split(s, ";")
			}
			t.UN[e.UN] = e
			return nil
		}},
		{"hazchem-hs.csv", []string{"hs", "ciq"}, func(r map[string]string) error {
			t.hazchemHS[r["hs"]+"/"+r["ciq"]] = true
			return nil
		}},
		{"food-hs.csv", []string{"hs_prefix", "category_zh", "category_en", "registration"}, func(r map[string]string) error {
			t.food = append(t.food, FoodPrefix{r["hs_prefix"], r["category_zh"], r["category_en"], r["registration"] == "yes"})
			return nil
		}},
		{"grain-hs.csv", []string{"hs_prefix", "name_zh", "name_en", "grain"}, func(r map[string]string) error {
			t.grain = append(t.grain, GrainPrefix{r["hs_prefix"], r["name_zh"], r["name_en"], r["grain"] == "yes"})
			return nil
		}},
		{"decmessage-elements.csv", []string{"element", "section"}, func(r map[string]string) error {
			t.DecMessageElements[r["element"]] = true
			return nil
		}},
		{"coal-limits.csv", []string{"indicator", "unit", "lignite", "other", "long_lignite", "long_other", "direction"}, func(r map[string]string) error {
			l := CoalLimit{Indicator: r["indicator"], Unit: r["unit"], Max: r["direction"] == "max"}
			if d := r["direction"]; d != "max" && d != "min" {
				return fmt.Errorf("direction %q is neither max nor min", d)
			}
			for _, f := range []struct {
				col string
				dst **float64
			}{{"lignite", &l.Lignite}, {"other", &l.Other}, {"long_lignite", &l.LongLignite}, {"long_other", &l.LongOther}} {
				if s := r[f.col]; s != "" {
					v, err := strconv.ParseFloat(s, 64)
					if err != nil {
						return fmt.Errorf("%s: %w", f.col, err)
					}
					*f.dst = &v
				}
			}
			t.CoalLimits = append(t.CoalLimits, l)
			return nil
		}},
	}
	for _, l := range loaders {
		if err := readCSV(fsys, l.file, l.cols, l.row); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(t.districts, func(i, j int) bool { return len(t.districts[i].prefix) > len(t.districts[j].prefix) })
	sort.SliceStable(t.food, func(i, j int) bool { return len(t.food[i].Prefix) > len(t.food[j].Prefix) })
	sort.SliceStable(t.grain, func(i, j int) bool { return len(t.grain[i].Prefix) > len(t.grain[j].Prefix) })
	for _, d := range t.districts {
		if _, ok := t.Bureaus[d.bureau]; !ok {
			return nil, fmt.Errorf("codes: districts.csv: prefix %s names unknown bureau %s", d.prefix, d.bureau)
		}
	}
	for _, c := range t.Customs {
		if _, ok := t.Bureaus[c.Office]; c.Office != "" && !ok {
			return nil, fmt.Errorf("codes: customs.csv: %s names unknown office %s", c.Code, c.Office)
		}
	}
	return t, nil
}

func readCSV(fsys fs.FS, name string, cols []string, row func(map[string]string) error) error {
	f, err := fsys.Open(name)
	if err != nil {
		return fmt.Errorf("codes: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("codes: %s: header: %w", name, err)
	}
	idx := map[string]int{}
	for i, h := range header {
		idx[strings.TrimPrefix(h, "\ufeff")] = i
	}
	for _, c := range cols {
		if _, ok := idx[c]; !ok {
			return fmt.Errorf("codes: %s: missing column %q", name, c)
		}
	}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("codes: %s: %w", name, err)
		}
		m := make(map[string]string, len(idx))
		for h, i := range idx {
			if i < len(rec) {
				m[h] = strings.TrimSpace(rec[i])
			}
		}
		if err := row(m); err != nil {
			return fmt.Errorf("codes: %s line %d: %w", name, line, err)
		}
	}
}
