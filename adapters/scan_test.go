package adapters

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/beevik/etree"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/jjj/gateway/internal/customs"
)

// TestReadXMLWellFormed checks what the pass before etree accepts and
// refuses, and that each refusal says where.
func TestReadXMLWellFormed(t *testing.T) {
	for _, c := range []struct {
		name, body string
		code       string // "" when accepted
		where      string // a substring of the message
	}{
		{name: "minimal", body: `<a/>`},
		{name: "prolog and epilog", body: "<?xml version=\"1.0\"?>\n<!-- c -->\n<?pi x?>\n<a>t</a>\n<!-- after -->\n<?after y?>\n \t\r\n"},
		{name: "markup characters in values", body: `<a x='>' y="b>/" z="&lt;"><![CDATA[<b></c>]]><!-- <d> --></a>`},
		{name: "nested same names", body: "<a><a><a/></a><b\n  x = \"1\" /></a>"},
		{name: "prefixes", body: `<p:a xmlns:p="urn:x"><p:b/></p:a>`},
		{name: "doctype in the prolog", body: "<!DOCTYPE a>\n<a/>", code: customs.ProblemDoctypeForbidden, where: "line 1, column 1"},
		{name: "doctype inside the root", body: "<a>\n  <!DOCTYPE a [<!ENTITY e \"x\">]>\n</a>", code: customs.ProblemDoctypeForbidden, where: "line 2, column 3"},
		{name: "doctype lower case", body: "<a><!doctype a></a>", code: customs.ProblemDoctypeForbidden},
		{name: "entity declaration", body: "<a><!ENTITY e \"x\"></a>", code: customs.ProblemMalformedXML, where: "line 1, column 4"},
		{name: "second root", body: "<a/>\n<b/>", code: customs.ProblemMalformedXML, where: "line 2, column 1"},
		{name: "text after the root", body: "<a/>\n  x", code: customs.ProblemMalformedXML, where: "line 2, column 3"},
		{name: "CDATA after the root", body: "<a/><![CDATA[x]]>", code: customs.ProblemMalformedXML, where: "line 1, column 5"},
		{name: "text before the root", body: "x<a/>", code: customs.ProblemMalformedXML, where: "line 1, column 1"},
		{name: "no root", body: "<?xml version=\"1.0\"?>\n<!-- only -->", code: customs.ProblemMalformedXML},
		{name: "empty", body: "", code: customs.ProblemMalformedXML},
		{name: "unclosed element", body: "<a>\n<b>\n</a>", code: customs.ProblemMalformedXML, where: "line 3, column 1: end tag </a> closes element <b> of line 2, column 1"},
		{name: "unclosed root", body: "<a>\n<b/>\n", code: customs.ProblemMalformedXML, where: "the body ends (line 3) before element <a> of line 1, column 1 is closed"},
		{name: "end tag alone", body: "<a/></a>", code: customs.ProblemMalformedXML, where: "line 1, column 5"},
		{name: "column in characters", body: "<a>中文<b></a>", code: customs.ProblemMalformedXML, where: "line 1, column 9"},
		{name: "unquoted attribute", body: `<a x=1/>`, code: customs.ProblemMalformedXML},
		{name: "attribute without value", body: `<a x/>`, code: customs.ProblemMalformedXML},
		{name: "unclosed attribute value", body: `<a x="1/>`, code: customs.ProblemMalformedXML},
		{name: "unclosed comment", body: `<a><!-- x </a>`, code: customs.ProblemMalformedXML},
		{name: "unclosed CDATA", body: `<a><![CDATA[ x </a>`, code: customs.ProblemMalformedXML},
		{name: "unclosed start tag", body: `<a`, code: customs.ProblemMalformedXML},
		{name: "bad character for etree", body: "<a>\n\x01</a>", code: customs.ProblemMalformedXML, where: "line 2"},
		{name: "unknown entity for etree", body: "<a>\n\n&nope;</a>", code: customs.ProblemMalformedXML, where: "line 3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc, err := ReadXML([]byte(c.body), Limits{})
			if c.code == "" {
				if err != nil || doc.Root() == nil {
					t.Fatalf("ReadXML: %v", err)
				}
				return
			}
			ps := customs.ProblemsOf(err)
			if doc != nil || customs.ErrorCodeOf(err) != customs.CodeUnreadable || len(ps) != 1 || ps[0].Code != c.code {
				t.Fatalf("ReadXML = %v, %v; want one %s", doc != nil, err, c.code)
			}
			if !strings.Contains(ps[0].Message, c.where) {
				t.Errorf("message %q does not say %q", ps[0].Message, c.where)
			}
		})
	}
}

// TestReadXMLLimits checks each limit at its value (accepted) and one over
// (too_deep), with small limits and with the defaults.
func TestReadXMLLimits(t *testing.T) {
	nest := func(n int) string { return strings.Repeat("<e>", n) + strings.Repeat("</e>", n) }
	elements := func(n int) string { return "<r>" + strings.Repeat("<e/>", n-1) + "</r>" }
	attrs := func(n int) string {
		var b strings.Builder
		b.WriteString("<r")
		for i := range n {
			b.WriteString(" a" + strconv.Itoa(i) + `=""`)
		}
		return b.String() + "/>"
	}
	attrValue := func(n int) string { return `<r v="` + strings.Repeat("x", n) + `"/>` }
	text := func(n int) string { return "<r>" + strings.Repeat("x", n) + "</r>" }
	// Text split by comments, CDATA and child elements is still one value.
	split := func(n int) string {
		h := n / 3
		return "<r>" + strings.Repeat("x", h) + "<!-- -->" + "<![CDATA[" + strings.Repeat("y", h) + "]]><c>z</c>" + strings.Repeat("x", n-2*h) + "</r>"
	}
	small := Limits{MaxDepth: 5, MaxElements: 10, MaxAttributes: 3, MaxValueBytes: 20}
	def := Limits{}.WithDefaults()
	for _, c := range []struct {
		name string
		lim  Limits
		at   func(int) string
		n    int
	}{
		{"depth", small, nest, 5},
		{"elements", small, elements, 10},
		{"attributes", small, attrs, 3},
		{"attribute value", small, attrValue, 20},
		{"text", small, text, 20},
		{"split text", small, split, 20},
		{"default depth", Limits{}, nest, def.MaxDepth},
		{"default elements", Limits{}, elements, def.MaxElements},
		{"default attributes", Limits{}, attrs, def.MaxAttributes},
		{"default value", Limits{}, attrValue, def.MaxValueBytes},
		{"default text", Limits{}, text, def.MaxValueBytes},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := ReadXML([]byte(c.at(c.n)), c.lim); err != nil {
				t.Errorf("at the limit (%d): %v", c.n, err)
			}
			_, err := ReadXML([]byte(c.at(c.n+1)), c.lim)
			if ps := customs.ProblemsOf(err); len(ps) != 1 || ps[0].Code != customs.ProblemTooDeep {
				t.Errorf("over the limit (%d): %v, want too_deep", c.n+1, err)
			}
		})
	}
}

// TestReadXMLQuotesLittle: a refusal quotes a name or a value in part
// only, so that a hostile body does not come back whole in the answer.
func TestReadXMLQuotesLittle(t *testing.T) {
	long := strings.Repeat("n", 100000)
	for _, body := range []string{
		"<" + long + "/><b/>",
		"<a " + long + "/>",
		"<a>\n<" + long + "></a>",
		"<" + long + ">",
	} {
		_, err := ReadXML([]byte(body), Limits{})
		ps := customs.ProblemsOf(err)
		if len(ps) != 1 || len(ps[0].Message) > 400 {
			t.Errorf("%d problems, message of %d bytes", len(ps), len(ps[0].Message))
		}
	}
}

// FuzzReadXML: whatever the body, ReadXML does not panic, and a refusal is
// one problem of the reading codes; a malformed_xml one names its line
// unless there is no root at all, so the scan and etree leave no refusal
// without a place (etree's own "invalid XML format" named none).
func FuzzReadXML(f *testing.F) {
	for _, s := range []string{
		"<a/>", "<a>\n<b>\n</a>", "<a/><b/>", "<a x='1'>t<![CDATA[c]]><!--c--><?p?></a>",
		"<!DOCTYPE a><a/>", "<a><!DOCTYPE a></a>", "<?xml version=\"1.0\" encoding=\"GBK\"?><a>\xd6\xd0</a>",
		"<a>&lt;&#x4e2d;</a>", "<p:a xmlns:p='u'></p:a>",
	} {
		f.Add([]byte(s))
	}
	lim := Limits{MaxDepth: 8, MaxElements: 50, MaxAttributes: 4, MaxValueBytes: 64}
	f.Fuzz(func(t *testing.T, raw []byte) {
		doc, err := ReadXML(raw, lim)
		if err == nil {
			if doc == nil || doc.Root() == nil {
				t.Fatal("accepted without a root")
			}
			return
		}
		ps := customs.ProblemsOf(err)
		if doc != nil || customs.ErrorCodeOf(err) != customs.CodeUnreadable || len(ps) != 1 {
			t.Fatalf("ReadXML = %v, %v", doc != nil, err)
		}
		switch p := ps[0]; p.Code {
		case customs.ProblemMalformedXML:
			if !strings.Contains(p.Message, "line ") && !strings.Contains(p.Message, "no root element") {
				t.Fatalf("%q names no line", p.Message)
			}
		case customs.ProblemTooDeep, customs.ProblemDoctypeForbidden, customs.ProblemEncodingMismatch:
		default:
			t.Fatalf("problem code %s", p.Code)
		}
	})
}

// FuzzReadXMLAgrees holds ReadXML to encoding/xml's full token pass, which
// checks that end tags match: a UTF-8 body is accepted exactly when that
// pass reads it without error as one root element with nothing but white
// space, comments and processing instructions around it, no directive
// (DOCTYPE) anywhere, and within the limits of nesting, elements and
// attributes. The value limit is left out: ReadXML counts bytes as
// written, encoding/xml gives values with their references replaced.
func FuzzReadXMLAgrees(f *testing.F) {
	for _, s := range []string{
		"<a/>", "<a>\n<b>\n</a>", "<a/><b/>", "<a x='1'>t<![CDATA[c]]><!--c--><?p?></a>", "<a><!-- x -- y --></a>",
		"<!DOCTYPE a><a/>", "<a><!DOCTYPE a></a>", "<a>&lt;&#x4e2d;</a>", "<p:a xmlns:p='u'></p:a>",
		"\n<?xml version='1.0'?><a/>", "<a><?xml version='1.1'?></a>", "<a\nb = 'c' d=\"e\"/>", "<a b='1'c='2'/>",
	} {
		f.Add([]byte(s))
	}
	lim := Limits{MaxDepth: 4, MaxElements: 12, MaxAttributes: 3, MaxValueBytes: 1 << 30}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !utf8.Valid(raw) || bytes.HasPrefix(raw, []byte("\xef\xbb\xbf")) {
			return
		}
		if e := normalizeLabel(declaredEncoding(raw)); e != "" && e != "utf-8" && e != "utf8" {
			return
		}
		want := wellFormed(raw, lim)
		_, err := ReadXML(raw, lim)
		if (err == nil) != (want == nil) {
			t.Fatalf("ReadXML: %v; encoding/xml: %v", err, want)
		}
	})
}

// wellFormed is the oracle of FuzzReadXMLAgrees.
func wellFormed(raw []byte, lim Limits) error {
	d := xml.NewDecoder(bytes.NewReader(raw))
	d.Strict = true
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	depth, elements, roots := 0, 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if roots != 1 {
				return errors.New("no root")
			}
			return nil
		}
		if err != nil {
			return err
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
			elements++
			if roots > 1 || depth > lim.MaxDepth || elements > lim.MaxElements || len(tok.Attr) > lim.MaxAttributes {
				return errors.New("second root or over a limit")
			}
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimLeft(tok, " \t\r\n")) > 0 {
				return errors.New("text outside the root")
			}
		case xml.Directive:
			return errors.New("directive")
		}
	}
}

// BenchmarkScan measures the pass before etree on the equivalence messages
// (decoded to UTF-8, as ReadXML hands them over), beside etree's parse of
// the same bytes: the pass is to cost a small part of it.
func BenchmarkScan(b *testing.B) {
	for _, port := range []string{"tianjin", "hebei", "beijing"} {
		raw, err := os.ReadFile(filepath.Join("testdata", "equivalence", port+".xml"))
		if err != nil {
			b.Fatal(err)
		}
		if port == "hebei" {
			if raw, err = decodeStrict(simplifiedchinese.GBK, raw); err != nil {
				b.Fatal(err)
			}
		}
		lim := Limits{}.WithDefaults()
		b.Run(port+"/scan", func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := scan(raw, lim, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(port+"/etree", func(b *testing.B) {
			b.SetBytes(int64(len(raw)))
			b.ReportAllocs()
			for b.Loop() {
				if err := etree.NewDocument().ReadFromBytes(raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestDecodeStrict: GBK and GB18030 bodies decode whole, in one buffer or,
// for the bytes that grow most (0x80, €), in the decoder's own; invalid
// bytes are refused.
func TestDecodeStrict(t *testing.T) {
	for _, c := range []struct {
		name string
		enc  string
		in   []byte
		want string
		ok   bool
	}{
		{"ascii", "GBK", []byte("abc"), "abc", true},
		{"chinese", "GBK", []byte{0xd6, 0xd0, 0xce, 0xc4}, "中文", true},
		{"euro signs", "GBK", bytes.Repeat([]byte{0x80}, 100), strings.Repeat("€", 100), true},
		{"four bytes", "GB18030", []byte{0x81, 0x30, 0x87, 0x33}, "Å", true},
		{"replacement character itself", "GB18030", []byte{0x84, 0x31, 0xa4, 0x37}, "\uFFFD", true},
		{"invalid", "GBK", []byte{0xd6, 0x20}, "", false},
		{"truncated", "GBK", []byte{'a', 0xd6}, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			enc := simplifiedchinese.GBK
			if c.enc == "GB18030" {
				enc = simplifiedchinese.GB18030
			}
			got, err := decodeStrict(enc, c.in)
			if (err == nil) != c.ok || (c.ok && string(got) != c.want) {
				t.Errorf("decodeStrict = %q, %v; want %q, ok %v", got, err, c.want, c.ok)
			}
		})
	}
}
