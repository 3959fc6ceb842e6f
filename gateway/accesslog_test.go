package gateway_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// syncBuffer is a log sink the server's goroutines write while the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// lines returns the JSON log lines with msg.
func (s *syncBuffer) lines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(s.b.String(), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", l)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// accessLine waits for the access log line of a request id: it is written
// once the answer is done, which may be just after the client has it.
func (s *syncBuffer) accessLine(t *testing.T, id string) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var found []map[string]any
		for _, l := range s.lines(t, "http request") {
			if l["requestId"] == id {
				found = append(found, l)
			}
		}
		if len(found) > 1 {
			t.Fatalf("%d access lines for request %s", len(found), id)
		}
		if len(found) == 1 {
			return found[0]
		}
	}
	t.Fatalf("no access line for request %s", id)
	return nil
}

// doWithID sends a request with an X-Request-Id ("" sends none).
func (b *testBundle) doWithID(t *testing.T, method, path, key, contentType, reqID string, body []byte) response {
	t.Helper()
	req, err := http.NewRequest(method, b.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if reqID != "" {
		req.Header.Set("X-Request-Id", reqID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := response{status: resp.StatusCode, header: resp.Header}
	r.body, _ = io.ReadAll(resp.Body)
	if strings.Contains(resp.Header.Get("Content-Type"), "json") && len(r.body) > 0 {
		json.Unmarshal(r.body, &r.json)
	}
	return r
}

var madeID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestRequestIDTakenWhenWellFormedElseMade(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	for _, c := range []struct {
		name, sent string
		kept       bool
	}{
		{"uuid", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", true},
		{"dots and underscores", "trace_1.span-2", true},
		{"128 chars", strings.Repeat("a", 128), true},
		{"none", "", false},
		{"129 chars", strings.Repeat("a", 129), false},
		{"space", "a b", false},
		{"quote", `a"b`, false},
		{"non-ascii", "请求1", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			// An answer and a problem both carry it.
			for _, path := range []string{"/healthz", "/v1/declarations/d_nothing"} {
				r := b.doWithID(t, "GET", path, b.admin, "", c.sent, nil)
				got := r.header.Get("X-Request-Id")
				if c.kept && got != c.sent || !c.kept && !madeID.MatchString(got) {
					t.Errorf("%s: sent %q, answered %q", path, c.sent, got)
				}
				if r.status == 404 && r.json["requestId"] != got {
					t.Errorf("%s: problem requestId %v, header %q", path, r.json["requestId"], got)
				}
			}
		})
	}
}

func TestAccessLogOneLinePerRequest(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	b := setup(t, options{logs: logs})
	portKey := b.key(t, customs.CallerPort, "tianjin")
	body := readSample(t, "tianjin", "import-hazchem-acetone-port.xml")

	r := b.doWithID(t, "POST", "/v1/ports/tianjin/declarations", portKey, "application/xml", "intake-1", body)
	if r.status != 201 {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	id, _ := r.json["id"].(string)
	l := logs.accessLine(t, "intake-1")
	want := map[string]any{"method": "POST", "route": "POST /v1/ports/{port}/declarations", "status": float64(201),
		"role": "port", "port": "tianjin", "declaration": id, "bytes": float64(len(r.body))}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("intake line %s = %v, want %v (%v)", k, l[k], v, l)
		}
	}
	if kid, _ := l["keyId"].(string); kid == "" {
		t.Errorf("no key id: %v", l)
	}
	if d, ok := l["durationMs"].(float64); !ok || d <= 0 {
		t.Errorf("durationMs %v", l["durationMs"])
	}
	// The key itself is never logged, nor the raw path.
	b.doWithID(t, "GET", "/v1/declarations/"+id, portKey, "", "read-1", nil)
	g := logs.accessLine(t, "read-1")
	if g["route"] != "GET /v1/declarations/{id}" || g["declaration"] != id || g["port"] != "tianjin" {
		t.Errorf("read line %v", g)
	}
	// A refused call is logged with its status and no key.
	b.doWithID(t, "GET", "/v1/admin/keys", "", "", "nokey-1", nil)
	n := logs.accessLine(t, "nokey-1")
	if n["status"] != float64(401) || n["keyId"] != nil || n["route"] != "GET /v1/admin/keys" {
		t.Errorf("401 line %v", n)
	}
	b.doWithID(t, "GET", "/v1/nothing/here", "", "", "miss-1", nil)
	if m := logs.accessLine(t, "miss-1"); m["route"] != "unmatched" || m["status"] != float64(404) {
		t.Errorf("unmatched line %v", m)
	}
	logs.mu.Lock()
	all := logs.b.String()
	logs.mu.Unlock()
	if strings.Contains(all, portKey) || strings.Contains(all, b.admin) {
		t.Error("a key is in the log")
	}
	if strings.Contains(all, "/v1/declarations/"+id) {
		t.Error("a raw path is in the log")
	}
}
