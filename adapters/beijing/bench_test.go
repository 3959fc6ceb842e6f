package beijing_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/jjj/gateway/adapters"
)

// benchFixtures are the valid samples: the hot path is a message that is
// accepted, decoded in full.
func benchFixtures(b *testing.B) map[string][]byte {
	b.Helper()
	files, err := filepath.Glob("testdata/*.xml")
	if err != nil {
		b.Fatal(err)
	}
	out := map[string][]byte{"table-test-base": []byte(base)}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".xml")
		if strings.HasPrefix(name, "invalid-") || strings.HasSuffix(name, ".golden") {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		out[name] = raw
	}
	return out
}

func BenchmarkDecode(b *testing.B) {
	a := mustNew()
	for name, raw := range benchFixtures(b) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Decode(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkReadXML is the shared reader alone (encoding check, DOCTYPE
// refusal, etree parse, element count): what Decode costs beyond it is the
// adapter's walk.
func BenchmarkReadXML(b *testing.B) {
	for name, raw := range benchFixtures(b) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := adapters.ReadXML(raw, adapters.Limits{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEtreeParse is the baseline: a bare etree parse of the same bytes.
func BenchmarkEtreeParse(b *testing.B) {
	for name, raw := range benchFixtures(b) {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				doc := etree.NewDocument()
				if err := doc.ReadFromBytes(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
