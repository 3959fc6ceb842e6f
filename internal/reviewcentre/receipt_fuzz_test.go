package reviewcentre

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// receiptSeeds are receipts as the review centre writes them, and the
// near misses a broken or hostile remote could send.
func receiptSeeds() [][]byte {
	ok := MarshalReceipt(Receipt{DeclarationID: "d_01J", EntryID: "020220261000012345", Status: "accepted"})
	refused := MarshalReceipt(Receipt{DeclarationID: "d_01J", Status: "refused", Reasons: []string{"bad HS code", " bad unit "}})
	return [][]byte{
		ok, refused,
		[]byte(`<Receipt xmlns="urn:jjj:review-centre:receipt:v1"><DeclarationId>d</DeclarationId><EntryId> 020220261000012345 </EntryId><Status> accepted </Status></Receipt>`),
		[]byte(`<Receipt><DeclarationId>d</DeclarationId><Status>accepted</Status></Receipt>`), // no namespace
		[]byte(`<Receipt xmlns="urn:jjj:review-centre:receipt:v1"><Status>accepted</Status></Receipt>`),
		[]byte(`<Receipt xmlns="urn:jjj:review-centre:receipt:v1"><DeclarationId>d</DeclarationId><EntryId>12345</EntryId><Status>accepted</Status></Receipt>`),
		[]byte(`<Receipt xmlns="urn:jjj:review-centre:receipt:v1"><DeclarationId>d</DeclarationId><Reason>&#xD;a&amp;b</Reason><Reason>  </Reason></Receipt>`),
		[]byte(`<Receipt`), []byte(""), []byte("\x00\xff\xfe"), []byte(`<?xml version="1.0" encoding="GBK"?><Receipt/>`),
		[]byte(`<!DOCTYPE r [<!ENTITY a "aaaa">]><Receipt xmlns="urn:jjj:review-centre:receipt:v1"><DeclarationId>&a;</DeclarationId></Receipt>`),
	}
}

// FuzzParseReceipt: whatever the review centre answers, the receipt parser
// neither panics nor accepts a receipt without a DeclarationId; what it
// accepts has its entry id and status trimmed, and written back by
// MarshalReceipt reads the same.
func FuzzParseReceipt(f *testing.F) {
	for _, s := range receiptSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parseReceipt(b)
		if err != nil {
			if r != nil {
				t.Fatalf("parseReceipt: both %+v and %v", r, err)
			}
			return
		}
		if strings.TrimSpace(r.DeclarationID) == "" {
			t.Fatalf("receipt without a DeclarationId accepted: %q", b)
		}
		if r.EntryID != strings.TrimSpace(r.EntryID) || r.Status != strings.TrimSpace(r.Status) {
			t.Fatalf("untrimmed entry id %q or status %q", r.EntryID, r.Status)
		}
		again, err := parseReceipt(MarshalReceipt(*r))
		if err != nil {
			t.Fatalf("a receipt written back does not parse: %v\n%s", err, MarshalReceipt(*r))
		}
		want := *r
		if len(want.Reasons) == 0 {
			want.Reasons = []string{""} // MarshalReceipt always writes a Reason
		}
		again.XMLName = want.XMLName // the parse already required the namespace
		if !reflect.DeepEqual(*again, want) {
			t.Fatalf("written back and read again\n got %+v\nwant %+v", *again, want)
		}
	})
}

// FuzzClassifyReceipt: any body with any of the statuses that carry a
// receipt turns into exactly one outcome: an Ack with a valid entry id
// (to a declaration's POST), a refusal whose reasons can be stored as
// PostgreSQL text, or a transient error — never a panic.
func FuzzClassifyReceipt(f *testing.F) {
	for _, s := range receiptSeeds() {
		for _, st := range []int{200, 201, 409, 400, 422, 404} {
			f.Add(st, false, s)
		}
		f.Add(404, true, s)
	}
	f.Fuzz(func(t *testing.T, status int, route bool, body []byte) {
		if status < 100 || status > 999 {
			return // not an HTTP status
		}
		method := http.MethodPost
		if route {
			method = http.MethodPut
		}
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body)),
			Request: &http.Request{Method: method}}
		ack, err := classify(resp, nil)
		var rej *RejectedError
		var tr *TransientError
		switch {
		case err == nil:
			if ack == nil {
				t.Fatal("no ack and no error")
			}
			if ack.Status != status || (status != 200 && status != 201 && status != 409) {
				t.Fatalf("HTTP %d accepted as %+v", status, ack)
			}
			if !ValidEntryID(ack.EntryID) && (!route || ack.EntryID != "") {
				t.Fatalf("accepted with entry id %q", ack.EntryID)
			}
		case ack != nil:
			t.Fatalf("both %+v and %v", ack, err)
		case errors.As(err, &rej):
			if status != 400 && status != 422 && !(route && status == 404) {
				t.Fatalf("HTTP %d refused: %v", status, err)
			}
			for _, s := range rej.Reasons {
				if s == "" || !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
					t.Fatalf("reason %q cannot be stored as text", s)
				}
			}
		case errors.As(err, &tr):
			if tr.Status != status {
				t.Fatalf("transient error of HTTP %d says %d", status, tr.Status)
			}
		default:
			t.Fatalf("HTTP %d: %T %v, neither accepted, refused nor transient", status, err, err)
		}
	})
}
