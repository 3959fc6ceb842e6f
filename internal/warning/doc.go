// Package warning is the regional warnings and the trace across the three
// ports (warnings.md): one region warns, the two others owe an
// acknowledgement by a deadline, a warning with an inspection action acts
// on goods at all three ports exactly as a risk alert, and a bureau finds
// every declaration of the region that a risk touches.
//
// The service decides; the storage it needs is the Store interface, in
// domain types (internal/postgres implements it), and the re-route and the
// alert cache it drives are the small Rerouter and AlertCache interfaces
// (internal/inspection implements them). Its clock is NowFunc.
//
// Readings where warnings.md is silent, chosen for the duty officer of an
// inspection bureau:
//
//   - Only a bureau key issues a warning: the issuing region is the key's
//     bureau's. An operator (admin) may lift any warning, read all, but not
//     issue or acknowledge, since it speaks for no region.
//   - An acknowledgement must say what the region does: measures is
//     required. A warning lifted or expired owes nothing more: acknowledging
//     it is 409, and it is never overdue.
//   - region= in the list selects the issuing region.
//   - Lifting asks for a reason, kept with the warning; lifting a warning
//     already lifted or expired is 409.
//   - A trace names at least one of hsPrefix, origin, uscc, container; the
//     item criteria (hsPrefix, origin) must hold for the same item; with
//     only uscc or container, every item of a matched declaration is
//     listed as matched. The window is at most 366 days.
//   - Every trace call is recorded before its answer is sent; a call that
//     cannot be recorded is not answered (503/500), since an unrecorded
//     cross-scope read is what the audit exists to prevent.
//   - Overdue acknowledgements are logged once each, by whichever gateway
//     process's watch sees them first (Service.NoteOverdue), and counted
//     by the owing region in gateway_warning_acks_overdue.
package warning
