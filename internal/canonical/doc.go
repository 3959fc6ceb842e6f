// Package canonical writes the canonical declaration as the review centre's
// XML (canonical.md, schemas/review-centre-declaration-v1.xsd). The output
// is byte-for-byte stable: the same declaration and route always give the
// same bytes, element and attribute order fixed, no insignificant white
// space. It writes straight into a byte slice, with no reflection and no DOM,
// because it runs on every declaration the gateway accepts.
//
// Choices where canonical.md is silent:
//
//   - Declaration/@id, @ruleSet and the Source attributes port, portRef,
//     dialect, receivedAt and digest are always written; the caller sets
//     ID ("offline" for the offline translation) and ReceivedAt. A zero
//     ReceivedAt is written as 0001-01-01T00:00:00Z rather than dropped, so
//     that the message shape never depends on the clock.
//   - Every other attribute and optional element is written only when it has
//     a value ("optional parts are absent, not empty"): an empty Trade,
//     Weights, Party name or item Spec is left out. DangerousGoods/@bulk and
//     DirectTransit/@granted are always written, being booleans.
//   - Characters that XML 1.0 cannot carry (C0 controls other than tab,
//     newline and carriage return, U+FFFE, U+FFFF, and bytes that are not
//     UTF-8) are replaced by U+FFFD, as encoding/xml does: the message stays
//     well-formed and the reader can see something was there. The port's
//     original bytes are provable through Source/@digest. Tab, newline and
//     carriage return in attributes, and carriage return in text, are
//     written as character references so that a reader's normalisation does
//     not change the value.
//   - Route/@workflows, task ids and statuses and the random draw are not in
//     the message: canonical.md's example does not carry them, and the
//     review centre needs the work (tasks) and the why (reasons), not the
//     gateway's bookkeeping.
package canonical
