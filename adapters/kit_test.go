package adapters

import (
	"slices"
	"testing"

	"github.com/beevik/etree"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

func parse(t *testing.T, s string) *etree.Element {
	t.Helper()
	doc, err := ReadXML([]byte(s), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	return doc.Root()
}

// TestScope resolves namespaces by URI as the walk carries them down:
// defaults, prefixes, redeclarations, undeclared prefixes and xml.
func TestScope(t *testing.T) {
	root := parse(t, `<r xmlns="urn:d" xmlns:p="urn:p"><p:a p:k=" v "/><b xmlns=""><c xmlns:p="urn:q"><p:d/></c><q:e/></b><f xml:lang="zh"/></r>`)
	rs := Scope{}.Enter(root)
	if got := rs.URI(root.Space); got != "urn:d" {
		t.Errorf("root in %q", got)
	}
	a := root.ChildElements()[0]
	as := rs.Enter(a)
	if got := as.URI(a.Space); got != "urn:p" || as.Plain(a) {
		t.Errorf("p:a in %q, plain %v", got, as.Plain(a))
	}
	if v, ok := as.AttrNS(a, "k", "urn:p"); !ok || v != "v" {
		t.Errorf("p:k = %q, %v", v, ok)
	}
	if _, ok := as.AttrNS(a, "k", "urn:other"); ok {
		t.Error("p:k found in another namespace")
	}
	b := root.ChildElements()[1]
	bs := rs.Enter(b)
	if !bs.Plain(b) || bs.URI("") != "" {
		t.Errorf("b (xmlns=\"\") is not in no namespace")
	}
	c := b.ChildElements()[0]
	cs := bs.Enter(c)
	d := c.ChildElements()[0]
	if got := cs.Enter(d).URI(d.Space); got != "urn:q" {
		t.Errorf("redeclared p resolves to %q", got)
	}
	// The sibling of c still sees the outer binding of p: scopes are not
	// shared by mistake.
	if got := bs.URI("p"); got != "urn:p" {
		t.Errorf("p after c resolves to %q", got)
	}
	e := b.ChildElements()[1]
	if got := bs.Enter(e).URI(e.Space); got != "" {
		t.Errorf("undeclared q resolves to %q", got)
	}
	if got := rs.URI("xml"); got != NamespaceXML {
		t.Errorf("xml resolves to %q", got)
	}
}

// TestText reads all of an element's character data, however it is split.
func TestText(t *testing.T) {
	root := parse(t, `<r><a> x </a><b>x<!-- c -->y<?p?>z<![CDATA[w]]></b><c>x<d/>y</c><e/></r>`)
	want := []struct {
		s    string
		kids bool
	}{{"x", false}, {"xyzw", false}, {"xy", true}, {"", false}}
	for i, c := range root.ChildElements() {
		if s, kids := Text(c); s != want[i].s || kids != want[i].kids {
			t.Errorf("%s: Text = %q, %v; want %q, %v", c.Tag, s, kids, want[i].s, want[i].kids)
		}
	}
	if got := Attr(parse(t, `<r k=" v " p:k="w" xmlns:p="u"/>`), "k"); got != "v" {
		t.Errorf("Attr = %q", got)
	}
}

func TestAtPath(t *testing.T) {
	for _, c := range []struct {
		at   At
		sub  string
		want string
	}{
		{At{Parent: "/R/H"}, "/@k", "/R/H/@k"},
		{At{Parent: "/R", Name: "H"}, "", "/R/H"},
		{At{Parent: "/R", Name: "I", Pos: 2}, "/@x", "/R/I[2]/@x"},
		{At{Parent: "/R", Name: "I", Key: "line", Val: "3", Pos: 1}, "", "/R/I[@line='3']"},
		{At{Parent: "/R", Name: "I", Key: "line", Val: "", Pos: 4}, "", "/R/I[4]"},
		{At{Parent: "/R", Name: "I", Key: "line", Val: "a'b", Pos: 5}, "", "/R/I[5]"},
	} {
		if got := c.at.Path(c.sub); got != c.want {
			t.Errorf("%+v.Path(%q) = %q, want %q", c.at, c.sub, got, c.want)
		}
	}
}

func paths[T any](xs []T, f func(T) string) []string {
	var out []string
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}

// TestReaderUnknownAndOnce: an unknown element is warned about once per
// path; a second once-only element is duplicate_key, with or without its
// position as the dialect writes its paths.
func TestReaderUnknownAndOnce(t *testing.T) {
	root := parse(t, `<r><x><y/><y/></x><x/><z/></r>`)
	r := NewReader(codes.MustEmbedded(), Style{Format: "the test format"})
	for _, c := range root.ChildElements() {
		r.Unknown("/r", c.Tag)
	}
	r.UnknownChildren(root.ChildElements()[0], At{Parent: "/r", Name: "x"})
	warned := paths(r.Warnings, func(w customs.Warning) string { return w.Path + " " + w.Code })
	if want := []string{"/r/x unknown_element", "/r/z unknown_element", "/r/x/y unknown_element"}; !slices.Equal(warned, want) {
		t.Errorf("warnings %q, want %q", warned, want)
	}
	for _, indexed := range []bool{false, true} {
		r := NewReader(codes.MustEmbedded(), Style{IndexRepeats: indexed})
		var o Once
		got := []bool{r.Once(&o, 3, "/r", "T"), r.Once(&o, 3, "/r", "T"), r.Once(&o, 3, "/r", "T"), r.Once(&o, 4, "/r", "U")}
		if !slices.Equal(got, []bool{true, false, false, true}) || o.Count(3) != 3 || o.Count(4) != 1 {
			t.Errorf("Once = %v, counts %d %d", got, o.Count(3), o.Count(4))
		}
		want := []string{"/r/T duplicate_key", "/r/T duplicate_key"}
		if indexed {
			want = []string{"/r/T[2] duplicate_key", "/r/T[3] duplicate_key"}
		}
		if ps := paths(r.Problems, func(p customs.Problem) string { return p.Path + " " + p.Code }); !slices.Equal(ps, want) {
			t.Errorf("indexed %v: problems %q, want %q", indexed, ps, want)
		}
	}
}

// TestChecks runs each shared check on a good and a bad value.
func TestChecks(t *testing.T) {
	tables := codes.MustEmbedded()
	at := At{Parent: "/r"}
	for _, c := range []struct {
		name string
		run  func(r *Reader)
		want string // "" when the value passes
	}{
		{"uscc", func(r *Reader) { r.USCC("91110117ma05g9w31a", at, "/@u") }, ""},
		{"uscc check character", func(r *Reader) { r.USCC("91110117MA05G9W31B", at, "/@u") }, "/r/@u invalid_uscc"},
		{"uscc form", func(r *Reader) { r.USCC("123", at, "/@u") }, "/r/@u invalid_uscc"},
		{"party uscc required", func(r *Reader) { r.PartyUSCC("", true, at, "/@u", "declarant") }, "/r/@u missing_field"},
		{"party uscc optional", func(r *Reader) { r.PartyUSCC("", false, at, "/@u", "owner") }, ""},
		{"customs code", func(r *Reader) { r.CustomsCode("0101", at, "") }, ""},
		{"customs code unknown", func(r *Reader) { r.CustomsCode("9999", at, "") }, "/r unknown_customs_code"},
		{"bureau", func(r *Reader) { r.Bureau("110100", at, "", "office") }, ""},
		{"bureau unknown", func(r *Reader) { r.Bureau("999999", at, "", "office") }, "/r unknown_bureau"},
		{"country alpha-2", func(r *Reader) { r.Country("IT", Alpha2, at, "") }, ""},
		{"country alpha-3 as alpha-2", func(r *Reader) { r.Country("ITA", Alpha2, at, "") }, "/r unknown_country"},
		{"country numeric", func(r *Reader) { r.Country("307", Numeric, at, "") }, ""},
		{"country alpha-3", func(r *Reader) { r.Country("XXX", Alpha3, at, "") }, "/r unknown_country"},
		{"hs", func(r *Reader) { r.HSCode("12345", at, "") }, "/r invalid_hs_code"},
		{"ciq", func(r *Reader) { r.CIQCode("1234", at, "") }, "/r invalid_ciq_code"},
		{"district", func(r *Reader) { r.District("11010", at, "") }, "/r invalid_district"},
		{"decimal places", func(r *Reader) { r.Decimal("1.234", 2, customs.ProblemInvalidValue, at, "", "value") }, "/r invalid_value"},
		{"whole number", func(r *Reader) { r.Decimal("3", 0, customs.ProblemInvalidQuantity, at, "", "packages") }, ""},
		{"container", func(r *Reader) { r.Container("TGHU1234567", at, "") }, ""},
		{"container check digit", func(r *Reader) { r.Container("TGHU1234568", at, "") }, "/r invalid_container_number"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := NewReader(tables, Style{})
			c.run(&r)
			got := paths(r.Problems, func(p customs.Problem) string { return p.Path + " " + p.Code })
			switch {
			case c.want == "" && len(got) != 0:
				t.Errorf("problems %q, want none", got)
			case c.want != "" && !slices.Equal(got, []string{c.want}):
				t.Errorf("problems %q, want %q", got, c.want)
			}
		})
	}
	r := NewReader(tables, Style{})
	if a3, ok := r.Country("IT", Alpha2, at, ""); !ok || a3 != "ITA" {
		t.Errorf("Country(IT) = %q, %v", a3, ok)
	}
	if u := r.USCC("91110117ma05g9w31a", at, ""); u != "91110117MA05G9W31A" {
		t.Errorf("USCC normalised to %q", u)
	}
}
