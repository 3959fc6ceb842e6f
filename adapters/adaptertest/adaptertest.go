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
// registerVerdict reports whether every expected problem is one of the
// register's checks of a citation (documents.md), which only the gateway
// with its register makes; document.missing is routing's and not among
// them.
func registerVerdict(errs []ExpectError) bool {
	if len(errs) == 0 {
		return false
	}
	for _, pr := range errs {
		switch pr.Code {
		case "document.unknown", "document.revoked", "document.not_valid", "document.holder_mismatch", "document.mismatch", "document.exhausted":
		default:
			return false
		}
	}
	return true
}

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
	if e.Status == 422 && registerVerdict(e.Errors) {
		// Refused by the document register, which the translation does not
		// have: it must accept the message, and every expected problem must
		// sit at the number of a citation it read (documents.md).
		if err != nil {
			bad("the register refuses this message; the translation must accept it: %v", err)
			return nil, findings
		}
		paths := map[string]bool{}
		for i := range d.Goods {
			for _, c := range d.Goods[i].Documents {
				paths[c.Path] = true
			}
		}
		for _, pr := range e.Errors {
			if pr.Path == nil || !paths[*pr.Path] {
				bad("%s at %v: no citation read there (citations at %v)", pr.Code, pr.Path, sortedKeys(paths))
			}
		}
		return nil, findings
	}
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
