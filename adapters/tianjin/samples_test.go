package tianjin_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/adapters/adaptertest"
	"github.com/jjj/gateway/adapters/tianjin"
	"github.com/jjj/gateway/internal/codes"
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

// TestGolden keeps the whole decoded declaration of every valid fixture,
// paths included (adaptertest.DecodedGolden).
func TestGolden(t *testing.T) { adaptertest.DecodedGolden(t, newAdapter(t), "testdata") }

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
