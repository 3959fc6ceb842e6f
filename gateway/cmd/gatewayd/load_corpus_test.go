package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/loadgen"
)

// TestLoadCorpusRoundTrip writes a corpus with --out, sends it with
// Corpus, and checks that every file went exactly once, with its kind, and
// that the JSON report says so.
func TestLoadCorpusRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "corpus")
	if err := runLoad(context.Background(), []string{"--out", dir, "--port", "beijing", "--count", "40", "--seed", "3"}); err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	if len(names) != 40 {
		t.Fatalf("%d files written, want 40", len(names))
	}
	if filepath.Base(names[0])[:7] != "000001-" {
		t.Errorf("first file %s, want 000001-KIND.xml", filepath.Base(names[0]))
	}
	msgs, err := readCorpus(dir, customs.PortBeijing)
	if err != nil {
		t.Fatal(err)
	}
	wantKinds := map[loadgen.Kind]int64{}
	for i, m := range msgs {
		if m.Kind == "other" {
			t.Errorf("message %d: kind not read from its name", i)
		}
		wantKinds[m.Kind]++
		raw, _ := os.ReadFile(names[i])
		if !bytes.Equal(raw, m.Body) {
			t.Errorf("message %d is not file %s", i, names[i])
		}
	}
	stub := newStub(0)
	srv := newTestServer(t, stub)
	// No count and a long duration: the corpus running out ends the run.
	rep, err := runLoadWith(context.Background(), loadConfig{URL: srv, Key: "k", Port: customs.PortBeijing,
		Duration: time.Minute, Concurrency: 3, Tables: codes.MustEmbedded(), Timeout: 5 * time.Second, Corpus: msgs})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 40 || rep.ByStatus[201] != 40 || len(stub.seen) != 40 {
		t.Fatalf("sent %d, statuses %v, distinct %d; want each of the 40 once, answered 201", rep.Sent, rep.ByStatus, len(stub.seen))
	}
	for k, n := range wantKinds {
		if rep.ByKind[k] != n {
			t.Errorf("kind %s: sent %d, corpus has %d", k, rep.ByKind[k], n)
		}
	}
	var out bytes.Buffer
	if err := rep.writeJSON(&out); err != nil {
		t.Fatal(err)
	}
	var j jsonReport
	if err := json.Unmarshal(out.Bytes(), &j); err != nil {
		t.Fatalf("%v in %s", err, out.String())
	}
	if j.Sent != 40 || j.OK != 40 || j.Errors != 0 || j.ByStatus["201"] != 40 || j.LatencyMs["p99"] <= 0 ||
		j.LatencyMs["p50"] > j.LatencyMs["p99"] || j.LatencyMs["p99"] > j.LatencyMs["max"] || j.OKPerSecond <= 0 {
		t.Errorf("JSON report: %s", out.String())
	}
}

// TestLoadCorpusCount: --count caps a corpus run, and a folder without
// messages is an error, not an empty run.
func TestLoadCorpusCount(t *testing.T) {
	dir := t.TempDir()
	if err := runLoad(context.Background(), []string{"--out", dir, "--port", "tianjin", "--count", "12", "--seed", "5"}); err != nil {
		t.Fatal(err)
	}
	msgs, err := readCorpus(dir, customs.PortTianjin)
	if err != nil || len(msgs) != 12 {
		t.Fatalf("%d messages, %v", len(msgs), err)
	}
	stub := &portStubAny{}
	srv := newTestServer(t, stub)
	rep, err := runLoadWith(context.Background(), loadConfig{URL: srv, Key: "k", Port: customs.PortTianjin,
		Count: 5, Concurrency: 2, Tables: codes.MustEmbedded(), Timeout: 5 * time.Second, Corpus: msgs})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 5 || stub.n.Load() != 5 {
		t.Errorf("sent %d (server saw %d), want 5", rep.Sent, stub.n.Load())
	}
	// Numbers order the files, whatever their width; unknown kinds are "other".
	odd := t.TempDir()
	for name, body := range map[string]string{"10-export.xml": "b", "9-food.xml": "a", "100-x.xml": "c"} {
		os.WriteFile(filepath.Join(odd, name), []byte(body), 0o644)
	}
	got, err := readCorpus(odd, customs.PortTianjin)
	if err != nil || len(got) != 3 || string(got[0].Body)+string(got[1].Body)+string(got[2].Body) != "abc" ||
		got[0].Kind != loadgen.KindFood || got[2].Kind != "other" {
		t.Errorf("order or kinds wrong: %+v, %v", got, err)
	}
	if _, err := readCorpus(t.TempDir(), customs.PortTianjin); err == nil || !strings.Contains(err.Error(), "no .xml files") {
		t.Errorf("empty folder: %v", err)
	}
}

func TestLoadCorpusUsage(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"--out", dir, "--port", "tianjin"},                      // no --count
		{"--out", dir, "--count", "3"},                           // no --port
		{"--out", dir, "--port", "shanghai", "--count", "3"},     // unknown port
		{"--out", dir, "--port", "tianjin", "--count", "3", "x"}, // an argument
		{"--url", "http://127.0.0.1:1", "--key", "k", "--port", "tianjin", "--report", "xml"},
	} {
		err := runLoad(context.Background(), args)
		if _, ok := err.(usageError); !ok {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
	if names, _ := filepath.Glob(filepath.Join(dir, "*")); len(names) != 0 {
		t.Errorf("a refused --out wrote %v", names)
	}
}

// portStubAny answers 201 to every request and counts them.
type portStubAny struct{ n atomic.Int64 }

func (s *portStubAny) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	s.n.Add(1)
	w.WriteHeader(http.StatusCreated)
}

func newTestServer(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}
