package beijing

import (
	"github.com/beevik/etree"

	"github.com/jjj/gateway/adapters"
)

// children walks the child elements of e, whose path is path and scope sc:
// each one in the format's namespace goes to f with its own scope, and f
// reports whether the format has it there. One that it does not, or one
// in another namespace (or in none), is an unknown element of path, and
// what it contains is not looked at.
func (dc *decoder) children(e *etree.Element, sc adapters.Scope, path string, f func(c *etree.Element, cs adapters.Scope) bool) {
	for _, tok := range e.Child {
		c, ok := tok.(*etree.Element)
		if !ok {
			continue
		}
		cs := sc
		if len(c.Attr) > 0 {
			cs = sc.Enter(c)
		}
		if cs.URI(c.Space) != Namespace || !f(c, cs) {
			dc.Unknown(path, c.Tag)
		}
	}
}

// repeated walks the children of a list element (Parties, Units, Items):
// each element named tag goes to f with its position among them; anything
// else is an unknown element of path.
func (dc *decoder) repeated(e *etree.Element, sc adapters.Scope, tag, path string, f func(c *etree.Element, cs adapters.Scope, pos int)) {
	pos := 0
	dc.children(e, sc, path, func(c *etree.Element, cs adapters.Scope) bool {
		if c.Tag != tag {
			return false
		}
		pos++
		f(c, cs, pos)
		return true
	})
}

// keySet is a set that stays in a small array for the usual handful of keys
// and moves to a map for large messages, so that duplicate checks are
// neither allocating for small messages nor quadratic for large ones.
type keySet[K comparable] struct {
	small [8]K
	n     int
	m     map[K]struct{}
}

// add inserts k and reports whether it was new.
func (s *keySet[K]) add(k K) bool {
	if s.m != nil {
		if _, dup := s.m[k]; dup {
			return false
		}
		s.m[k] = struct{}{}
		return true
	}
	for i := 0; i < s.n; i++ {
		if s.small[i] == k {
			return false
		}
	}
	if s.n < len(s.small) {
		s.small[s.n] = k
		s.n++
		return true
	}
	s.m = make(map[K]struct{}, 2*len(s.small))
	for _, v := range s.small {
		s.m[v] = struct{}{}
	}
	s.m[k] = struct{}{}
	return true
}
