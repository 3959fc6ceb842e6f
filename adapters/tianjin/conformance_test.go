package tianjin_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/adapters/adaptertest"
	"github.com/jjj/gateway/adapters/tianjin"
	"github.com/jjj/gateway/internal/codes"
)

func mustNew() *tianjin.Adapter {
	return tianjin.MustNew(adapters.Config{Tables: codes.MustEmbedded()})
}

// TestConformance runs the suite every port passes, through the gateway's
// own pipeline (adapter, routing's checks, Validate, canonical XML, routes).
func TestConformance(t *testing.T) {
	a := mustNew()
	adaptertest.Exercise(t, a, "testdata")
	adaptertest.ExerciseRoutes(t, a, "testdata")
}

// FuzzDecode seeds from every fixture (the samples and the hand-written
// base); the seed corpus runs in go test.
// FuzzDecode is seeded with every fixture, and with the citing sample's
// citations made odd: repeated, of other licence types, without number or
// quantity, with bad quantities, and with every special-article level.
func FuzzDecode(f *testing.F) {
	raw, err := os.ReadFile("testdata/export-hazchem-ethyl-acetate-packaging.xml")
	if err != nil {
		f.Fatal(err)
	}
	for _, r := range [][2]string{
		{"<LicWrtofQty>80</LicWrtofQty>", "<LicWrtofQty>80.000001</LicWrtofQty><LicWrtofQty>1</LicWrtofQty>"},
		{"<LicenceNo>130100DGP2026000123</LicenceNo>", ""},
		{"<LicTypeCode>425</LicTypeCode>", "<LicTypeCode>203</LicTypeCode><LicTypeCode>FRN</LicTypeCode>"},
		{"<DecGoodsLimit>", "<DecGoodsLimit><LicTypeCode>325</LicTypeCode><LicWrtofQty>-1</LicWrtofQty></DecGoodsLimit><DecGoodsLimit>"},
		{"<GoodsAttr>31</GoodsAttr>", "<GoodsAttr>25,26,27,28,32</GoodsAttr>"},
	} {
		f.Add(bytes.Replace(raw, []byte(r[0]), []byte(r[1]), 1))
	}
	adaptertest.Fuzz(f, mustNew(), "testdata")
}
