// Package pipelinebench holds only benchmarks and tests: the whole intake
// pipeline of each port dialect, measured on realistic generated messages
// (internal/loadgen) against the floor under it, a bare etree parse of the
// same bytes. DEVELOPERS.md's goal is all the CPU work of an intake in well
// under twice that parse.
//
//	go test ./internal/pipelinebench -run x -bench . -benchmem -count 3
//
// The benchmarks, per dialect:
//
//   - BenchmarkEtreeParse: etree's ReadFromBytes of the message (through a
//     GBK CharsetReader for Hebei), nothing else: the baseline.
//   - BenchmarkTranslate: translate.Translator.Decode, that is the adapter's
//     decode, Declaration.Validate and routing's Check.
//   - BenchmarkPipelineCPU: everything clearance.Service.Submit does except
//     the database: translate, the facts (with the day's seed), routing's
//     Decide, canonical.Marshal and the JSON of the stored document and of
//     the answer.
//   - BenchmarkSubmit: clearance.Service.Submit against a real database
//     (internal/postgres/pgtest), with its one INSERT round trip.
package pipelinebench
