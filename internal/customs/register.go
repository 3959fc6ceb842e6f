package customs

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// The region's register of supporting documents (documents.md): what a
// document is, its state, its write-offs, and the checks of a declaration's
// citations against it. The checks are pure: the caller looks the cited
// documents up and hands them in.

// DocumentKey names a document in the register: a kind and a number.
type DocumentKey struct {
	Kind   DocumentKind
	Number string
}

func (k DocumentKey) String() string { return string(k.Kind) + " " + k.Number }

// DocumentState is a document's state as the API shows it.
type DocumentState string

const (
	DocumentActive  DocumentState = "active"
	DocumentUsedUp  DocumentState = "used_up"
	DocumentRevoked DocumentState = "revoked"
)

// Document is one document of the register. Quantities are decimals held
// as strings, as every quantity of the model; they are compared exactly
// (math/big), never as floats.
type Document struct {
	Kind   DocumentKind
	Number string
	// Issuer is the bureau code of the bureau that issued it.
	Issuer string
	// Holder is the USCC of the enterprise it was issued to.
	Holder string
	// ValidFrom and ValidUntil are dates (yyyy-MM-dd), both included.
	ValidFrom, ValidUntil string
	Quantity              string
	Unit                  string
	// Remaining is Quantity less the write-offs not given back.
	Remaining string
	// The kind's own fields; empty for the other kinds.
	UN, PackingGroup, Packaging string // dg_packaging_use
	Level                       string // special_article_approval
	Origin, EntryCustoms        string // quarantine_permit
	HSPrefix                    string // quarantine_permit
	RevokedAt                   *time.Time
	RevokedBy, RevokeReason     string
	CreatedAt                   time.Time
	CreatedBy                   string
	// Seq orders the register, newest last; the listing's cursor.
	Seq int64
	// Used is set where documents are looked up for a declaration's
	// citations: some write-off against it exists, given back or not
	// (routing.md's "first use" of an approval is a citation of one
	// that is not used).
	Used bool
	// WriteOffs are the write-offs against it, oldest first; loaded only
	// where a single document is read.
	WriteOffs []WriteOff
}

// Key is the document's key in the register.
func (d *Document) Key() DocumentKey { return DocumentKey{d.Kind, d.Number} }

// State is revoked once revoked, whatever remains; used_up when nothing
// remains; active otherwise.
func (d *Document) State() DocumentState {
	switch {
	case d.RevokedAt != nil:
		return DocumentRevoked
	case isZeroDecimal(d.Remaining):
		return DocumentUsedUp
	}
	return DocumentActive
}

// WriteOff is one write-off against a document by a declaration's item.
type WriteOff struct {
	Kind          DocumentKind
	Number        string
	DeclarationID string
	Port          Port
	PortRef       string
	// Item is the port's item number (GoodsItem.Seq).
	Item     int
	Quantity string
	At       time.Time
	// ReturnedAt is set when the write-off was given back (the review
	// centre rejected the declaration).
	ReturnedAt *time.Time
}

// DocumentFact is what routing needs of a cited document (routing.Facts
// FirstUse and Issuer): its issuer, and whether a write-off against it
// exists earlier than the declaration's own (given back or not).
type DocumentFact struct {
	Issuer     string
	EarlierUse bool
}

// DocumentFacts makes routing's FirstUse and Issuer from the facts of the
// cited documents; an unknown document is a first use with no issuer.
func DocumentFacts(facts map[DocumentKey]DocumentFact) (firstUse func(DocumentKind, string) bool, issuer func(DocumentKind, string) string) {
	firstUse = func(k DocumentKind, n string) bool { return !facts[DocumentKey{k, n}].EarlierUse }
	issuer = func(k DocumentKind, n string) string { return facts[DocumentKey{k, n}].Issuer }
	return firstUse, issuer
}

// DocumentFilter selects documents to list, newest first.
type DocumentFilter struct {
	Kind, Holder, Issuer string
	State                DocumentState
	// Before is the keyset cursor: only Seq < Before, when not zero.
	Before int64
	Limit  int
}

// ErrDocumentShort is what storage returns when a write-off made with the
// intake found a document short (revoked or not enough remaining, because
// another declaration took it meanwhile): nothing was stored, and the
// caller checks the citations again to say which.
var ErrDocumentShort = errors.New("a cited document no longer has what the declaration writes off")

// Document problem codes (documents.md).
const (
	ProblemDocumentMissing        = "document.missing"
	ProblemDocumentUnknown        = "document.unknown"
	ProblemDocumentRevoked        = "document.revoked"
	ProblemDocumentNotValid       = "document.not_valid"
	ProblemDocumentHolderMismatch = "document.holder_mismatch"
	ProblemDocumentMismatch       = "document.mismatch"
	ProblemDocumentExhausted      = "document.exhausted"
)

// CitedDocuments returns the keys of the documents d's items cite, each
// once, in the order first cited.
func CitedDocuments(d *Declaration) []DocumentKey {
	var out []DocumentKey
	seen := map[DocumentKey]bool{}
	for i := range d.Goods {
		for _, c := range d.Goods[i].Documents {
			k := DocumentKey{c.Kind, c.Number}
			if c.Number == "" || seen[k] {
				continue
			}
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// CheckCitations checks every citation of d against the documents looked
// up (docs holds those that exist; a cited key absent from it is unknown),
// at d.Source.ReceivedAt. Every problem is reported, each at the
// citation's path: a document that is unknown has no other problem; one
// that exists is checked for all of revoked, validity, holder, each
// differing field and what remains. Earlier citations of the same document
// in d count first for document.exhausted; a citation that does not fit
// takes nothing, so a later smaller one may still fit.
func CheckCitations(d *Declaration, docs map[DocumentKey]*Document) Problems {
	var ps Problems
	day := BeijingDay(d.Source.ReceivedAt)
	left := map[DocumentKey]*big.Rat{}
	for i := range d.Goods {
		g := &d.Goods[i]
		for _, c := range g.Documents {
			if c.Number == "" {
				continue // missing_field, the adapter's
			}
			k := DocumentKey{c.Kind, c.Number}
			doc := docs[k]
			if doc == nil {
				ps.Add(c.Path, ProblemDocumentUnknown, "no %s numbered %s in the register", c.Kind, c.Number)
				continue
			}
			if doc.RevokedAt != nil {
				ps.Add(c.Path, ProblemDocumentRevoked, "%s %s was revoked: %s", c.Kind, c.Number, doc.RevokeReason)
			}
			if day < doc.ValidFrom || day > doc.ValidUntil {
				ps.Add(c.Path, ProblemDocumentNotValid, "%s %s is valid from %s to %s, not on %s (date of receipt, Beijing time)",
					c.Kind, c.Number, doc.ValidFrom, doc.ValidUntil, day)
			}
			if !holderMatches(d, doc.Holder) {
				ps.Add(c.Path, ProblemDocumentHolderMismatch, "%s %s is held by %s, who is neither the declaration's %s nor its owner",
					c.Kind, c.Number, doc.Holder, traderRole(d))
			}
			for _, m := range mismatches(d, g, doc) {
				ps.Add(c.Path, ProblemDocumentMismatch, "%s %s: %s is %q on the document, %q on the declaration",
					c.Kind, c.Number, m.field, m.doc, m.declared)
			}
			rem, ok := left[k]
			if !ok {
				rem, ok = ParseDecimal(doc.Remaining)
				if !ok {
					rem = new(big.Rat)
				}
				left[k] = rem
			}
			q, ok := ParseDecimal(c.WriteOff)
			if !ok {
				continue // invalid_quantity, the adapter's
			}
			if q.Cmp(rem) > 0 {
				ps.Add(c.Path, ProblemDocumentExhausted, "%s %s has %s %s left (after the earlier citations of this declaration), not the %s cited",
					c.Kind, c.Number, FormatDecimal(rem), doc.Unit, c.WriteOff)
				continue
			}
			if doc.Level == "A" {
				// A level A approval is for one use (documents.md).
				rem.SetInt64(0)
			} else {
				rem.Sub(rem, q)
			}
		}
	}
	return ps
}

func traderRole(d *Declaration) Role {
	if d.Direction == Export {
		return RoleConsignor
	}
	return RoleConsignee
}

// holderMatches: the holder is the consignee of an import, the consignor
// of an export, or the owner.
func holderMatches(d *Declaration, holder string) bool {
	if p := d.Party(traderRole(d)); p != nil && strings.EqualFold(p.USCC, holder) {
		return true
	}
	if p := d.Party(RoleOwner); p != nil && strings.EqualFold(p.USCC, holder) {
		return true
	}
	return false
}

type mismatch struct{ field, doc, declared string }

// mismatches compares the document's own fields with the item (and, for
// entryCustoms, the declaration), one entry per differing field.
func mismatches(d *Declaration, g *GoodsItem, doc *Document) []mismatch {
	var out []mismatch
	switch doc.Kind {
	case DocDGPackagingUse:
		var un, pg, pack string
		bulk := false
		if dg := g.DangerousGoods; dg != nil {
			un, pg, pack, bulk = dg.UN, dg.PackingGroup, dg.Packaging, dg.Bulk
		}
		if doc.UN != un {
			out = append(out, mismatch{"un", doc.UN, un})
		}
		// An empty packing group on the document equals a bulk item or
		// one without a group.
		if doc.PackingGroup != pg && !(doc.PackingGroup == "" && bulk) {
			out = append(out, mismatch{"packingGroup", doc.PackingGroup, pg})
		}
		if code := PackagingCode(pack); doc.Packaging != code {
			out = append(out, mismatch{"packaging", doc.Packaging, code})
		}
	case DocSpecialArticleApproval:
		if doc.Level != g.SpecialArticle {
			out = append(out, mismatch{"level", doc.Level, g.SpecialArticle})
		}
	case DocQuarantinePermit:
		if doc.Origin != g.Origin {
			out = append(out, mismatch{"origin", doc.Origin, g.Origin})
		}
		if doc.EntryCustoms != d.Customs.Port {
			out = append(out, mismatch{"entryCustoms", doc.EntryCustoms, d.Customs.Port})
		}
		if !strings.HasPrefix(g.HSCode, doc.HSPrefix) {
			out = append(out, mismatch{"hsPrefix", doc.HSPrefix, g.HSCode})
		}
	}
	return out
}

// PackagingCode is the UN packaging code of a packaging mark: the part
// before the first '/' ("1A1/Y1.8/150/…" → "1A1"), without the "un" or
// "UN" symbol some marks start with, upper case.
func PackagingCode(mark string) string {
	code, _, _ := strings.Cut(strings.TrimSpace(mark), "/")
	code = strings.TrimSpace(code)
	if len(code) > 2 && strings.EqualFold(code[:2], "un") && (code[2] == ' ' || code[2] >= '0' && code[2] <= '9') {
		code = strings.TrimSpace(code[2:])
	}
	return strings.ToUpper(code)
}

// ParseDecimal reads a non-negative decimal exactly; ok is false for
// anything else.
func ParseDecimal(s string) (*big.Rat, bool) {
	if s == "" || strings.ContainsAny(s, "eE+-/") {
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
}

// FormatDecimal writes r (at most 5 decimals, as every quantity of the
// register) without trailing zeros: "120", "0.5".
func FormatDecimal(r *big.Rat) string {
	s := r.FloatString(5)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// NormalizeDecimal writes a stored decimal ("119.50000") as FormatDecimal
// does; s unchanged when it is not one.
func NormalizeDecimal(s string) string {
	r, ok := ParseDecimal(s)
	if !ok {
		return s
	}
	return FormatDecimal(r)
}

func isZeroDecimal(s string) bool {
	r, ok := ParseDecimal(s)
	return ok && r.Sign() == 0
}

// WriteOffNote is the timeline's note for write-offs given back.
func WriteOffNote(ws []WriteOff) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = fmt.Sprintf("%s %s: %s", w.Kind, w.Number, NormalizeDecimal(w.Quantity))
	}
	return "document write-offs given back (review centre rejected the declaration): " + strings.Join(parts, ", ")
}
