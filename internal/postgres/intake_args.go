package postgres

import (
	"database/sql"
	"encoding/binary"

	"github.com/lib/pq"
)

// Intake's statement takes its large columns (the stored document, the
// canonical XML, the route, the tasks) as arrays in PostgreSQL's binary
// format rather than as array literals. A literal costs a pass that
// escapes every quote and backslash of an 8 KB document into a growing
// buffer, hex for the bytea column (twice its size), and copies from
// []byte to string and back in the driver; the server then parses the
// literal character by character. In the binary format each element is
// its length and its bytes as they are, built in one buffer of the exact
// size. The connection sends []byte arguments in binary (binary_parameters,
// postgres.go), and the statement's casts ($10::text[], $11::bytea[])
// tell the server the types: the SQL is unchanged. A URL that turns
// binary_parameters off gets the literals lib/pq writes (arrays).

// Element type oids of the arrays (pg_type).
const (
	oidBytea uint32 = 17
	oidText  uint32 = 25
)

// wireArray encodes elems as a one-dimensional array of the element type
// elem in PostgreSQL's binary format (array_send): the dimensions, then
// each element's length and bytes, -1 for a NULL. null, if not nil, says
// which elements are NULL. The bytes are taken as they are: a text
// element must be UTF-8 without NUL, as the server checks.
func wireArray[T ~string | ~[]byte](elem uint32, elems []T, null []bool) []byte {
	size := 20 + 4*len(elems)
	hasNull := uint32(0)
	for i, e := range elems {
		if null != nil && null[i] {
			hasNull = 1
			continue
		}
		size += len(e)
	}
	b := make([]byte, 0, size)
	b = binary.BigEndian.AppendUint32(b, 1) // dimensions
	b = binary.BigEndian.AppendUint32(b, hasNull)
	b = binary.BigEndian.AppendUint32(b, elem)
	b = binary.BigEndian.AppendUint32(b, uint32(len(elems)))
	b = binary.BigEndian.AppendUint32(b, 1) // lower bound
	for i, e := range elems {
		if null != nil && null[i] {
			b = binary.BigEndian.AppendUint32(b, ^uint32(0))
			continue
		}
		b = binary.BigEndian.AppendUint32(b, uint32(len(e)))
		b = append(b, e...)
	}
	return b
}

// arrays makes intake's array arguments: binary (wireArray), or lib/pq's
// literals when the connection sends every argument as text (literal).
type arrays struct{ literal bool }

// text is a text[] of elems; null, if not nil, says which are NULL.
func (a arrays) text(elems []string, null []bool) any {
	if !a.literal {
		return wireArray(oidText, elems, null)
	}
	if null == nil {
		return pq.StringArray(elems)
	}
	ns := make([]sql.NullString, len(elems))
	for i, e := range elems {
		ns[i] = sql.NullString{String: e, Valid: !null[i]}
	}
	return pq.Array(ns)
}

// json is a text[] of JSON documents; null as for text.
func (a arrays) json(elems [][]byte, null []bool) any {
	if !a.literal {
		return wireArray(oidText, elems, null)
	}
	ss := make([]string, len(elems))
	for i, e := range elems {
		ss[i] = string(e)
	}
	return a.text(ss, null)
}

// bytea is a bytea[] of elems.
func (a arrays) bytea(elems [][]byte) any {
	if !a.literal {
		return wireArray(oidBytea, elems, nil)
	}
	return pq.ByteaArray(elems)
}
