package tianjin_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
)

// BenchmarkDecode measures the whole decode of each valid fixture: the shared
// XML read (encoding, DOCTYPE, limits, etree parse), the walk and the checks.
// BenchmarkEtreeParse is the floor under it, a bare etree parse of the same
// bytes; the difference is the adapter's own cost.
func BenchmarkDecode(b *testing.B) {
	a := newAdapter(b)
	for _, fx := range benchFixtures(b) {
		b.Run(fx.name, func(b *testing.B) {
			b.SetBytes(int64(len(fx.raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Decode(fx.raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEtreeParse(b *testing.B) {
	for _, fx := range benchFixtures(b) {
		b.Run(fx.name, func(b *testing.B) {
			b.SetBytes(int64(len(fx.raw)))
			b.ReportAllocs()
			for b.Loop() {
				doc := etree.NewDocument()
				if err := doc.ReadFromBytes(fx.raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

type fixture struct {
	name string
	raw  []byte
}

func benchFixtures(b *testing.B) []fixture {
	files, _ := filepath.Glob("testdata/*.xml")
	var out []fixture
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".xml")
		if strings.HasPrefix(name, "invalid-") || strings.HasSuffix(name, ".golden") {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, fixture{name, raw})
	}
	return out
}
