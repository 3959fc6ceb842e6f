package beijing_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/adapters/adaptertest"
	"github.com/jjj/gateway/adapters/beijing"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

func newAdapter(t testing.TB) *beijing.Adapter {
	t.Helper()
	a, err := beijing.New(adapters.Config{Tables: codes.MustEmbedded()})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// expectation is samples/README.md's expect.json, as far as the adapter
// answers it (lanes, rules and tasks are routing's).
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

// routingCodes are the problems routing's Check reports, not the adapter
// (translate appends them).
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

// TestSamples decodes every sample of samples/beijing and compares the
// answer with its expect.json as far as the adapter gives it.
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
				if d.Source.PortRef == "" || string(d.Direction) != want.Direction {
					t.Errorf("portRef %q, direction %q not read on a 422", d.Source.PortRef, d.Direction)
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
	if d.Direction == customs.Import {
		eq("departureDate", d.Transport.DepartureDate, c.DepartureDate)
	}
	eq("destinationOffice", d.DestinationOffice, c.DestinationOffice)
	eq("dialect", d.Source.Dialect, "beijing/AirCargoDeclaration-2")
	if d.Trade != nil || d.Weights != nil {
		t.Errorf("Trade %+v, Weights %+v: Beijing has neither", d.Trade, d.Weights)
	}
	if d.Source.DeclaredAt.IsZero() || d.Source.DeclaredAt.Location().String() != "UTC" {
		t.Errorf("DeclaredAt = %v, want @created in UTC", d.Source.DeclaredAt)
	}
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

// TestGolden compares the whole decoded declaration of every valid sample,
// Paths included (the canonical golden of adaptertest does not carry them),
// with testdata/golden/<name>.golden.json; -update rewrites them, and the
// diff is reviewed like code.
func TestGolden(t *testing.T) {
	a := newAdapter(t)
	files, _ := filepath.Glob("testdata/*.xml")
	n := 0
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".xml")
		if strings.HasPrefix(name, "invalid-") || strings.HasSuffix(name, ".golden") {
			continue
		}
		n++
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			d, err := a.Decode(raw)
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
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if string(got) != string(want) {
				t.Errorf("decoded declaration differs from %s (go test -update, then review the diff):\n%s", golden, got)
			}
		})
	}
	if n == 0 {
		t.Fatal("no valid fixtures")
	}
}

func TestInfo(t *testing.T) {
	info := newAdapter(t).Info()
	if info.ID != customs.PortBeijing || info.Dialect != "AirCargoDeclaration" || info.Schema != "beijing-aircargo.xsd" || info.Name == "" {
		t.Errorf("Info = %+v", info)
	}
	if !slices.Equal(info.Encodings, adapters.Encodings) {
		t.Errorf("Encodings = %v", info.Encodings)
	}
}

func TestNewNeedsTables(t *testing.T) {
	if _, err := beijing.New(adapters.Config{}); err == nil {
		t.Fatal("New without tables: no error")
	}
	defer func() {
		if recover() == nil {
			t.Error("MustNew without tables did not panic")
		}
	}()
	beijing.MustNew(adapters.Config{})
}
