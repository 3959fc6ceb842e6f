package reviewcentre

import (
	"bytes"
	"encoding/xml"
	"reflect"
	"testing"
)

// decodeReceipt is the receipt as encoding/xml reads it.
func decodeReceipt(b []byte) (Receipt, error) {
	var r Receipt
	err := xml.NewDecoder(bytes.NewReader(b)).Decode(&r)
	return r, err
}

// TestPlainReceiptReadsAsDecoded: what the plain reader takes, it reads as
// encoding/xml does; it takes the receipts the review centre writes and
// leaves everything else to the decoder.
func TestPlainReceiptReadsAsDecoded(t *testing.T) {
	plain := []Receipt{
		{DeclarationID: "d_01J", EntryID: "020220261000012345", Status: "accepted"},
		{DeclarationID: " d ", EntryID: " 020220261000012345 ", Status: " accepted "},
		{DeclarationID: "d_01J", Status: "refused", Reasons: []string{"bad HS code", " bad unit ", ""}},
		{DeclarationID: "d_01J", Status: "refused", Reasons: []string{"wrong (item 1/2); see #3 = [x]"}},
	}
	for _, r := range plain {
		b := MarshalReceipt(r)
		got, ok := parsePlainReceipt(b)
		if !ok {
			t.Errorf("%s: not read as plain", b)
			continue
		}
		want, err := decodeReceipt(b)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n plain   %+v\n decoder %+v (%v)", b, got, want, err)
		}
	}
	notPlain := [][]byte{
		MarshalReceipt(Receipt{DeclarationID: "d", Status: "refused", Reasons: []string{"a & b"}}),
		MarshalReceipt(Receipt{DeclarationID: "d", Status: "refused", Reasons: []string{`it's "wrong"`}}),
		MarshalReceipt(Receipt{DeclarationID: "d", Status: "refused", Reasons: []string{"línea\tdos"}}),
		append(MarshalReceipt(Receipt{DeclarationID: "d", Status: "accepted"}), '\n'),
		[]byte(xml.Header + `<Receipt xmlns="urn:jjj:review-centre:receipt:v1"><DeclarationId>d</DeclarationId><EntryId>1</EntryId><Status>accepted</Status>`),
		[]byte(xml.Header + `<Receipt xmlns="urn:jjj:review-centre:receipt:v1"><EntryId>1</EntryId><DeclarationId>d</DeclarationId><Status>accepted</Status></Receipt>`),
		[]byte(xml.Header + `<Receipt xmlns="urn:jjj:review-centre:receipt:v1"><DeclarationId>d</DeclarationId><EntryId>1</EntryId><Status>accepted</Status><Reason><!-- x --></Reason></Receipt>`),
	}
	for _, b := range append(notPlain, receiptSeeds()[2:]...) {
		if r, ok := parsePlainReceipt(b); ok {
			t.Errorf("%q read as plain: %+v", b, r)
		}
	}
}

// FuzzPlainReceipt: whatever the plain reader takes, encoding/xml reads
// the same.
func FuzzPlainReceipt(f *testing.F) {
	for _, s := range receiptSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := parsePlainReceipt(b)
		if !ok {
			return
		}
		want, err := decodeReceipt(b)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n plain   %+v\n decoder %+v (%v)", b, got, want, err)
		}
	})
}

// BenchmarkParseReceipt: an acceptance's receipt read by parseReceipt,
// against encoding/xml alone (what parseReceipt did for every receipt).
//
//	go test ./internal/reviewcentre -run '^$' -bench ParseReceipt -benchmem
func BenchmarkParseReceipt(b *testing.B) {
	body := MarshalReceipt(Receipt{DeclarationID: "d_01JDX4Q3ZK8M2N5P7R9T", EntryID: "020220261000012345", Status: "accepted"})
	b.Run("encoding/xml", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if r, err := decodeReceipt(body); err != nil || r.EntryID == "" {
				b.Fatal(r, err)
			}
		}
	})
	b.Run("parseReceipt", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if r, err := parseReceipt(body); err != nil || r.EntryID == "" {
				b.Fatal(r, err)
			}
		}
	})
}
