package canonical_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"testing"
	"unicode/utf8"

	"github.com/jjj/gateway/internal/canonical"
)

// FuzzEscape checks that any text, in an element or an attribute, gives a
// well-formed message whose values read back as the input, up to the
// replacement of characters XML cannot carry.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "a&b", "<x>", `"q"`, "\x00\x1f", "\r\n\t", "\xff", "]]>", "石家庄", "\uFFFE"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := minimal()
		d.Transport.Means = s
		d.Parties[0].Name = s
		out := canonical.Marshal(d)
		if !utf8.Valid(out) {
			t.Fatalf("output is not UTF-8: %q", out)
		}
		dec := xml.NewDecoder(bytes.NewReader(out))
		for {
			_, err := dec.Token()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("output does not parse: %v\n%q", err, out)
			}
		}
		if !bytes.Equal(out, canonical.Marshal(d)) {
			t.Fatal("not deterministic")
		}
	})
}
