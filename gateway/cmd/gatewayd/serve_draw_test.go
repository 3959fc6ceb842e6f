package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres/pgtest"
	"github.com/jjj/gateway/internal/reviewcentre/sim"
)

// drawByHand is routing.md's draw written again from the text with
// crypto/hmac and math/big, apart from internal/routing:
// seed = HMAC-SHA256(secret, "seed:"+day); seedId = day:first 8 hex of
// SHA-256(seed); h = HMAC-SHA256(seed, id); value = first 8 bytes of h as
// a big-endian integer / 2^64; inspector = roster[next 8 bytes mod len].
func drawByHand(secret, day, id string, roster []string) (seedID string, value float64, inspector string) {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("seed:" + day))
	seed := m.Sum(nil)
	sum := sha256.Sum256(seed)
	seedID = day + ":" + hex.EncodeToString(sum[:])[:8]
	h := hmac.New(sha256.New, seed)
	h.Write([]byte(id))
	hv := h.Sum(nil)
	num := new(big.Float).SetInt(new(big.Int).SetBytes(hv[:8]))
	den := new(big.Float).SetInt(new(big.Int).Lsh(big.NewInt(1), 64))
	value, _ = new(big.Float).Quo(num, den).Float64()
	if len(roster) > 0 {
		inspector = roster[binary.BigEndian.Uint64(hv[8:16])%uint64(len(roster))]
	}
	return seedID, value, inspector
}

// TestServeDrawsWithItsSecret starts `gatewayd serve` as main does (its
// settings from the environment, RANDOM_SEED_SECRET a random secret only
// this test knows), submits a declaration, and recomputes its draw from the
// secret independently: the draw intake stored, the one the API shows, and
// the one the draw endpoint recomputes must all be that draw. Intake and
// the draw endpoint are wired separately, so a serve that handed intake
// another secret would otherwise go unnoticed until an audit.
func TestServeDrawsWithItsSecret(t *testing.T) {
	clearEnv(t)
	dbURL := pgtest.URL(t)
	rc := sim.New(sim.Config{NoValidate: true})
	defer rc.Close()
	rcSrv := httptest.NewServer(rc)
	defer rcSrv.Close()

	key := func(args ...string) string {
		var out bytes.Buffer
		if err := runKeysCreate(context.Background(), append([]string{"--database-url", dbURL}, args...), &out); err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(out.String())
	}
	portKey, adminKey := key("--role", "port", "--scope", "tianjin"), key("--role", "admin")

	b := make([]byte, 16)
	rand.Read(b)
	secret := hex.EncodeToString(b)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // serve listens on it itself, as it does in production
	for k, v := range map[string]string{"DATABASE_URL": dbURL, "REVIEW_CENTRE_URL": rcSrv.URL, "GATEWAY_ADDR": addr,
		"RANDOM_SEED_SECRET": secret, "RANDOM_INSPECTION_RATES": "general=1,advanced=1", "LOG_LEVEL": "error"} {
		t.Setenv(k, v)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}) }()
	t.Cleanup(func() {
		stop() // SIGTERM
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve ended with %v", err)
			}
		case <-time.After(40 * time.Second):
			t.Error("serve did not stop")
		}
	})
	base := "http://" + addr
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended before it was ready: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("serve not ready after 30 s")
		}
	}

	call := func(method, path, key string, body []byte) map[string]any {
		t.Helper()
		req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+key)
		if body != nil {
			req.Header.Set("Content-Type", "application/xml")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if resp.StatusCode/100 != 2 {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
		return m
	}
	xml, err := os.ReadFile(filepath.Join("..", "..", "..", "adapters", "tianjin", "testdata", "import-ordinary-machinery.xml"))
	if err != nil {
		t.Fatal(err)
	}
	d := call("POST", "/v1/ports/tianjin/declarations", portKey, xml)
	id, _ := d["id"].(string)
	received, err := time.Parse(time.RFC3339Nano, stringOf(d["receivedAt"]))
	if id == "" || err != nil {
		t.Fatalf("declaration without id or receivedAt (%v): %v", err, d)
	}
	day := received.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	// The draw's roster is the port office's: Xingang (0202) is office 120000.
	roster := codes.MustEmbedded().Bureaus["120000"].Inspectors
	if len(roster) == 0 {
		t.Fatal("bureau 120000 has no roster: the inspector would not be checked")
	}
	seedID, value, inspector := drawByHand(secret, day, id, roster)

	// The draw intake stored.
	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var raw []byte
	if err := db.QueryRow(`SELECT draw FROM declaration WHERE id = $1`, id).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	var stored customs.Draw
	if err := json.Unmarshal(raw, &stored); err != nil {
		t.Fatalf("stored draw %s: %v", raw, err)
	}
	if want := (customs.Draw{SeedID: seedID, Value: value, Rate: 1, Selected: true, Inspector: inspector}); stored != want {
		t.Errorf("stored draw\n got %+v\nwant %+v (recomputed from RANDOM_SEED_SECRET)", stored, want)
	}

	// The draw the API shows, as the reason's evidence.
	var evidence map[string]any
	if route, ok := d["route"].(map[string]any); ok {
		reasons, _ := route["reasons"].([]any)
		for _, r := range reasons {
			if m, _ := r.(map[string]any); m["rule"] == "random.selected" {
				evidence, _ = m["evidence"].(map[string]any)
			}
		}
	}
	if evidence["seedId"] != seedID || evidence["inspector"] != inspector {
		t.Errorf("random.selected evidence %v, want seed %s inspector %s", evidence, seedID, inspector)
	}

	// The draw endpoint's recomputation, and its verdict.
	got := call("GET", "/v1/admin/draws/"+id, adminKey, nil)
	if got["seedId"] != seedID || got["value"] != value || got["selected"] != true || got["inspector"] != inspector || got["matches"] != true {
		t.Errorf("draw endpoint %v, want seed %s value %v inspector %s, matching the stored draw", got, seedID, value, inspector)
	}
}

func stringOf(v any) string { s, _ := v.(string); return s }
