package beijing_test

import (
	"bytes"
	"testing"

	"github.com/jjj/gateway/adapters/adaptertest"
	"github.com/jjj/gateway/internal/canonical"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/schemas"
	"github.com/jjj/gateway/schemas/schematest"
)

// TestCanonicalTimesInUTC: a message made and departing at 06:30 +08:00 is
// the previous day in UTC, and the canonical message (not only the decoded
// declaration) says so, in a form the review centre's XSD accepts.
func TestCanonicalTimesInUTC(t *testing.T) {
	raw := edit(t,
		`created="2026-11-27T09:12:00+08:00"`, `created="2026-11-27T06:30:00+08:00"`,
		`departureDate="2026-11-25"`, `departureDate="2026-11-26T06:30:00+08:00"`,
	)
	tr, err := adaptertest.NewTranslator(newAdapter(t))
	if err != nil {
		t.Fatal(err)
	}
	d, err := tr.Decode(customs.PortBeijing, raw)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	d.ID = adaptertest.GoldenID
	d.Source.ReceivedAt = adaptertest.GoldenReceivedAt()
	out := canonical.Marshal(d)
	for _, want := range []string{`declaredAt="2026-11-26T22:30:00Z"`, `departureDate="2026-11-25"`} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("canonical message lacks %s:\n%s", want, out)
		}
	}
	if bytes.Contains(out, []byte(`declaredAt="2026-11-27`)) || bytes.Contains(out, []byte(`departureDate="2026-11-26"`)) {
		t.Errorf("canonical message keeps a local day:\n%s", out)
	}
	schematest.Validate(t, schemas.Declaration, out)
}
