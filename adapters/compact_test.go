package adapters

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/jjj/gateway/internal/customs"
)

// sameReading reports how the trees a and b differ in what an adapter can
// read of them, or "" when they do not: at every element, its name,
// namespace prefix and attributes, its text (Text: all character data,
// trimmed, and whether it has child elements), whether it has any child at
// all, its character data other than white space, and its child elements,
// comments and processing instructions, in order. White-space-only
// character data is all that may differ.
func sameReading(a, b *etree.Element, path string) string {
	path += "/" + a.Tag
	if a.Space != b.Space || a.Tag != b.Tag {
		return fmt.Sprintf("%s: element %s:%s against %s:%s", path, a.Space, a.Tag, b.Space, b.Tag)
	}
	if attrs(a) != attrs(b) {
		return fmt.Sprintf("%s: attributes %s against %s", path, attrs(a), attrs(b))
	}
	at, ak := Text(a)
	bt, bk := Text(b)
	if at != bt || ak != bk {
		return fmt.Sprintf("%s: text %q (children %v) against %q (%v)", path, at, ak, bt, bk)
	}
	if (len(a.Child) == 0) != (len(b.Child) == 0) {
		return fmt.Sprintf("%s: %d children against %d", path, len(a.Child), len(b.Child))
	}
	ac, bc := solid(a.Child), solid(b.Child)
	if len(ac) != len(bc) {
		return fmt.Sprintf("%s: %d tokens other than white space against %d", path, len(ac), len(bc))
	}
	for i := range ac {
		switch x := ac[i].(type) {
		case *etree.Element:
			y, ok := bc[i].(*etree.Element)
			if !ok {
				return fmt.Sprintf("%s: token %d is an element against %T", path, i, bc[i])
			}
			if d := sameReading(x, y, path); d != "" {
				return d
			}
		case *etree.CharData:
			if y, ok := bc[i].(*etree.CharData); !ok || x.Data != y.Data {
				return fmt.Sprintf("%s: token %d is text %q against %#v", path, i, x.Data, bc[i])
			}
		case *etree.Comment:
			if y, ok := bc[i].(*etree.Comment); !ok || x.Data != y.Data {
				return fmt.Sprintf("%s: token %d is comment %q against %#v", path, i, x.Data, bc[i])
			}
		case *etree.ProcInst:
			if y, ok := bc[i].(*etree.ProcInst); !ok || x.Target != y.Target || x.Inst != y.Inst {
				return fmt.Sprintf("%s: token %d is a processing instruction against %#v", path, i, bc[i])
			}
		default:
			return fmt.Sprintf("%s: token %d is a %T", path, i, x)
		}
	}
	return ""
}

// attrs lists e's attributes as written.
func attrs(e *etree.Element) string {
	var b strings.Builder
	for _, a := range e.Attr {
		fmt.Fprintf(&b, " %s:%s=%q", a.Space, a.Key, a.Value)
	}
	return b.String()
}

// solid is toks without the character data that is only white space.
func solid(toks []etree.Token) []etree.Token {
	var out []etree.Token
	for _, t := range toks {
		if c, ok := t.(*etree.CharData); ok && strings.Trim(c.Data, " \t\r\n") == "" {
			continue
		}
		out = append(out, t)
	}
	return out
}

// compactAgrees checks ReadXML's reading of raw against etree's reading of
// the whole body: both refuse it with the same problem (the same line), or
// both read it, to trees that sameReading cannot tell apart. It returns
// the lengths of the body and of what etree was given.
func compactAgrees(t *testing.T, raw []byte, lim Limits) (body, compact int) {
	t.Helper()
	lim = lim.WithDefaults()
	b, err := utf8Body(raw)
	if err != nil {
		return 0, 0
	}
	c, _, err := scan(b, lim, nil)
	if err != nil {
		return len(b), 0
	}
	want, wantErr := readTree(b, lim, passThrough)
	got, gotErr := ReadXML(raw, lim)
	switch {
	case wantErr != nil || gotErr != nil:
		if fmt.Sprint(customs.ProblemsOf(gotErr)) != fmt.Sprint(customs.ProblemsOf(wantErr)) {
			t.Fatalf("ReadXML: %v; etree on the body as sent: %v", gotErr, wantErr)
		}
	default:
		if d := sameReading(want.Root(), got.Root(), ""); d != "" {
			t.Fatalf("the compacted body reads differently: %s", d)
		}
		// The length check the scan lets skip finds what the walk finds.
		at := "/" + want.Root().Tag
		if g, w := got.CheckLengths(at), CheckLengths(want.Root(), at); fmt.Sprint(g) != fmt.Sprint(w) {
			t.Fatalf("CheckLengths: %v; on the whole tree: %v", g, w)
		}
	}
	return len(b), len(c)
}

// TestCompactSamples: on every message of the adapters' testdata (samples,
// goldens, invalid ones, fuzz seeds), ReadXML's tree reads as etree's tree
// of the body as sent, or both refuse it alike; and the indented samples
// are compacted, so that the comparison is not of a body with itself.
func TestCompactSamples(t *testing.T) {
	names, err := filepath.Glob("*/testdata/*.xml")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("*/testdata/*/*.xml")
	names = append(names, more...)
	more, _ = filepath.Glob("testdata/*/*.xml")
	names = append(names, more...)
	if len(names) < 30 {
		t.Fatalf("only %d messages in the adapters' testdata", len(names))
	}
	shrunk := 0
	for _, name := range names {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) {
			body, compact := compactAgrees(t, raw, Limits{})
			if compact > 0 && compact < body {
				shrunk++
			}
		})
	}
	if shrunk < len(names)/2 {
		t.Errorf("%d of %d messages compacted", shrunk, len(names))
	}
}

// TestCompact: what is left out and what stays, on small cases; the
// compacted body starts with the gateway's XML declaration (compactDecl).
func TestCompact(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{"<a>\n  <b>x</b>\n  <c/>\n</a>", "<a><b>x</b><c/></a>"},
		// The white space of an element without child elements is its text.
		{"<a>\n <b> </b>\n <c>\n</c>\n</a>", "<a><b> </b><c>\n</c></a>"},
		// Mixed content keeps all its white space, before and after the text.
		{"<a>\n <b/> x <c/>\n <d>\n <e/>\n </d>\n</a>", "<a>\n <b/> x <c/>\n <d><e/></d>\n</a>"},
		{"<a>\n <b/>\n <![CDATA[ ]]> <c/>\n</a>", "<a>\n <b/>\n <![CDATA[ ]]> <c/>\n</a>"},
		{"<a>\n <b/>&#32;<c/></a>", "<a>\n <b/>&#32;<c/></a>"},
		// Comments and processing instructions stay; around them, as elsewhere.
		{"<a>\n <!-- c -->\n <?p i?>\n <b/>\n</a>", "<a><!-- c --><?p i?><b/></a>"},
		// Outside the root, nothing changes but the XML declaration.
		{"<?xml version=\"1.0\" encoding=\"GBK\"?>\n<a>\n <b/>\n</a>\n", "\n<a><b/></a>\n"},
		{"\n<?xml version=\"1.0\"?><a/>", "\n<?xml version=\"1.0\"?><a/>"},
		{"<a/>", "<a/>"},
	} {
		got, _, err := scan([]byte(c.body), Limits{}.WithDefaults(), nil)
		if err != nil || string(got) != compactDecl+c.want {
			t.Errorf("scan(%q) = %q, %v; want %q", c.body, got, err, compactDecl+c.want)
		}
		compactAgrees(t, []byte(c.body), Limits{})
	}
}

// TestCompactUnread: an empty element named in unread is left out, as
// <n/> or <n></n> (or with only a comment in it, which no reading sees),
// wherever it sits below the root; with an attribute, character data
// (white space too) or a child, as the root, or under another name (a
// prefix makes another name), it stays.
func TestCompactUnread(t *testing.T) {
	unread := Unread{"u": true, "v": true}
	for _, c := range []struct{ body, want string }{
		{"<a>\n <u/>\n <b>x</b>\n <v></v>\n</a>", "<a><b>x</b></a>"},
		{"<a><b><u/><v/></b><c>x<u />y</c></a>", "<a><b></b><c>xy</c></a>"},
		{"<a><u x='1'/><v> </v><u><!--c--></u><v><u/></v><p:u/><uu/></a>", "<a><u x='1'/><v> </v><v></v><p:u/><uu/></a>"},
		{"<a><u\n/><v ></v ></a>", "<a></a>"},
		{"<u/>", "<u/>"},
		{"<u></u>", "<u></u>"},
	} {
		got, _, err := scan([]byte(c.body), Limits{}.WithDefaults(), unread)
		if err != nil || string(got) != compactDecl+c.want {
			t.Errorf("scan(%q) = %q, %v; want %q", c.body, got, err, compactDecl+c.want)
		}
	}
	// A value long enough for CheckLengths to walk the tree: read whole.
	long := "<a><u/><u>" + strings.Repeat("x", customs.MaxPortRef+1) + "</u></a>"
	if got, _, err := scan([]byte(long), Limits{}.WithDefaults(), unread); err != nil || string(got) != compactDecl+long {
		t.Errorf("scan(%q) = %q, %v; want it whole", long, got, err)
	}
	// The limits count what is left out.
	body := "<a>" + strings.Repeat("<u/>", 10) + "</a>"
	if _, err := ReadXMLUnread([]byte(body), Limits{MaxElements: 10}, unread); err == nil {
		t.Errorf("11 elements passed a limit of 10")
	}
	if _, err := ReadXMLUnread([]byte(body), Limits{MaxElements: 11}, unread); err != nil {
		t.Errorf("11 elements refused under a limit of 11: %v", err)
	}
}

// TestDocumentCheckLengths: the length check still finds a value over
// its limit when the scan has seen one long enough, and agrees with the
// walk of the whole tree either way (compactAgrees).
func TestDocumentCheckLengths(t *testing.T) {
	for _, c := range []struct {
		body string
		bad  int // value_too_long problems
	}{
		{"<a><r>" + strings.Repeat("x", customs.MaxPortRef) + "</r></a>", 0},
		{"<a><r>" + strings.Repeat("x", customs.MaxPortRef+1) + "</r></a>", 1},
		{"<a><r>" + strings.Repeat("&#x78;", 20) + "</r></a>", 0},
		{"<a r='" + strings.Repeat("x", customs.MaxPortRef+1) + "'/>", 1},
		{"<a><t>" + strings.Repeat("x", customs.MaxText+1) + "</t><u v='" + strings.Repeat("y", customs.MaxText+1) + "'/></a>", 2},
	} {
		compactAgrees(t, []byte(c.body), Limits{})
		doc, err := ReadXML([]byte(c.body), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		err = doc.CheckLengths("/a/r")
		if err == nil {
			err = doc.CheckLengths("/a/@r")
		}
		if ps := customs.ProblemsOf(err); len(ps) != c.bad {
			t.Errorf("%.40s...: %v, want %d value_too_long", c.body, err, c.bad)
		}
	}
}

// TestCompactErrorLine: a message etree refuses is refused at its line in
// the body as sent, which compacting moves.
func TestCompactErrorLine(t *testing.T) {
	_, err := ReadXML([]byte("<a>\n  <b>x</b>\n  <c>\n    <d x=\"1\" x=\"2\"/>\n  </c>\n  <e>&bad;</e>\n</a>"), Limits{})
	ps := customs.ProblemsOf(err)
	if len(ps) != 1 || ps[0].Code != customs.ProblemMalformedXML || !strings.Contains(ps[0].Message, "line 6") {
		t.Fatalf("ReadXML: %v", err)
	}
}

// FuzzCompact: whatever the body, compacting it changes neither whether it
// is read, nor the refusal, nor what an adapter can read of the tree.
func FuzzCompact(f *testing.F) {
	for _, s := range []string{
		"<a>\n  <b>x</b>\n  <c/>\n</a>", "<a>\n <b/> x <c/>\n</a>", "<a> <b> </b> <c>\n</c> </a>",
		"<a>\n <!-- c -->\n <?p i?>\n <b/>\n</a>", "<a>\n <b/>\n <![CDATA[ ]]> <c/>\n</a>",
		"<a>\n <b/>&#32;<c/></a>", "<a>\n <b>\n  <c>&bad;</c>\n </b>\n</a>", "<p:a xmlns:p='u'>\n <p:b/>\n</p:a>",
		"<?xml version=\"1.0\" encoding=\"GBK\"?>\n<a>\n <b>\xd6\xd0</b>\n</a>", "<a>\r\n\t<b/>\r\n</a>",
		"<a>" + strings.Repeat("x", 65) + "</a>", "<a><b k='" + strings.Repeat("y", 70) + "'/></a>",
		"<a>" + strings.Repeat("&#x4e2d;", 9) + "</a>", "<a>" + strings.Repeat("z", 40) + "<!-- c -->" + strings.Repeat("z", 40) + "</a>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		compactAgrees(t, raw, Limits{MaxDepth: 8, MaxElements: 50, MaxAttributes: 4, MaxValueBytes: 4096})
	})
}
