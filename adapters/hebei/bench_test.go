package hebei_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
)

type benchFixture struct {
	name string
	raw  []byte
}

func benchFixtures(b *testing.B) []benchFixture {
	files := messageFiles(b)
	var out []benchFixture
	for _, f := range files {
		if strings.Contains(f, "invalid-encoding") {
			continue // refused before parsing: nothing to compare
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, benchFixture{strings.TrimSuffix(filepath.Base(f), ".xml"), raw})
	}
	return out
}

// BenchmarkDecode is the whole adapter: encoding, parse, walk and checks.
// Compare with BenchmarkEtreeParse, the floor any etree-based adapter pays.
func BenchmarkDecode(b *testing.B) {
	a := newAdapter(b)
	for _, fx := range benchFixtures(b) {
		b.Run(fx.name, func(b *testing.B) {
			b.SetBytes(int64(len(fx.raw)))
			b.ReportAllocs()
			for b.Loop() {
				_, _ = a.Decode(fx.raw)
			}
		})
	}
}

// BenchmarkEtreeParse is the baseline: the strict GBK/GB18030 decode
// adapters.ReadXML does, then etree parsing the same bytes, nothing else.
func BenchmarkEtreeParse(b *testing.B) {
	for _, fx := range benchFixtures(b) {
		var enc encoding.Encoding = simplifiedchinese.GBK
		if bytes.Contains(fx.raw[:64], []byte("GB18030")) {
			enc = simplifiedchinese.GB18030
		}
		b.Run(fx.name, func(b *testing.B) {
			b.SetBytes(int64(len(fx.raw)))
			b.ReportAllocs()
			for b.Loop() {
				body, err := enc.NewDecoder().Bytes(fx.raw)
				if err != nil || bytes.Contains(body, []byte("\uFFFD")) {
					b.Fatal("decode", err)
				}
				doc := etree.NewDocument()
				doc.ReadSettings = etree.ReadSettings{
					CharsetReader: func(_ string, r io.Reader) (io.Reader, error) { return r, nil },
					MaxDepth:      64,
				}
				if err := doc.ReadFromBytes(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
