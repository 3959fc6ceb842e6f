package tianjin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/loadgen"
)

// TestReadNames holds readNames to the decoder's source: every name of the
// national format that the package's code spells out (a case of a switch,
// an entry of a table of names) is in readNames, so no element the decoder
// looks for is ever left out of the tree as unread; and every entry of
// readNames is spelled out somewhere, so the list does not keep names the
// decoder has stopped reading.
func TestReadNames(t *testing.T) {
	tables := codes.MustEmbedded()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	spelled := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			// readNames itself does not count as reading a name.
			if v, ok := n.(*ast.ValueSpec); ok && len(v.Names) == 1 && v.Names[0].Name == "readNames" {
				return false
			}
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil {
					spelled[s] = true
				}
			}
			return true
		})
	}
	read := map[string]bool{}
	for _, n := range readNames {
		read[n] = true
		if !spelled[n] {
			t.Errorf("readNames has %s, which the decoder does not spell out", n)
		}
	}
	for n := range spelled {
		if tables.DecMessageElements[n] && !read[n] {
			t.Errorf("the decoder spells out %s, which readNames lacks: its empty elements would be left out", n)
		}
	}
	unread := unreadNames(tables)
	if len(unread) < 100 {
		t.Errorf("only %d unread names", len(unread))
	}
	for n := range unread {
		if read[n] || repeatID(n) >= 0 || !tables.DecMessageElements[n] {
			t.Errorf("unread has %s", n)
		}
	}
}

// TestUnreadChangesNothing: leaving the empty unread elements out of the
// tree changes no declaration, warning, problem or error. Every fixture
// (invalid ones too) and a generated corpus are decoded with and without
// unread names; so are copies of them with empty unread elements (and a
// few read, unknown and prefixed ones) put in at random places (sprinkle),
// and a few made by hand.
func TestUnreadChangesNothing(t *testing.T) {
	tables := codes.MustEmbedded()
	a := MustNew(adapters.Config{Tables: tables})
	ref := &Adapter{tables: a.tables, limits: a.limits} // no unread names
	names := slices.Sorted(maps.Keys(a.unread))
	inserts := []string{"GNo", "IEFlag", "DecList", "Container", "Seal", "NoSuchElement", "x:SeqNo"}

	var bodies [][]byte
	files, err := filepath.Glob("testdata/*.xml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, b)
	}
	gen, err := loadgen.New(loadgen.Config{Port: customs.PortTianjin, Tables: tables, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	for range 40 {
		bodies = append(bodies, gen.Next().Body)
	}
	if len(bodies) < 50 {
		t.Fatalf("only %d messages", len(bodies))
	}

	// By hand: a long value beside an empty element of its name (its path
	// counts the empty one), unread elements beside a field with a problem
	// (an IEFlag of Q) and an item field out of place, and unread elements
	// in a foreign and in the extension's namespace.
	sample, err := os.ReadFile("testdata/import-coal-thermal.xml")
	if err != nil {
		t.Fatal(err)
	}
	head := []byte("<DecHead>")
	for _, add := range []string{
		"<EdiRemark/><EdiRemark>" + strings.Repeat("x", customs.MaxText+1) + "</EdiRemark>",
		"<NoteS></NoteS><NoteS>" + strings.Repeat("y", customs.MaxPortRef+1) + "</NoteS><NoteS/>",
		"<IEFlag>Q</IEFlag><TaxAaminMark/><CodeTS>12</CodeTS><SeqNo/>",
		`<Fee xmlns="urn:other"><FeeMark/><FeeRate></FeeRate></Fee><e:Seal xmlns:e="urn:jjj:ext:v1"><SeqNo/></e:Seal>`,
	} {
		bodies = append(bodies, bytes.Replace(sample, head, append(slices.Clone(head), add...), 1))
	}

	rng := rand.New(rand.NewPCG(14, 3))
	dropped := 0
	for i, body := range bodies {
		cases := [][]byte{body}
		for range 4 {
			cases = append(cases, sprinkle(rng, body, names, inserts))
		}
		for j, b := range cases {
			if with, err := adapters.ReadXMLUnread(b, a.limits, a.unread); err == nil {
				without, _ := adapters.ReadXML(b, a.limits)
				dropped += countElements(without.Root()) - countElements(with.Root())
			}
			want, wantErr := decodeResult(ref, b)
			got, gotErr := decodeResult(a, b)
			if got != want || gotErr != wantErr {
				t.Errorf("message %d, case %d: with unread names\n%s\n%s\nwithout\n%s\n%s\nmessage:\n%s", i, j, got, gotErr, want, wantErr, b)
			}
		}
	}
	if dropped < 1000 {
		t.Errorf("only %d empty elements were left out: the test does not test", dropped)
	}
}

func countElements(e *etree.Element) int {
	n := 1
	for _, c := range e.ChildElements() {
		n += countElements(c)
	}
	return n
}

// decodeResult is what Decode returns, as text: the declaration in JSON and
// the error with its problems.
func decodeResult(a *Adapter, b []byte) (decl, err string) {
	d, e := a.Decode(b)
	j, _ := json.Marshal(d)
	if e != nil {
		ps, _ := json.Marshal(customs.ProblemsOf(e))
		err = e.Error() + " " + string(ps)
	}
	return string(j), err
}

// sprinkle returns body with a few empty elements put in after random '>'
// bytes: mostly unread names, as <n/> or <n></n>, sometimes others. The
// offsets are the body's, so after the first element a later one may land
// inside a tag, a value or a comment, making a malformed message or other
// text: both decodings must treat that alike too.
func sprinkle(rng *rand.Rand, body []byte, unread, others []string) []byte {
	var at []int
	for i, c := range body {
		if c == '>' {
			at = append(at, i+1)
		}
	}
	out := slices.Clone(body)
	for range 1 + rng.IntN(12) {
		p := at[rng.IntN(len(at))]
		var n string
		if rng.IntN(6) == 0 {
			n = others[rng.IntN(len(others))]
		} else {
			n = unread[rng.IntN(len(unread))]
		}
		el := fmt.Sprintf("<%s/>", n)
		if rng.IntN(3) == 0 {
			el = fmt.Sprintf("<%s></%s>", n, n)
		}
		out = slices.Insert(out, min(p, len(out)), []byte(el)...)
	}
	return out
}

// FuzzUnreadChangesNothing: whatever the body, the adapter decodes it as
// it would with every empty element kept. Seeded with every fixture, with
// and without empty elements put in.
func FuzzUnreadChangesNothing(f *testing.F) {
	tables := codes.MustEmbedded()
	a := MustNew(adapters.Config{Tables: tables})
	ref := &Adapter{tables: a.tables, limits: a.limits}
	files, err := filepath.Glob("testdata/*.xml")
	if err != nil {
		f.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(6, 14))
	names := slices.Sorted(maps.Keys(a.unread))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(sprinkle(rng, b, names, []string{"IEFlag", "DecList"}))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, gotErr := decodeResult(a, b)
		want, wantErr := decodeResult(ref, b)
		if got != want || gotErr != wantErr {
			t.Errorf("with unread names\n%s\n%s\nwithout\n%s\n%s", got, gotErr, want, wantErr)
		}
	})
}
