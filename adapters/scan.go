package adapters

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jjj/gateway/internal/customs"
)

// scan is the pass over the message that runs before etree builds a tree:
// it counts what a tree would cost (nesting, elements, attributes on one
// element, the length of one value) and refuses a message over a limit
// while it reads, so that an element bomb or a huge attribute costs a
// pass over its bytes and no memory. It also makes the checks of XML 1.0
// well-formedness that encoding/xml (and so etree) leaves out: one root
// element, nothing after it but white space, comments and processing
// instructions (so no second root, no text, no CDATA); no DOCTYPE anywhere;
// every element closed by its own end tag. Its refusals name the line and
// column.
//
// It reads the structure only: names, attribute quoting, comments, CDATA
// sections, processing instructions. What it does not judge (characters,
// entity references, the form of names) is left to etree, which runs after
// it and names the line of what it refuses. body is UTF-8.
//
// A value's length is counted in bytes as written (entity references
// included) and the text of an element is all its character data and
// CDATA taken together, however comments split it: that is the value an
// adapter reads.
//
// On success it also returns the body for etree, compacted (compact): the
// same bytes without the white space that only indents the structure; and
// the length of the longest piece of text or attribute value it read
// (scanner.longest, in bytes as written, so never shorter than etree's
// value of it).
//
// unread (may be nil) names elements the dialect never reads: compact
// leaves out such an element when it is empty (<name/> or <name></name>:
// no attribute, no character data, no child element; not the root).
func scan(body []byte, lim Limits, unread Unread) (compact []byte, longest int, err error) {
	s := scanner{b: body, lim: lim, unread: unread}
	if err := s.run(); err != nil {
		return nil, 0, err
	}
	if s.longest > customs.MaxPortRef {
		s.keepUnread()
	}
	return s.compact(), s.longest, nil
}

type scanner struct {
	b      []byte
	lim    Limits
	unread Unread
	// open are the elements open at the cursor, outermost first.
	open     []frame
	elements int
	rootSeen bool
	// blank are the runs of white space between tags, inside the root,
	// and the empty unread elements, that compact leaves out, in the order
	// of the body.
	blank []span
	// declEnd is where the XML declaration ends when the body starts
	// with one, else 0.
	declEnd int
	// longest is the longest piece of character data (a run of text
	// between two tags, comments or the like, or a CDATA section; etree
	// makes a CharData of each) or attribute value so far, in bytes as
	// written. A run that is only white space in an element without text
	// is left out: trimmed, it is no value.
	longest int
}

// frame is an open element: where its start tag is and where its name ends
// (the name is read back from the body), and how many bytes of character
// data it has so far; for compact, whether it has child elements (kids),
// whether it has character data other than white space or a CDATA section
// (solid), whether it has attributes (attrs), and where its runs of white
// space start in scanner.blank.
type frame struct {
	start, nameEnd, text int
	kids, solid, attrs   bool
	blank                int
}

// span is a run of white space b[start:end] directly inside the element
// open at depth (1 is the root), or an empty unread element (depth 0).
type span struct{ start, end, depth int }

func (s *scanner) run() error {
	b := s.b
	s.open = make([]frame, 0, 16)
	s.blank = make([]span, 0, 64)
	i := 0
	for i < len(b) {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 {
			j = len(b) - i
		}
		if j > 0 {
			if n := len(s.open); n == 0 {
				if k := notSpace(b[i : i+j]); k >= 0 {
					return s.outside(i+k, "text")
				}
			} else if f := &s.open[n-1]; f.text+j > s.lim.MaxValueBytes {
				return s.textTooLong(f, i+j)
			} else {
				f.text += j
				switch {
				case f.solid:
					s.longest = max(s.longest, j)
				case notSpace(b[i:i+j]) >= 0:
					s.solidify(n)
					s.longest = max(s.longest, j)
				default:
					s.blank = append(s.blank, span{i, i + j, n})
				}
			}
		}
		i += j
		if i+1 >= len(b) {
			if i < len(b) {
				return s.malformed(i, "the body ends in a tag")
			}
			break
		}
		var err error
		switch b[i+1] {
		case '/':
			i, err = s.endTag(i)
		case '?':
			i, err = s.procInst(i)
		case '!':
			i, err = s.bang(i)
		default:
			i, err = s.startTag(i)
		}
		if err != nil {
			return err
		}
	}
	if n := len(s.open); n > 0 {
		f := s.open[n-1]
		return unreadable(customs.ProblemMalformedXML, "not well-formed XML: the body ends (line %d) before element <%s> of %s is closed",
			s.line(len(b)), clip(b[f.start+1:f.nameEnd], 64), s.where(f.start))
	}
	if !s.rootSeen {
		return unreadable(customs.ProblemMalformedXML, "not well-formed XML: no root element")
	}
	return nil
}

// procInst skips the processing instruction at i.
func (s *scanner) procInst(i int) (int, error) {
	rest := s.b[i+2:]
	k := bytes.Index(rest, []byte("?>"))
	if k < 0 {
		return 0, s.malformed(i, "the processing instruction is not closed (?>)")
	}
	decl, err := s.xmlDecl(i, rest[:k])
	if err != nil {
		return 0, err
	}
	if decl && i == 0 {
		s.declEnd = i + 2 + k + 2
	}
	return i + 2 + k + 2, nil
}

// bang reads what starts with "<!" at i: a comment or a CDATA section
// (counted as text); anything else, a DOCTYPE above all, is refused.
func (s *scanner) bang(i int) (int, error) {
	rest := s.b[i:]
	switch {
	case bytes.HasPrefix(rest, []byte("<!--")):
		k := bytes.Index(rest[4:], []byte("-->"))
		if k < 0 {
			return 0, s.malformed(i, "the comment is not closed (-->)")
		}
		return i + 4 + k + 3, nil
	case bytes.HasPrefix(rest, []byte("<![CDATA[")):
		n := len(s.open)
		if n == 0 {
			return 0, s.outside(i, "a CDATA section")
		}
		k := bytes.Index(rest[9:], []byte("]]>"))
		if k < 0 {
			return 0, s.malformed(i, "the CDATA section is not closed (]]>)")
		}
		f := &s.open[n-1]
		if f.text += k; f.text > s.lim.MaxValueBytes {
			return 0, s.textTooLong(f, i+9+k)
		}
		s.longest = max(s.longest, k)
		s.solidify(n)
		return i + 9 + k + 3, nil
	case len(rest) >= 9 && strings.EqualFold(string(rest[2:9]), "DOCTYPE"):
		return 0, unreadable(customs.ProblemDoctypeForbidden, "a DOCTYPE is not allowed (%s)", s.where(i))
	}
	return 0, s.malformed(i, "markup declaration %q is only allowed in a DOCTYPE, and a DOCTYPE is not", clip(rest, 12))
}

// startTag reads the start tag at i and returns the offset after it.
func (s *scanner) startTag(i int) (int, error) {
	b := s.b
	n := nameEnd(b, i+1)
	if n == i+1 {
		return 0, s.malformed(i, "%q does not start a tag", clip(b[i:], 2))
	}
	if len(s.open) == 0 && s.rootSeen {
		return 0, s.malformed(i, "element <%s> after the root element: a document has one root", clip(b[i+1:n], 64))
	}
	s.rootSeen = true
	if k := len(s.open); k > 0 {
		s.open[k-1].kids = true
	}
	if s.elements++; s.elements > s.lim.MaxElements {
		return 0, unreadable(customs.ProblemTooDeep, "more than %d elements (%s)", s.lim.MaxElements, s.where(i))
	}
	if len(s.open) >= s.lim.MaxDepth {
		return 0, unreadable(customs.ProblemTooDeep, "elements nest deeper than %d (%s)", s.lim.MaxDepth, s.where(i))
	}
	attrs := 0
	p := n
	for {
		p = skipSpace(b, p)
		if p >= len(b) {
			return 0, s.malformed(i, "the start tag of <%s> is not closed", clip(b[i+1:n], 64))
		}
		switch b[p] {
		case '>':
			s.open = append(s.open, frame{start: i, nameEnd: n, attrs: attrs > 0, blank: len(s.blank)})
			return p + 1, nil
		case '/':
			if p+1 < len(b) && b[p+1] == '>' {
				// An empty element opens and closes.
				if attrs == 0 && len(s.open) > 0 && s.unread[string(b[i+1:n])] {
					s.blank = append(s.blank, span{i, p + 2, 0})
				}
				return p + 2, nil
			}
			return 0, s.malformed(p, "'/' in the start tag of <%s> is not followed by '>'", clip(b[i+1:n], 64))
		}
		q := nameEnd(b, p)
		if q == p {
			return 0, s.malformed(p, "%q in the start tag of <%s> is not an attribute", clip(b[p:], 1), clip(b[i+1:n], 64))
		}
		if attrs++; attrs > s.lim.MaxAttributes {
			return 0, unreadable(customs.ProblemTooDeep, "element <%s> has more than %d attributes (%s)", clip(b[i+1:n], 64), s.lim.MaxAttributes, s.where(i))
		}
		r := skipSpace(b, q)
		if r >= len(b) || b[r] != '=' {
			return 0, s.malformed(q, "attribute %s of <%s> has no value", clip(b[p:q], 64), clip(b[i+1:n], 64))
		}
		r = skipSpace(b, r+1)
		if r >= len(b) || (b[r] != '"' && b[r] != '\'') {
			return 0, s.malformed(r, "the value of attribute %s of <%s> is not quoted", clip(b[p:q], 64), clip(b[i+1:n], 64))
		}
		k := bytes.IndexByte(b[r+1:], b[r])
		if k < 0 {
			if len(b)-r-1 > s.lim.MaxValueBytes {
				return 0, s.tooLong(r, fmt.Sprintf("the value of attribute %s of <%s>", clip(b[p:q], 64), clip(b[i+1:n], 64)))
			}
			return 0, s.malformed(r, "the value of attribute %s of <%s> is not closed", clip(b[p:q], 64), clip(b[i+1:n], 64))
		}
		if k > s.lim.MaxValueBytes {
			return 0, s.tooLong(r, fmt.Sprintf("the value of attribute %s of <%s>", clip(b[p:q], 64), clip(b[i+1:n], 64)))
		}
		s.longest = max(s.longest, k)
		p = r + 1 + k + 1
	}
}

// endTag reads the end tag at i, which must close the innermost open
// element, and returns the offset after it.
func (s *scanner) endTag(i int) (int, error) {
	b := s.b
	if k := len(s.open); k > 0 {
		// The usual case, </name> of the open element: one comparison.
		f := s.open[k-1]
		name := b[f.start+1 : f.nameEnd]
		if p := i + 2 + len(name); p < len(b) && b[p] == '>' && bytes.Equal(b[i+2:p], name) {
			s.close(p + 1)
			return p + 1, nil
		}
	}
	n := nameEnd(b, i+2)
	name := b[i+2 : n]
	p := skipSpace(b, n)
	if n == i+2 || p >= len(b) || b[p] != '>' {
		return 0, s.malformed(i, "%q is not an end tag", clip(b[i:], 16))
	}
	if len(s.open) == 0 {
		return 0, s.malformed(i, "end tag </%s> without a start tag", clip(name, 64))
	}
	f := s.open[len(s.open)-1]
	if open := b[f.start+1 : f.nameEnd]; !bytes.Equal(open, name) {
		return 0, s.malformed(i, "end tag </%s> closes element <%s> of %s", clip(name, 64), clip(open, 64), s.where(f.start))
	}
	s.close(p + 1)
	return p + 1, nil
}

// close pops the innermost open element, whose end tag ends at end. The
// white space directly in an element without child elements stays (it is
// the element's text, if blank), and so does all of it in an element that
// has text (solidify). An unread element with nothing in it (<name></name>)
// is left out, as <name/> is.
func (s *scanner) close(end int) {
	k := len(s.open)
	if f := s.open[k-1]; !f.kids {
		// No child elements: every run since it opened is its own.
		s.blank = s.blank[:f.blank]
		if f.text == 0 && !f.attrs && k > 1 && s.unread[string(s.b[f.start+1:f.nameEnd])] {
			s.blank = append(s.blank, span{f.start, end, 0})
		}
	}
	s.open = s.open[:k-1]
}

// keepUnread takes the empty unread elements back out of scanner.blank:
// a message with a value long enough for Document.CheckLengths to walk the
// tree is read whole, since that walk names an element by its position
// among all its same-name siblings, empty ones included.
func (s *scanner) keepUnread() {
	kept := s.blank[:0]
	for _, r := range s.blank {
		if r.depth != 0 {
			kept = append(kept, r)
		}
	}
	s.blank = kept
}

// solidify marks the element open at depth as having text: the white
// space directly in it is part of its text, which an adapter reads whole
// (Text), so none of it may be left out, before or after this point. Its
// children's runs, deeper, stay.
func (s *scanner) solidify(depth int) {
	f := &s.open[depth-1]
	if f.solid {
		return
	}
	f.solid = true
	kept := s.blank[:f.blank]
	for _, r := range s.blank[f.blank:] {
		if r.depth != depth {
			kept = append(kept, r)
		}
	}
	s.blank = kept
}

// compact returns the body for etree: compactDecl, then the body after
// its own XML declaration (if any; the scan has checked it, and the body
// is UTF-8 whatever it says) without the runs of white space in s.blank,
// the white space between the tags of an element that has child elements
// and no text. That white space only indents the structure: an adapter
// reads an element's text as all of its character data, trimmed (Text),
// and never looks at white space between elements, but etree and
// encoding/xml pay for every byte of it and for a node of each run (a
// third of the nodes of an indented message). It also leaves out the
// spans of empty unread elements (scan's unread): no attribute, no
// content, a name the dialect's reader never looks for, so the tree
// without them reads the same (ports.md: an empty element is an absent
// value), and in a national-format message they are a third of the
// elements. Nothing else changes: the other tags, attributes, text,
// comments and processing instructions are the same bytes in the same
// order, and neither white space nor an empty element with a well-formed
// name (unread's are) can make a message malformed, so etree reads the
// compacted body exactly when it reads the body. Line numbers do change:
// ReadXML parses the body itself again to report an error.
func (s *scanner) compact() []byte {
	n := len(compactDecl) + len(s.b) - s.declEnd
	for _, r := range s.blank {
		n -= r.end - r.start
	}
	out := append(make([]byte, 0, n), compactDecl...)
	at := s.declEnd
	for _, r := range s.blank {
		out = append(out, s.b[at:r.start]...)
		at = r.end
	}
	return append(out, s.b[at:]...)
}

// xmlDecl reports whether pi is an XML declaration (a processing
// instruction whose target is xml; pi is what stands between "<?" and
// "?>") and checks its version as encoding/xml does, so that its refusal,
// which would name no line, is made here, where the line is known.
func (s *scanner) xmlDecl(i int, pi []byte) (bool, error) {
	if !bytes.HasPrefix(pi, []byte("xml")) || nameEnd(pi, 0) != 3 {
		return false, nil
	}
	if v, ok := piParam(pi[3:], "version"); ok && len(v) > 0 && string(v) != "1.0" {
		return true, s.malformed(i, "XML version %q is not 1.0", clip(v, 16))
	}
	return true, nil
}

// piParam finds param="value" (or 'value') in the content of a processing
// instruction the way encoding/xml's procInst does.
func piParam(s []byte, param string) ([]byte, bool) {
	key := []byte(param + "=")
	for i := 0; i < len(s); {
		k := bytes.Index(s[i:], key)
		if k < 0 || i+k+len(key) >= len(s) {
			return nil, false
		}
		i += k + len(key)
		if q := s[i]; q == '"' || q == '\'' {
			j := bytes.IndexByte(s[i+1:], q)
			if j < 0 {
				return nil, false
			}
			return s[i+1 : i+1+j], true
		}
		i++
	}
	return nil, false
}

// textTooLong refuses the text of the open element f, which is over the
// limit at offset end.
func (s *scanner) textTooLong(f *frame, end int) error {
	return s.tooLong(end, fmt.Sprintf("the text of element <%s> of %s", clip(s.b[f.start+1:f.nameEnd], 64), s.where(f.start)))
}

// outside refuses something other than markup outside the root element.
func (s *scanner) outside(i int, what string) error {
	if s.rootSeen {
		return s.malformed(i, "%s after the root element: only white space, comments and processing instructions may follow it", what)
	}
	return s.malformed(i, "%s before the root element", what)
}

// tooLong refuses a value (what) over the limit, found at offset i.
func (s *scanner) tooLong(i int, what string) error {
	return unreadable(customs.ProblemTooDeep, "%s is longer than %d bytes (at %s)", what, s.lim.MaxValueBytes, s.where(i))
}

func (s *scanner) malformed(i int, format string, args ...any) error {
	return unreadable(customs.ProblemMalformedXML, "not well-formed XML at %s: %s", s.where(i), fmt.Sprintf(format, args...))
}

// where names offset i as "line L, column C" (column in characters).
// Counting is done only here, for a refusal, so the pass itself counts
// no lines.
func (s *scanner) where(i int) string {
	start := bytes.LastIndexByte(s.b[:i], '\n') + 1
	return fmt.Sprintf("line %d, column %d", s.line(i), utf8.RuneCount(s.b[start:i])+1)
}

func (s *scanner) line(i int) int { return bytes.Count(s.b[:i], []byte{'\n'}) + 1 }

// nameEnd returns the end of the name starting at i: the first white
// space, '/', '>', '=', quote, '<' or end of b. The name's form is etree's
// to judge.
func nameEnd(b []byte, i int) int {
	for i < len(b) && !stops[b[i]] {
		i++
	}
	return i
}

// stops are the bytes that end a name.
var stops = [256]bool{' ': true, '\t': true, '\r': true, '\n': true, '/': true, '>': true, '=': true, '"': true, '\'': true, '<': true}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// notSpace returns the offset of the first byte of b that is not XML
// white space, or -1.
func notSpace(b []byte) int {
	for k, c := range b {
		if !isSpace(c) {
			return k
		}
	}
	return -1
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// clip quotes at most n bytes of b, whole characters only, for a message.
func clip(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	return string(b)
}
