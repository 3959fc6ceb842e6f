// Package beijing is the adapter of Beijing's air cargo declaration
// (AirCargoDeclaration, namespace urn:cn:bjport:aircargo:declaration:2),
// used at Capital Airport (customs 0101) and its warehouse area (0107). The
// contract is spec/ports.md, section "beijing"; the subset of the format the
// gateway reads is schemas/beijing-aircargo.xsd. Declarations decoded here
// carry the dialect "beijing/AirCargoDeclaration-2".
//
// The format is attribute-heavy and speaks ISO codes: countries alpha-2
// (mapped to alpha-3), currencies ISO 4217, units UN/ECE Recommendation 20
// (mapped to customs unit codes through codes/units.csv), times ISO 8601
// with an offset (kept in UTC). It has no trade mode, terms or weights, so
// the canonical Trade and Weights are nil, and no original-container flag,
// so DirectTransit.OriginalContainers is nil.
//
// Quirks and readings, beyond what ports.md says in as many words:
//
//   - Namespaces are matched by URI: the root may use any prefix or a
//     default namespace. A child element in another namespace (or in none,
//     under a prefixed root without a default namespace) is not part of the
//     format and is reported as unknown_element; its content is not read.
//     Unprefixed attributes are the format's; prefixed and unknown
//     attributes are ignored.
//   - The text of Description, Model and Seal is all the element's
//     character data, however comments or a child element split it (the
//     reading of every dialect, adapters.Text); a child element there is
//     not part of the format and is reported as unknown_element.
//   - Enumerated values (@direction, @role, @mode, @kind, @packingGroup) are
//     case-sensitive, as in the XSD. @bulk takes xs:boolean's true, false,
//     1 and 0.
//   - An import's trader is its CONSIGNEE and its overseas party the
//     SHIPPER; an export's the CONSIGNOR and the RECIPIENT. A role of the
//     other direction is one of the format's roles, so it is no invalid_enum
//     (api.md: a value outside the fixed set): like Hebei's FHR on an
//     import it is checked (USCC, country) but not mapped, since the
//     canonical model has room for one trader and one overseas party. An
//     import that names only a CONSIGNOR misses its CONSIGNEE. Each role is
//     given once (duplicate_key at the later one's @role).
//   - The trader's and the declarant's @uscc are required; an OWNER may be
//     named without one (ports.md requires no owner USCC; Tianjin and Hebei
//     keep an owner by name too), and an OWNER with no uscc, name or
//     country is absent.
//   - An element the format has once (Customs, Transport, Description, ...)
//     given twice is duplicate_key at the second one (Transport[2]); the
//     first one is read.
//   - @created must be a time with an offset; @departureDate may be a date
//     (kept as declared) or such a time (its UTC date: 06:30+08:00 on the
//     26th departs on the 25th). Accepted times are yyyy-MM-ddTHH:mm,
//     optionally :ss and a fraction, then Z, ±hh:mm, ±hhmm or ±hh.
//   - The master waybill (@mawb, hyphen optional) is required for AIR and
//     checked whenever it is given; it becomes the billNo, digits only. The
//     house waybill (@hawb) is kept as declared, unchecked.
//   - A Unit without @kind is taken for a CONTAINER when its id has the
//     ISO 6346 shape (four letters, seven digits) and for a ULD otherwise.
//     Only containers get the ISO 6346 check.
//   - An Item without @line is named by its position (Item[2]) in paths;
//     otherwise by its number (Item[@line='2']). A Party without @role
//     likewise (Party[3]). A line that is not a positive whole number is
//     missing_field, as the canonical model's Validate has it.
//   - An empty DangerousGoods (no known attribute with a value and no child)
//     is absent; any other makes the item hazardous. The class of
//     codes/un-numbers.csv governs; a declared class that differs is a
//     class_differs_from_table warning ("1.1" matches a listed "1.1D"), a
//     declared packing group the table does not list for the UN number a
//     packing_group_not_listed warning. Missing UN numbers, packing groups,
//     packaging marks and producer registrations are left to routing's
//     validation half, which reads Declaration.Paths.
//   - When the direction is missing or invalid, the trader (CONSIGNEE or
//     CONSIGNOR) is not required: which one is unknown, and the direction
//     is already reported.
package beijing
