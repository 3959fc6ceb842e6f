package schematest_test

import (
	"errors"
	"testing"

	"github.com/jjj/gateway/schemas"
	"github.com/jjj/gateway/schemas/schematest"
)

const (
	okReceipt = `<?xml version="1.0" encoding="UTF-8"?><Receipt xmlns="urn:jjj:review-centre:receipt:v1"><DeclarationId>d_01J</DeclarationId><EntryId>020220261000012345</EntryId><Status>accepted</Status><Reason/></Receipt>`
	badEntry  = `<Receipt xmlns="urn:jjj:review-centre:receipt:v1"><DeclarationId>d_01J</DeclarationId><EntryId>12345</EntryId><Status>accepted</Status></Receipt>`
)

// The validation itself is tested in schemas/xmllint; these check that the
// test helper passes it through.

func TestValidate(t *testing.T) {
	t.Parallel()
	schematest.Validate(t, schemas.Receipt, []byte(okReceipt))
}

func TestValidateErrPassesTheInvalidErrorThrough(t *testing.T) {
	t.Parallel()
	err := schematest.ValidateErr(schemas.Receipt, []byte(okReceipt), []byte(badEntry))
	var ie *schematest.InvalidError
	if !errors.As(err, &ie) || len(ie.Invalid) != 1 || ie.Invalid[0] != 1 {
		t.Fatalf("ValidateErr = %v, want document 1 invalid", err)
	}
}
