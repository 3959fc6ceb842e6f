package adapters

import (
	"github.com/beevik/etree"
	"github.com/jjj/gateway/internal/customs"
)

// The checks of ports.md's table that every dialect makes, whatever it
// calls the field. Each takes a present value (the dialect decides what a
// missing one is) and the path it is at, reports what is wrong there, and
// builds the path and the message only then.

// Missing reports a required value that is absent or empty: missing_field
// at at+sub, "the <what> is required".
func (r *Reader) Missing(at At, sub, what string) {
	r.Add(at.Path(sub), customs.ProblemMissingField, "the %s is required", what)
}

// USCC normalises an enterprise id (a unified social credit code,
// 统一社会信用代码) and checks its check character (credit.md), reporting
// invalid_uscc at at+sub. It returns the normalised id, which is what the
// canonical party carries either way.
func (r *Reader) USCC(raw string, at At, sub string) string {
	u := customs.NormalizeUSCC(raw)
	switch ok, want := customs.CheckUSCC(u); {
	case ok:
	case want != 0:
		r.Add(at.Path(sub), customs.ProblemInvalidUSCC, "check character is %c, expected %c", u[17], want)
	default:
		r.Add(at.Path(sub), customs.ProblemInvalidUSCC, "%q is not a unified social credit code (统一社会信用代码): 18 characters of GB 32100-2015", raw)
	}
	return u
}

// PartyUSCC checks the USCC of a party: one that is required (the trader,
// the declarant) and absent is missing_field; one that is given is
// normalised and checked. what names the party ("declarant BJDW (报检单位)").
func (r *Reader) PartyUSCC(raw string, required bool, at At, sub, what string) string {
	if raw == "" {
		if required {
			r.Missing(at, sub, "USCC of the "+what)
		}
		return ""
	}
	return r.USCC(raw, at, sub)
}

// CustomsCode checks a customs code: 4 digits, known in codes/customs.csv
// (any of the region's codes, for either field: a port may declare for
// release elsewhere).
func (r *Reader) CustomsCode(v string, at At, sub string) {
	if _, ok := r.Tables.Customs[v]; !ok || len(v) != 4 || !customs.AllDigits(v) {
		r.Add(at.Path(sub), customs.ProblemUnknownCustomsCode, "customs code %q is not a 4-digit code of codes/customs.csv", v)
	}
}

// Bureau checks a bureau code (a destination office, a pilot zone)
// against codes/bureaus.csv; what names the field.
func (r *Reader) Bureau(v string, at At, sub, what string) {
	if _, ok := r.Tables.Bureaus[v]; !ok {
		r.Add(at.Path(sub), customs.ProblemUnknownBureau, "%s %q is not in codes/bureaus.csv", what, v)
	}
}

// CountryCode is how a dialect writes countries.
type CountryCode int

// The ways of codes/countries.csv.
const (
	Alpha3  CountryCode = iota // ISO 3166 alpha-3, the canonical form (Tianjin)
	Alpha2                     // ISO 3166 alpha-2 (Beijing)
	Numeric                    // the customs' 3-digit numeric codes (Hebei)
)

var countryForms = [...]string{Alpha3: "an ISO 3166 alpha-3 code", Alpha2: "an ISO 3166 alpha-2 code", Numeric: "a numeric code"}

// Country maps a country written as form to its alpha-3 code, reporting
// unknown_country at at+sub when codes/countries.csv does not have it.
func (r *Reader) Country(v string, form CountryCode, at At, sub string) (alpha3 string, ok bool) {
	switch form {
	case Alpha3:
		_, ok = r.Tables.CountryByAlpha3[v]
		alpha3 = v
	case Alpha2:
		c, found := r.Tables.CountryByAlpha2[v]
		alpha3, ok = c.Alpha3, found
	case Numeric:
		c, found := r.Tables.CountryByNumeric[v]
		alpha3, ok = c.Alpha3, found
	}
	if !ok {
		r.Add(at.Path(sub), customs.ProblemUnknownCountry, "country %q is not %s of codes/countries.csv", v, countryForms[form])
		return "", false
	}
	return alpha3, true
}

// HSCode checks the form of an HS code: 10 digits (the whole tariff is not
// shipped).
func (r *Reader) HSCode(v string, at At, sub string) {
	if len(v) != 10 || !customs.AllDigits(v) {
		r.Add(at.Path(sub), customs.ProblemInvalidHSCode, "HS code %q must be 10 digits", v)
	}
}

// CIQCode checks the form of a CIQ code: 3 digits.
func (r *Reader) CIQCode(v string, at At, sub string) {
	if len(v) != 3 || !customs.AllDigits(v) {
		r.Add(at.Path(sub), customs.ProblemInvalidCIQCode, "CIQ code %q must be 3 digits", v)
	}
}

// District checks a destination district: 6 digits.
func (r *Reader) District(v string, at At, sub string) {
	if len(v) != 6 || !customs.AllDigits(v) {
		r.Add(at.Path(sub), customs.ProblemInvalidDistrict, "district %q must be 6 digits", v)
	}
}

// Decimal checks a quantity, weight, package count or value: a positive
// decimal of at most places decimals (api.md), reporting code at at+sub.
// what names the field.
func (r *Reader) Decimal(v string, places int, code string, at At, sub, what string) {
	if customs.CheckDecimal(v, places) {
		return
	}
	if places == 0 {
		r.Add(at.Path(sub), code, "%s %q is not a positive whole number", what, v)
		return
	}
	r.Add(at.Path(sub), code, "%s %q is not a positive decimal of at most %d decimals", what, v, places)
}

// Container checks a container number's ISO 6346 check digit (a remainder
// of 10 is written 0), reporting invalid_container_number at at+sub.
func (r *Reader) Container(id string, at At, sub string) {
	if ok, want := customs.CheckContainer(id); !ok {
		if want != 0 {
			r.Add(at.Path(sub), customs.ProblemInvalidContainerNumber, "container %s: check digit is %c, expected %c (ISO 6346)", id, id[10], want)
		} else {
			r.Add(at.Path(sub), customs.ProblemInvalidContainerNumber, "%q is not an ISO 6346 container number (owner code, category U, J or Z, 6-digit serial, check digit)", id)
		}
	}
}

// Citation reads one citation of a supporting document (documents.md) of a
// kind the gateway checks: a missing number or write-off quantity is
// missing_field at that field, a quantity that is not a positive decimal of
// at most 5 decimals invalid_quantity. The citation is kept as declared
// either way, its Path at the number, so that the register's checks of the
// same citation are reported with these, all at once (they skip an empty
// number and a quantity that does not parse).
func (r *Reader) Citation(kind customs.DocumentKind, number, qty string, at At, numSub, qtySub string) customs.Citation {
	what := "citation of a " + string(kind) + " (licence type " + kind.LicenceCode() + ")"
	if number == "" {
		r.Missing(at, numSub, "number of the "+what)
	}
	if qty == "" {
		r.Missing(at, qtySub, "write-off quantity of the "+what)
	} else {
		r.Decimal(qty, 5, customs.ProblemInvalidQuantity, at, qtySub, "write-off quantity of the "+what)
	}
	return customs.Citation{Kind: kind, Number: number, WriteOff: qty, Path: at.Path(numSub)}
}

// AttrCitation reads a citation written as attributes of one element
// (Hebei XKZ @LX @BH @HXSL, Beijing Licence @type @number @writeOff):
// in these dialects only the three licence types of documents.md exist,
// so a missing type is missing_field and another invalid_enum, and
// neither is cited (ok false). label names the type attribute in messages.
func (r *Reader) AttrCitation(e *etree.Element, at At, typeAttr, numberAttr, qtyAttr, label string) (c customs.Citation, ok bool) {
	typ := Attr(e, typeAttr)
	kind, known := customs.DocumentKindOfLicence(typ)
	switch {
	case typ == "":
		r.Missing(at, "/@"+typeAttr, "licence type "+label)
		return c, false
	case !known:
		r.Add(at.Path("/@"+typeAttr), customs.ProblemInvalidEnum, "licence type %s %q is not one of 425, 203, 325", label, typ)
		return c, false
	}
	return r.Citation(kind, Attr(e, numberAttr), Attr(e, qtyAttr), at, "/@"+numberAttr, "/@"+qtyAttr), true
}

// SpecialLevel checks a special-article level written as a letter (Hebei
// TSWP, Beijing @specialArticle): A to D, else invalid_enum at at+sub. It
// returns the level, or "" when it is not one.
func (r *Reader) SpecialLevel(v string, at At, sub string) string {
	switch v {
	case "A", "B", "C", "D":
		return v
	}
	r.Add(at.Path(sub), customs.ProblemInvalidEnum, "special-article level %q is not one of A, B, C, D", v)
	return ""
}
