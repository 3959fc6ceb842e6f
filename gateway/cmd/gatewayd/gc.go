package main

import (
	"os"
	"runtime/debug"
)

// serveGCPercent and serveMemoryLimit are the garbage collector's settings
// for `serve` when the operator sets neither GOGC nor GOMEMLIMIT. The
// gateway's live heap is small (about 30 MB under load) while intake
// allocates a tree and a document per declaration, so at Go's default
// (GOGC=100) the collector runs every few megabytes of allocation. A
// larger GOGC lets the heap grow to a few times the live set before each
// cycle, and the soft memory limit brings collection back before the
// process nears the 256 MiB of resident memory the contract allows
// (api.md "Hostile input"; issue 14), whatever the load. It is a soft
// limit: live memory is bounded by MAX_CONCURRENT_INTAKE, not by this. An
// operator with more memory to give sets GOMEMLIMIT (for example 800MiB
// under a 1 GiB container limit), which the runtime reads itself.
const (
	serveGCPercent   = 400
	serveMemoryLimit = 192 << 20
)

// tuneGC applies serveGCPercent and serveMemoryLimit unless the
// environment sets GOGC or GOMEMLIMIT, which then win as Go documents.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemoryLimit)
	}
}
