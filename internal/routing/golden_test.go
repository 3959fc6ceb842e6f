package routing_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/adapters/beijing"
	"github.com/jjj/gateway/adapters/hebei"
	"github.com/jjj/gateway/adapters/tianjin"
	"github.com/jjj/gateway/internal/canonical"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
	"github.com/jjj/gateway/internal/translate"
)

var updateRoutes = flag.Bool("update-routes", false, "rewrite testdata/routes/*.route.xml")

// TestGoldenRoutes keeps the route of every valid sample as a golden file
// (the canonical Route element), so that a change of rules or code tables
// shows its blast radius as a diff. -update-routes rewrites them.
func TestGoldenRoutes(t *testing.T) {
	t.Parallel()
	e := newEngine(t, zeroRates())
	cfg := adapters.Config{Tables: tables}
	reg := adapters.NewRegistry()
	reg.Register(tianjin.MustNew(cfg))
	reg.Register(hebei.MustNew(cfg))
	reg.Register(beijing.MustNew(cfg))
	tr := &translate.Translator{Adapters: reg, Engine: e}
	n := 0
	for _, port := range []string{"tianjin", "hebei", "beijing"} {
		files, _ := filepath.Glob(filepath.Join("testdata", "samples", port, "*.xml"))
		for _, file := range files {
			base := strings.TrimSuffix(filepath.Base(file), ".xml")
			if strings.HasPrefix(base, "invalid-") {
				continue
			}
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			d, err := tr.Decode(customs.Port(port), raw)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			d.ID = "golden"
			r, err := e.Decide(d, routing.Facts{})
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			got := append(bytes.ReplaceAll(canonical.MarshalRoute(r), []byte("><"), []byte(">\n<")), '\n')
			golden := filepath.Join("testdata", "routes", port, base+".route.xml")
			n++
			if *updateRoutes {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test -update-routes writes it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s/%s: route changed:\n got %s\nwant %s", port, base, got, want)
			}
		}
	}
	if n < 20 {
		t.Fatalf("only %d samples", n)
	}
}
