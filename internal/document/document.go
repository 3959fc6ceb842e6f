// Package document is the region's register of supporting documents
// (documents.md): a bureau issues a document, any bureau of the region
// reads it, the holder enterprise reads its own, the issuer revokes it. It
// sits beside the declaration's lifecycle: the checks of a declaration's
// citations are customs.CheckCitations, run by intake (internal/clearance),
// whose one statement writes off; a rejection gives back
// (internal/inspection). This package owns what the API does with the
// register itself.
package document

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

// Store is the register's storage (postgres.DocumentStore).
type Store interface {
	// InsertDocument registers d (Remaining = Quantity, Seq set);
	// customs.CodeConflict when its kind and number exist.
	InsertDocument(ctx context.Context, d *customs.Document) error
	// Document returns a document with its write-offs;
	// customs.CodeNotFound if none.
	Document(ctx context.Context, k customs.DocumentKey) (*customs.Document, error)
	ListDocuments(ctx context.Context, f customs.DocumentFilter) ([]customs.Document, error)
	// RevokeDocument revokes it unless it is revoked already.
	RevokeDocument(ctx context.Context, k customs.DocumentKey, reason, by string, at time.Time) (bool, error)
}

// Service is the register.
type Service struct {
	Store  Store
	Tables *codes.Tables
	// NowFunc: nil means time.Now.
	NowFunc func() time.Time
}

func (s *Service) now() time.Time {
	if s.NowFunc != nil {
		return s.NowFunc().UTC()
	}
	return time.Now().UTC()
}

// fields are the members of an issue request, with the kinds that take
// each (nil: every kind).
var fields = []struct {
	name  string
	kinds []customs.DocumentKind
}{
	{"kind", nil}, {"number", nil}, {"holder", nil}, {"validFrom", nil}, {"validUntil", nil},
	{"quantity", nil}, {"unit", nil}, {"issuer", nil},
	{"un", []customs.DocumentKind{customs.DocDGPackagingUse}},
	{"packingGroup", []customs.DocumentKind{customs.DocDGPackagingUse}},
	{"packaging", []customs.DocumentKind{customs.DocDGPackagingUse}},
	{"level", []customs.DocumentKind{customs.DocSpecialArticleApproval}},
	{"origin", []customs.DocumentKind{customs.DocQuarantinePermit}},
	{"entryCustoms", []customs.DocumentKind{customs.DocQuarantinePermit}},
	{"hsPrefix", []customs.DocumentKind{customs.DocQuarantinePermit}},
}

var (
	numberRe    = regexp.MustCompile(`^[A-Z0-9-]{1,32}$`)
	dateRe      = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	packagingRe = regexp.MustCompile(`^[1-9][0-9]?[A-Z]{1,2}[0-9]?$`)
	digitsRe    = regexp.MustCompile(`^[0-9]+$`)
)

// ProblemUnexpectedField is a member the document's kind does not have
// (a level on a packaging-use record): refused rather than dropped, so an
// issuer never believes the register holds what it does not.
const ProblemUnexpectedField = "unexpected_field"

// ProblemInvalidNumber is a document number that is not 1–32 characters
// of A–Z, 0–9 and '-'.
const ProblemInvalidNumber = "invalid_document_number"

// Issue registers the document the JSON body describes, issued by p's
// bureau (an admin names the issuer). Every problem is reported at once
// at its JSON path (CodeInvalid); a body that is not a JSON object is
// CodeBadRequest; an existing kind and number is CodeConflict; a bureau
// naming another issuer is CodeForbidden.
func (s *Service) Issue(ctx context.Context, body []byte, p customs.Principal) (*customs.Document, error) {
	if p.Role != customs.CallerBureau && p.Role != customs.CallerAdmin {
		return nil, customs.Errorf(customs.CodeForbidden, "documents are issued by bureau keys (or admin), not %s keys", p.Role)
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&raw); err != nil || raw == nil {
		return nil, &customs.Error{Code: customs.CodeBadRequest, Message: "the body is not a JSON object",
			Problems: []customs.Problem{{Code: "invalid_json", Message: "the body must be a JSON object"}}}
	}
	var ps customs.Problems
	v := map[string]string{}
	badType := map[string]bool{}
	known := map[string]bool{}
	for _, f := range fields {
		known[f.name] = true
	}
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	sort.Strings(names) // problems in a stable order
	for _, name := range names {
		val := raw[name]
		if !known[name] {
			ps.Add("/"+name, ProblemUnexpectedField, "%s is not a field of a document", name)
			continue
		}
		if string(val) == "null" {
			continue
		}
		var str string
		if err := json.Unmarshal(val, &str); err != nil {
			ps.Add("/"+name, "invalid_type", "%s must be a string", name)
			badType[name] = true
			continue
		}
		v[name] = str
	}
	d := &customs.Document{
		Kind: customs.DocumentKind(v["kind"]), Number: v["number"], Holder: customs.NormalizeUSCC(v["holder"]),
		ValidFrom: v["validFrom"], ValidUntil: v["validUntil"], Quantity: v["quantity"], Unit: v["unit"],
		UN: v["un"], PackingGroup: v["packingGroup"], Packaging: strings.ToUpper(v["packaging"]), Level: v["level"],
		Origin: v["origin"], EntryCustoms: v["entryCustoms"], HSPrefix: v["hsPrefix"],
		CreatedAt: s.now(), CreatedBy: p.Actor(),
	}
	required := func(name string) bool {
		if strings.TrimSpace(v[name]) != "" {
			return true
		}
		if !badType[name] {
			ps.Add("/"+name, customs.ProblemMissingField, "%s is required", name)
		}
		return false
	}
	kindOK := false
	if required("kind") {
		for _, k := range customs.DocumentKinds {
			if d.Kind == k {
				kindOK = true
			}
		}
		if !kindOK {
			ps.Add("/kind", customs.ProblemInvalidEnum, "kind must be dg_packaging_use, special_article_approval or quarantine_permit")
		}
	}
	if required("number") && !numberRe.MatchString(d.Number) {
		ps.Add("/number", ProblemInvalidNumber, "number must be 1 to 32 characters of A-Z, 0-9 and '-'")
	}
	if required("holder") {
		if ok, _ := customs.CheckUSCC(d.Holder); !ok {
			ps.Add("/holder", customs.ProblemInvalidUSCC, "holder is not a valid unified social credit code")
		}
	}
	from, fromOK := s.date(&ps, v, "validFrom", required("validFrom"))
	until, untilOK := s.date(&ps, v, "validUntil", required("validUntil"))
	if fromOK && untilOK && from.After(until) {
		ps.Add("/validUntil", customs.ProblemInvalidDate, "validUntil %s is before validFrom %s", d.ValidUntil, d.ValidFrom)
	}
	if required("quantity") && !customs.CheckDecimal(d.Quantity, 5) {
		ps.Add("/quantity", customs.ProblemInvalidQuantity, "quantity must be a positive decimal of at most 5 decimals, as a string")
	}
	if required("unit") {
		if _, ok := s.Tables.Units[d.Unit]; !ok {
			ps.Add("/unit", customs.ProblemUnknownUnit, "unit %q is not a customs unit code", d.Unit)
		}
	}
	switch p.Role {
	case customs.CallerBureau:
		d.Issuer = p.Scope
		if is, ok := v["issuer"]; ok && is != p.Scope {
			return nil, customs.Errorf(customs.CodeForbidden, "a bureau key issues for its own bureau %s, not %s", p.Scope, is)
		}
	case customs.CallerAdmin:
		if required("issuer") {
			d.Issuer = v["issuer"]
			if _, ok := s.Tables.Bureaus[d.Issuer]; !ok {
				ps.Add("/issuer", customs.ProblemUnknownBureau, "issuer %q is not a bureau code", d.Issuer)
			}
		}
	}
	if kindOK {
		for _, f := range fields {
			if f.kinds == nil {
				continue
			}
			ok := false
			for _, k := range f.kinds {
				ok = ok || k == d.Kind
			}
			if _, given := v[f.name]; given && !ok {
				ps.Add("/"+f.name, ProblemUnexpectedField, "a %s has no %s", d.Kind, f.name)
			}
		}
		s.kindFields(&ps, d, required)
	}
	if err := ps.Err(customs.CodeInvalid, "the document does not validate"); err != nil {
		return nil, err
	}
	if err := s.Store.InsertDocument(ctx, d); err != nil {
		return nil, err
	}
	return d, nil
}

func (s *Service) date(ps *customs.Problems, v map[string]string, name string, present bool) (time.Time, bool) {
	if !present {
		return time.Time{}, false
	}
	t, err := time.Parse("2006-01-02", v[name])
	if err != nil || !dateRe.MatchString(v[name]) {
		ps.Add("/"+name, customs.ProblemInvalidDate, "%s must be a date, yyyy-MM-dd", name)
		return time.Time{}, false
	}
	return t, true
}

// kindFields checks the kind's own fields.
func (s *Service) kindFields(ps *customs.Problems, d *customs.Document, required func(string) bool) {
	switch d.Kind {
	case customs.DocDGPackagingUse:
		if required("un") {
			if _, ok := s.Tables.UN[d.UN]; !ok || len(d.UN) != 4 {
				ps.Add("/un", customs.ProblemUnknownUNNumber, "un %q is not a UN number of the list", d.UN)
			}
		}
		switch d.PackingGroup {
		case "", "I", "II", "III":
		default:
			ps.Add("/packingGroup", customs.ProblemInvalidEnum, "packingGroup must be I, II, III or empty")
		}
		if required("packaging") && !packagingRe.MatchString(d.Packaging) {
			ps.Add("/packaging", customs.ProblemInvalidEnum, "packaging %q is not a UN packaging code (1A1, 4G, 31HA1 …)", d.Packaging)
		}
	case customs.DocSpecialArticleApproval:
		if required("level") {
			switch d.Level {
			case "A", "B", "C", "D":
			default:
				ps.Add("/level", customs.ProblemInvalidEnum, "level must be A, B, C or D")
			}
		}
	case customs.DocQuarantinePermit:
		if required("origin") {
			if _, ok := s.Tables.CountryByAlpha3[d.Origin]; !ok {
				ps.Add("/origin", customs.ProblemUnknownCountry, "origin %q is not an alpha-3 country code", d.Origin)
			}
		}
		if required("entryCustoms") {
			if _, ok := s.Tables.Customs[d.EntryCustoms]; !ok || len(d.EntryCustoms) != 4 {
				ps.Add("/entryCustoms", customs.ProblemUnknownCustomsCode, "entryCustoms %q is not a customs code", d.EntryCustoms)
			}
		}
		if required("hsPrefix") && (len(d.HSPrefix) < 2 || len(d.HSPrefix) > 10 || !digitsRe.MatchString(d.HSPrefix)) {
			ps.Add("/hsPrefix", customs.ProblemInvalidHSCode, "hsPrefix must be 2 to 10 digits")
		}
	}
}

// Get returns a document with its write-offs: for any bureau and admin,
// and for the enterprise that holds it; CodeNotFound for any other
// enterprise, as if it did not exist. Port keys have no business here.
func (s *Service) Get(ctx context.Context, k customs.DocumentKey, p customs.Principal) (*customs.Document, error) {
	switch p.Role {
	case customs.CallerBureau, customs.CallerAdmin, customs.CallerEnterprise:
	default:
		return nil, customs.Errorf(customs.CodeForbidden, "documents are not open to %s keys", p.Role)
	}
	d, err := s.Store.Document(ctx, k)
	if err != nil {
		return nil, err
	}
	if p.Role == customs.CallerEnterprise && d.Holder != p.Scope {
		return nil, customs.Errorf(customs.CodeNotFound, "%s %s not found", k.Kind, k.Number)
	}
	return d, nil
}

// List lists documents, newest first, for bureaus and admin.
func (s *Service) List(ctx context.Context, f customs.DocumentFilter, p customs.Principal) ([]customs.Document, error) {
	if p.Role != customs.CallerBureau && p.Role != customs.CallerAdmin {
		return nil, customs.Errorf(customs.CodeForbidden, "the register's listing is not open to %s keys", p.Role)
	}
	return s.Store.ListDocuments(ctx, f)
}

// Held lists the documents an enterprise holds, newest first, with what
// remains (the tracking page's section for a holder).
func (s *Service) Held(ctx context.Context, uscc string, limit int) ([]customs.Document, error) {
	return s.Store.ListDocuments(ctx, customs.DocumentFilter{Holder: uscc, Limit: limit})
}

// Revoke revokes a document for its issuing bureau or admin; later
// citations fail, write-offs stay. A reason is required. Revoking a
// revoked document again changes nothing and answers the document as it
// is (a retried call is harmless).
func (s *Service) Revoke(ctx context.Context, k customs.DocumentKey, reason string, p customs.Principal) (*customs.Document, error) {
	if p.Role != customs.CallerBureau && p.Role != customs.CallerAdmin {
		return nil, customs.Errorf(customs.CodeForbidden, "documents are revoked by their issuing bureau (or admin), not %s keys", p.Role)
	}
	if strings.TrimSpace(reason) == "" {
		var ps customs.Problems
		ps.Add("/reason", customs.ProblemMissingField, "reason is required")
		return nil, ps.Err(customs.CodeInvalid, "the revocation does not validate")
	}
	d, err := s.Store.Document(ctx, k)
	if err != nil {
		return nil, err
	}
	if p.Role == customs.CallerBureau && d.Issuer != p.Scope {
		return nil, customs.Errorf(customs.CodeForbidden, "%s %s was issued by bureau %s; only it revokes it", k.Kind, k.Number, d.Issuer)
	}
	if _, err := s.Store.RevokeDocument(ctx, k, reason, p.Actor(), s.now()); err != nil {
		return nil, err
	}
	return s.Store.Document(ctx, k)
}

// ParseKind reads a kind from a URL; CodeNotFound for none of them.
func ParseKind(s string) (customs.DocumentKind, error) {
	for _, k := range customs.DocumentKinds {
		if string(k) == s {
			return k, nil
		}
	}
	return "", customs.Errorf(customs.CodeNotFound, "no document kind %q", s)
}
