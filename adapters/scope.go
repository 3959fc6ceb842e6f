package adapters

import (
	"strings"

	"github.com/beevik/etree"
)

// This file and reader.go, path.go and checks.go are the reading kit the
// dialects share: what reading any port's tree needs, so that each dialect
// is left with its own structure and its own readings of the contract.

// NamespaceXML is the namespace the prefix xml is bound to by definition.
const NamespaceXML = "http://www.w3.org/XML/1998/namespace"

// Scope is the namespace bindings in force at an element. etree keeps
// prefixes, and Element.NamespaceURI walks up the tree on every call, so a
// walk carries the bindings down instead: the zero Scope is the document's
// (no default namespace), and a child that declares nothing shares its
// parent's scope without copying anything.
type Scope struct {
	def      string
	prefixes []binding
}

type binding struct{ prefix, uri string }

// Enter returns the scope inside e, given s, the scope e stands in.
func (s Scope) Enter(e *etree.Element) Scope {
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

// URI resolves a prefix ("" for the default namespace). A prefix that is
// not bound resolves to no namespace (""), which no dialect's namespace is;
// xml is always NamespaceXML (Namespaces in XML forbids binding it to
// another).
func (s Scope) URI(prefix string) string {
	if prefix == "" {
		return s.def
	}
	if prefix == "xml" {
		return NamespaceXML
	}
	for i := len(s.prefixes) - 1; i >= 0; i-- {
		if s.prefixes[i].prefix == prefix {
			return s.prefixes[i].uri
		}
	}
	return ""
}

// Plain reports whether e is in no namespace: it has no prefix and no
// default namespace is in force. s is e's own scope (Enter'ed).
func (s Scope) Plain(e *etree.Element) bool { return e.Space == "" && s.def == "" }

// AttrNS returns the trimmed value of e's attribute name, unqualified or
// in namespace ns, and whether it is there. s is e's own scope.
func (s Scope) AttrNS(e *etree.Element, name, ns string) (string, bool) {
	for _, a := range e.Attr {
		if a.Key != name || a.Space == "xmlns" {
			continue
		}
		if a.Space == "" || s.URI(a.Space) == ns {
			return strings.TrimSpace(a.Value), true
		}
	}
	return "", false
}

// Attr returns the trimmed value of e's unqualified attribute key, or ""
// (surrounding white space is no part of a value, and an empty value is an
// absent one: ports.md). The formats' attributes are unqualified; a
// prefixed one is another vocabulary's, and ignored.
func Attr(e *etree.Element, key string) string {
	for i := range e.Attr {
		if a := &e.Attr[i]; a.Space == "" && a.Key == key {
			return strings.TrimSpace(a.Value)
		}
	}
	return ""
}

// Text returns e's character data, trimmed, and whether e has child
// elements. All of the element's character data counts, whatever comments,
// processing instructions or child elements split it; the text of a value
// is one CharData token unless they do, so the usual case does not
// allocate. A child element of a value is not part of any format: the
// caller reports it.
func Text(e *etree.Element) (string, bool) {
	var s string
	var b []byte
	n, kids := 0, false
	for _, tok := range e.Child {
		switch t := tok.(type) {
		case *etree.CharData:
			switch n {
			case 0:
				s = t.Data
			case 1:
				b = append(append(b, s...), t.Data...)
			default:
				b = append(b, t.Data...)
			}
			n++
		case *etree.Element:
			kids = true
		}
	}
	if n > 1 {
		s = string(b)
	}
	return strings.TrimSpace(s), kids
}

// Count is the number of e's child elements named tag (any name when tag
// is ""), whatever their namespace: the capacity of the slice a list is
// read into.
func Count(e *etree.Element, tag string) int {
	n := 0
	for _, tok := range e.Child {
		if c, ok := tok.(*etree.Element); ok && (tag == "" || c.Tag == tag) {
			n++
		}
	}
	return n
}
