package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// clerk is a browser without JavaScript: it keeps cookies by hand, follows
// no redirects, and reads the HTML.
type clerk struct {
	t       *testing.T
	base    string
	client  *http.Client
	cookies map[string]*http.Cookie
	// last is the last answer's cookies as set, for their attributes.
	last []*http.Cookie
}

func newClerk(t *testing.T, b *entBundle) *clerk {
	return &clerk{t: t, base: b.srv.URL, client: &http.Client{}, cookies: map[string]*http.Cookie{}}
}

type page struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (c *clerk) do(method, path string, form url.Values, header map[string]string) page {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	for _, ck := range c.cookies {
		req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	client := *c.client
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	c.last = resp.Cookies()
	for _, ck := range c.last {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck
		}
	}
	return page{status: resp.StatusCode, body: string(b), location: resp.Header.Get("Location"), header: resp.Header}
}

func (c *clerk) get(path string) page { c.t.Helper(); return c.do("GET", path, nil, nil) }

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func csrfOf(t *testing.T, p page) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no csrf token in %.300s", p.body)
	}
	return m[1]
}

// signIn signs the clerk in with key through the form.
func (c *clerk) signIn(key string) page {
	c.t.Helper()
	form := c.get("/track")
	return c.do("POST", "/track/signin", url.Values{"csrf": {csrfOf(c.t, form)}, "key": {key}}, nil)
}

func cookieNamed(cs []*http.Cookie, name string) *http.Cookie {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestTrackSignInMakesAStrictHttpOnlySession(t *testing.T) {
	t.Parallel()
	b := setupEnterprise(t)
	keyA := b.key(t, customs.CallerEnterprise, entA)
	c := newClerk(t, b)

	form := c.get("/track")
	if form.status != 200 || !strings.Contains(form.body, `name="viewport"`) || !strings.Contains(form.body, `<form method="post" action="/track/signin"`) ||
		!strings.Contains(form.body, `type="password"`) {
		t.Fatalf("sign-in page: %d %.500s", form.status, form.body)
	}
	if ck := cookieNamed(c.last, "track_csrf"); ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
		t.Errorf("csrf cookie %+v", ck)
	}
	csp := form.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}

	bad := []struct {
		name   string
		form   url.Values
		header map[string]string
		status int
		text   string
	}{
		{"no token", url.Values{"key": {keyA}}, nil, 403, "表单已过期"},
		{"wrong token", url.Values{"key": {keyA}, "csrf": {"x" + csrfOf(t, form)}}, nil, 403, "表单已过期"},
		{"foreign origin", url.Values{"key": {keyA}, "csrf": {csrfOf(t, form)}}, map[string]string{"Origin": "https://evil.example"}, 403, "表单已过期"},
		{"unknown key", url.Values{"key": {"gw_nosuchkey"}, "csrf": {csrfOf(t, form)}}, nil, 401, "密钥无效"},
		{"admin key", url.Values{"key": {b.admin}, "csrf": {csrfOf(t, form)}}, nil, 403, "只接受企业密钥"},
		{"port key", url.Values{"key": {b.port}, "csrf": {csrfOf(t, form)}}, nil, 403, "只接受企业密钥"},
	}
	for _, tt := range bad {
		p := c.do("POST", "/track/signin", tt.form, tt.header)
		if p.status != tt.status || !strings.Contains(p.body, tt.text) || cookieNamed(c.last, "track_session") != nil {
			t.Errorf("%s: %d %.300s", tt.name, p.status, p.body)
		}
	}
	// The key in a URL signs nobody in.
	if p := c.get("/track?key=" + url.QueryEscape(keyA)); !strings.Contains(p.body, `action="/track/signin"`) {
		t.Errorf("a key in the URL was taken")
	}

	in := c.do("POST", "/track/signin", url.Values{"csrf": {csrfOf(t, c.get("/track"))}, "key": {keyA}}, map[string]string{"Origin": b.srv.URL})
	if in.status != 303 || in.location != "/track" {
		t.Fatalf("sign in: %d %q", in.status, in.location)
	}
	sess := cookieNamed(c.last, "track_session")
	if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteStrictMode || sess.Path != "/track" || sess.Secure || len(sess.Value) < 40 {
		t.Fatalf("session cookie %+v (over plain HTTP it is not Secure)", sess)
	}
	var stored [][]byte
	if err := b.db.Select(&stored, `SELECT hash FROM track_session`); err != nil || len(stored) != 1 {
		t.Fatalf("sessions %v %v", stored, err)
	}
	if strings.Contains(string(stored[0]), sess.Value) || len(stored[0]) != 32 {
		t.Errorf("the session id is stored as it is")
	}
	if n := b.count(t, `SELECT count(*) FROM track_session WHERE enterprise = $1 AND expires_at > now() + interval '7 hours'`, entA); n != 1 {
		t.Errorf("session expiry: %d sessions expiring in 8h", n)
	}
	home := c.get("/track")
	if home.status != 200 || !strings.Contains(home.body, entA) || !strings.Contains(home.body, "我的报关单") {
		t.Fatalf("home after sign-in: %d %.400s", home.status, home.body)
	}

	// Sign-out needs the session's token.
	if p := c.do("POST", "/track/signout", url.Values{}, nil); p.status != 403 {
		t.Errorf("sign-out without token: %d", p.status)
	}
	old := sess.Value
	out := c.do("POST", "/track/signout", url.Values{"csrf": {csrfOf(t, home)}}, nil)
	if out.status != 303 || cookieNamed(c.last, "track_session") == nil || cookieNamed(c.last, "track_session").MaxAge >= 0 {
		t.Errorf("sign-out: %d %+v", out.status, c.last)
	}
	c.cookies["track_session"] = &http.Cookie{Name: "track_session", Value: old}
	if p := c.get("/track"); !strings.Contains(p.body, `action="/track/signin"`) || strings.Contains(p.body, entA) {
		t.Errorf("the old session still works after sign-out")
	}
}

func TestTrackCookiesAreSecureOverTLS(t *testing.T) {
	t.Parallel()
	b := setupEnterprise(t)
	ts := httptest.NewTLSServer(b.srv.Config.Handler)
	t.Cleanup(ts.Close)
	c := &clerk{t: t, base: ts.URL, client: ts.Client(), cookies: map[string]*http.Cookie{}}
	c.get("/track")
	if ck := cookieNamed(c.last, "track_csrf"); ck == nil || !ck.Secure {
		t.Errorf("csrf cookie over TLS %+v", ck)
	}
	if p := c.signIn(b.key(t, customs.CallerEnterprise, entA)); p.status != 303 {
		t.Fatalf("sign in: %d", p.status)
	}
	if ck := cookieNamed(c.last, "track_session"); ck == nil || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode {
		t.Errorf("session cookie over TLS %+v", ck)
	}
}

func TestTrackSessionEndsWithItsKeyAndItsTime(t *testing.T) {
	t.Parallel()
	b := setupEnterprise(t)
	mk := b.do(t, "POST", "/v1/admin/keys", b.admin, "application/json", []byte(`{"role":"enterprise","scope":"`+entA+`"}`))
	keyA, keyID := mk.json["key"].(string), mk.json["id"].(string)

	c := newClerk(t, b)
	if p := c.signIn(keyA); p.status != 303 {
		t.Fatalf("sign in: %d", p.status)
	}
	b.clock.Set(time.Now().Add(9 * time.Hour))
	if p := c.get("/track"); !strings.Contains(p.body, `action="/track/signin"`) {
		t.Errorf("a session past its time still works")
	}
	b.clock.Set(time.Time{})

	c = newClerk(t, b)
	if p := c.signIn(keyA); p.status != 303 {
		t.Fatalf("sign in: %d", p.status)
	}
	if r := b.do(t, "DELETE", "/v1/admin/keys/"+keyID, b.admin, "", nil); r.status != 204 {
		t.Fatal(r.status)
	}
	if p := c.get("/track"); !strings.Contains(p.body, `action="/track/signin"`) {
		t.Errorf("a session of a revoked key still works")
	}
}

// TestTrackShowsOnlyTheEnterprisesOwn: the list, the filter and a
// declaration's page, and nothing of another enterprise by any path.
func TestTrackShowsOnlyTheEnterprisesOwn(t *testing.T) {
	t.Parallel()
	b := setupEnterprise(t)
	dA := b.submit(t, "import-hazchem-sodium-cyanide-inland.xml", ref(1), entA)
	dA2 := b.submit(t, "import-ordinary-machinery.xml", ref(2), entA)
	dB := b.submit(t, "import-ordinary-machinery.xml", ref(3), entB)
	b.setStatus(t, dA2, "released", "reviewcentre")
	b.setStatus(t, dA, "under_inspection", "bureau:130000")
	keyA := b.key(t, customs.CallerEnterprise, entA)
	keyB := b.key(t, customs.CallerEnterprise, entB)

	c := newClerk(t, b)
	c.signIn(keyA)
	list := c.get("/track")
	if !strings.Contains(list.body, ref(1)) || !strings.Contains(list.body, ref(2)) || strings.Contains(list.body, ref(3)) {
		t.Errorf("list: %.2000s", list.body)
	}
	// Filters in the defined order of statuses, with counts.
	order := []string{"全部", "已受理", "已送审", "送审失败", "需查验", "查验中", "已放行", "已退单", "退运", "销毁"}
	last := -1
	for _, w := range order {
		i := strings.Index(list.body, ">"+w+" <span")
		if i < last {
			t.Errorf("filter %s out of order", w)
		}
		last = i
	}
	rel := c.get("/track?status=released")
	if !strings.Contains(rel.body, ref(2)) || strings.Contains(rel.body, ref(1)) || !strings.Contains(rel.body, `aria-current="page">已放行`) {
		t.Errorf("released filter: %.2000s", rel.body)
	}
	// Another enterprise's declaration does not exist here, in any way.
	for _, path := range []string{"/track/declarations/" + dB, "/track/declarations/" + dB + "?lang=en", "/track/declarations/d_nosuch"} {
		if p := c.get(path); p.status != 404 || strings.Contains(p.body, ref(3)) || !strings.Contains(p.body, "找不到该报关单") && !strings.Contains(p.body, "not found") {
			t.Errorf("%s: %d %.300s", path, p.status, p.body)
		}
	}
	if p := c.get("/track?enterprise=" + entB); strings.Contains(p.body, ref(3)) {
		t.Error("an enterprise parameter reached another enterprise's list")
	}

	// One declaration: status, timeline with actor and the route's reasons.
	d := c.get("/track/declarations/" + dA + "?lang=zh")
	for _, want := range []string{ref(1), "查验中", "危险化学品不宜在码头开箱取样", "hazchem.unsafe_port_sampling", "天津口岸", "石家庄海关检验检疫 (130000)", "目的地检验", "氰化钠", "已受理"} {
		if !strings.Contains(d.body, want) {
			t.Errorf("declaration page lacks %q", want)
		}
	}
	en := c.get("/track/declarations/" + dA + "?lang=en")
	for _, want := range []string{"Under inspection", "Hazardous chemicals that are unsafe to open and sample at the quay", "Tianjin port", "Inspection at the destination", "Timeline"} {
		if !strings.Contains(en.body, want) {
			t.Errorf("English page lacks %q", want)
		}
	}
	if !strings.Contains(en.body, `lang="en"`) || !strings.Contains(en.body, "lang=zh") {
		t.Errorf("English page: no language switch back")
	}
	// The language sticks.
	if p := c.get("/track"); !strings.Contains(p.body, "My declarations") {
		t.Errorf("the language did not stick")
	}

	// B signed in sees B's only.
	cb := newClerk(t, b)
	cb.signIn(keyB)
	if p := cb.get("/track"); !strings.Contains(p.body, ref(3)) || strings.Contains(p.body, ref(1)) {
		t.Errorf("B's list: %.1000s", p.body)
	}
	if p := cb.get("/track/declarations/" + dA); p.status != 404 {
		t.Errorf("B opens A's: %d", p.status)
	}
	// Signed out, a declaration's page sends to the sign-in.
	if p := newClerk(t, b).get("/track/declarations/" + dA); p.status != 303 || p.location != "/track" {
		t.Errorf("signed out: %d %q", p.status, p.location)
	}
}

func TestTrackPagesThroughOlderDeclarations(t *testing.T) {
	t.Parallel()
	b := setupEnterprise(t)
	for i := 1; i <= 23; i++ {
		b.submit(t, "import-ordinary-machinery.xml", ref(i), entA)
	}
	c := newClerk(t, b)
	c.signIn(b.key(t, customs.CallerEnterprise, entA))
	first := c.get("/track")
	if !strings.Contains(first.body, ref(23)) || strings.Contains(first.body, ref(3)) {
		t.Fatalf("first page")
	}
	m := regexp.MustCompile(`href="(/track\?cursor=[^"]+)"`).FindStringSubmatch(first.body)
	if m == nil {
		t.Fatal("no link to older declarations")
	}
	older := c.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	if !strings.Contains(older.body, ref(3)) || strings.Contains(older.body, ref(4)+"<") || strings.Contains(older.body, "更早的报关单") ||
		!strings.Contains(older.body, "回到最新") {
		t.Errorf("second page: %.300s", older.body)
	}
}
