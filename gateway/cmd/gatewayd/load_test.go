package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

// portStub answers like the gateway's intake: 201 for a new portRef, 200
// for one it has seen, and fail for every n-th request when n > 0.
type portStub struct {
	mu    sync.Mutex
	seen  map[string]bool
	n     int
	fail  int
	auths map[string]bool
	types map[string]bool
}

func (s *portStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	s.auths[r.Header.Get("Authorization")] = true
	s.types[r.Header.Get("Content-Type")] = true
	if r.URL.Path != "/v1/ports/beijing/declarations" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	if s.fail > 0 && s.n%s.fail == 0 {
		http.Error(w, `{"title":"boom"}`, http.StatusServiceUnavailable)
		return
	}
	i := bytes.Index(body, []byte(`messageId="`))
	ref := string(body[i+11 : i+11+bytes.IndexByte(body[i+11:], '"')])
	if s.seen[ref] {
		w.WriteHeader(http.StatusOK)
		return
	}
	s.seen[ref] = true
	w.WriteHeader(http.StatusCreated)
}

func newStub(fail int) *portStub {
	return &portStub{seen: map[string]bool{}, fail: fail, auths: map[string]bool{}, types: map[string]bool{}}
}

func TestLoadCount(t *testing.T) {
	stub := newStub(0)
	srv := httptest.NewServer(stub)
	defer srv.Close()
	rep, err := runLoadWith(context.Background(), loadConfig{URL: srv.URL + "/", Key: "k1", Port: customs.PortBeijing,
		Count: 57, Concurrency: 4, Seed: 9, Tables: codes.MustEmbedded(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Sent != 57 || rep.ByStatus[201] != 57 || rep.notOK() != 0 {
		t.Fatalf("sent %d, statuses %v; want 57 answered 201", rep.Sent, rep.ByStatus)
	}
	if !stub.auths["Bearer k1"] || len(stub.auths) != 1 || !stub.types["application/xml"] {
		t.Errorf("headers: auth %v, content types %v", stub.auths, stub.types)
	}
	if len(rep.Latencies) != 57 || rep.percentile(50) > rep.percentile(99) || rep.percentile(100) != rep.Latencies[56] {
		t.Errorf("latencies not sorted or percentiles wrong")
	}
	var out strings.Builder
	rep.write(&out)
	for _, want := range []string{"port beijing: 57 requests", "p50", "p99", "max", "status 201: 57"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestLoadRateAndDuration(t *testing.T) {
	stub := newStub(0)
	srv := httptest.NewServer(stub)
	defer srv.Close()
	rep, err := runLoadWith(context.Background(), loadConfig{URL: srv.URL, Key: "k", Port: customs.PortBeijing,
		Rate: 100, Duration: 500 * time.Millisecond, Concurrency: 3, Seed: 1, Tables: codes.MustEmbedded(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// 100/s for half a second: about 50, never far more.
	if rep.Sent < 10 || rep.Sent > 52 {
		t.Errorf("sent %d at 100/s in 0.5s", rep.Sent)
	}
}

func TestLoadReportsFailures(t *testing.T) {
	stub := newStub(5)
	srv := httptest.NewServer(stub)
	defer srv.Close()
	rep, err := runLoadWith(context.Background(), loadConfig{URL: srv.URL, Key: "k", Port: customs.PortBeijing,
		Count: 20, Concurrency: 2, Seed: 1, Tables: codes.MustEmbedded(), Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ByStatus[503] != 4 || rep.notOK() != 4 || !strings.Contains(rep.FirstError, "503") {
		t.Errorf("statuses %v, first error %q", rep.ByStatus, rep.FirstError)
	}
}

func TestLoadNoServer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	rep, err := runLoadWith(context.Background(), loadConfig{URL: url, Key: "k", Port: customs.PortBeijing,
		Count: 3, Concurrency: 1, Seed: 1, Tables: codes.MustEmbedded(), Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ByStatus[0] != 3 || rep.notOK() != 3 {
		t.Errorf("statuses %v; want 3 without answer", rep.ByStatus)
	}
}

func TestLoadUsage(t *testing.T) {
	for _, args := range [][]string{
		{"--key", "k", "--port", "beijing"},
		{"--url", "http://127.0.0.1:1", "--port", "beijing"},
		{"--url", "http://127.0.0.1:1", "--key", "k"},
		{"--url", "http://127.0.0.1:1", "--key", "k", "--port", "shanghai"},
		{"--url", "http://127.0.0.1:1", "--key", "k", "--port", "beijing", "--concurrency", "0"},
	} {
		err := runLoad(context.Background(), args)
		if _, ok := err.(usageError); !ok {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}
