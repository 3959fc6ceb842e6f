package hebei

import (
	"github.com/beevik/etree"

	"github.com/jjj/gateway/adapters"
)

// children walks the child elements of e, whose path is path and scope sc:
// each one in no namespace (BJXX has none) goes to f with its own scope,
// and f reports whether the structure has it there. One that it does not,
// or one in a namespace, is an unknown element of path, and what it
// contains is not looked at.
func (r *decoder) children(e *etree.Element, sc adapters.Scope, path string, f func(c *etree.Element, csc adapters.Scope) bool) {
	for _, tok := range e.Child {
		c, ok := tok.(*etree.Element)
		if !ok {
			continue
		}
		csc := sc
		if len(c.Attr) > 0 {
			csc = sc.Enter(c)
		}
		if !csc.Plain(c) || !f(c, csc) {
			r.Unknown(path, c.Tag)
		}
	}
}
