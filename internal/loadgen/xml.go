package loadgen

import "strconv"

// xb appends XML with the escaping text and attribute values need. The
// generator writes bytes directly, not through encoding/xml, so that making
// a message costs a load client little next to what the gateway spends on
// it.
type xb struct {
	b      []byte
	indent int
}

func (x *xb) nl() {
	x.b = append(x.b, '\n')
	for i := 0; i < x.indent; i++ {
		x.b = append(x.b, ' ', ' ')
	}
}

func (x *xb) esc(s string, attr bool) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '&':
			x.b = append(x.b, "&amp;"...)
		case '<':
			x.b = append(x.b, "&lt;"...)
		case '>':
			x.b = append(x.b, "&gt;"...)
		case '"':
			if attr {
				x.b = append(x.b, "&quot;"...)
			} else {
				x.b = append(x.b, c)
			}
		default:
			x.b = append(x.b, c)
		}
	}
}

// leaf writes <name>value</name>, or <name/> when value is empty: the
// national message writes its unused elements empty.
func (x *xb) leaf(name, value string) {
	x.nl()
	x.b = append(x.b, '<')
	x.b = append(x.b, name...)
	if value == "" {
		x.b = append(x.b, "/>"...)
		return
	}
	x.b = append(x.b, '>')
	x.esc(value, false)
	x.b = append(x.b, "</"...)
	x.b = append(x.b, name...)
	x.b = append(x.b, '>')
}

// open writes <name attrs...> and indents; attrs are name, value pairs,
// and a pair with an empty value is left out.
func (x *xb) open(name string, attrs ...string) {
	x.start(name, attrs)
	x.b = append(x.b, '>')
	x.indent++
}

// empty writes <name attrs.../>.
func (x *xb) empty(name string, attrs ...string) {
	x.start(name, attrs)
	x.b = append(x.b, "/>"...)
}

// textAttrs writes <name attrs...>text</name>.
func (x *xb) textAttrs(name, text string, attrs ...string) {
	x.start(name, attrs)
	x.b = append(x.b, '>')
	x.esc(text, false)
	x.b = append(x.b, "</"...)
	x.b = append(x.b, name...)
	x.b = append(x.b, '>')
}

func (x *xb) start(name string, attrs []string) {
	x.nl()
	x.b = append(x.b, '<')
	x.b = append(x.b, name...)
	for i := 0; i+1 < len(attrs); i += 2 {
		if attrs[i+1] == "" {
			continue
		}
		x.b = append(x.b, ' ')
		x.b = append(x.b, attrs[i]...)
		x.b = append(x.b, '=', '"')
		x.esc(attrs[i+1], true)
		x.b = append(x.b, '"')
	}
}

func (x *xb) close(name string) {
	x.indent--
	x.nl()
	x.b = append(x.b, "</"...)
	x.b = append(x.b, name...)
	x.b = append(x.b, '>')
}

func itoa(n int) string { return strconv.Itoa(n) }

func i64(n int64) string { return strconv.FormatInt(n, 10) }
