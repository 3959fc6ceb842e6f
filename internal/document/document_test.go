package document

import (
	"context"
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

// memStore is the register in memory: enough for the service's own rules.
type memStore struct {
	docs map[customs.DocumentKey]*customs.Document
}

func (m *memStore) InsertDocument(_ context.Context, d *customs.Document) error {
	if m.docs == nil {
		m.docs = map[customs.DocumentKey]*customs.Document{}
	}
	if _, ok := m.docs[d.Key()]; ok {
		return customs.Errorf(customs.CodeConflict, "exists")
	}
	d.Remaining = d.Quantity
	m.docs[d.Key()] = d
	return nil
}

func (m *memStore) Document(_ context.Context, k customs.DocumentKey) (*customs.Document, error) {
	if d, ok := m.docs[k]; ok {
		c := *d
		return &c, nil
	}
	return nil, customs.Errorf(customs.CodeNotFound, "none")
}

func (m *memStore) ListDocuments(context.Context, customs.DocumentFilter) ([]customs.Document, error) {
	return nil, nil
}

func (m *memStore) RevokeDocument(_ context.Context, k customs.DocumentKey, reason, by string, at time.Time) (bool, error) {
	d := m.docs[k]
	if d.RevokedAt != nil {
		return false, nil
	}
	d.RevokedAt, d.RevokeReason, d.RevokedBy = &at, reason, by
	return true, nil
}

var tables = codes.MustEmbedded()

func TestIssueEveryKind(t *testing.T) {
	s := &Service{Store: &memStore{}, Tables: tables}
	bureau := customs.Principal{Role: customs.CallerBureau, Scope: "130100"}
	for _, body := range []string{
		`{"kind":"dg_packaging_use","number":"DG-1","holder":"91130108ma0j7k2n8b","validFrom":"2026-01-01","validUntil":"2026-01-01","quantity":"0.00001","unit":"011","un":"1173","packingGroup":"","packaging":"31ha1"}`,
		`{"kind":"special_article_approval","number":"SPA1","holder":"91130108MA0J7K2N8B","validFrom":"2026-01-01","validUntil":"2098-12-31","quantity":"400","unit":"007","level":"D"}`,
		`{"kind":"quarantine_permit","number":"QP1","holder":"91130108MA0J7K2N8B","validFrom":"2026-01-01","validUntil":"2098-12-31","quantity":"3000.5","unit":"035","origin":"BRA","entryCustoms":"0202","hsPrefix":"1201"}`,
	} {
		d, err := s.Issue(context.Background(), []byte(body), bureau)
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if d.Issuer != "130100" || d.Remaining != d.Quantity || d.CreatedBy != "bureau:130100" {
			t.Errorf("%+v", d)
		}
		if d.Kind == customs.DocDGPackagingUse && (d.Packaging != "31HA1" || d.Holder != "91130108MA0J7K2N8B") {
			t.Errorf("not normalised: %+v", d)
		}
	}
	if _, err := s.Issue(context.Background(), []byte(`{"kind":"special_article_approval"}`), customs.Principal{Role: customs.CallerEnterprise, Scope: "x"}); customs.ErrorCodeOf(err) != customs.CodeForbidden {
		t.Errorf("an enterprise issues: %v", err)
	}
	if _, err := s.Issue(context.Background(), []byte(`null`), bureau); customs.ErrorCodeOf(err) != customs.CodeBadRequest {
		t.Errorf("null body: %v", err)
	}
	_, err := s.Issue(context.Background(), []byte(`{"kind":"special_article_approval","number":"","holder":null,"validFrom":"2026-02-30","validUntil":"2026-1-1","quantity":"1e3","unit":"011","level":"E","extra":1,"un":"1173"}`), bureau)
	var got []string
	for _, p := range customs.ProblemsOf(err) {
		got = append(got, p.Path+" "+p.Code)
	}
	want := "/extra unexpected_field,/holder missing_field,/level invalid_enum,/number missing_field,/quantity invalid_quantity,/un unexpected_field,/validFrom invalid_date,/validUntil invalid_date"
	sort.Strings(got)
	if strings.Join(got, ",") != want {
		t.Errorf("problems:\n got %s\nwant %s", strings.Join(got, ","), want)
	}
}

// FuzzIssue: whatever the body, Issue answers a classified error (never
// an internal one) or a document that is valid by its own rules.
func FuzzIssue(f *testing.F) {
	f.Add([]byte(`{"kind":"dg_packaging_use","number":"DG-1","holder":"91130108MA0J7K2N8B","validFrom":"2026-01-01","validUntil":"2027-01-01","quantity":"5","unit":"011","un":"1173","packaging":"1A1"}`))
	f.Add([]byte(`{"kind":"quarantine_permit","quantity":"1.123456"}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"kind":1}`))
	admin := customs.Principal{Role: customs.CallerAdmin, Name: "ops"}
	f.Fuzz(func(t *testing.T, body []byte) {
		s := &Service{Store: &memStore{}, Tables: tables}
		d, err := s.Issue(context.Background(), body, admin)
		if err != nil {
			switch customs.ErrorCodeOf(err) {
			case customs.CodeInvalid, customs.CodeBadRequest:
			default:
				t.Fatalf("%q: %v", body, err)
			}
			return
		}
		if !customs.CheckDecimal(d.Quantity, 5) || d.ValidFrom > d.ValidUntil || d.Issuer == "" {
			t.Fatalf("accepted %q as %+v", body, d)
		}
		if _, err := json.Marshal(NewView(d, true)); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRevokeByIssuerOnly(t *testing.T) {
	s := &Service{Store: &memStore{}, Tables: tables}
	issuer := customs.Principal{Role: customs.CallerBureau, Scope: "110000"}
	if _, err := s.Issue(context.Background(), []byte(`{"kind":"special_article_approval","number":"R1","holder":"91130108MA0J7K2N8B","validFrom":"2026-01-01","validUntil":"2098-12-31","quantity":"1","unit":"007","level":"B"}`), issuer); err != nil {
		t.Fatal(err)
	}
	k := customs.DocumentKey{Kind: customs.DocSpecialArticleApproval, Number: "R1"}
	if _, err := s.Revoke(context.Background(), k, "x", customs.Principal{Role: customs.CallerBureau, Scope: "120000"}); customs.ErrorCodeOf(err) != customs.CodeForbidden {
		t.Errorf("another bureau: %v", err)
	}
	d, err := s.Revoke(context.Background(), k, "withdrawn", issuer)
	if err != nil || d.State() != customs.DocumentRevoked {
		t.Fatalf("%v %+v", err, d)
	}
	if d, _ := s.Revoke(context.Background(), k, "again", issuer); d.RevokeReason != "withdrawn" {
		t.Errorf("second revocation replaced the first: %q", d.RevokeReason)
	}
}
