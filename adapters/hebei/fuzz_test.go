package hebei_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/jjj/gateway/adapters/adaptertest"
	"github.com/jjj/gateway/adapters/hebei"
	"github.com/jjj/gateway/internal/customs"
)

// checkInvariant is what every input must satisfy: a rejected input
// returns a classified *customs.Error (a 400 without a declaration, a 422
// with one and problems at BJXX paths), an accepted one passes Validate and
// decodes again to the same JSON.
func checkInvariant(t *testing.T, a *hebei.Adapter, raw []byte) {
	t.Helper()
	d, err := a.Decode(raw)
	if err != nil {
		var ce *customs.Error
		if !errors.As(err, &ce) {
			t.Fatalf("unclassified error %T: %v", err, err)
		}
		switch ce.Code {
		case customs.CodeUnreadable:
			if d != nil || len(ce.Problems) != 1 {
				t.Fatalf("400 with declaration %v or %d problems", d != nil, len(ce.Problems))
			}
		case customs.CodeInvalid:
			if d == nil || len(ce.Problems) == 0 {
				t.Fatalf("422 without declaration or problems: %v", err)
			}
			for _, p := range ce.Problems {
				if !strings.HasPrefix(p.Path, "/BJXX") || p.Code == "" {
					t.Fatalf("problem %+v", p)
				}
			}
		default:
			t.Fatalf("error class %q: %v", ce.Code, err)
		}
		return
	}
	if d == nil {
		t.Fatal("nil declaration without error")
	}
	if err := d.Validate(); err != nil {
		t.Fatalf("accepted but does not validate: %v", err)
	}
	for _, w := range d.Warnings {
		if !strings.HasPrefix(w.Path, "/BJXX/") {
			t.Fatalf("warning %+v", w)
		}
	}
	first, _ := json.Marshal(d)
	d2, err := a.Decode(raw)
	if err != nil {
		t.Fatalf("second decode: %v", err)
	}
	if second, _ := json.Marshal(d2); string(first) != string(second) {
		t.Fatalf("decoding is not deterministic:\n%s\n%s", first, second)
	}
}

func fixtures(t testing.TB) [][]byte {
	t.Helper()
	files := messageFiles(t)
	if len(files) == 0 {
		t.Fatal("no fixtures")
	}
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// FuzzDecode runs adaptertest's fuzz invariants (no panic; a refusal is a
// classified *customs.Error with problems; an acceptance validates and
// writes the same canonical bytes every time), seeded with every fixture.
//
// It is seeded too with the citing sample's XKZ made odd: repeated, of
// another or no type, without number or quantity, and with levels.
func FuzzDecode(f *testing.F) {
	raw, err := os.ReadFile("testdata/import-grain-soybeans-permit.xml")
	if err != nil {
		f.Fatal(err)
	}
	for _, r := range [][2]string{
		{`LX="325"`, `LX="401"`},
		{`LX="325" BH="130000QTP2026000047"`, ``},
		{`HXSL="55000"`, `HXSL="55000.000001"`},
		{"<XKZ ", `<TSWP>A</TSWP><TSWP>Z</TSWP><XKZ LX="203"/><XKZ><XKZ/></XKZ><XKZ `},
	} {
		f.Add(bytes.Replace(raw, []byte(r[0]), []byte(r[1]), 1))
	}
	adaptertest.Fuzz(f, newAdapter(f), "testdata")
}

// TestTruncated decodes every prefix of every fixture and of the base
// message with the adapter alone, under this adapter's stricter invariant
// (a 400 has no declaration and one problem, a 422 names BJXX paths).
func TestTruncated(t *testing.T) {
	a := newAdapter(t)
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range append(fixtures(t), []byte(gbk)) {
		for n := range len(b) {
			checkInvariant(t, a, b[:n])
		}
	}
}
