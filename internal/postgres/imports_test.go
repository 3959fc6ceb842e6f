package postgres

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNothingAboveImportsStorage: the HTTP layer and the services declare
// the storage they need, in the domain's types, and this package
// implements it, wired in gatewayd; none of them may depend on it, even
// through another package (tests excluded: they wire the real storage).
func TestNothingAboveImportsStorage(t *testing.T) {
	const mod = "github.com/jjj/gateway/"
	above := []string{"gateway", "gateway/track", "internal/outbox", "internal/clearance", "internal/inspection",
		"internal/apikey", "internal/credit", "internal/webhook", "internal/view", "internal/routing", "internal/customs"}
	args := []string{"list", "-f", "{{.ImportPath}} {{join .Deps \" \"}}"}
	for _, p := range above {
		args = append(args, mod+p)
	}
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != len(above) {
		t.Fatalf("go list answered %d packages, want %d:\n%s", len(lines), len(above), out)
	}
	for _, l := range lines {
		pkg, deps, _ := strings.Cut(l, " ")
		for _, d := range strings.Fields(deps) {
			if d == mod+"internal/postgres" || strings.HasPrefix(d, mod+"internal/postgres/") {
				t.Errorf("%s depends on %s", strings.TrimPrefix(pkg, mod), strings.TrimPrefix(d, mod))
			}
		}
	}
}
