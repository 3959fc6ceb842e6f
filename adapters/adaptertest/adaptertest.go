// Package adaptertest is the conformance suite every port adapter passes
// (STYLE.md 4). It runs the adapter's fixtures through the same pipeline the
// gateway uses (internal/translate: adapter, routing's checks, Validate),
// compares the verdict with each fixture's expect.json (samples/README.md),
// keeps a golden canonical message per valid fixture, validates every
// canonical message against schemas/review-centre-declaration-v1.xsd, and
// makes sure no truncated or fuzzed input panics or fails without saying why.
//
// A port's test is then:
//
//	func TestConformance(t *testing.T) {
//		a := tianjin.MustNew(adapters.Config{Tables: codes.MustEmbedded()})
//		adaptertest.Exercise(t, a, "testdata")
//		adaptertest.ExerciseRoutes(t, a, "testdata")
//	}
//
//	func FuzzDecode(f *testing.F) {
//		adaptertest.Fuzz(f, tianjin.MustNew(adapters.Config{Tables: codes.MustEmbedded()}), "testdata")
//	}
//
// Fixtures are dir/<name>.xml. Those with a sibling <name>.expect.json are
// checked against it; every fixture (with or without one) seeds the
// truncation test and the fuzzer. <name>.golden.xml files are the suite's
// output, not fixtures.
//
// The suite defines the -update flag (go test ./adapters/... -update
// rewrites the goldens). A test package that uses adaptertest must not
// define its own -update flag (the flag package panics on a redefinition);
// it reads this one through Update.
package adaptertest

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/internal/canonical"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
	"github.com/jjj/gateway/internal/translate"
	"github.com/jjj/gateway/schemas"
	"github.com/jjj/gateway/schemas/schematest"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// Update reports whether the test binary was run with -update, for a port's
// own golden files.
func Update() bool { return *update }

// GoldenID is the id of a golden canonical message, as the offline
// `gatewayd translate` writes it. With GoldenReceivedAt it pins the two
// values that differ between translations (canonical.md), so goldens are
// byte-for-byte comparable.
const GoldenID = "offline"

// GoldenReceivedAt is the fixed receipt time of golden messages,
// 2026-11-27T01:30:00Z.
func GoldenReceivedAt() time.Time { return time.Date(2026, 11, 27, 1, 30, 0, 0, time.UTC) }

// Expect is a fixture's <name>.expect.json (samples/README.md).
type Expect struct {
	Port      string          `json:"port"`
	File      string          `json:"file"`
	Status    int             `json:"status"`
	Direction *string         `json:"direction"`
	Lane      *string         `json:"lane"`
	Workflows []string        `json:"workflows"`
	Bureau    *string         `json:"bureau"`
	Rules     []string        `json:"rules"`
	Tasks     []ExpectTask    `json:"tasks"`
	Errors    []ExpectError   `json:"errors"`
	Warnings  []string        `json:"warnings"`
	Canonical json.RawMessage `json:"canonical"`
}

// ExpectTask is one task of the expected route; a nil Bureau is work at the
// port.
type ExpectTask struct {
	Workflow string  `json:"workflow"`
	Bureau   *string `json:"bureau"`
	Items    []int   `json:"items"`
}

// ExpectError is one expected problem; a nil Path means no element is to
// blame.
type ExpectError struct {
	Path *string `json:"path"`
	Code string  `json:"code"`
}

// Fixture is one message of a fixture directory.
type Fixture struct {
	Name string // file name without .xml
	Raw  []byte
	// Expect is nil when the fixture has no expect.json.
	Expect *Expect
}

// LoadFixtures reads every dir/*.xml but the goldens, sorted by name.
func LoadFixtures(dir string) ([]Fixture, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(paths)
	var out []Fixture
	for _, p := range paths {
		if strings.HasSuffix(p, ".golden.xml") {
			continue
		}
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		f := Fixture{Name: strings.TrimSuffix(filepath.Base(p), ".xml"), Raw: raw}
		ej, err := os.ReadFile(strings.TrimSuffix(p, ".xml") + ".expect.json")
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			f.Expect = new(Expect)
			if err := json.Unmarshal(ej, f.Expect); err != nil {
				return nil, fmt.Errorf("%s.expect.json: %w", f.Name, err)
			}
		}
		out = append(out, f)
	}
	return out, nil
}

// NewTranslator returns the pipeline the suite runs: a registry with just a,
// and a routing engine over the embedded code tables with every random
// inspection rate zero (samples/README.md's assumptions).
func NewTranslator(a adapters.Adapter) (*translate.Translator, error) {
	reg := adapters.NewRegistry()
	reg.Register(a)
	eng, err := routing.New(routing.Config{Tables: codes.MustEmbedded(), Rates: map[customs.Rating]float64{}})
	if err != nil {
		return nil, err
	}
	return &translate.Translator{Adapters: reg, Engine: eng}, nil
}

type suite struct {
	a        adapters.Adapter
	port     customs.Port
	tr       *translate.Translator
	fixtures []Fixture
}

func setup(t testing.TB, a adapters.Adapter, dir string) *suite {
	t.Helper()
	tr, err := NewTranslator(a)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := LoadFixtures(dir)
	if err != nil {
		t.Fatal(err)
	}
	return &suite{a: a, port: a.Info().ID, tr: tr, fixtures: fs}
}

// Exercise runs the conformance suite over dir: for every fixture with an
// expect.json, the verdict (201, 400 or 422), every problem as {path, code}
// with no other, the unknown-element warnings, the canonical values
// expect.json names, Validate()==nil, and the golden canonical message
// (dir/<name>.golden.xml, id "offline", received at GoldenReceivedAt, no
// route: routes have their own snapshot in ExerciseRoutes and routing); all
// canonical messages are validated against the XSD in one xmllint run.
// Then every prefix of every fixture is decoded, in parallel per fixture,
// and must fail cleanly or succeed validly.
//
// The golden has no Route, and DirectTransit/@granted is false in it:
// granting and routing are the engine's decisions, checked by
// ExerciseRoutes and snapshotted by routing, so a rule change does not
// rewrite every adapter's goldens.
//
// Fixtures whose expected status is 413 or 415 are about the HTTP request,
// not the body; the adapter never sees them, and Exercise does not run them.
func Exercise(t *testing.T, a adapters.Adapter, dir string) {
	t.Helper()
	s := setup(t, a, dir)
	n := 0
	for _, f := range s.fixtures {
		if f.Expect != nil {
			n++
		}
	}
	if n == 0 {
		t.Fatalf("no fixture in %s has an expect.json", dir)
	}

	var (
		mu    sync.Mutex
		names []string
		docs  [][]byte
	)
	t.Run("decode", func(t *testing.T) {
		for _, f := range s.fixtures {
			if f.Expect == nil {
				continue
			}
			t.Run(f.Name, func(t *testing.T) {
				t.Parallel()
				d, findings := s.checkDecode(f)
				for _, m := range findings {
					t.Error(m)
				}
				if d == nil || f.Expect.Status != 201 {
					return
				}
				g := *d
				g.ID = GoldenID
				g.Source.ReceivedAt = GoldenReceivedAt()
				g.Route = nil
				out := canonical.Marshal(&g)
				golden(t, "canonical message", filepath.Join(dir, f.Name+".golden.xml"), out)
				mu.Lock()
				names = append(names, f.Name)
				docs = append(docs, out)
				mu.Unlock()
			})
		}
	})
	t.Run("schema", func(t *testing.T) {
		validate(t, names, docs)
	})
	t.Run("truncated", func(t *testing.T) {
		for _, f := range s.fixtures {
			t.Run(f.Name, func(t *testing.T) {
				t.Parallel()
				for n := 0; n <= len(f.Raw); n++ {
					if msg := s.checkAny(f.Raw[:n:n]); msg != "" {
						t.Fatalf("prefix of %d bytes (of %d): %s", n, len(f.Raw), msg)
					}
				}
			})
		}
	})
}

// DecodedGolden compares the whole declaration a decodes from every
// fixture of dir not named invalid-…, as indented JSON, with
// dir/golden/<name>.golden.json. It keeps what the adapter alone gives,
// paths included, which the canonical golden of Exercise does not carry;
// -update rewrites them, and the diff is reviewed like code.
func DecodedGolden(t *testing.T, a adapters.Adapter, dir string) {
	t.Helper()
	fs, err := LoadFixtures(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range fs {
		if strings.HasPrefix(f.Name, "invalid-") {
			continue
		}
		n++
		t.Run(f.Name, func(t *testing.T) {
			d, err := a.Decode(f.Raw)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			got, err := json.MarshalIndent(d, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, "decoded declaration", filepath.Join(dir, "golden", f.Name+".golden.json"), append(got, '\n'))
		})
	}
	if n == 0 {
		t.Fatalf("no valid fixture in %s", dir)
	}
}

// ExerciseRoutes checks the route of every fixture expected to be accepted
// (201): after Engine.Decide with zero Facts (no credit records, no alerts,
// no draw), the lane, the set of workflows, the bureau, the set of rules that
// fired and the tasks (workflow, bureau, items; in any order) must be
// expect.json's. The canonical messages with their routes, and each route
// alone as an amendment, are validated against the XSD.
func ExerciseRoutes(t *testing.T, a adapters.Adapter, dir string) {
	t.Helper()
	s := setup(t, a, dir)
	var (
		mu    sync.Mutex
		names []string
		docs  [][]byte
	)
	t.Run("route", func(t *testing.T) {
		for _, f := range s.fixtures {
			if f.Expect == nil || f.Expect.Status != 201 {
				continue
			}
			t.Run(f.Name, func(t *testing.T) {
				t.Parallel()
				d, err := s.tr.Decode(s.port, f.Raw)
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				r, err := s.tr.Engine.Decide(d, routing.Facts{})
				if err != nil {
					t.Fatalf("decide: %v", err)
				}
				for _, m := range compareRoute(f.Expect, r) {
					t.Error(m)
				}
				d.ID = GoldenID
				d.Source.ReceivedAt = GoldenReceivedAt()
				d.Route = r
				mu.Lock()
				names = append(names, f.Name, f.Name+" (route amendment)")
				docs = append(docs, canonical.Marshal(d), canonical.MarshalRoute(r))
				mu.Unlock()
			})
		}
	})
	t.Run("schema", func(t *testing.T) {
		validate(t, names, docs)
	})
}

// Fuzz seeds f with every fixture in dir, and with the HostileCases of the
// first one expected to be accepted, and checks, for any input, that
// decoding does not panic; that an accepted message passes Validate and
// writes the same canonical bytes every time it is decoded and written;
// and that a refused one is a *customs.Error of CodeUnreadable or
// CodeInvalid with at least one problem, each with a code.
func Fuzz(f *testing.F, a adapters.Adapter, dir string) {
	s := setup(f, a, dir)
	hostile := false
	for _, fx := range s.fixtures {
		f.Add(fx.Raw)
		if hostile || fx.Expect == nil || fx.Expect.Status != 201 {
			continue
		}
		// The hostile bodies of api.md, made from the first accepted
		// fixture, with bombs just over the limits.
		cases, err := HostileCases(fx.Raw, false)
		if err != nil {
			f.Fatalf("%s: %v", fx.Name, err)
		}
		for _, c := range cases {
			f.Add(c.Raw)
		}
		hostile = true
	}
	if !hostile {
		f.Fatalf("no fixture in %s is accepted (201) to make the hostile seeds from", dir)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if msg := s.checkAny(raw); msg != "" {
			t.Fatal(msg)
		}
	})
}

// checkAny decodes raw, which may be anything, and says what is wrong with
// the outcome, or "" when it is a clean refusal or a valid, stable
// declaration.
func (s *suite) checkAny(raw []byte) (msg string) {
	defer func() {
		if p := recover(); p != nil {
			msg = fmt.Sprintf("panic: %v", p)
		}
	}()
	d, err := s.tr.Decode(s.port, raw)
	if err != nil {
		return checkRefusal(err)
	}
	if d == nil {
		return "no declaration and no error"
	}
	if err := d.Validate(); err != nil {
		return fmt.Sprintf("accepted, but Validate: %v", err)
	}
	first := canonical.Marshal(d)
	if !bytes.Equal(first, canonical.Marshal(d)) {
		return "accepted, but Marshal twice gives different bytes"
	}
	d2, err := s.tr.Decode(s.port, raw)
	if err != nil {
		return fmt.Sprintf("accepted once, refused the second time: %v", err)
	}
	if !bytes.Equal(first, canonical.Marshal(d2)) {
		return "accepted, but decoding twice gives different canonical bytes"
	}
	return ""
}

func checkRefusal(err error) string {
	var ce *customs.Error
	if !errors.As(err, &ce) {
		return fmt.Sprintf("refused with %T, not *customs.Error: %v", err, err)
	}
	if ce.Code != customs.CodeUnreadable && ce.Code != customs.CodeInvalid {
		return fmt.Sprintf("refused with code %s, want %s or %s: %v", ce.Code, customs.CodeUnreadable, customs.CodeInvalid, err)
	}
	if len(ce.Problems) == 0 {
		return fmt.Sprintf("refused with no problem: %v", err)
	}
	for i, p := range ce.Problems {
		if p.Code == "" {
			return fmt.Sprintf("problem %d has no code: %v", i, err)
		}
	}
	return ""
}

// checkDecode translates one fixture and lists every way it differs from
// its expect.json. d is the declaration when it was accepted.
func (s *suite) checkDecode(f Fixture) (d *customs.Declaration, findings []string) {
	e := f.Expect
	bad := func(format string, args ...any) { findings = append(findings, fmt.Sprintf(format, args...)) }
	defer func() {
		if p := recover(); p != nil {
			d = nil
			bad("panic: %v", p)
		}
	}()
	if e.Port != "" && customs.Port(e.Port) != s.port {
		bad("expect.json is for port %q, the adapter is %q", e.Port, s.port)
	}
	d, err := s.tr.Decode(s.port, f.Raw)
	switch e.Status {
	case 201:
		if err != nil {
			bad("want 201, got %s: %v", statusOf(err), err)
			return nil, findings
		}
		if err := d.Validate(); err != nil {
			bad("Validate: %v", err)
		}
		if msg := compareWarnings(e.Warnings, d.Warnings); msg != "" {
			bad("%s", msg)
		}
		if e.Direction != nil && string(d.Direction) != *e.Direction {
			bad("direction = %q, want %q", d.Direction, *e.Direction)
		}
		findings = append(findings, compareCanonical(e.Canonical, d)...)
		return d, findings
	case 400, 422:
		want := customs.CodeUnreadable
		if e.Status == 422 {
			want = customs.CodeInvalid
		}
		if msg := checkRefusal(err); err == nil || msg != "" {
			if err == nil {
				msg = "accepted"
			}
			bad("want %d, got %s", e.Status, msg)
			return nil, findings
		}
		if got := customs.ErrorCodeOf(err); got != want {
			bad("want %d (%s), got %s: %v", e.Status, want, got, err)
		}
		if msg := compareProblems(e.Errors, customs.ProblemsOf(err), e.Status == 400); msg != "" {
			bad("%s", msg)
		}
		if e.Status == 422 {
			// adapters.Adapter: on CodeInvalid the declaration comes back,
			// read as far as it could be, so the answer can name it.
			// The portRef names the declaration in the answer; only a
			// message missing a field may lack it.
			if d == nil {
				bad("422 without the partly read declaration")
			} else {
				if e.Direction != nil && string(d.Direction) != *e.Direction {
					bad("direction = %q, want %q", d.Direction, *e.Direction)
				}
				if d.Source.PortRef == "" && !hasCode(e.Errors, customs.ProblemMissingField) {
					bad("portRef not read on a 422")
				}
			}
		}
		return nil, findings
	case 413, 415:
		return nil, findings
	default:
		bad("expect.json status %d is not one adaptertest knows", e.Status)
		return nil, findings
	}
}

func hasCode(es []ExpectError, code string) bool {
	for _, e := range es {
		if e.Code == code {
			return true
		}
	}
	return false
}

func statusOf(err error) string {
	switch customs.ErrorCodeOf(err) {
	case customs.CodeUnreadable:
		return "400"
	case customs.CodeInvalid:
		return "422"
	}
	return string(customs.ErrorCodeOf(err))
}

// compareProblems compares as multisets of {path, code}; for a 400 only the
// codes count and every path must be empty (null in expect.json).
func compareProblems(want []ExpectError, got []customs.Problem, unreadable bool) string {
	var w, g []string
	for _, e := range want {
		p := ""
		if e.Path != nil {
			p = *e.Path
		}
		w = append(w, p+" "+e.Code)
	}
	for _, p := range got {
		g = append(g, p.Path+" "+p.Code)
		if unreadable && p.Path != "" {
			return fmt.Sprintf("400 problem %s has a path %q, want none", p.Code, p.Path)
		}
	}
	if !sameMultiset(w, g) {
		return fmt.Sprintf("problems (path code):\n got %s\nwant %s", strings.Join(sorted(g), "; "), strings.Join(sorted(w), "; "))
	}
	return ""
}

func compareWarnings(want []string, got []customs.Warning) string {
	var g []string
	for _, w := range got {
		if w.Code == customs.WarnUnknownElement {
			g = append(g, w.Path)
		}
	}
	if !sameMultiset(want, g) {
		return fmt.Sprintf("unknown_element warnings:\n got %q\nwant %q", sorted(g), sorted(want))
	}
	return ""
}

// canonicalFields are the head values expect.json's canonical may name.
var canonicalFields = map[string]func(d *customs.Declaration) string{
	"portRef":   func(d *customs.Declaration) string { return d.Source.PortRef },
	"direction": func(d *customs.Declaration) string { return string(d.Direction) },
	"consignee": func(d *customs.Declaration) string { return partyUSCC(d, customs.RoleConsignee) },
	"consignor": func(d *customs.Declaration) string { return partyUSCC(d, customs.RoleConsignor) },
	"owner":     func(d *customs.Declaration) string { return partyUSCC(d, customs.RoleOwner) },
	"declarant": func(d *customs.Declaration) string { return partyUSCC(d, customs.RoleDeclarant) },
	"transportMode": func(d *customs.Declaration) string {
		return d.Transport.Mode
	},
	"tradeMode": func(d *customs.Declaration) string {
		if d.Trade == nil {
			return ""
		}
		return d.Trade.Mode
	},
	"departureDate":     func(d *customs.Declaration) string { return d.Transport.DepartureDate },
	"departurePort":     func(d *customs.Declaration) string { return d.Transport.DeparturePort },
	"departureCountry":  func(d *customs.Declaration) string { return tradeCountry(d, customs.Import) },
	"arrivalCountry":    func(d *customs.Declaration) string { return tradeCountry(d, customs.Export) },
	"billNo":            func(d *customs.Declaration) string { return d.Transport.BillNo },
	"destinationOffice": func(d *customs.Declaration) string { return d.DestinationOffice },
}

// itemFields are the item values expect.json's canonical items may name.
var itemFields = map[string]func(g *customs.GoodsItem) string{
	"seq":                      func(g *customs.GoodsItem) string { return strconv.Itoa(g.Seq) },
	"hsCode":                   func(g *customs.GoodsItem) string { return g.HSCode },
	"ciqCode":                  func(g *customs.GoodsItem) string { return g.CIQCode },
	"quantity":                 func(g *customs.GoodsItem) string { return g.Quantity },
	"unit":                     func(g *customs.GoodsItem) string { return g.Unit },
	"value":                    func(g *customs.GoodsItem) string { return g.Value },
	"currency":                 func(g *customs.GoodsItem) string { return g.Currency },
	"origin":                   func(g *customs.GoodsItem) string { return g.Origin },
	"destinationDistrict":      func(g *customs.GoodsItem) string { return g.DestinationDistrict },
	"foodProducerRegistration": func(g *customs.GoodsItem) string { return g.FoodProducerRegistration },
}

func partyUSCC(d *customs.Declaration, r customs.Role) string {
	if p := d.Party(r); p != nil {
		return p.USCC
	}
	return ""
}

func tradeCountry(d *customs.Declaration, dir customs.Direction) string {
	if d.Direction != dir {
		return ""
	}
	return d.Transport.Country
}

// compareCanonical checks every value expect.json's canonical names. A key
// the suite does not know is a finding too, so that nothing expected goes
// unchecked.
func compareCanonical(raw json.RawMessage, d *customs.Declaration) (findings []string) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var c map[string]json.RawMessage
	if err := json.Unmarshal(raw, &c); err != nil {
		return []string{fmt.Sprintf("expect.json canonical: %v", err)}
	}
	for _, k := range sortedKeys(c) {
		v := c[k]
		switch k {
		case "customs":
			var want struct{ Declaring, Port *string }
			if err := json.Unmarshal(v, &want); err != nil {
				findings = append(findings, fmt.Sprintf("canonical.customs: %v", err))
				continue
			}
			if want.Declaring != nil && *want.Declaring != d.Customs.Declaring {
				findings = append(findings, fmt.Sprintf("customs.declaring = %q, want %q", d.Customs.Declaring, *want.Declaring))
			}
			if want.Port != nil && *want.Port != d.Customs.Port {
				findings = append(findings, fmt.Sprintf("customs.port = %q, want %q", d.Customs.Port, *want.Port))
			}
		case "items":
			findings = append(findings, compareItems(v, d.Goods)...)
		default:
			get, ok := canonicalFields[k]
			if !ok {
				findings = append(findings, fmt.Sprintf("expect.json canonical.%s is not a value adaptertest compares", k))
				continue
			}
			if msg := compareValue(k, v, get(d)); msg != "" {
				findings = append(findings, msg)
			}
		}
	}
	return findings
}

func compareItems(raw json.RawMessage, goods []customs.GoodsItem) (findings []string) {
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return []string{fmt.Sprintf("canonical.items: %v", err)}
	}
	if len(items) != len(goods) {
		findings = append(findings, fmt.Sprintf("%d goods items, want %d", len(goods), len(items)))
	}
	for i, it := range items {
		if i >= len(goods) {
			break
		}
		for _, k := range sortedKeys(it) {
			get, ok := itemFields[k]
			if !ok {
				findings = append(findings, fmt.Sprintf("expect.json canonical.items[%d].%s is not a value adaptertest compares", i, k))
				continue
			}
			if msg := compareValue(fmt.Sprintf("items[%d].%s", i, k), it[k], get(&goods[i])); msg != "" {
				findings = append(findings, msg)
			}
		}
	}
	return findings
}

// compareValue compares a JSON string, number or null with a canonical
// string value (null ⇔ empty).
func compareValue(name string, raw json.RawMessage, got string) string {
	var want string
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Sprintf("canonical.%s: %v", name, err)
	}
	switch v := v.(type) {
	case nil:
	case string:
		want = v
	case float64:
		want = strings.TrimSpace(string(raw))
	default:
		return fmt.Sprintf("canonical.%s: %s is not a string or number", name, raw)
	}
	if got != want {
		return fmt.Sprintf("%s = %q, want %q", name, got, want)
	}
	return ""
}

// compareRoute lists every way r differs from the expected route.
func compareRoute(e *Expect, r *customs.Route) (findings []string) {
	bad := func(format string, args ...any) { findings = append(findings, fmt.Sprintf(format, args...)) }
	if r == nil {
		return []string{"no route"}
	}
	if e.Lane != nil && string(r.Lane) != *e.Lane {
		bad("lane = %q, want %q", r.Lane, *e.Lane)
	}
	var wf []string
	for _, w := range r.Workflows {
		wf = append(wf, string(w))
	}
	if !sameSet(wf, e.Workflows) {
		bad("workflows = %q, want %q", sorted(wf), sorted(e.Workflows))
	}
	wantBureau := ""
	if e.Bureau != nil {
		wantBureau = *e.Bureau
	}
	if r.Bureau != wantBureau {
		bad("bureau = %q, want %q", r.Bureau, wantBureau)
	}
	var rules []string
	for _, rs := range r.Reasons {
		rules = append(rules, rs.Rule)
	}
	if !sameSet(rules, e.Rules) {
		bad("rules = %q, want %q", sorted(dedup(rules)), sorted(e.Rules))
	}
	var gt, wt []string
	for _, t := range r.Tasks {
		gt = append(gt, taskKey(string(t.Workflow), t.Bureau, t.Items))
	}
	for _, t := range e.Tasks {
		b := ""
		if t.Bureau != nil {
			b = *t.Bureau
		}
		wt = append(wt, taskKey(t.Workflow, b, t.Items))
	}
	if !sameMultiset(gt, wt) {
		bad("tasks (workflow@bureau:items):\n got %s\nwant %s", strings.Join(sorted(gt), "; "), strings.Join(sorted(wt), "; "))
	}
	return findings
}

func taskKey(workflow, bureau string, items []int) string {
	if bureau == "" {
		bureau = "port"
	}
	s := make([]string, len(items))
	for i, it := range items {
		s[i] = strconv.Itoa(it)
	}
	return workflow + "@" + bureau + ":" + strings.Join(s, ",")
}

// validate runs the XSD over every doc in one xmllint process and names
// the fixtures of the invalid ones.
func validate(t *testing.T, names []string, docs [][]byte) {
	t.Helper()
	err := schematest.ValidateErr(schemas.Declaration, docs...)
	if err == nil {
		return
	}
	var ie *schematest.InvalidError
	if errors.As(err, &ie) {
		bad := make([]string, len(ie.Invalid))
		for i, n := range ie.Invalid {
			bad[i] = fmt.Sprintf("%s (doc-%03d.xml)", names[n], n)
		}
		t.Fatalf("canonical messages invalid against %s: %s\n%s", schemas.Declaration, strings.Join(bad, ", "), ie.Output)
	}
	t.Fatal(err)
}

// golden compares got, what (a canonical message, a decoded declaration),
// with the golden file path; -update writes it instead.
func golden(t *testing.T, what, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("%v (go test -update writes it)", err)
		return
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (go test -update rewrites it; review the diff):\n got %s\nwant %s", what, path, got, want)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

func dedup(s []string) []string {
	s = sorted(s)
	return slices.Compact(s)
}

func sameMultiset(a, b []string) bool { return slices.Equal(sorted(a), sorted(b)) }

func sameSet(a, b []string) bool { return slices.Equal(dedup(a), dedup(b)) }

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
