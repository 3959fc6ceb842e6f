package sim_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/canonical"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/reviewcentre"
	"github.com/jjj/gateway/internal/reviewcentre/sim"
)

func declaration(id string, dir customs.Direction, port string) []byte {
	d := &customs.Declaration{
		ID: id, RuleSet: "2026.1",
		Source: customs.Source{Port: customs.PortHebei, PortRef: "HE-" + id, Dialect: "hebei/BJXX-2.1",
			ReceivedAt: time.Date(2026, 11, 27, 1, 30, 0, 0, time.UTC), Digest: "sha256:" + strings.Repeat("ab", 32)},
		Direction: dir,
		Customs:   customs.CustomsCodes{Declaring: port, Port: port},
		Parties: []customs.Party{
			{Role: customs.RoleConsignee, USCC: "91130200MA0FK3L20Y"},
			{Role: customs.RoleDeclarant, USCC: "91130200MA0FK3L20Y"},
		},
		Transport: customs.Transport{Mode: "sea"},
		Goods:     []customs.GoodsItem{{Seq: 1, HSCode: "2601111000", Quantity: "150000", Unit: "070", Value: "13500000.00", Currency: "USD", Origin: "BRA"}},
	}
	if dir == customs.Export {
		d.Parties[0].Role = customs.RoleConsignor
	}
	return canonical.Marshal(d)
}

type answer struct {
	status  int
	header  http.Header
	receipt *reviewcentre.Receipt
	raw     string
}

func do(t *testing.T, url, method, path, key string, body []byte) answer {
	t.Helper()
	req, _ := http.NewRequest(method, url+path, bytes.NewReader(body))
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	req.Header.Set("Content-Type", "application/xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(b)}
	var r reviewcentre.Receipt
	if xml.Unmarshal(b, &r) == nil {
		a.receipt = &r
	}
	return a
}

func stats(t *testing.T, url string) sim.Stats {
	t.Helper()
	resp, err := http.Get(url + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s sim.Stats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestIdempotencyAndEntryIDs(t *testing.T) {
	t.Parallel()
	s := sim.New(sim.Config{})
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()

	a := do(t, srv.URL, "POST", "/declarations", "d_A", declaration("d_A", customs.Import, "0408"))
	if a.status != 201 || a.receipt == nil || a.receipt.Status != "accepted" {
		t.Fatalf("first send = %d %s", a.status, a.raw)
	}
	if got := a.receipt.EntryID; got != "040820261000000001" || !reviewcentre.ValidEntryID(got) {
		t.Errorf("entry id %q, want district 0408, year 2026, import 1, serial 1", got)
	}
	again := do(t, srv.URL, "POST", "/declarations", "d_A", declaration("d_A", customs.Import, "0408"))
	if again.status != 409 || again.receipt == nil || again.receipt.EntryID != a.receipt.EntryID {
		t.Fatalf("repeat = %d %s, want 409 with the same receipt", again.status, again.raw)
	}
	exp := do(t, srv.URL, "POST", "/declarations", "d_B", declaration("d_B", customs.Export, "0101"))
	if exp.status != 201 || exp.receipt.EntryID != "010120260000000002" {
		t.Errorf("export = %d %+v", exp.status, exp.receipt)
	}
	// A key that is not the declaration's id is refused.
	if a := do(t, srv.URL, "POST", "/declarations", "d_X", declaration("d_C", customs.Import, "0408")); a.status != 400 {
		t.Errorf("mismatched key = %d", a.status)
	}
	if a := do(t, srv.URL, "POST", "/declarations", "", declaration("d_C", customs.Import, "0408")); a.status != 400 {
		t.Errorf("no key = %d", a.status)
	}
	if e, ok := s.EntryID("d_A"); !ok || e != a.receipt.EntryID {
		t.Errorf("EntryID(d_A) = %q, %v", e, ok)
	}
	got := stats(t, srv.URL)
	want := sim.Stats{Received: 5, Distinct: 2, Duplicates: 1, Refused: 2}
	if got != want {
		t.Errorf("stats = %+v, want %+v", got, want)
	}
}

// TestValidation: what does not validate is refused with 422 and not kept,
// so the same key may come again with a fixed body.
func TestValidation(t *testing.T) {
	t.Parallel()
	s := sim.New(sim.Config{})
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()

	bad := bytes.Replace(declaration("d_V", customs.Import, "0408"), []byte("<HSCode>2601111000</HSCode>"), []byte("<HSCode>26011</HSCode>"), 1)
	a := do(t, srv.URL, "POST", "/declarations", "d_V", bad)
	if a.status != 422 || a.receipt == nil || a.receipt.Status != "refused" || len(a.receipt.Reasons) == 0 {
		t.Fatalf("invalid = %d %s", a.status, a.raw)
	}
	if !strings.Contains(strings.Join(a.receipt.Reasons, " "), "HSCode") {
		t.Errorf("reasons %q do not name HSCode", a.receipt.Reasons)
	}
	if a := do(t, srv.URL, "POST", "/declarations", "d_V", []byte("not xml")); a.status != 422 {
		t.Errorf("not XML = %d", a.status)
	}
	if a := do(t, srv.URL, "POST", "/declarations", "d_V", declaration("d_V", customs.Import, "0408")); a.status != 201 {
		t.Errorf("fixed = %d %s", a.status, a.raw)
	}
	if got := stats(t, srv.URL); got.Refused != 2 || got.Distinct != 1 {
		t.Errorf("stats = %+v", got)
	}
}

func TestRouteAmendment(t *testing.T) {
	t.Parallel()
	s := sim.New(sim.Config{})
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()
	route := canonical.MarshalRoute(&customs.Route{Lane: customs.LanePortInspection, RuleSet: "2026.1",
		Tasks: []customs.Task{{Workflow: customs.WorkflowInspection, Items: []int{1}}}})

	if a := do(t, srv.URL, "PUT", "/declarations/d_R/route", "d_R:route:1", route); a.status != 404 || a.receipt == nil {
		t.Fatalf("unknown declaration = %d %s", a.status, a.raw)
	}
	do(t, srv.URL, "POST", "/declarations", "d_R", declaration("d_R", customs.Import, "0202"))
	a := do(t, srv.URL, "PUT", "/declarations/d_R/route", "d_R:route:1", route)
	if a.status != 200 || a.receipt.EntryID == "" {
		t.Fatalf("amendment = %d %s", a.status, a.raw)
	}
	if b := do(t, srv.URL, "PUT", "/declarations/d_R/route", "d_R:route:1", route); b.status != 409 || b.receipt.EntryID != a.receipt.EntryID {
		t.Errorf("repeat = %d %s", b.status, b.raw)
	}
	if b := do(t, srv.URL, "PUT", "/declarations/d_R/route", "d_Q:route:1", route); b.status != 400 {
		t.Errorf("key of another declaration = %d", b.status)
	}
	if b := do(t, srv.URL, "PUT", "/declarations/d_R/route", "d_R:route:2", []byte("<Route/>")); b.status != 422 {
		t.Errorf("invalid route = %d", b.status)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	s := sim.New(sim.Config{Seed: 1})
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()
	body := declaration("d_F", customs.Import, "0408")

	s.SetFaults(sim.Faults{FailRate: 1})
	if a := do(t, srv.URL, "POST", "/declarations", "d_F", body); a.status != 503 {
		t.Errorf("fail = %d", a.status)
	}
	s.SetFaults(sim.Faults{ThrottleRate: 1, RetryAfter: 3 * time.Second})
	if a := do(t, srv.URL, "POST", "/declarations", "d_F", body); a.status != 429 || a.header.Get("Retry-After") != "3" {
		t.Errorf("throttle = %d Retry-After %q", a.status, a.header.Get("Retry-After"))
	}
	if st := stats(t, srv.URL); st.Distinct != 0 {
		t.Errorf("503 and 429 kept something: %+v", st)
	}
	// Garbage: processed (kept), but the answer is lost.
	s.SetFaults(sim.Faults{GarbageRate: 1})
	a := do(t, srv.URL, "POST", "/declarations", "d_F", body)
	if a.receipt != nil {
		t.Errorf("garbage answer parsed: %s", a.raw)
	}
	s.SetFaults(sim.Faults{Latency: 50 * time.Millisecond})
	start := time.Now()
	if a := do(t, srv.URL, "POST", "/declarations", "d_F", body); a.status != 409 {
		t.Errorf("after a lost answer = %d, want 409", a.status)
	}
	if time.Since(start) < 50*time.Millisecond {
		t.Error("no latency")
	}
	s.SetFaults(sim.Faults{})
	s.SetDown(time.Hour)
	req, _ := http.NewRequest("POST", srv.URL+"/declarations", bytes.NewReader(body))
	req.Header.Set("Idempotency-Key", "d_F")
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Errorf("down answered %d", resp.StatusCode)
	}
	s.SetDown(0)
	// Received counts the dropped request twice: net/http retries a request
	// with an Idempotency-Key once on a reused connection that was closed.
	if got := stats(t, srv.URL); got.Received < 5 || got.Distinct != 1 || got.Duplicates != 1 {
		t.Errorf("stats = %+v", got)
	}

	// Rates are shares of requests.
	s2 := sim.New(sim.Config{Faults: sim.Faults{FailRate: 0.3}, Seed: 7, NoValidate: true})
	srv2 := httptest.NewServer(s2)
	defer srv2.Close()
	fails := 0
	for i := range 400 {
		id := "d_" + string(rune('a'+i%26)) + strings.Repeat("x", i/26)
		if a := do(t, srv2.URL, "POST", "/declarations", id, declaration(id, customs.Import, "0408")); a.status == 503 {
			fails++
		}
	}
	if fails < 80 || fails > 160 {
		t.Errorf("%d of 400 failed at a 30%% fail rate", fails)
	}
}

// TestConcurrentSameKey: a key sent many times at once is accepted once.
func TestConcurrentSameKey(t *testing.T) {
	t.Parallel()
	s := sim.New(sim.Config{})
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()
	body := declaration("d_C", customs.Import, "0408")
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	entries := map[string]bool{}
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := do(t, srv.URL, "POST", "/declarations", "d_C", body)
			mu.Lock()
			codes[a.status]++
			if a.receipt != nil {
				entries[a.receipt.EntryID] = true
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if codes[201] != 1 || codes[409] != 19 || len(entries) != 1 {
		t.Errorf("answers %v, entry ids %v", codes, entries)
	}
}

func TestValidatorUnavailable(t *testing.T) {
	// Without xmllint the simulator cannot judge a message: it answers
	// 503, never a refusal, so nothing is lost.
	t.Setenv("PATH", t.TempDir())
	s := sim.New(sim.Config{})
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()
	a := do(t, srv.URL, "POST", "/declarations", "d_U", declaration("d_U", customs.Import, "0408"))
	if a.status != 503 {
		t.Errorf("no validator = %d, want 503", a.status)
	}
}
