package beijing_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/adapters/adaptertest"
	"github.com/jjj/gateway/adapters/beijing"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/schemas/schematest"
)

const schema = "beijing-aircargo.xsd"

func mustNew() *beijing.Adapter {
	return beijing.MustNew(adapters.Config{Tables: codes.MustEmbedded()})
}

func TestConformance(t *testing.T) {
	a := mustNew()
	adaptertest.Exercise(t, a, "testdata")
	adaptertest.ExerciseRoutes(t, a, "testdata")
}

// FuzzDecode is seeded with every fixture, the table tests' base message,
// and the citing sample's Licence made odd.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(base))
	raw, err := os.ReadFile("testdata/import-special-article-level-a.xml")
	if err != nil {
		f.Fatal(err)
	}
	for _, r := range [][2]string{
		{`type="203"`, `type="999"`},
		{`number="110000SPA2026000156"`, ``},
		{`writeOff="400"`, `writeOff="4e2"`},
		{`specialArticle="A"`, `specialArticle=""`},
		{"<Licence ", `<Licence type="325" number="Q" writeOff="1"><Licence/></Licence><Licence `},
	} {
		f.Add(bytes.Replace(raw, []byte(r[0]), []byte(r[1]), 1))
	}
	adaptertest.Fuzz(f, mustNew(), "testdata")
}

// TestSchemaValidSamples checks every valid fixture, and the table tests'
// base message, against the dialect's XSD.
func TestSchemaValidSamples(t *testing.T) {
	files, err := filepath.Glob("testdata/*.xml")
	if err != nil {
		t.Fatal(err)
	}
	docs := [][]byte{[]byte(base)}
	for _, f := range files {
		name := filepath.Base(f)
		if strings.HasPrefix(name, "invalid-") || strings.HasSuffix(name, ".golden.xml") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, b)
	}
	if len(docs) < 8 {
		t.Fatalf("only %d valid documents", len(docs))
	}
	schematest.Validate(t, schema, docs...)
}

// TestSchemaRefuses makes sure the XSD is not vacuous: messages outside
// the format fail it, each for the reason named.
func TestSchemaRefuses(t *testing.T) {
	cases := []struct {
		name  string
		edits []string
	}{
		{"direction outside the set", []string{`direction="IMPORT"`, `direction="IN"`}},
		{"unknown element", []string{`<Model>牛皮面</Model>`, `<Model>牛皮面</Model><Note/>`}},
		{"HS code of 8 digits", []string{`hs="4202210000"`, `hs="42022100"`}},
		{"time without offset", []string{`created="2026-11-27T09:12:00+08:00"`, `created="2026-11-27T09:12:00"`}},
		{"no items", []string{`<Items>`, `<Items><!--`, `</Items>`, `--></Items>`}},
		{"packing group IV", []string{`packingGroup="II"`, `packingGroup="IV"`}},
		{"value of 3 decimals", []string{`value="540000.00"`, `value="540000.001"`}},
		{"seal without unit", []string{`<Seal unit="AKE12031CA">`, `<Seal>`}},
	}
	docs := make([][]byte, len(cases))
	for i, c := range cases {
		docs[i] = edit(t, c.edits...)
	}
	err := schematest.ValidateErr(schema, docs...)
	var ie *schematest.InvalidError
	if !errors.As(err, &ie) {
		t.Fatalf("ValidateErr = %v, want every document invalid", err)
	}
	if len(ie.Invalid) != len(cases) {
		valid := map[int]bool{}
		for i := range cases {
			valid[i] = true
		}
		for _, i := range ie.Invalid {
			valid[i] = false
		}
		for i, c := range cases {
			if valid[i] {
				t.Errorf("%s: valid against %s", c.name, schema)
			}
		}
	}
}
