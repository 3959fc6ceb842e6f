package adaptertest

import (
	"bytes"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/internal/customs"
)

// HostileCase is one hostile body of api.md "Hostile input", made from a
// valid message of the port: what it is, the bytes, the one problem code
// the adapter must refuse it with (a 400), and what else the refusal must
// show.
type HostileCase struct {
	Name string
	Raw  []byte
	Code string
	// Line, when not 0, must be named in the problem's message
	// ("line 12"): a malformed_xml message says where.
	Line int
	// Bomb marks a case whose refusal must cost little memory: the limits
	// are counted while reading, before any tree exists.
	Bomb bool
}

// Sizes of the bombs: what issue reports reproduced, about a million
// elements under the 4 MiB body limit, 200,000 attributes, a 3 MB value.
const (
	bombBodyBytes  = 4 << 20
	bombAttributes = 200000
	bombValueBytes = 3 << 20
)

// HostileCases builds the hostile bodies from valid, an accepted message
// of the port (in any accepted encoding: what is inserted is ASCII). With
// full, the bombs have the sizes that were reported; without, they are
// just over the default limits (adapters.Limits), small enough to seed a
// fuzzer.
func HostileCases(valid []byte, full bool) ([]HostileCase, error) {
	open, closeAt, err := rootTags(valid)
	if err != nil {
		return nil, err
	}
	insert := func(at int, s ...[]byte) []byte {
		out := make([]byte, 0, len(valid)+64)
		out = append(out, valid[:at]...)
		for _, p := range s {
			out = append(out, p...)
		}
		return append(out, valid[at:]...)
	}
	tail := func(s string) []byte { return append(bytes.Clone(valid), s...) }
	lim := adapters.Limits{}.WithDefaults()

	elements := lim.MaxElements + 1
	attrs, value := lim.MaxAttributes+1, lim.MaxValueBytes+1
	if full {
		elements = (bombBodyBytes - len(valid)) / len("<a/>")
		attrs, value = bombAttributes, bombValueBytes
	}
	var attrBomb bytes.Buffer
	attrBomb.WriteString("<a")
	for i := range attrs {
		attrBomb.WriteString(" a")
		attrBomb.WriteString(strconv.Itoa(i))
		attrBomb.WriteString(`=""`)
	}
	attrBomb.WriteString("/>")
	long := bytes.Repeat([]byte("x"), value)

	rootLine := lineOf(valid, open)
	endLine := lineOf(valid, closeAt)
	return []HostileCase{
		{Name: "second root", Raw: tail("<Evil/>"), Code: customs.ProblemMalformedXML, Line: lineOf(valid, len(valid))},
		{Name: "text after the root", Raw: tail("evil"), Code: customs.ProblemMalformedXML, Line: lineOf(valid, len(valid))},
		{Name: "CDATA after the root", Raw: tail("<![CDATA[evil]]>"), Code: customs.ProblemMalformedXML, Line: lineOf(valid, len(valid))},
		{Name: "DOCTYPE inside the root", Raw: insert(open, []byte(`<!DOCTYPE evil [<!ENTITY e "evil">]>`)), Code: customs.ProblemDoctypeForbidden},
		{Name: "unclosed element", Raw: insert(closeAt, []byte("<Unclosed>")), Code: customs.ProblemMalformedXML, Line: endLine},
		{Name: "unclosed root", Raw: bytes.Clone(valid[:closeAt]), Code: customs.ProblemMalformedXML, Line: rootLine},
		{Name: "element bomb", Raw: insert(open, bytes.Repeat([]byte("<a/>"), elements)), Code: customs.ProblemTooDeep, Bomb: true},
		{Name: "attribute bomb", Raw: insert(open, attrBomb.Bytes()), Code: customs.ProblemTooDeep, Bomb: true},
		{Name: "long attribute value", Raw: insert(open, []byte(`<a v="`), long, []byte(`"/>`)), Code: customs.ProblemTooDeep, Bomb: true},
		{Name: "long text", Raw: insert(open, []byte(`<a>`), long, []byte(`</a>`)), Code: customs.ProblemTooDeep, Bomb: true},
	}, nil
}

// rootTags finds, in a message, the offset just after the root element's
// start tag and the offset of its end tag (the last "</" of the message).
func rootTags(b []byte) (open, closeAt int, err error) {
	i := 0
	for {
		j := bytes.IndexByte(b[i:], '<')
		if j < 0 || i+j+1 >= len(b) {
			return 0, 0, fmt.Errorf("adaptertest: no root element in the message")
		}
		i += j
		if c := b[i+1]; c != '?' && c != '!' {
			break
		}
		i++
	}
	k := bytes.IndexByte(b[i:], '>')
	closeAt = bytes.LastIndex(b, []byte("</"))
	if k < 0 || closeAt < i+k {
		return 0, 0, fmt.Errorf("adaptertest: the root element has no end tag")
	}
	return i + k + 1, closeAt, nil
}

func lineOf(b []byte, i int) int { return bytes.Count(b[:i], []byte{'\n'}) + 1 }

// Hostile decodes every HostileCase of valid (full size) with a: each must
// be a 400 (CodeUnreadable) with no declaration and exactly one problem of
// the case's code, without a path; a malformed_xml message names its line;
// and a bomb must be refused having allocated little: well under a tenth
// of what a tree of it would take (a tree of the element bomb is about
// 200 MB), counted from runtime.MemStats around Decode alone. Call it from
// a test that is not parallel, so that the allocation count is Decode's.
func Hostile(t *testing.T, a adapters.Adapter, valid []byte) {
	t.Helper()
	if d, err := a.Decode(valid); err != nil || d == nil {
		t.Fatalf("the valid message is refused: %v", err)
	}
	cases, err := HostileCases(valid, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(strings.ReplaceAll(c.Name, " ", "_"), func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			d, err := a.Decode(c.Raw)
			runtime.ReadMemStats(&after)
			if d != nil || customs.ErrorCodeOf(err) != customs.CodeUnreadable {
				t.Fatalf("Decode = %v, %v; want a 400 (%s) and no declaration", d != nil, err, customs.CodeUnreadable)
			}
			ps := customs.ProblemsOf(err)
			if len(ps) != 1 || ps[0].Code != c.Code || ps[0].Path != "" {
				t.Fatalf("problems %+v, want one %s without a path", ps, c.Code)
			}
			if c.Line > 0 && !strings.Contains(ps[0].Message, "line "+strconv.Itoa(c.Line)+",") &&
				!strings.Contains(ps[0].Message, "line "+strconv.Itoa(c.Line)+")") {
				t.Errorf("message %q does not name line %d", ps[0].Message, c.Line)
			}
			if len(ps[0].Message) > 400 {
				t.Errorf("message of %d bytes: a refusal quotes little", len(ps[0].Message))
			}
			if !c.Bomb {
				return
			}
			// What a refusal may cost: a little, and the body decoded
			// once to UTF-8 when it is GBK or GB18030 (one and a half
			// times its size). A tree costs fifty times the body and
			// more.
			limit := uint64(1 << 20)
			if !declaresUTF8(valid) {
				limit += uint64(2 * len(c.Raw))
			}
			got := after.TotalAlloc - before.TotalAlloc
			t.Logf("refusing %d bytes allocated %d bytes", len(c.Raw), got)
			if got > limit {
				t.Errorf("refusing %d bytes allocated %d bytes, want at most %d: the limits are not counted before a tree is built", len(c.Raw), got, limit)
			}
		})
	}
}

// declaresUTF8 reports whether the XML declaration of b names UTF-8 or no
// encoding.
func declaresUTF8(b []byte) bool {
	end := bytes.Index(b, []byte("?>"))
	if !bytes.HasPrefix(b, []byte("<?xml")) || end < 0 {
		return true
	}
	decl := string(b[:end])
	i := strings.Index(decl, "encoding")
	if i < 0 {
		return true
	}
	v := strings.Trim(strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n="), " \t\r\n")
	v = strings.Trim(v, `"'`)
	return strings.EqualFold(v, "UTF-8") || strings.EqualFold(v, "UTF8")
}
