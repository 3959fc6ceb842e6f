// Package canonical writes the canonical declaration as the review centre's
// XML (canonical.md, schemas/review-centre-declaration-v1.xsd). The output
// is byte-for-byte stable: the same declaration and route always give the
// same bytes, element and attribute order fixed, no insignificant white
// space. It writes straight into a byte slice, with no reflection and no DOM,
// because it runs on every declaration the gateway accepts.
package canonical

import "github.com/jjj/gateway/internal/customs"

// Namespace of the canonical declaration.
const Namespace = "urn:jjj:review-centre:declaration:v1"

// Marshal returns the canonical XML of d, including d.Route when set.
func Marshal(d *customs.Declaration) []byte {
	return Append(nil, d)
}

// Append appends the canonical XML of d to buf.
func Append(buf []byte, d *customs.Declaration) []byte {
	return buf // TODO(canonical): implemented by the canonical writer work
}

// MarshalRoute returns a Route element alone, in the canonical namespace,
// as a route amendment's body (partners.md).
func MarshalRoute(r *customs.Route) []byte {
	return nil // TODO(canonical)
}
