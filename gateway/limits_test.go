package gateway_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jjj/gateway/gateway"
	"github.com/jjj/gateway/internal/customs"
)

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// TestBadBytesInAnIDAreNotFound: %00 and %ff in every id of the route
// table are 404 not_found, never a 5xx (they reached PostgreSQL as 500s).
func TestBadBytesInAnIDAreNotFound(t *testing.T) {
	t.Parallel()
	b := setupEnterprise(t)
	n := 0
	for _, rt := range gateway.Routes() {
		if !strings.Contains(rt.Pattern, "{") || strings.Contains(rt.Pattern, "{$}") {
			continue
		}
		for _, bad := range []string{"%00", "%ff", "a%00b", "%c3%28"} {
			path := pathParam.ReplaceAllString(rt.Pattern, bad)
			r := b.do(t, rt.Method, path, b.admin, "application/json", []byte("{}"))
			if r.status != http.StatusNotFound || !slices.Contains(errorCodes(r), string(customs.CodeNotFound)) {
				t.Errorf("%s %s: %d %s, want 404 not_found", rt.Method, path, r.status, r.body)
			}
			n++
		}
	}
	if n < 40 {
		t.Errorf("only %d requests: the route table has fewer id routes than expected", n)
	}
}

// TestBadBytesInQueryAndJSONAreBadRequests: a query parameter or JSON
// string with a NUL or bytes that are not UTF-8, and a JSON body with two
// values, are 400 bad_request.
func TestBadBytesInQueryAndJSONAreBadRequests(t *testing.T) {
	t.Parallel()
	b := setupEnterprise(t)
	for _, q := range []string{"enterprise=%00", "enterprise=%ff", "status=a%00", "%ff=1", "enterprise=%zz"} {
		r := b.do(t, "GET", "/v1/declarations?"+q, b.admin, "", nil)
		if r.status != http.StatusBadRequest || r.json["type"] != gateway.ProblemType(customs.CodeBadRequest) {
			t.Errorf("?%s: %d %s, want 400 bad_request", q, r.status, r.body)
		}
	}
	for name, body := range map[string]string{
		"NUL in a string":   `{"role":"admin","name":"a\u0000b"}`,
		"NUL in a key name": `{"role":"admin","na\u0000me":"x"}`,
		"not UTF-8":         "{\"role\":\"admin\",\"name\":\"a\xffb\"}",
		"two values":        `{"role":"admin"} {"role":"admin"}`,
		"a value and junk":  `{"role":"admin"} x`,
	} {
		r := b.do(t, "POST", "/v1/admin/keys", b.admin, "application/json", []byte(body))
		if r.status != http.StatusBadRequest || r.json["type"] != gateway.ProblemType(customs.CodeBadRequest) {
			t.Errorf("%s: %d %s, want 400 bad_request", name, r.status, r.body)
		}
	}
	// An escaped backslash before u0000 is text, not a NUL.
	if r := b.do(t, "POST", "/v1/admin/keys", b.admin, "application/json", []byte(`{"role":"admin","name":"a\\u0000"}`)); r.status != http.StatusCreated {
		t.Errorf("escaped backslash: %d %s, want 201", r.status, r.body)
	}
}

// TestLongPortRefIsValueTooLong: a 3,000-character portRef on each port is
// 422 value_too_long at its path, with a rejection record (it was a 500
// and no record).
func TestLongPortRefIsValueTooLong(t *testing.T) {
	t.Parallel()
	b := setupEnterprise(t)
	long := strings.Repeat("R", 3000)
	cases := []struct {
		port, sample, path string
		re                 *regexp.Regexp
		repl               string
	}{
		{"tianjin", "import-ordinary-machinery.xml", "/DecMessage/DecSign/ClientSeqNo", regexp.MustCompile(`<ClientSeqNo>[^<]*</ClientSeqNo>`), "<ClientSeqNo>" + long + "</ClientSeqNo>"},
		{"hebei", "import-iron-ore.xml", "/BJXX/BTXX/BJDH", regexp.MustCompile(`<BJDH>[^<]*</BJDH>`), "<BJDH>" + long + "</BJDH>"},
		{"beijing", "import-ordinary-smartphones.xml", "/AirCargoDeclaration/@messageId", regexp.MustCompile(`messageId="[^"]*"`), `messageId="` + long + `"`},
	}
	for _, c := range cases {
		body := c.re.ReplaceAll(readSample(t, c.port, c.sample), []byte(c.repl))
		key := b.key(t, customs.CallerPort, c.port)
		r := b.do(t, "POST", "/v1/ports/"+c.port+"/declarations", key, "application/xml", body)
		if r.status != http.StatusUnprocessableEntity || !hasErrorAt(r, customs.ProblemValueTooLong, c.path) {
			t.Errorf("%s: %d %.600s, want 422 value_too_long at %s", c.port, r.status, r.body, c.path)
		}
		if n := b.count(t, `SELECT count(*) FROM rejection WHERE port = $1 AND status = 422 AND errors::text LIKE '%value_too_long%'`, c.port); n != 1 {
			t.Errorf("%s: %d rejection records, want 1", c.port, n)
		}
	}
}

// TestHugeValueIsNotEchoed: a 60,000-character HS code is value_too_long
// and a 3.5 MB one is too_deep while reading (api.md: one value over 65,536
// bytes); neither the answer nor the rejection record quotes either.
func TestHugeValueIsNotEchoed(t *testing.T) {
	t.Parallel()
	b := setupEnterprise(t)
	sample := readSample(t, "tianjin", "import-ordinary-machinery.xml")
	at := regexp.MustCompile(`<CodeTS>[^<]*</CodeTS>`).FindIndex(sample)
	for _, c := range []struct {
		size   int
		status int
		code   string
	}{
		{60_000, http.StatusUnprocessableEntity, customs.ProblemValueTooLong},
		{3_500_000, http.StatusBadRequest, "too_deep"},
	} {
		huge := strings.Repeat("8", c.size)
		body := append(append(append([]byte{}, sample[:at[0]]...), "<CodeTS>"+huge+"</CodeTS>"...), sample[at[1]:]...)
		r := b.do(t, "POST", "/v1/ports/tianjin/declarations", b.port, "application/xml", body)
		if r.status != c.status || !slices.Contains(errorCodes(r), c.code) {
			t.Fatalf("%d characters: %d %.600s, want %d %s", c.size, r.status, r.body, c.status, c.code)
		}
		if len(r.body) > 4<<10 {
			t.Errorf("%d characters: the answer is %d bytes", c.size, len(r.body))
		}
	}
	if n := b.count(t, `SELECT coalesce(max(length(errors::text)), 0) FROM rejection`); n == 0 || n > 64<<10 {
		t.Errorf("the rejection records' errors are at most %d bytes", n)
	}
}

func hasErrorAt(r response, code, path string) bool {
	errs, _ := r.json["errors"].([]any)
	for _, e := range errs {
		m, _ := e.(map[string]any)
		if m["code"] == code && m["path"] == path {
			return true
		}
	}
	return false
}

// TestNaiveClientReadsItsTooLarge: a client that sends all of a 4 MiB + 1
// body before it reads gets the 413, not a reset.
func TestNaiveClientReadsItsTooLarge(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	key := b.key(t, customs.CallerPort, "tianjin")
	for _, chunked := range []bool{false, true} {
		u, _ := url.Parse(b.srv.URL)
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		body := bytes.Repeat([]byte("x"), 4<<20+1)
		var req bytes.Buffer
		fmt.Fprintf(&req, "POST /v1/ports/tianjin/declarations HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/xml\r\n", u.Host, key)
		if chunked {
			fmt.Fprintf(&req, "Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n", len(body), body)
		} else {
			fmt.Fprintf(&req, "Content-Length: %d\r\n\r\n%s", len(body), body)
		}
		if _, err := conn.Write(req.Bytes()); err != nil {
			t.Fatalf("chunked=%v: sending the whole body: %v", chunked, err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("chunked=%v: reading the answer: %v", chunked, err)
		}
		msg, _ := io.ReadAll(resp.Body)
		conn.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(msg), "too-large") {
			t.Errorf("chunked=%v: %d %s, want 413 too_large", chunked, resp.StatusCode, msg)
		}
	}
}

// TestIntakeWaitsInLineThenBusy: with one turn, a declaration whose body
// is still arriving holds it; the next waits IntakeWait and is answered
// 503 busy with Retry-After.
func TestIntakeWaitsInLineThenBusy(t *testing.T) {
	t.Parallel()
	b := setup(t, options{limits: gateway.Limits{MaxConcurrentIntake: 1, IntakeWait: 300 * time.Millisecond}})
	key := b.key(t, customs.CallerPort, "tianjin")
	pr, pw := io.Pipe()
	defer pw.Close()
	req, _ := http.NewRequest("POST", b.srv.URL+"/v1/ports/tianjin/declarations", pr)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/xml")
	slow := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			slow <- 0
			return
		}
		resp.Body.Close()
		slow <- resp.StatusCode
	}()
	pw.Write([]byte("<DecMessage"))
	time.Sleep(200 * time.Millisecond) // the slow one has its turn
	start := time.Now()
	r := b.do(t, "POST", "/v1/ports/tianjin/declarations", key, "application/xml", readSample(t, "tianjin", "import-ordinary-machinery.xml"))
	if r.status != http.StatusServiceUnavailable || !slices.Contains(errorCodes(r), string(customs.CodeBusy)) || r.header.Get("Retry-After") == "" {
		t.Errorf("second in line: %d %s (Retry-After %q), want 503 busy", r.status, r.body, r.header.Get("Retry-After"))
	}
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Errorf("answered busy after %v, before its wait", waited)
	}
	pw.Close()
	if st := <-slow; st != http.StatusBadRequest {
		t.Errorf("the slow one: %d, want 400 (its XML is cut)", st)
	}
	// The turn is free again.
	if r := b.do(t, "POST", "/v1/ports/tianjin/declarations/validate", key, "application/xml", readSample(t, "tianjin", "import-ordinary-machinery.xml")); r.status != http.StatusOK {
		t.Errorf("after the line cleared: %d %.300s", r.status, r.body)
	}
}

// TestKeyRateLimit: a key over its rate is 429 rate_limited with
// Retry-After; another key is not slowed.
func TestKeyRateLimit(t *testing.T) {
	t.Parallel()
	b := setup(t, options{limits: gateway.Limits{KeyRateLimit: 1}})
	a := b.key(t, customs.CallerPort, "tianjin")
	other := b.key(t, customs.CallerPort, "hebei")
	var statuses []int
	var last response
	for range 4 {
		last = b.do(t, "GET", "/v1/ports", a, "", nil)
		statuses = append(statuses, last.status)
	}
	if !slices.Equal(statuses[:2], []int{200, 200}) || statuses[3] != http.StatusTooManyRequests {
		t.Fatalf("statuses %v: want a burst of 2, then 429", statuses)
	}
	if !slices.Contains(errorCodes(last), string(customs.CodeRateLimited)) || last.header.Get("Retry-After") == "" {
		t.Errorf("429 %s (Retry-After %q)", last.body, last.header.Get("Retry-After"))
	}
	if r := b.do(t, "GET", "/v1/ports", other, "", nil); r.status != http.StatusOK {
		t.Errorf("another key: %d", r.status)
	}
}

// TestFailedSignInsPerAddress: beyond 20 failed sign-ins a minute from one
// address, keys not already known good are 429 without a lookup; a key in
// use goes on working.
func TestFailedSignInsPerAddress(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	good := b.key(t, customs.CallerPort, "tianjin")
	if r := b.do(t, "GET", "/v1/ports", good, "", nil); r.status != 200 {
		t.Fatalf("good key: %d", r.status)
	}
	fresh := b.key(t, customs.CallerPort, "hebei") // valid, never used yet
	for i := range 20 {
		if r := b.do(t, "GET", "/v1/ports", fmt.Sprintf("gw_wrong%d", i), "", nil); r.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, r.status)
		}
	}
	r := b.do(t, "GET", "/v1/ports", "gw_wrong-again", "", nil)
	if r.status != http.StatusTooManyRequests || !slices.Contains(errorCodes(r), string(customs.CodeRateLimited)) || r.header.Get("Retry-After") == "" {
		t.Errorf("21st failure: %d %s, want 429 rate_limited with Retry-After", r.status, r.body)
	}
	if r := b.do(t, "GET", "/v1/ports", fresh, "", nil); r.status != http.StatusTooManyRequests {
		t.Errorf("a key not yet known, from a blocked address: %d, want 429", r.status)
	}
	if r := b.do(t, "GET", "/v1/ports", good, "", nil); r.status != http.StatusOK {
		t.Errorf("the key in use, from a blocked address: %d, want 200", r.status)
	}
}

// TestTrackCookiesSecureAndOriginByPublicURL: behind a proxy that ends TLS
// (PUBLIC_URL https, plain http here), cookies are Secure, and a sign-in
// whose Origin is not PUBLIC_URL's is refused.
func TestTrackCookiesSecureAndOriginByPublicURL(t *testing.T) {
	t.Parallel()
	b := setupEnterpriseTargets(t, localTargets, func(s *gateway.Server) { s.Config.PublicURL = "https://gateway.example.cn" })
	key := b.key(t, customs.CallerEnterprise, entA)
	c := newClerk(t, b)
	p := c.get("/track")
	if ck := cookieNamed(c.last, "track_csrf"); ck == nil || !ck.Secure {
		t.Errorf("csrf cookie %+v, want Secure", ck)
	}
	form := url.Values{"key": {key}, "csrf": {csrfOf(t, p)}}
	// Its own host is not PUBLIC_URL's origin.
	if p := c.do("POST", "/track/signin", form, map[string]string{"Origin": b.srv.URL}); p.status != http.StatusForbidden {
		t.Errorf("Origin %s: %d, want 403", b.srv.URL, p.status)
	}
	if p := c.do("POST", "/track/signin", form, map[string]string{"Origin": "https://evil.example"}); p.status != http.StatusForbidden {
		t.Errorf("foreign Origin: %d, want 403", p.status)
	}
	if p := c.do("POST", "/track/signin", form, map[string]string{"Origin": "https://gateway.example.cn"}); p.status != http.StatusSeeOther {
		t.Fatalf("PUBLIC_URL's Origin: %d %s, want 303", p.status, p.body)
	}
	if ck := cookieNamed(c.last, "track_session"); ck == nil || !ck.Secure || !ck.HttpOnly {
		t.Errorf("session cookie %+v, want Secure", ck)
	}
}

// TestReadyzHidesTheDatabaseText: /readyz names the dependency and a class
// of failure, never the driver's own text.
func TestReadyzHidesTheDatabaseText(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	b.db.Close()
	r := b.do(t, "GET", "/readyz", "", "", nil)
	if r.status != http.StatusServiceUnavailable || r.json["dependency"] != "database" {
		t.Fatalf("%d %s, want 503 naming the database", r.status, r.body)
	}
	if db, _ := r.json["database"].(string); !strings.HasPrefix(db, "down: ") {
		t.Errorf("database %q, want a class", db)
	}
	if strings.Contains(string(r.body), "sql:") || strings.Contains(string(r.body), "closed") {
		t.Errorf("the driver's text leaks: %s", r.body)
	}
}

// TestDocumentBodyAtTheEdge: a document's body gets the edge's checks as
// every JSON body does: two values, a NUL or bytes that are not UTF-8 are
// 400 bad_request, and nothing is registered.
func TestDocumentBodyAtTheEdge(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	bureau := b.key(t, customs.CallerBureau, "130000")
	one := `{"kind":"special_article_approval","number":"EDGE-1","holder":"91130802MA0D2KR498","validFrom":"2026-01-01","validUntil":"2098-12-31","quantity":"1","unit":"007","level":"C"}`
	for name, body := range map[string]string{
		"two values": one + " {}",
		"a NUL":      strings.Replace(one, `"C"`, `"C\u0000"`, 1),
		"not UTF-8":  strings.Replace(one, `"C"`, "\"C\xff\"", 1),
	} {
		r := b.do(t, "POST", "/v1/documents", bureau, "application/json", []byte(body))
		if r.status != 400 {
			t.Errorf("%s: %d %s, want 400", name, r.status, r.body)
		}
	}
	if n := b.count(t, `SELECT count(*) FROM document`); n != 0 {
		t.Errorf("%d documents registered", n)
	}
	if r := b.do(t, "POST", "/v1/documents", bureau, "application/json", []byte(one)); r.status != 201 {
		t.Errorf("the same document, well formed: %d %s", r.status, r.body)
	}
}
