// Package tianjin reads Tianjin port's declarations: the national single
// window's declaration message (DecMessage, versions 3.1, 4.8 and 5.0) with
// the region's direct-transit extension in urn:jjj:ext:v1 (ports.md
// "tianjin"). It maps them to the canonical declaration and makes every
// check of ports.md's table, reporting every problem at once at its path in
// the message (samples/README.md "Paths").
//
// The decoder walks the etree once, switching on each child's tag, because
// decoding is on the hot path of every submission: no XPath, no
// FindElement, no reflection, and paths are built only when a problem or a
// warning needs one (a goods item's own path is the exception: routing
// reports at it).
//
// Readings where the contract is silent, chosen for what a port would
// expect:
//
//   - Namespaces are matched by URI. An element of the national format that
//     sits in a foreign namespace has a known name, so it raises no warning,
//     but it is not read either: <x:IEFlag xmlns:x="other"> is not IEFlag.
//     Extension elements (urn:jjj:ext:v1) other than DirectTransit/Seal are
//     ignored without a warning.
//   - A field given twice (two IEFlag in DecHead) takes its first non-empty
//     value; the national format has no such case.
//   - A missing or empty version attribute is accepted, since ports.md does
//     not list it among the required fields; Source/@dialect is then
//     "tianjin/DecMessage" (the canonical XSD allows a dialect without a
//     version). A version outside 3.1, 4.8, 5.0 is invalid_enum.
//   - An invalid DangPackType is invalid_enum only: the packing group is
//     there, and wrong, so routing does not report it missing as well.
//   - A message with no DecList is missing_field at
//     /DecMessage/DecLists/DecList[1], where the first item belongs.
//   - An item number (GNo) that is not a positive whole number is
//     missing_field, as customs.Declaration.Validate calls a seq <= 0.
//   - The owner party is carried when any of OwnerCodeScc, OwnerCode or
//     OwnerName is given: ports.md does not require the owner's USCC, so an
//     owner named by customs code and name alone is kept (its credit then
//     cannot count); a USCC that is given is checked.
//   - DeclPrice (unit price, 4 decimals) and DestinationCountry are checked
//     but not carried (canonical.md). DistrictCode is neither checked nor
//     carried (samples/README.md reading 4).
//   - The dangerous-goods part of an item exists when the item is flagged
//     (NoDangFlag 0, GoodsAttr 31 or 32) or declares a UN number, a packing
//     type or a packaging mark; DangName alone does not make one.
//   - A DirectTransit with neither zone nor seal is absent. One with seals
//     but no zone is missing_field at @zone. A Seal with neither number nor
//     @container is absent; one with only one of them is missing_field at
//     Seal[n] (the number) or Seal[n]/@container. A seal whose container is
//     not a declared ContainerId is a stray seal, not an error: routing
//     makes the request direct_transit.not_eligible (reading 5).
//   - A Container with content but no ContainerId is missing_field; an
//     empty one is absent. A repeated container is duplicate_key at the
//     later one's ContainerId, a repeated GNo at the later item's GNo.
//   - Container numbers are not upper-cased (ISO 6346 writes capitals); USCCs
//     are (ports.md accepts lower case).
//   - The UN number is UnCode or Uncode; d.Paths.UN follows the message's
//     spelling ("/Uncode" when an item spells it so, also when empty), so
//     routing's hazchem.declaration_incomplete names the element the port
//     wrote. A declared packing group that un-numbers.csv does not list for
//     the UN number is the adapter's packing_group_not_listed warning, as in
//     the other dialects.
//   - Goods are ordered by GNo (canonical.md: the port's numbering order);
//     each keeps its path, so problems still name its position.
package tianjin
