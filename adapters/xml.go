package adapters

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"github.com/jjj/gateway/internal/customs"
)

// Encodings are the encodings every dialect accepts (ports.md).
var Encodings = []string{"UTF-8", "GBK", "GB18030", "GB2312"}

// ReadXML parses one port message with etree after the checks every dialect
// shares: the XML declaration's encoding governs (UTF-8, GBK, GB18030,
// GB2312 read as GBK) and the bytes must be valid in it; then one pass over
// the message (scan) refuses a DOCTYPE anywhere, what is not well-formed
// XML 1.0 (a second root, text or CDATA after the root, an element not
// closed by its own end tag) and what is over a limit (nesting, elements,
// attributes on one element, the length of one value), before etree builds
// anything. Every failure is a *customs.Error of CodeUnreadable with one
// problem and no path; a malformed_xml problem names the line.
//
// The body is decoded to UTF-8 once, up front, so that an invalid byte is
// refused instead of silently becoming U+FFFD, and etree then reads UTF-8,
// without the white space that only indents the elements (the scan's
// compact): the tree differs from the body's only by white-space-only
// character data that no reading of it looks at (and, with
// ReadXMLUnread, by empty elements the dialect never reads).
func ReadXML(raw []byte, lim Limits) (*Document, error) {
	return ReadXMLUnread(raw, lim, nil)
}

// Unread is a set of element names that a dialect's reader never looks
// for: elements of its format that carry nothing the gateway uses. See
// ReadXMLUnread.
type Unread map[string]bool

// ReadXMLUnread is ReadXML for a dialect whose reader never looks for the
// elements named in unread: an empty one of them (<name/> or
// <name></name>: no attribute, no character data, no child element; not
// the root) is left out of the tree (scanner.compact), where it would cost
// a node and the tokenizer's work to read nothing. The dialect must treat
// such an element as absent everywhere: its name never decides a value, a
// path, a position among siblings or a warning. The limits count it all
// the same. A message with a value longer than customs.MaxPortRef is read
// whole (scanner.keepUnread), so that Document.CheckLengths names
// positions as in the message.
func ReadXMLUnread(raw []byte, lim Limits, unread Unread) (*Document, error) {
	lim = lim.WithDefaults()
	body, err := utf8Body(raw)
	if err != nil {
		return nil, err
	}
	// The limits and the well-formedness etree does not check come first,
	// in one pass that builds nothing: a message that fails them never
	// becomes a tree.
	compact, longest, err := scan(body, lim, unread)
	if err != nil {
		return nil, err
	}
	// etree reads the body without the white space that only indents it
	// (scanner.compact); what it refuses, it is asked again on the body as
	// sent, so that the refusal names the line the port sees.
	doc, err := readCompact(compact, lim)
	if err != nil {
		doc, err = readTree(body, lim, passThrough)
	}
	if err != nil {
		return nil, err
	}
	return &Document{Document: doc, longest: longest}, nil
}

// Document is a message as ReadXML read it: etree's document, and what the
// scan learnt of it on the way.
type Document struct {
	*etree.Document
	// longest is the length of the message's longest piece of text or
	// attribute value, in bytes as written (scanner.longest).
	longest int
}

// CheckLengths is CheckLengths on the document's root (portRefPath is the
// portRef's path), without walking the tree when no piece of text or
// attribute value of the message is longer than customs.MaxPortRef bytes
// as written: each CharData and attribute value CheckLengths looks at is
// one of them, at most as long in etree's tree (a reference or a CR LF
// takes more bytes written than read), so it would find none.
func (d *Document) CheckLengths(portRefPath string) error {
	if d.longest <= customs.MaxPortRef {
		return nil
	}
	return CheckLengths(d.Root(), portRefPath)
}

// utf8Body is raw in UTF-8, without a byte order mark: as it is, or
// decoded from the encoding its XML declaration names, refusing any byte
// that is not valid in it.
func utf8Body(raw []byte) ([]byte, error) {
	body := bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
	label := declaredEncoding(body)
	switch normalizeLabel(label) {
	case "", "utf-8", "utf8":
		if !utf8.Valid(body) {
			return nil, unreadable(customs.ProblemEncodingMismatch, "the body is not valid UTF-8 (the XML declaration says %s)", orUTF8(label))
		}
	case "gbk", "gb2312", "cp936", "x-gbk", "windows-936", "ms936", "csgb2312", "gb_2312-80", "euc-cn", "chinese", "iso-ir-58":
		b, err := decodeStrict(simplifiedchinese.GBK, body)
		if err != nil {
			return nil, unreadable(customs.ProblemEncodingMismatch, "the body is not valid %s: %v", label, err)
		}
		body = b
	case "gb18030":
		b, err := decodeStrict(simplifiedchinese.GB18030, body)
		if err != nil {
			return nil, unreadable(customs.ProblemEncodingMismatch, "the body is not valid GB18030: %v", err)
		}
		body = b
	default:
		return nil, unreadable(customs.ProblemEncodingMismatch, "encoding %q is not accepted: use UTF-8, GBK, GB2312 or GB18030", label)
	}
	return body, nil
}

// compactDecl is the XML declaration at the start of every compacted body
// (scanner.compact), in place of the port's: it names an encoding that is
// not UTF-8 by name, so that encoding/xml asks etree's CharsetReader for
// a reader of the rest of the body, and readCompact gives it a bytes.Reader
// of those bytes, already UTF-8. encoding/xml reads a message one byte at
// a time; from its own bufio.Reader (etree wraps the reader it is given in
// one that cannot read bytes, so encoding/xml always adds one) each byte
// costs about twice the instructions. The document's declaration in the
// tree is this one; no adapter reads it.
const compactDecl = `<?xml version="1.0" encoding="` + compactLabel + `"?>`

const compactLabel = "x-gateway-utf-8"

// readCompact is etree's read of a compacted body (scanner.compact).
func readCompact(c []byte, lim Limits) (*etree.Document, error) {
	rest := bytes.NewReader(c[len(compactDecl):])
	return readTree(c, lim, func(label string, r io.Reader) (io.Reader, error) {
		if rest != nil && label == compactLabel {
			r, rest = rest, nil // the first declaration is compactDecl
		}
		return r, nil
	})
}

// readTree is etree's read of body, which the scan has passed, with
// charset as its CharsetReader.
func readTree(body []byte, lim Limits, charset func(string, io.Reader) (io.Reader, error)) (*etree.Document, error) {
	doc := etree.NewDocument()
	doc.ReadSettings = etree.ReadSettings{
		CharsetReader: charset,
		MaxDepth:      lim.MaxDepth,
	}
	if err := doc.ReadFromBytes(body); err != nil {
		if errors.Is(err, etree.ErrMaxDepth) { // the scan counts first; kept for safety
			return nil, unreadable(customs.ProblemTooDeep, "elements nest deeper than %d", lim.MaxDepth)
		}
		return nil, malformed(err)
	}
	if doc.Root() == nil {
		return nil, unreadable(customs.ProblemMalformedXML, "not well-formed XML: no root element")
	}
	return doc, nil
}

// passThrough is etree's CharsetReader for a body as sent: it is UTF-8 by
// the time etree reads it, whatever its declaration says.
func passThrough(_ string, r io.Reader) (io.Reader, error) { return r, nil }

// UnknownRoot is the error for a root element that is not the dialect's.
func UnknownRoot(space, name, want string) error {
	if space != "" {
		name = "{" + space + "}" + name
	}
	return unreadable(customs.ProblemUnknownRoot, "root element %s is not %s", name, want)
}

func unreadable(code, format string, args ...any) error {
	var ps customs.Problems
	ps.Add("", code, format, args...)
	return ps.Err(customs.CodeUnreadable, "the body cannot be read")
}

func orUTF8(s string) string {
	if s == "" {
		return "UTF-8 by default"
	}
	return s
}

func normalizeLabel(s string) string {
	return strings.ToLower(strings.TrimSpace(s))
}

// decodeStrict decodes b, failing on any byte sequence that is not valid in
// the encoding (x/text would replace it with U+FFFD). GBK cannot encode
// U+FFFD, so a U+FFFD in its output always marks an invalid sequence; in
// GB18030 U+FFFD is encodable (84 31 A4 37), so only a replacement that does
// not come from that sequence counts.
//
// The output is made in one allocation: a character of GBK or GB18030 takes
// at most one and a half times its bytes in UTF-8, but for the rare byte
// 0x80 (€, three bytes), for which the decoder starts again with a buffer
// that grows. A hostile body so costs its size and a half, once.
func decodeStrict(enc encoding.Encoding, b []byte) ([]byte, error) {
	out := make([]byte, len(b)+len(b)/2+utf8.UTFMax)
	n, _, err := enc.NewDecoder().Transform(out, b, true)
	switch {
	case err == transform.ErrShortDst:
		if out, err = enc.NewDecoder().Bytes(b); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		out = out[:n]
	}
	if bytes.Contains(out, []byte("\uFFFD")) {
		legit := bytes.Count(b, []byte{0x84, 0x31, 0xA4, 0x37})
		if enc != simplifiedchinese.GB18030 || bytes.Count(out, []byte("\uFFFD")) > legit {
			return nil, errors.New("invalid byte sequence")
		}
	}
	return out, nil
}

// declaredEncoding returns the encoding pseudo-attribute of the XML
// declaration, or "" when there is none. The declaration is ASCII in every
// accepted encoding, so it can be read before decoding.
func declaredEncoding(b []byte) string {
	if !bytes.HasPrefix(b, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(b, []byte("?>"))
	if end < 0 {
		return ""
	}
	decl := b[:end]
	i := bytes.Index(decl, []byte("encoding"))
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(decl[i+len("encoding"):], " \t\r\n")
	if len(rest) == 0 || rest[0] != '=' {
		return ""
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	q := rest[0]
	j := bytes.IndexByte(rest[1:], q)
	if j < 0 {
		return ""
	}
	return string(rest[1 : 1+j])
}

// malformed is the problem of an error etree returns for a message the
// scan let through: encoding/xml's syntax errors carry their line.
func malformed(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return unreadable(customs.ProblemMalformedXML, "not well-formed XML at line %d: %s", se.Line, se.Msg)
	}
	return unreadable(customs.ProblemMalformedXML, "not well-formed XML: %v", err)
}
