package hebei_test

import (
	"errors"
	"os"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/jjj/gateway/schemas/schematest"
)

const schema = "hebei-bjxx.xsd"

// TestSchemaValidSamples checks every message the adapter accepts, the
// samples and this package's own base message, against the XSD.
func TestSchemaValidSamples(t *testing.T) {
	a := newAdapter(t)
	files := messageFiles(t)
	var docs [][]byte
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Decode(raw); err != nil {
			continue
		}
		docs = append(docs, raw)
	}
	if len(docs) < 8 {
		t.Fatalf("only %d valid fixtures", len(docs))
	}
	docs = append(docs, encode(t, base, simplifiedchinese.GBK))
	schematest.Validate(t, schema, docs...)
}

// TestSchemaRefuses makes sure the XSD constrains what it claims to.
func TestSchemaRefuses(t *testing.T) {
	for _, e := range []edit{
		{`BBH="2.1"`, `BBH="3.0"`},
		{"<CRJBZ>RJ</CRJBZ>", "<CRJBZ>IM</CRJBZ>"},
		{`<HW XH="2">`, `<HW>`},
		{"<SL>40</SL>", "<SL>-40</SL>"},
		{"<BZLB>II</BZLB>", "<BZLB>2</BZLB>"},
		{"TEMU6088334", "TEMX6088334"},
		{"</BTXX>", "<ZZBZ/></BTXX>"},
	} {
		raw := encode(t, build(t, []edit{e}), simplifiedchinese.GBK)
		err := schematest.ValidateErr(schema, raw)
		var inv *schematest.InvalidError
		if !errors.As(err, &inv) {
			t.Errorf("%s → %s: %v, want invalid", e.old, e.new, err)
		} else if !strings.Contains(inv.Output, "doc-000.xml") {
			t.Errorf("output does not name the document: %s", inv.Output)
		}
	}
}
