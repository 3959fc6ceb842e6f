package tianjin_test

import (
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
func FuzzDecode(f *testing.F) { adaptertest.Fuzz(f, mustNew(), "testdata") }
