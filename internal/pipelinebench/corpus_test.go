package pipelinebench

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// TestCorpusPipeline runs the whole in-process pipeline (pipelineCPU) once
// on each of the first PIPELINE_CORPUS_N Tianjin files of the folder
// PIPELINE_CORPUS, as written by `gatewayd load --out`. It is the Go side
// of deploy/bench-pipeline.sh, which runs this test binary under
// callgrind, once over N files and once over one, and divides the
// difference by N-1: instructions per message without the start-up, the
// same way as for xsltproc on the same files. Without PIPELINE_CORPUS it
// runs on a few generated messages, so that it is checked with every test
// run.
func TestCorpusPipeline(t *testing.T) {
	dir := os.Getenv("PIPELINE_CORPUS")
	n := 0
	if s := os.Getenv("PIPELINE_CORPUS_N"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			t.Fatalf("PIPELINE_CORPUS_N=%q is not a positive number", s)
		}
	}
	x := setup(t)
	if dir == "" {
		dir = t.TempDir()
		msgs, _ := corpus(t, x.tables, customs.PortTianjin, 8, "CP")
		for i, m := range msgs {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%06d-any.xml", i+1)), m, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no .xml files in %s (%v)", dir, err)
	}
	if n > 0 {
		if n > len(names) {
			t.Fatalf("PIPELINE_CORPUS_N=%d, but %s has %d files", n, dir, len(names))
		}
		names = names[:n]
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	total := 0
	for _, name := range names {
		raw, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		size, err := x.pipelineCPU(customs.PortTianjin, raw, now)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// The stored document, canonical XML and answer are each larger
		// than nothing; a message that produced almost nothing did not go
		// through the pipeline.
		if size < len(raw)/2 {
			t.Fatalf("%s: %d bytes out of %d in", name, size, len(raw))
		}
		total += size
	}
	t.Logf("%d messages through the pipeline, %d bytes out", len(names), total)
}
