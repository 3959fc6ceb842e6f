package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/postgres/pgtest"
	"github.com/jjj/gateway/internal/reviewcentre/sim"
)

// TestServeMemoryUnderBombs starts `gatewayd serve` as a process and sends
// 16 element bombs and 16 attribute bombs (each just under 4 MiB) at once:
// its peak resident memory (VmHWM) stays under 256 MiB (api.md "Hostile
// input"). GATEWAYD_BIN, when set, is the binary to measure instead of
// this package's (to compare with another build).
func TestServeMemoryUnderBombs(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Fatalf("this test reads /proc: %v", err)
	}
	clearEnv(t)
	bin := os.Getenv("GATEWAYD_BIN")
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "gatewayd")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out)
		}
	}
	dbURL := pgtest.URL(t)
	rc := httptest.NewServer(sim.New(sim.Config{NoValidate: true}))
	defer rc.Close()
	var keyOut bytes.Buffer
	if err := runKeysCreate(context.Background(), []string{"--database-url", dbURL, "--role", "port", "--scope", "tianjin"}, &keyOut); err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(keyOut.String())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "REVIEW_CENTRE_URL="+rc.URL, "RANDOM_SEED_SECRET=s", "GATEWAY_ADDR="+addr, "LOG_LEVEL=error")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	base := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %s", stderr.String())
		}
	}
	const limit = 4 << 20
	head := `<?xml version="1.0" encoding="UTF-8"?><DecMessage xmlns="http://www.chinaport.gov.cn/dec">`
	var el bytes.Buffer
	el.WriteString(head)
	for el.Len() < limit-64 {
		el.WriteString("<a/>")
	}
	el.WriteString("</DecMessage>")
	var at bytes.Buffer
	at.WriteString(head + "<a")
	for i := 0; at.Len() < limit-64; i++ {
		fmt.Fprintf(&at, " a%d=\"\"", i)
	}
	at.WriteString("/></DecMessage>")
	var wg sync.WaitGroup
	statuses := make(chan int, 32)
	for i := range 32 {
		body := el.Bytes()
		if i%2 == 1 {
			body = at.Bytes()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", base+"/v1/ports/tianjin/declarations", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("Content-Type", "application/xml")
			resp, err := (&http.Client{Timeout: 2 * time.Minute}).Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	wg.Wait()
	close(statuses)
	for st := range statuses {
		if st >= 500 && st != http.StatusServiceUnavailable || st == 0 {
			t.Errorf("a bomb was answered %d", st)
		}
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	var hwmKB int
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			hwmKB, _ = strconv.Atoi(f[1])
		}
	}
	t.Logf("peak RSS (VmHWM) of serve under 16 element and 16 attribute bombs: %d MiB", hwmKB/1024)
	if hwmKB == 0 || hwmKB > 256*1024 {
		t.Errorf("peak RSS %d KiB, want under 256 MiB", hwmKB)
	}
}
