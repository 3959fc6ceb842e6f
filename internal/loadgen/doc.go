// Package loadgen makes realistic, valid declarations in each port dialect
// (ports.md): Tianjin's DecMessage, Hebei's BJXX in GBK and Beijing's
// AirCargoDeclaration. The load tool (`gatewayd load`) sends them to a
// running gateway and the pipeline benchmarks (internal/pipelinebench)
// measure the intake on them, so they must look like what a port sends, not
// like minimal fixtures: the size, the format's many unused elements, the
// mix of goods and the share of messages that need inspection all change
// what the gateway costs.
//
// Every message is meant to pass every check of the adapters and routing:
// USCCs carry their GB 32100 check character, container numbers their ISO
// 6346 check digit, master air waybills their mod-7 digit; codes come from
// the code tables the generator is given (countries, currencies, units,
// transport and trade modes, customs codes, bureaus, UN numbers, food and
// hazardous HS codes). The mix is ordinary imports and exports, coal, food
// (with the producer's registration where the HS code needs one),
// hazardous chemicals with complete data (safe to sample at the port, and
// not), and direct transit to a pilot zone under seal. Each message has a
// unique portRef, so that a gateway stores every one as a new declaration.
//
// A Generator is deterministic: the same Config gives the same messages in
// the same order. It is not safe for concurrent use; give each goroutine
// its own, with its own Seed and RefPrefix.
package loadgen
