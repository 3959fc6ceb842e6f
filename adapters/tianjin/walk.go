package tianjin

import (
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/jjj/gateway/adapters"
)

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
func (dc *decoder) classify(c *etree.Element, sc adapters.Scope) (adapters.Scope, int) {
	csc := sc
	if len(c.Attr) > 0 {
		csc = sc.Enter(c)
	}
	ns := csc.URI(c.Space)
	if ns == NamespaceExt {
		return csc, kindSkip
	}
	if !dc.Tables.DecMessageElements[c.Tag] {
		dc.Unknown(dc.pathTo(""), c.Tag)
		return csc, kindSkip
	}
	if ns != NamespaceDec {
		return csc, kindForeign
	}
	return csc, kindDec
}

// scan looks through the children of an element the gateway does not read,
// only to warn about unknown elements in it. The element is on the stack.
func (dc *decoder) scan(e *etree.Element, sc adapters.Scope) {
	dc.children(e, sc, func(c *etree.Element, csc adapters.Scope, _, idx int) { dc.scanChild(c, csc, idx) })
}

// children calls f for every child element of e that classify does not
// skip, with its scope, its kind and its index among the siblings of the
// same name (the [n] of its path): the walk every reader of the message
// shares.
func (dc *decoder) children(e *etree.Element, sc adapters.Scope, f func(c *etree.Element, csc adapters.Scope, kind, idx int)) {
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

// scanChild scans c, a child of the element being read, at position idx.
func (dc *decoder) scanChild(c *etree.Element, sc adapters.Scope, idx int) {
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
func (dc *decoder) text(e *etree.Element, sc adapters.Scope) string {
	s, kids := adapters.Text(e)
	if kids {
		dc.scanChild(e, sc, 0)
	}
	return s
}
