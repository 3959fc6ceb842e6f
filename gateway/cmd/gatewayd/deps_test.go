package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestBinaryLinksNoTesting: gatewayd's own dependencies (not its tests')
// do not include the testing package. A run-time package that imports a
// test helper (as the review-centre simulator once did with schematest)
// drags testing, and its flags, into the production binary.
func TestBinaryLinksNoTesting(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/jjj/gateway/gateway/cmd/gatewayd") || !slices.Contains(deps, "net/http") {
		t.Fatalf("go list -deps gave %d packages without gatewayd itself: %q", len(deps), deps)
	}
	for _, d := range deps {
		if d == "testing" || strings.HasPrefix(d, "testing/") {
			t.Errorf("gatewayd links %s: find the run-time package that imports a test helper (go list -deps -f '{{.ImportPath}}: {{.Imports}}' .)", d)
		}
	}
}
