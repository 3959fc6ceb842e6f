package adapters

import (
	"strconv"

	"github.com/beevik/etree"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

// Reader is what one Decode of any dialect collects while it walks the
// message: every problem (each at its path, all reported at once) and
// every warning, with the checks every dialect makes (checks.go). A
// dialect's decoder embeds one; it is not shared between calls.
type Reader struct {
	// Tables are the code tables the checks look values up in.
	Tables *codes.Tables
	// Problems are the problems found so far, in the order found.
	Problems customs.Problems
	// Warnings are the warnings found so far, in the order found: the
	// declaration's Warnings.
	Warnings []customs.Warning

	style   Style
	unknown map[string]struct{}
}

// Style is what differs between the dialects in how the kit reports.
type Style struct {
	// Format names the dialect's format where a warning says an element
	// is not part of it ("the BJXX format here").
	Format string
	// IndexRepeats writes a repeated once-only element's position in the
	// path of its duplicate_key (Transport[2]); without it the path names
	// the element without one (/BJXX/BTXX/KAGB), as the dialect's paths
	// have no index for elements that do not repeat.
	IndexRepeats bool
}

// NewReader returns a Reader over tables that reports in style.
func NewReader(tables *codes.Tables, style Style) Reader {
	return Reader{Tables: tables, style: style}
}

// Add records a problem at path; the message is formatted only here, on
// failure.
func (r *Reader) Add(path, code, format string, args ...any) {
	r.Problems.Add(path, code, format, args...)
}

// Has reports whether a problem was already recorded at path, so that a
// field that was present but wrong is not also reported missing.
func (r *Reader) Has(path string) bool {
	for i := range r.Problems {
		if r.Problems[i].Path == path {
			return true
		}
	}
	return false
}

// Warn records a warning.
func (r *Reader) Warn(path, code, msg string) {
	r.Warnings = append(r.Warnings, customs.Warning{Path: path, Code: code, Message: msg})
}

// Unknown warns about an element the format does not have at that place
// (ports.md: kept out of the canonical message, never dropped without
// trace), at its own path under parent. It is reported once per path: the
// path has no index of its own (samples/README.md), so two unknown
// siblings of the same name share one warning. What it contains is not
// looked at.
func (r *Reader) Unknown(parent, tag string) {
	path := parent + "/" + tag
	if r.unknown == nil {
		r.unknown = make(map[string]struct{}, 2)
	} else if _, dup := r.unknown[path]; dup {
		return
	}
	r.unknown[path] = struct{}{}
	r.Warn(path, customs.WarnUnknownElement, "element "+tag+" is not part of "+r.style.Format+"; it is kept out of the canonical declaration")
}

// UnknownChildren reports every child element of e, whose path is at, as
// unknown: e is an element the format gives no child elements.
func (r *Reader) UnknownChildren(e *etree.Element, at At) {
	parent := ""
	for _, tok := range e.Child {
		if c, ok := tok.(*etree.Element); ok {
			if parent == "" {
				parent = at.Path("")
			}
			r.Unknown(parent, c.Tag)
		}
	}
}

// Leaf returns the trimmed text of e, an element that holds a value, at
// at; a child element of it is not part of the format, and is reported.
func (r *Reader) Leaf(e *etree.Element, at At) string {
	s, kids := Text(e)
	if kids {
		r.UnknownChildren(e, at)
	}
	return s
}

// Once counts, under one parent, the elements the format has at most once,
// each by an index the dialect gives it (0 to 31). The zero value is
// ready; it does not allocate.
type Once [32]int32

// Count is how many elements of index i were seen.
func (o *Once) Count(i int) int { return int(o[i]) }

// Once records one more element tag of index i under parent (its path) in
// o, and reports whether it is the first: a second one is duplicate_key,
// and is not read, since picking one of the two would guess.
func (r *Reader) Once(o *Once, i int, parent, tag string) bool {
	o[i]++
	if o[i] == 1 {
		return true
	}
	path := parent + "/" + tag
	if r.style.IndexRepeats {
		path += "[" + strconv.Itoa(int(o[i])) + "]"
	}
	r.Add(path, customs.ProblemDuplicateKey, "%s is given more than once in %s; only the first is read", tag, parent)
	return false
}
