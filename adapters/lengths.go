package adapters

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"

	"github.com/jjj/gateway/internal/customs"
)

// CheckLengths refuses values longer than the gateway stores (api.md
// "Hostile input"): the portRef (at portRefPath, an element's text or an
// attribute "/@name") over customs.MaxPortRef characters, any other text or
// attribute value over customs.MaxText. It returns nil, or a *customs.Error
// of CodeInvalid with a value_too_long problem at each such value's path.
//
// It runs on the tree before an adapter reads a field, so that no field of
// any dialect is taken at an unbounded length, and the adapter is not asked
// to check (and quote) a 3 MB HS code. The check is on the whole message,
// not only the fields an adapter takes: an element an adapter ignores (with
// a warning) is stored in that warning's path and message too. Paths are
// local names from the root, with a 1-based [n] where an element has
// siblings of its name; they are computed only for a value that is too long,
// so the walk costs no allocation on a good message.
func CheckLengths(root *etree.Element, portRefPath string) error {
	var ps customs.Problems
	var stack []*etree.Element
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		stack = append(stack, e)
		for _, a := range e.Attr {
			if len(a.Value) > customs.MaxPortRef {
				path := elementPath(stack) + "/@" + a.Key
				checkLength(&ps, path, portRefPath, a.Value)
			}
		}
		for _, t := range e.Child {
			switch c := t.(type) {
			case *etree.Element:
				walk(c)
			case *etree.CharData:
				if len(c.Data) > customs.MaxPortRef {
					checkLength(&ps, elementPath(stack), portRefPath, strings.TrimSpace(c.Data))
				}
			}
		}
		stack = stack[:len(stack)-1]
	}
	walk(root)
	return ps.Err(customs.CodeInvalid, "the declaration has values longer than their fields allow")
}

func checkLength(ps *customs.Problems, path, portRefPath, v string) {
	max := customs.MaxText
	if path == portRefPath {
		max = customs.MaxPortRef
	}
	if len(v) <= max {
		return
	}
	if n := utf8.RuneCountInString(v); n > max {
		ps.Add(path, customs.ProblemValueTooLong, "%d characters, at most %d allowed here", n, max)
	}
}

// elementPath is the path of the last element of stack (root first).
func elementPath(stack []*etree.Element) string {
	var b strings.Builder
	for i, e := range stack {
		b.WriteByte('/')
		b.WriteString(e.Tag)
		if i == 0 {
			continue
		}
		same, pos := 0, 0
		for _, s := range stack[i-1].ChildElements() {
			if s.Tag == e.Tag {
				same++
				if s == e {
					pos = same
				}
			}
		}
		if same > 1 {
			b.WriteString("[" + strconv.Itoa(pos) + "]")
		}
	}
	return b.String()
}
