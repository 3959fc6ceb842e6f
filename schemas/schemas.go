// Package schemas holds the XML schemas of the gateway's messages as data:
// the canonical declaration and the receipt the review centre answers with
// (spec/canonical.md, spec/partners.md), and the port dialects' XSDs. Code
// that needs a schema (xmllint, and tests through schematest) reads it from FS
// rather than from a path, so it works from any working directory and from
// the built binary.
package schemas

import "embed"

// Files of the schemas in FS.
const (
	Declaration = "review-centre-declaration-v1.xsd"
	Receipt     = "review-centre-receipt-v1.xsd"
)

// FS holds every *.xsd of this folder at its root, so that schemas that
// include or import each other by relative name resolve when copied out.
//
//go:embed *.xsd
var FS embed.FS
