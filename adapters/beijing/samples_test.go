package beijing_test

import (
	"slices"
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

// TestGolden keeps the whole decoded declaration of every valid fixture,
// paths included (adaptertest.DecodedGolden).
func TestGolden(t *testing.T) { adaptertest.DecodedGolden(t, newAdapter(t), "testdata") }

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
