package outbox_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/postgres/pgtest"
	"github.com/jjj/gateway/internal/reviewcentre/sim"
)

var gatewayd struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// buildGatewayd builds the real binary once per test run.
func buildGatewayd(t *testing.T) string {
	t.Helper()
	gatewayd.once.Do(func() {
		dir, err := os.MkdirTemp("", "gatewayd-")
		if err != nil {
			gatewayd.err = err
			return
		}
		gatewayd.path = filepath.Join(dir, "gatewayd")
		cmd := exec.Command("go", "build", "-o", gatewayd.path, "github.com/jjj/gateway/gateway/cmd/gatewayd")
		gatewayd.out, gatewayd.err = cmd.CombinedOutput()
	})
	if gatewayd.err != nil {
		t.Fatalf("go build gatewayd: %v\n%s", gatewayd.err, gatewayd.out)
	}
	return gatewayd.path
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// lockedBuffer collects a process's output for the failure message.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serve starts `gatewayd serve` on dbURL against the review centre at rc.
func serve(t *testing.T, bin, dbURL, rc string) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+dbURL, "GATEWAY_ADDR="+addr, "REVIEW_CENTRE_URL="+rc, "RANDOM_SEED_SECRET=test-secret",
		"OUTBOX_LEASE=4s", "OUTBOX_POLL=50ms", "OUTBOX_CONCURRENCY=8", "OUTBOX_RETRY_BASE=20ms", "OUTBOX_RETRY_CAP=500ms",
		"REVIEW_CENTRE_TIMEOUT=1s", "REVIEW_CENTRE_BREAKER_TIMEOUT=200ms", "LOG_LEVEL=warn")
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-done
			}
		}
		if t.Failed() {
			t.Logf("gatewayd %s output:\n%s", addr, out.String())
		}
	})
	waitFor(t, 20*time.Second, "gatewayd "+addr+" to listen", func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	return cmd, out
}

// TestFaultTwoServeProcessesOneKilled: (c) two `gatewayd serve` processes
// on one database; one is killed with SIGKILL in the middle of sending.
// Every accepted declaration is delivered, the review centre's distinct
// count equals the accepted count, and no key is ever in flight twice at
// once.
func TestFaultTwoServeProcessesOneKilled(t *testing.T) {
	t.Parallel()
	const n = 1000
	bin := buildGatewayd(t)
	// In flight means a sender is still waiting for the answer. A request
	// whose sender gave up (its 1 s timeout, or the SIGKILL) has a done
	// context, though the simulator may still be working on it: a resend
	// then is the outbox working as meant, not two sends at once.
	var mu sync.Mutex
	inFlight := map[string][]context.Context{}
	overlaps := 0
	s := sim.New(sim.Config{Faults: sim.Faults{Latency: 30 * time.Millisecond}})
	defer s.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, ctx := r.Header.Get("Idempotency-Key"), r.Context()
		mu.Lock()
		if slices.ContainsFunc(inFlight[k], func(c context.Context) bool { return c.Err() == nil }) {
			overlaps++
		}
		inFlight[k] = append(inFlight[k], ctx)
		mu.Unlock()
		s.ServeHTTP(w, r)
		mu.Lock()
		inFlight[k] = slices.DeleteFunc(inFlight[k], func(c context.Context) bool { return c == ctx })
		mu.Unlock()
	}))
	defer srv.Close()
	url := pgtest.URL(t)
	db, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ids := insert(t, db, n, declOpt{})

	start := time.Now()
	victim, _ := serve(t, bin, url, srv.URL)
	serve(t, bin, url, srv.URL)
	waitFor(t, 30*time.Second, "sending to be under way", func() bool { return s.Stats().Received >= n/4 })
	var running int
	db.GetContext(t.Context(), &running, `SELECT count(*) FROM outbox WHERE state = 'running'`)
	if err := victim.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	victim.Wait()
	killedAt := s.Stats()
	waitFor(t, 45*time.Second, "every delivery", func() bool { return count(t, db).Delivered == n })
	checkExactlyOnce(t, db, s, ids)
	mu.Lock()
	defer mu.Unlock()
	if overlaps > 0 {
		t.Errorf("a key was in flight twice at once %d times", overlaps)
	}
	st := s.Stats()
	if int(st.Distinct) != n {
		t.Errorf("distinct %d, accepted %d", st.Distinct, n)
	}
	t.Logf("(c) two serve processes, one SIGKILLed with %d rows running after %d received: %d accepted, %d delivered in %s; review centre received %d, distinct %d, duplicates %d (lost answers resent), overlaps %d",
		running, killedAt.Received, n, count(t, db).Delivered, time.Since(start).Round(time.Millisecond), st.Received, st.Distinct, st.Duplicates, overlaps)
}
