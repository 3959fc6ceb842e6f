package tianjin

import (
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/jjj/gateway/internal/customs"
)

// scope is the namespace bindings in force at an element. etree keeps
// prefixes, and Element.NamespaceURI walks up the tree on every call, so the
// walk carries the bindings down instead: a child that declares nothing
// shares its parent's scope without copying.
type scope struct {
	def      string
	prefixes []binding
}

type binding struct{ prefix, uri string }

const nsXML = "http://www.w3.org/XML/1998/namespace"

// enter returns the scope inside e.
func (s scope) enter(e *etree.Element) scope {
	for _, a := range e.Attr {
		switch {
		case a.Space == "" && a.Key == "xmlns":
			s.def = a.Value
		case a.Space == "xmlns":
			// Copy on write: the parent's slice may be shared by siblings.
			s.prefixes = append(s.prefixes[:len(s.prefixes):len(s.prefixes)], binding{a.Key, a.Value})
		}
	}
	return s
}

// uri resolves a prefix ("" for the default namespace). An undeclared prefix
// resolves to no namespace.
func (s scope) uri(prefix string) string {
	if prefix == "" {
		return s.def
	}
	for i := len(s.prefixes) - 1; i >= 0; i-- {
		if s.prefixes[i].prefix == prefix {
			return s.prefixes[i].uri
		}
	}
	if prefix == "xml" {
		return nsXML
	}
	return ""
}

// attr returns the trimmed value of e's attribute name, unqualified or in
// namespace ns, and whether it is there.
func (s scope) attr(e *etree.Element, name, ns string) (string, bool) {
	for _, a := range e.Attr {
		if a.Key != name || a.Space == "xmlns" {
			continue
		}
		if a.Space == "" || s.uri(a.Space) == ns {
			return strings.TrimSpace(a.Value), true
		}
	}
	return "", false
}

// seg is one step of the path from the root to the element being read.
type seg struct {
	name string
	idx  int // position among same-name siblings; 0 when not written
}

// push and pop keep dc.stack at the element being read, so that a path
// (samples/README.md) is rendered only when a problem or a warning needs
// one, and the success path builds no strings for it.
func (dc *decoder) push(name string, idx int) { dc.stack = append(dc.stack, seg{name, idx}) }

func (dc *decoder) pop() { dc.stack = dc.stack[:len(dc.stack)-1] }

// pathTo renders the path of child (an element name, "@attr", or "" for
// the element being read itself).
func (dc *decoder) pathTo(child string) string {
	var b strings.Builder
	b.Grow(64)
	b.WriteString(pathRoot)
	for _, s := range dc.stack {
		b.WriteByte('/')
		b.WriteString(s.name)
		if s.idx > 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.idx))
			b.WriteByte(']')
		}
	}
	if child != "" {
		b.WriteByte('/')
		b.WriteString(child)
	}
	return b.String()
}

// Repeating elements of the format: their paths always carry the position
// among same-name siblings (samples/README.md), and no other element's does.
const (
	rDecList = iota
	rContainer
	rDecGoodsLimit
	rDecGoodsLimitVin
	rLicenseDocu
	rDecRequestCert
	rDecOtherPack
	rDecCopLimit
	rDecUser
	rDecCopPromise
	rEdocRealation
	rEcoRelation
	rSeal // the extension's Seal
	nRepeat
)

func repeatID(tag string) int {
	switch tag {
	case "DecList":
		return rDecList
	case "Container":
		return rContainer
	case "DecGoodsLimit":
		return rDecGoodsLimit
	case "DecGoodsLimitVin":
		return rDecGoodsLimitVin
	case "LicenseDocu":
		return rLicenseDocu
	case "DecRequestCert":
		return rDecRequestCert
	case "DecOtherPack":
		return rDecOtherPack
	case "DecCopLimit":
		return rDecCopLimit
	case "DecUser":
		return rDecUser
	case "DecCopPromise":
		return rDecCopPromise
	case "EdocRealation":
		return rEdocRealation
	case "EcoRelation":
		return rEcoRelation
	}
	return -1
}

// counts numbers the repeating children of one parent.
type counts [nRepeat]int

// next returns tag's position among its same-name siblings so far, or 0 when
// the tag does not repeat.
func (c *counts) next(tag string) int {
	r := repeatID(tag)
	if r < 0 {
		return 0
	}
	c[r]++
	return c[r]
}

// What the walk does with a child element.
const (
	kindSkip    = iota // the extension, or an unknown element already warned about
	kindForeign        // a known name in a foreign namespace: not read, only scanned
	kindDec            // an element of the national message
)

// classify resolves c's namespace inside sc and warns about an unknown
// element at its path under the element being read (ports.md: the name
// decides, wherever it sits; urn:jjj:ext:v1 is never unknown).
func (dc *decoder) classify(c *etree.Element, sc scope) (scope, int) {
	csc := sc
	if len(c.Attr) > 0 {
		csc = sc.enter(c)
	}
	ns := csc.uri(c.Space)
	if ns == NamespaceExt {
		return csc, kindSkip
	}
	if !dc.t.DecMessageElements[c.Tag] {
		dc.unknown(dc.pathTo(c.Tag), c.Tag)
		return csc, kindSkip
	}
	if ns != NamespaceDec {
		return csc, kindForeign
	}
	return csc, kindDec
}

// unknown warns about an unknown element once per path (samples/README.md:
// reported once, at its own path, which has no index of its own, so two
// unknown siblings of the same name share one warning, as in the other
// dialects).
func (dc *decoder) unknown(path, tag string) {
	for i := range dc.warns {
		if dc.warns[i].Code == customs.WarnUnknownElement && dc.warns[i].Path == path {
			return
		}
	}
	dc.warns = append(dc.warns, customs.Warning{
		Path:    path,
		Code:    customs.WarnUnknownElement,
		Message: "element " + tag + " is not part of the declaration message (DecMessage): kept out of the canonical declaration",
	})
}

// scan looks through the children of an element the gateway does not read,
// only to warn about unknown elements in it. The element is on the stack.
func (dc *decoder) scan(e *etree.Element, sc scope) {
	dc.children(e, sc, func(c *etree.Element, csc scope, _, idx int) { dc.scanChild(c, csc, idx) })
}

// children calls f for every child element of e that classify does not
// skip, with its scope, its kind and its index among the siblings of the
// same name (the [n] of its path): the walk every reader of the message
// shares.
func (dc *decoder) children(e *etree.Element, sc scope, f func(c *etree.Element, csc scope, kind, idx int)) {
	var cnt counts
	for _, tok := range e.Child {
		c, ok := tok.(*etree.Element)
		if !ok {
			continue
		}
		csc, kind := dc.classify(c, sc)
		if kind == kindSkip {
			continue
		}
		f(c, csc, kind, cnt.next(c.Tag))
	}
}

// count is the number of child elements of e named tag.
func count(e *etree.Element, tag string) int {
	n := 0
	for _, tok := range e.Child {
		if c, ok := tok.(*etree.Element); ok && c.Tag == tag {
			n++
		}
	}
	return n
}

// scanChild scans c, a child of the element being read, at position idx.
func (dc *decoder) scanChild(c *etree.Element, sc scope, idx int) {
	for _, tok := range c.Child {
		if _, ok := tok.(*etree.Element); ok {
			dc.push(c.Tag, idx)
			dc.scan(c, sc)
			dc.pop()
			return
		}
	}
}

// text returns e's character data, trimmed (an empty result is an absent
// value). Elements inside a text field are scanned for unknown names.
func (dc *decoder) text(e *etree.Element, sc scope) string {
	var s string
	var b []byte
	n := 0
	elems := false
	for _, tok := range e.Child {
		switch t := tok.(type) {
		case *etree.CharData:
			if n == 0 {
				s = t.Data
			} else {
				if n == 1 {
					b = append(b, s...)
				}
				b = append(b, t.Data...)
			}
			n++
		case *etree.Element:
			elems = true
		}
	}
	if n > 1 {
		s = string(b)
	}
	if elems {
		dc.scanChild(e, sc, 0)
	}
	return strings.TrimSpace(s)
}
