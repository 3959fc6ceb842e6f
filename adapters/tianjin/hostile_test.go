package tianjin_test

import (
	"os"
	"testing"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/adapters/adaptertest"
	"github.com/jjj/gateway/adapters/tianjin"
	"github.com/jjj/gateway/internal/codes"
)

// TestHostile sends the hostile bodies of api.md "Hostile input", made from
// a valid sample: a second root, text or CDATA after the root, a DOCTYPE
// inside the root, unclosed elements (the message names the line), and the
// element, attribute and value bombs, refused while reading with little
// memory. It is not parallel: it counts the bytes Decode allocates.
func TestHostile(t *testing.T) {
	valid, err := os.ReadFile("testdata/import-ordinary-machinery.xml")
	if err != nil {
		t.Fatal(err)
	}
	adaptertest.Hostile(t, tianjin.MustNew(adapters.Config{Tables: codes.MustEmbedded()}), valid)
}
