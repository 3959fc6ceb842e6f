package tianjin_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/adapters/adaptertest"
	"github.com/jjj/gateway/adapters/tianjin"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/schemas"
	"github.com/jjj/gateway/schemas/schematest"
)

func newAdapter(t testing.TB) *tianjin.Adapter {
	t.Helper()
	a, err := tianjin.New(adapters.Config{Tables: codes.MustEmbedded()})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// expectation is samples/README.md's expect.json, as far as the adapter
// answers for it.
type expectation struct {
	File      string `json:"file"`
	Status    int    `json:"status"`
	Direction string `json:"direction"`
	Errors    []struct {
		Path *string `json:"path"`
		Code string  `json:"code"`
	} `json:"errors"`
	Warnings  []string `json:"warnings"`
	Canonical struct {
		PortRef   string `json:"portRef"`
		Direction string `json:"direction"`
		Consignee string `json:"consignee"`
		Consignor string `json:"consignor"`
		Customs   struct {
			Declaring string `json:"declaring"`
			Port      string `json:"port"`
		} `json:"customs"`
		TransportMode     string `json:"transportMode"`
		TradeMode         string `json:"tradeMode"`
		DepartureDate     string `json:"departureDate"`
		DestinationOffice string `json:"destinationOffice"`
		Items             []struct {
			Seq      int    `json:"seq"`
			HSCode   string `json:"hsCode"`
			Quantity string `json:"quantity"`
			Unit     string `json:"unit"`
			Value    string `json:"value"`
			Currency string `json:"currency"`
			Origin   string `json:"origin"`
		} `json:"items"`
	} `json:"canonical"`
}

// routingCodes are the problems of routing's Check, which translate adds
// after the adapter; the adapter's share of a sample is the rest.
var routingCodes = []string{customs.ProblemHazchemIncomplete, customs.ProblemFoodRegistrationMissing}

func readExpectations(t *testing.T) map[string]expectation {
	t.Helper()
	files, err := filepath.Glob("testdata/*.expect.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no expectations in testdata: %v", err)
	}
	out := map[string]expectation{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var e expectation
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".expect.json")] = e
	}
	return out
}

// TestSamples decodes every sample and compares the answer with its
// expect.json as far as the adapter gives it. Routing's Check owns
// hazchem.declaration_incomplete and food.registration_missing; for those
// the test checks that the declaration locates the field where the sample
// expects the problem.
func TestSamples(t *testing.T) {
	a := newAdapter(t)
	for name, want := range readExpectations(t) {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", want.File))
			if err != nil {
				t.Fatal(err)
			}
			d, err := a.Decode(raw)
			switch want.Status {
			case 201:
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if err := d.Validate(); err != nil {
					t.Fatalf("Validate: %v", err)
				}
				checkCanonical(t, d, want)
			case 400:
				if d != nil {
					t.Errorf("declaration %+v, want nil for a 400", d)
				}
				if got := customs.ErrorCodeOf(err); got != customs.CodeUnreadable {
					t.Fatalf("error code %q (%v), want unreadable", got, err)
				}
				checkProblems(t, err, want)
			case 422:
				if d == nil {
					t.Fatal("nil declaration with a 422")
				}
				if d.Source.PortRef == "" || d.Direction != customs.Direction(want.Direction) {
					t.Errorf("portRef %q direction %q not read on a 422", d.Source.PortRef, d.Direction)
				}
				adapterShare := 0
				for _, e := range want.Errors {
					if !slices.Contains(routingCodes, e.Code) {
						adapterShare++
					}
				}
				if adapterShare == 0 {
					if err != nil {
						t.Fatalf("Decode: %v, want no adapter problem", err)
					}
					for _, e := range want.Errors {
						if !hasPath(d, *e.Path) {
							t.Errorf("no item path and d.Paths suffix gives %s", *e.Path)
						}
					}
					return
				}
				if got := customs.ErrorCodeOf(err); got != customs.CodeInvalid {
					t.Fatalf("error code %q (%v), want invalid", got, err)
				}
				checkProblems(t, err, want)
			default:
				t.Fatalf("status %d not covered", want.Status)
			}
		})
	}
}

// hasPath reports whether the item paths and d.Paths name path, the way
// routing's Check builds its problem paths.
func hasPath(d *customs.Declaration, path string) bool {
	if path == d.Paths.DestinationOffice || path == d.Paths.DirectTransitZone {
		return true
	}
	for _, g := range d.Goods {
		for _, s := range []string{d.Paths.UN, d.Paths.PackingGroup, d.Paths.PackagingMark, d.Paths.District, ""} {
			if g.Path+s == path {
				return true
			}
		}
	}
	return false
}

func checkProblems(t *testing.T, err error, want expectation) {
	t.Helper()
	var got, exp []string
	for _, p := range customs.ProblemsOf(err) {
		if p.Message == "" {
			t.Errorf("problem %s %s without message", p.Path, p.Code)
		}
		got = append(got, p.Path+" "+p.Code)
	}
	for _, e := range want.Errors {
		if slices.Contains(routingCodes, e.Code) {
			continue
		}
		p := ""
		if e.Path != nil {
			p = *e.Path
		}
		exp = append(exp, p+" "+e.Code)
	}
	slices.Sort(got)
	slices.Sort(exp)
	if !slices.Equal(got, exp) {
		t.Errorf("problems\n got %q\nwant %q", got, exp)
	}
}

func checkCanonical(t *testing.T, d *customs.Declaration, want expectation) {
	t.Helper()
	c := want.Canonical
	eq := func(field, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
	eq("portRef", d.Source.PortRef, c.PortRef)
	eq("direction", string(d.Direction), c.Direction)
	eq("direction", string(d.Direction), want.Direction)
	trader := ""
	if p := d.Trader(); p != nil {
		trader = p.USCC
	}
	eq("trader", trader, c.Consignee+c.Consignor)
	eq("customs.declaring", d.Customs.Declaring, c.Customs.Declaring)
	eq("customs.port", d.Customs.Port, c.Customs.Port)
	eq("transportMode", d.Transport.Mode, c.TransportMode)
	if d.Trade == nil {
		t.Fatal("Trade is nil")
	}
	eq("tradeMode", d.Trade.Mode, c.TradeMode)
	if d.Direction == customs.Import {
		eq("departureDate", d.Transport.DepartureDate, c.DepartureDate)
	}
	eq("destinationOffice", d.DestinationOffice, c.DestinationOffice)
	if len(d.Goods) != len(c.Items) {
		t.Fatalf("%d items, want %d", len(d.Goods), len(c.Items))
	}
	for i, w := range c.Items {
		g := d.Goods[i]
		if g.Seq != w.Seq {
			t.Errorf("item %d seq %d, want %d", i, g.Seq, w.Seq)
		}
		eq("hsCode", g.HSCode, w.HSCode)
		eq("quantity", g.Quantity, w.Quantity)
		eq("unit", g.Unit, w.Unit)
		eq("value", g.Value, w.Value)
		eq("currency", g.Currency, w.Currency)
		eq("origin", g.Origin, w.Origin)
	}
	var warn []string
	for _, w := range d.Warnings {
		if w.Code == customs.WarnUnknownElement {
			warn = append(warn, w.Path)
		}
	}
	slices.Sort(warn)
	exp := slices.Sorted(slices.Values(want.Warnings))
	if !slices.Equal(warn, exp) {
		t.Errorf("unknown-element warnings %q, want %q", warn, exp)
	}
}

// validFixtures returns the names and bytes of every testdata/*.xml that is
// not an invalid-… sample.
func validFixtures(t *testing.T) ([]string, [][]byte) {
	t.Helper()
	files, err := filepath.Glob("testdata/*.xml")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var docs [][]byte
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".xml")
		if strings.HasPrefix(name, "invalid-") || strings.HasSuffix(name, ".golden") {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
		docs = append(docs, raw)
	}
	if len(docs) == 0 {
		t.Fatal("no valid fixtures in testdata")
	}
	return names, docs
}

// TestGolden compares the whole decoded declaration of every valid fixture
// with its golden JSON (adaptertest keeps the canonical XML; this keeps what
// the adapter alone gives, Paths and item paths included); -update rewrites
// them, and the diff is reviewed like code.
func TestGolden(t *testing.T) {
	a := newAdapter(t)
	names, docs := validFixtures(t)
	for i, name := range names {
		t.Run(name, func(t *testing.T) {
			d, err := a.Decode(docs[i])
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			got, err := json.MarshalIndent(d, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "golden", name+".golden.json")
			if adaptertest.Update() {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("decoded declaration differs from %s (run go test -update and review the diff)\n got: %s", golden, got)
			}
		})
	}
}

// TestSchema checks every valid fixture against schemas/tianjin-decmessage.xsd
// with xmllint, so that the XSD and the fixtures the adapter accepts agree.
func TestSchema(t *testing.T) {
	_, docs := validFixtures(t)
	schematest.Validate(t, newAdapter(t).Info().Schema, docs...)
}

func tianjinNew() (*tianjin.Adapter, error) { return tianjin.New(adapters.Config{}) }

// TestSchemaCoversElements: the XSD declares every element name of
// codes/decmessage-elements.csv, so that a message using any element of the
// format validates, as it decodes without a warning.
func TestSchemaCoversElements(t *testing.T) {
	xsd, err := fs.ReadFile(schemas.FS, newAdapter(t).Info().Schema)
	if err != nil {
		t.Fatal(err)
	}
	for name := range codes.MustEmbedded().DecMessageElements {
		if !bytes.Contains(xsd, []byte(`<xs:element name="`+name+`"`)) {
			t.Errorf("%s is not declared in the schema", name)
		}
	}
}
