// Package schematest is the test-side face of schemas/xmllint: Validate
// fails a test unless its documents are valid against one of the gateway's
// schemas. The validation itself (one xmllint run per call, schemas from
// schemas.FS) lives in schemas/xmllint, which run-time code such as the
// review-centre simulator uses directly, so that no binary links testing.
package schematest

import (
	"context"
	"testing"

	"github.com/jjj/gateway/schemas/xmllint"
)

// Xmllint is the validator's command name, looked up in PATH.
const Xmllint = xmllint.Command

// InvalidError reports the documents that did not validate.
type InvalidError = xmllint.InvalidError

// Validate fails t unless every doc is valid against the schema xsdFile, a
// file name in schemas.FS (schemas.Declaration, schemas.Receipt, or a
// dialect's XSD). The failure message carries xmllint's own output, with
// documents named doc-000.xml, doc-001.xml, ... in the order given. A
// missing xmllint fails the test: validation that silently does not run is
// worse than none.
func Validate(t testing.TB, xsdFile string, docs ...[]byte) {
	t.Helper()
	if err := ValidateErr(xsdFile, docs...); err != nil {
		t.Fatal(err)
	}
}

// ValidateErr is xmllint.Validate without a deadline, for tests that look
// at the *InvalidError themselves.
func ValidateErr(xsdFile string, docs ...[]byte) error {
	return xmllint.Validate(context.Background(), xsdFile, docs...)
}

// ValidateContext is xmllint.Validate.
func ValidateContext(ctx context.Context, xsdFile string, docs ...[]byte) error {
	return xmllint.Validate(ctx, xsdFile, docs...)
}
