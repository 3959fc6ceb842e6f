// Package customs is the gateway's domain: the canonical declaration that every
// port dialect is translated into, its route, the problems found on the way and
// the error type the rest of the gateway classifies by. It sits at the bottom
// of the import graph and imports only the standard library, so that adapters,
// routing, storage and the HTTP layer all speak the same model.
package customs

import "time"

// Port identifies a port system by the id used in URLs and keys.
type Port string

// The ports of the region. Each has one adapter in adapters/<port>.
const (
	PortTianjin Port = "tianjin"
	PortHebei   Port = "hebei"
	PortBeijing Port = "beijing"
)

// Direction of the goods across the border.
type Direction string

const (
	Import Direction = "import"
	Export Direction = "export"
)

// Role of a party on a declaration (canonical.md Parties).
type Role string

const (
	RoleConsignee Role = "consignee" // the importer; only on imports
	RoleConsignor Role = "consignor" // the exporter; only on exports
	RoleOwner     Role = "owner"     // the consumer or user of the goods
	RoleDeclarant Role = "declarant" // the declaring agent
	RoleOverseas  Role = "overseas"  // the foreign trading partner; has no USCC
)

// Declaration is the canonical declaration (canonical.md). Values are already
// normalised: countries alpha-3, currencies ISO 4217, units customs codes,
// transport modes canonical names, decimals as declared. Optional parts that
// were not declared, or that the dialect does not have, are nil or empty.
type Declaration struct {
	// ID is the gateway's opaque id ("d_" + ULID); empty before it is stored.
	ID string
	// RuleSet is the version of the code tables the declaration was checked
	// and routed with (codes/VERSION).
	RuleSet string

	Source    Source
	Direction Direction
	Customs   CustomsCodes
	// Parties are in canonical order: consignee or consignor, owner,
	// declarant, overseas. Each role appears at most once.
	Parties   []Party
	Transport Transport
	// Trade is nil where the dialect has no trade mode (Beijing).
	Trade *Trade
	// Weights is nil where the dialect has no weights (Hebei, Beijing).
	Weights *Weights
	// DestinationOffice is the bureau code of the declared destination
	// inspection office, or empty.
	DestinationOffice string
	// DirectTransit is nil unless the port asked for direct transit.
	DirectTransit *DirectTransit
	Equipment     []Unit
	// Goods are in the port's numbering order.
	Goods []GoodsItem
	// Route is set by routing before the declaration is stored.
	Route *Route
	// Warnings are non-fatal findings (unknown elements, a declared hazard
	// class that differs from the table), stored with the declaration.
	Warnings []Warning

	// Paths tells where fields sit in the port's own message, so that checks
	// made after decoding (routing's validation half) report problems where
	// the port will look for them. It is not part of the canonical message.
	Paths Paths
}

// Source describes the message the declaration came from.
type Source struct {
	Port Port
	// PortRef is the dialect's own message number; with Port it identifies a
	// submission, so a resend is recognised.
	PortRef string
	// Dialect is "tianjin/DecMessage-3.1", "hebei/BJXX-2.1" or
	// "beijing/AirCargoDeclaration-2".
	Dialect    string
	ReceivedAt time.Time
	// DeclaredAt is the port's own creation time (Beijing @created), in UTC;
	// zero where the dialect has none.
	DeclaredAt time.Time
	// Digest is "sha256:" + the hex SHA-256 of the body the port sent.
	Digest string
}

// CustomsCodes are 4-digit customs district codes (codes/customs.csv).
type CustomsCodes struct {
	Declaring string
	Port      string
}

// Party is one enterprise or overseas partner.
type Party struct {
	Role Role
	// USCC is the 18-character unified social credit code, upper case; empty
	// for the overseas party.
	USCC string
	// CustomsCode is the 10-character customs registration code, where given.
	CustomsCode string
	Name        string
	// Country is alpha-3, only where the dialect gives one.
	Country string
}

// Transport is how the goods cross the border.
type Transport struct {
	// Mode is canonical: sea, rail, road, air, mail, pipeline, other.
	Mode  string
	Means string
	// BillNo is the bill of lading or, for air, the master waybill (digits only).
	BillNo    string
	HouseBill string
	// Country is the trade country, alpha-3: where an import comes from
	// (departureCountry), where an export goes (arrivalCountry).
	Country       string
	DeparturePort string
	// DepartureDate is yyyy-MM-dd (UTC date where the port gave a time).
	DepartureDate string
}

// Trade holds the trade mode (customs 4-digit code) and terms (CIF, FOB, ...).
type Trade struct {
	Mode  string
	Terms string
}

// Weights are decimals as declared: kilograms, and a whole package count.
type Weights struct {
	Gross    string
	Net      string
	Packages string
}

// DirectTransit is a request to move the goods under seal to a pilot zone.
type DirectTransit struct {
	// Zone is the pilot zone's bureau code.
	Zone string
	// OriginalContainers is nil where the dialect has no such flag (Beijing).
	OriginalContainers *bool
	// Granted is decided by routing (direct_transit.sealed_move).
	Granted bool
	// StraySeals are seals that name a unit the message does not declare;
	// they make the request not eligible. Seals on declared units are on the
	// unit (Unit.Seals).
	StraySeals []Seal
	// SealCount is the number of seals the request carries, on declared
	// units or not.
	SealCount int
}

// Seal is a customs seal number on a unit.
type Seal struct {
	Unit   string
	Number string
}

// UnitKind is the kind of transport equipment.
type UnitKind string

const (
	KindContainer UnitKind = "container" // ISO 6346 checked
	KindULD       UnitKind = "uld"       // air unit load device, not ISO 6346
)

// Unit is a container or ULD.
type Unit struct {
	ID    string
	Kind  UnitKind
	Type  string
	Seals []string
}

// GoodsItem is one goods item of the declaration.
type GoodsItem struct {
	// Seq is the port's own item number.
	Seq int
	// HSCode is 10 digits, no dots; CIQCode 3 digits.
	HSCode  string
	CIQCode string
	Name    string
	Spec    string
	// Quantity is a decimal in Unit, a customs 3-digit unit code.
	Quantity string
	Unit     string
	// Value is the item's total value, a decimal in Currency (ISO 4217).
	Value    string
	Currency string
	// Origin is the country of origin, alpha-3.
	Origin string
	// DestinationDistrict is a 6-digit GB/T 2260 code, or empty.
	DestinationDistrict string
	// DangerousGoods is nil on ordinary items.
	DangerousGoods *DangerousGoods
	// FoodProducerRegistration is the overseas producer's registration in
	// China, or empty.
	FoodProducerRegistration string
	// HazardFlagged is set when the dialect itself marks the item as a
	// hazardous chemical (Tianjin NoDangFlag 0 or GoodsAttr 31/32, a
	// dangerous-goods block in Hebei and Beijing). Routing also treats UN
	// numbers and codes/hazchem-hs.csv as marks.
	HazardFlagged bool
	// SpecialArticle is the special-article level, A to D (rule set
	// 2026.2), or empty for goods that are not special articles.
	SpecialArticle string `json:",omitempty"`
	// Documents are the supporting documents the item cites (documents.md),
	// in the order cited; nil when none. Both fields are left out of JSON
	// when empty, so documents stored before rule set 2026.2 read the same.
	Documents []Citation `json:",omitempty"`

	// Path is the item's path in the port's message
	// (/DecMessage/DecLists/DecList[2], /BJXX/HWXX/HW[@XH='2']).
	Path string
}

// DangerousGoods describes a hazardous item.
type DangerousGoods struct {
	// UN is the 4-digit UN number, or empty when not declared.
	UN string
	// Class is the hazard class of codes/un-numbers.csv for UN (which
	// governs), or the declared class where the table has no entry.
	Class string
	// DeclaredClass is the class the port declared, if any.
	DeclaredClass string
	// PackingGroup is I, II, III or empty.
	PackingGroup string
	// Packaging is the UN packaging mark.
	Packaging string
	Bulk      bool
}

// Paths locates fields in the port's message for problems found after
// decoding. Head paths are absolute; item field paths are suffixes appended
// to GoodsItem.Path (for example "/UnCode" or "/DangerousGoods/@un").
type Paths struct {
	DestinationOffice string
	DirectTransitZone string

	District      string
	UN            string
	PackingGroup  string
	PackagingMark string
}

// Warning is a non-fatal finding, at its path in the port's message.
type Warning struct {
	Path    string
	Code    string
	Message string
}

// Warning codes.
const (
	WarnUnknownElement        = "unknown_element"
	WarnClassDiffersFromTable = "class_differs_from_table"
	WarnPackingGroupNotListed = "packing_group_not_listed"
	// WarnDocumentNotChecked: a citation that an offline translation
	// could not check against the register (documents.md).
	WarnDocumentNotChecked = "document_not_checked"
)

// Party returns the party with role r, or nil.
func (d *Declaration) Party(r Role) *Party {
	for i := range d.Parties {
		if d.Parties[i].Role == r {
			return &d.Parties[i]
		}
	}
	return nil
}

// Trader is the consignee of an import or the consignor of an export.
func (d *Declaration) Trader() *Party {
	if d.Direction == Export {
		return d.Party(RoleConsignor)
	}
	return d.Party(RoleConsignee)
}

// Enterprises returns the USCCs whose credit decides the declaration's
// treatment (routing.md): trader, owner and declarant, without repeats.
func (d *Declaration) Enterprises() []string {
	out := make([]string, 0, 3)
	for _, p := range d.Parties {
		if p.Role == RoleOverseas || p.USCC == "" {
			continue
		}
		dup := false
		for _, u := range out {
			if u == p.USCC {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, p.USCC)
		}
	}
	return out
}

// Item returns the goods item with the port's number seq, or nil.
func (d *Declaration) Item(seq int) *GoodsItem {
	for i := range d.Goods {
		if d.Goods[i].Seq == seq {
			return &d.Goods[i]
		}
	}
	return nil
}
