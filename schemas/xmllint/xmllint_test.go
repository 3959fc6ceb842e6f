package xmllint_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jjj/gateway/schemas"
	"github.com/jjj/gateway/schemas/xmllint"
)

const (
	okReceipt = `<?xml version="1.0" encoding="UTF-8"?><Receipt xmlns="urn:jjj:review-centre:receipt:v1"><DeclarationId>d_01J</DeclarationId><EntryId>020220261000012345</EntryId><Status>accepted</Status><Reason/></Receipt>`
	refused   = `<Receipt xmlns="urn:jjj:review-centre:receipt:v1"><DeclarationId>d_01J</DeclarationId><Status>refused</Status><Reason>bad HS code</Reason><Reason>bad unit</Reason></Receipt>`
	badEntry  = `<Receipt xmlns="urn:jjj:review-centre:receipt:v1"><DeclarationId>d_01J</DeclarationId><EntryId>12345</EntryId><Status>accepted</Status></Receipt>`
	wrongNS   = `<Receipt><DeclarationId>d</DeclarationId><Status>accepted</Status></Receipt>`
	notXML    = `<Receipt`
)

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		docs    []string
		invalid []int
	}{
		{name: "none", docs: nil},
		{name: "valid", docs: []string{okReceipt, refused}},
		{name: "one invalid among valid", docs: []string{okReceipt, badEntry, refused}, invalid: []int{1}},
		{name: "wrong namespace", docs: []string{wrongNS}, invalid: []int{0}},
		{name: "not well-formed", docs: []string{okReceipt, notXML}, invalid: []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			docs := make([][]byte, len(tt.docs))
			for i, d := range tt.docs {
				docs[i] = []byte(d)
			}
			err := xmllint.Validate(context.Background(), schemas.Receipt, docs...)
			if len(tt.invalid) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var ie *xmllint.InvalidError
			if !errors.As(err, &ie) {
				t.Fatalf("Validate = %v, want *InvalidError", err)
			}
			if len(ie.Invalid) != len(tt.invalid) {
				t.Fatalf("Invalid = %v, want %v", ie.Invalid, tt.invalid)
			}
			for i := range ie.Invalid {
				if ie.Invalid[i] != tt.invalid[i] {
					t.Fatalf("Invalid = %v, want %v", ie.Invalid, tt.invalid)
				}
			}
			if ie.Output == "" {
				t.Error("InvalidError carries no xmllint output")
			}
		})
	}
}

func TestValidateUnknownSchema(t *testing.T) {
	t.Parallel()
	err := xmllint.Validate(context.Background(), "no-such.xsd", []byte(okReceipt))
	var ie *xmllint.InvalidError
	if err == nil || errors.As(err, &ie) {
		t.Fatalf("Validate = %v, want a non-validation error", err)
	}
}

func TestValidateMissingXmllint(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if err := xmllint.Validate(context.Background(), schemas.Receipt, []byte(okReceipt)); err == nil {
		t.Fatal("Validate without xmllint = nil, want an error")
	}
}

func TestEverySchemaCompiles(t *testing.T) {
	t.Parallel()
	entries, err := schemas.FS.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		// A document that cannot match any schema still makes xmllint
		// compile the schema; only a compile failure is a plain error.
		err := xmllint.Validate(context.Background(), e.Name(), []byte(`<nothing-declares-this/>`))
		var ie *xmllint.InvalidError
		if !errors.As(err, &ie) {
			t.Errorf("%s: %v", e.Name(), err)
		}
	}
}
