// Package routing decides where a declaration's goods are inspected
// (routing.md). The engine is pure: a declaration and the facts the caller
// loaded (merged credit ratings, active risk alerts, the day's seed) in, a
// route out, with every rule that fired and its evidence. It does no I/O and
// reads no clock, so the same inputs always give the same route, and an
// auditor can redo any decision.
//
// The engine has two halves. Check is the validation half: the rules whose
// outcome is a 422 rather than a route (hazchem.declaration_incomplete,
// food.registration_missing, destination work with nowhere to go). Decide is
// the routing half and assumes Check passed.
//
// # Evidence
//
// Every reason carries the field values that made its rule fire. The names
// are stable per rule, so that the review centre, the bureaus and the
// enterprises can read them without knowing the engine; a name is left out
// when its value is empty.
//
//	rule                              item  evidence
//	hazchem.unsafe_port_sampling      seq   unNumber, class, packingGroup, pressure ("yes"), hsCode (only without unNumber)
//	hazchem.port_inspection           seq   unNumber, class, packingGroup, hsCode (only without unNumber)
//	hazchem.export_port_check         seq   unNumber, class, packingGroup, hsCode (only without unNumber)
//	coal.joint_supervision            seq   hsCode, coal ("lignite" or "other")
//	food.post_entry_supervision       seq   hsCode, foodPrefix, category, registration ("yes" or "no")
//	direct_transit.sealed_move        0     zone, seals (the seal count)
//	direct_transit.not_eligible       0     zone, failed, strayUnits
//	credit.dishonest                  0     uscc, rating
//	random.selected                   0     seedId, value, rate, rating, inspector
//	risk.alert                        seq   alertId, action, hsPrefix, origin, uscc, port
//	route.destination_outside_region  seq   district, workflow
//
// `failed` of direct_transit.not_eligible is a comma-separated list of
// export, notOriginalContainers, noSeals, straySeals, notPilotZone. Decimal
// values (value, rate) are written in the shortest form that reads back to
// the same float64.
//
// # Readings of the spec
//
// Where routing.md is silent the engine chooses as follows.
//
//   - Coal joint supervision and food post-entry supervision apply to imports
//     only, and so does food.registration_missing: Decree 248 registers the
//     overseas producers of imported food, and an export has no overseas
//     producer. Exported coal or food routes as ordinary goods.
//   - The lane is derived from the tasks: destination_inspection when a task
//     sits at an inland bureau, port_inspection when there are only port-side
//     tasks, release when there are none. That is "the strongest lane any rule
//     asks for", except that work which routing.md keeps at the port (a
//     destination outside the region) counts as port work.
//   - Port-side tasks (bureau "") sort before inland ones of the same
//     workflow.
//   - The packing group that decides "6.1 with packing group I" is the
//     declared one; an item that declares none (bulk) takes the table's when
//     the table gives exactly one.
//   - A risk alert asking for destination inspection of an item that has
//     neither destination office nor district puts the inspection at the
//     port; one whose district is outside the region does so too, with
//     route.destination_outside_region.
//   - A re-route keeps the draw as made (value, rate, selection, inspector),
//     even when the rating changed since. A dishonest enterprise needs no
//     draw, so random.selected does not fire for it; a kept draw is still
//     carried on the route for the audit.
//   - The draw's inspector is picked only when the draw selects the
//     declaration and the task's bureau has a roster.
//   - Unknown bureau codes (destination office, direct-transit zone) and UN
//     numbers that are not in the table are the adapters' 422 (they hold the
//     tables and the paths). Check does not repeat them; CheckCodes does, for
//     a caller whose adapters do not. Decide refuses an unknown office or
//     zone with the same problem rather than route to nowhere.
package routing
