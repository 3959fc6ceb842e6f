package main

import (
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/loadgen"
)

// writeCorpus is `gatewayd load --out DIR`: count generated declarations
// of port written to dir, one file each, named NNNNNN-KIND.xml so that a
// later --corpus run (and anything else reading the folder, such as an
// XSLT yardstick) knows each one's kind without parsing it. The bytes are
// exactly what would be sent (GBK for Hebei).
func writeCorpus(fs *flag.FlagSet, codesDir, dir, port string, count int64, seed uint64) error {
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Sprintf("load takes no arguments, not %q", fs.Args())}
	case port == "":
		return usageError{"--port is required"}
	case count < 1:
		return usageError{"--out needs --count (at least 1)"}
	}
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	tables, err := loadTables(codesDir)
	if err != nil {
		return err
	}
	now := time.Now()
	// A run id in every portRef, as when sending: two corpora written at
	// different times can go to the same database.
	runID := strconv.FormatInt(now.UnixMilli()%1e10, 36)
	gen, err := loadgen.New(loadgen.Config{Port: customs.Port(port), Tables: tables, Seed: seed,
		RefPrefix: runID + "C", Date: now.In(customs.Beijing)})
	if err != nil {
		return usageError{fmt.Sprintf("--port %q: %v", port, err)}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var total int64
	byKind := map[loadgen.Kind]int64{}
	for i := int64(0); i < count; i++ {
		m := gen.Next()
		name := filepath.Join(dir, fmt.Sprintf("%06d-%s.xml", i+1, m.Kind))
		if err := os.WriteFile(name, m.Body, 0o644); err != nil {
			return err
		}
		total += int64(len(m.Body))
		byKind[m.Kind]++
	}
	parts := make([]string, 0, len(byKind))
	for _, k := range loadgen.Kinds {
		if n := byKind[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, n))
		}
	}
	fmt.Printf("wrote %d %s declarations to %s: %d bytes, mean %d; by kind: %s\n",
		count, port, dir, total, total/count, strings.Join(parts, ", "))
	return nil
}

// readCorpus reads the *.xml files of dir in the order of their numbers
// (then names). A file's kind is the part of its name between the first
// '-' and ".xml", as writeCorpus names them; any other name counts under
// the kind "other".
func readCorpus(dir string, port customs.Port) ([]loadgen.Message, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("--corpus %s: no .xml files", dir)
	}
	// Shorter numbers first: 999999-… before 1000000-….
	number := func(path string) string { n, _, _ := strings.Cut(filepath.Base(path), "-"); return n }
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(number(a)), len(number(b))), cmp.Compare(a, b))
	})
	out := make([]loadgen.Message, 0, len(names))
	for _, name := range names {
		body, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		base := strings.TrimSuffix(filepath.Base(name), ".xml")
		kind := loadgen.Kind("other")
		if _, k, ok := strings.Cut(base, "-"); ok && slices.Contains(loadgen.Kinds, loadgen.Kind(k)) {
			kind = loadgen.Kind(k)
		}
		out = append(out, loadgen.Message{Port: port, Kind: kind, Body: body})
	}
	return out, nil
}

// jsonReport is --report json: the figures of write, as numbers.
type jsonReport struct {
	Port           customs.Port       `json:"port"`
	Sent           int64              `json:"sent"`
	OK             int64              `json:"ok"`
	Errors         int64              `json:"errors"`
	ElapsedSeconds float64            `json:"elapsedSeconds"`
	PerSecond      float64            `json:"perSecond"`
	OKPerSecond    float64            `json:"okPerSecond"`
	Bytes          int64              `json:"bytes"`
	LatencyMs      map[string]float64 `json:"latencyMs"`
	ByStatus       map[string]int64   `json:"byStatus"`
	ByKind         map[string]int64   `json:"byKind"`
	FirstError     string             `json:"firstError,omitempty"`
}

func (r *loadReport) writeJSON(w io.Writer) error {
	secs := max(r.Elapsed.Seconds(), 1e-9)
	bad := r.notOK()
	ms := func(p float64) float64 { return float64(r.percentile(p)) / 1e6 }
	j := jsonReport{Port: r.Port, Sent: r.Sent, OK: r.Sent - bad, Errors: bad, ElapsedSeconds: r.Elapsed.Seconds(),
		PerSecond: float64(r.Sent) / secs, OKPerSecond: float64(r.Sent-bad) / secs, Bytes: r.Bytes,
		LatencyMs: map[string]float64{"p50": ms(50), "p90": ms(90), "p99": ms(99), "max": ms(100)},
		ByStatus:  map[string]int64{}, ByKind: map[string]int64{}, FirstError: r.FirstError}
	for s, n := range r.ByStatus {
		j.ByStatus[strconv.Itoa(s)] = n
	}
	for k, n := range r.ByKind {
		j.ByKind[string(k)] = n
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(j)
}
