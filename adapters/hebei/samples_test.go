package hebei_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/adapters/adaptertest"
	"github.com/jjj/gateway/adapters/hebei"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

func newAdapter(t testing.TB) *hebei.Adapter {
	t.Helper()
	return newAdapterWith(t, codes.MustEmbedded())
}

func newAdapterWith(t testing.TB, tables *codes.Tables) *hebei.Adapter {
	t.Helper()
	a, err := hebei.New(adapters.Config{Tables: tables})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestConformance is the suite every adapter passes (adapters/adaptertest):
// every sample through the gateway's pipeline (this adapter, routing's
// Check, Validate) against its expect.json, the canonical goldens
// (testdata/*.golden.xml) and their XSD, truncated prefixes, and the route
// of every accepted sample.
func TestConformance(t *testing.T) {
	a := newAdapter(t)
	adaptertest.Exercise(t, a, "testdata")
	adaptertest.ExerciseRoutes(t, a, "testdata")
}

// TestGolden keeps the whole decoded declaration of every valid fixture,
// paths included (adaptertest.DecodedGolden).
func TestGolden(t *testing.T) { adaptertest.DecodedGolden(t, newAdapter(t), "testdata") }

func TestInfo(t *testing.T) {
	info := newAdapter(t).Info()
	if info.ID != customs.PortHebei || info.Dialect != "BJXX" || info.Schema != "hebei-bjxx.xsd" {
		t.Errorf("Info = %+v", info)
	}
	if !slices.Equal(info.Encodings, adapters.Encodings) {
		t.Errorf("Encodings = %v", info.Encodings)
	}
}

func TestNewNeedsTables(t *testing.T) {
	if _, err := hebei.New(adapters.Config{}); err == nil {
		t.Fatal("New without tables: no error")
	}
	defer func() {
		if recover() == nil {
			t.Error("MustNew without tables did not panic")
		}
	}()
	hebei.MustNew(adapters.Config{})
}

// messageFiles lists the port messages of testdata, not adaptertest's
// canonical goldens (*.golden.xml).
func messageFiles(t testing.TB) []string {
	t.Helper()
	all, err := filepath.Glob("testdata/*.xml")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range all {
		if !strings.HasSuffix(f, ".golden.xml") {
			out = append(out, f)
		}
	}
	return out
}
