package gateway_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/internal/customs"
)

// citeHook changes what the adapters decode, for tests of the register
// that make their citations in Go (options.citing).
type citeHook struct {
	mu sync.Mutex
	f  func(d *customs.Declaration)
}

func (h *citeHook) set(f func(d *customs.Declaration)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.f = f
}

type citingAdapter struct {
	adapters.Adapter
	hook *citeHook
}

func (a citingAdapter) Decode(raw []byte) (*customs.Declaration, error) {
	d, err := a.Adapter.Decode(raw)
	a.hook.mu.Lock()
	f := a.hook.f
	a.hook.mu.Unlock()
	if d != nil && f != nil {
		f(d)
	}
	return d, err
}

// The consignor of tianjin/export-steel-plate and another enterprise.
const (
	steelConsignor = "91120116MA05XK9L5Y"
	otherUSCC      = "91130108MA0J7K2N8B"
)

func citePath(n int) string {
	return fmt.Sprintf("/DecMessage/DecLists/DecList[1]/DecGoodsLimits/DecGoodsLimit[%d]/LicenceNo", n)
}

// citeLevel makes item 1 a special article of level and gives it the
// citations (kind special_article_approval), number and quantity pairs.
func citeLevel(level string, pairs ...string) func(d *customs.Declaration) {
	return func(d *customs.Declaration) {
		g := &d.Goods[0]
		g.SpecialArticle = level
		g.Documents = nil
		for i := 0; i+1 < len(pairs); i += 2 {
			g.Documents = append(g.Documents, customs.Citation{Kind: customs.DocSpecialArticleApproval, Number: pairs[i], WriteOff: pairs[i+1], Path: citePath(i/2 + 1)})
		}
	}
}

func approval(number, holder, level, quantity string) map[string]any {
	return map[string]any{"kind": "special_article_approval", "number": number, "holder": holder, "validFrom": "2026-01-01",
		"validUntil": "2098-12-31", "quantity": quantity, "unit": "007", "level": level}
}

func (b *testBundle) issue(t *testing.T, key string, doc map[string]any) map[string]any {
	t.Helper()
	r := b.post(t, "/v1/documents", key, doc)
	if r.status != 201 {
		t.Fatalf("issue %v: %d %s", doc["number"], r.status, r.body)
	}
	return r.json
}

func (b *testBundle) remaining(t *testing.T, kind, number string) string {
	t.Helper()
	return b.getJSON(t, "/v1/documents/"+kind+"/"+number, b.admin)["remaining"].(string)
}

func problemSet(t *testing.T, r response) []string {
	t.Helper()
	var out []string
	errs, _ := r.json["errors"].([]any)
	for _, x := range errs {
		m := x.(map[string]any)
		out = append(out, fmt.Sprintf("%v %v", m["path"], m["code"]))
	}
	sort.Strings(out)
	return out
}

func TestDocumentRegisterScopes(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	hebei := b.key(t, customs.CallerBureau, "130100")
	beijing := b.key(t, customs.CallerBureau, "110000")
	holder := b.key(t, customs.CallerEnterprise, steelConsignor)
	other := b.key(t, customs.CallerEnterprise, otherUSCC)
	port := b.key(t, customs.CallerPort, "tianjin")

	dg := map[string]any{"kind": "dg_packaging_use", "number": "130100DGP2026000001", "holder": steelConsignor, "validFrom": "2026-01-01",
		"validUntil": "2098-12-31", "quantity": "200", "unit": "011", "un": "1173", "packingGroup": "II", "packaging": "1a1"}
	got := b.issue(t, hebei, dg)
	if got["issuer"] != "130100" || got["remaining"] != "200" || got["state"] != "active" || got["packaging"] != "1A1" {
		t.Errorf("issued: %v", got)
	}
	if ws, ok := got["writeOffs"].([]any); !ok || len(ws) != 0 {
		t.Errorf("writeOffs: %v", got["writeOffs"])
	}
	if r := b.post(t, "/v1/documents", hebei, dg); r.status != 409 {
		t.Errorf("same kind and number again: %d %s", r.status, r.body)
	}
	// Every problem at once, each at its JSON path.
	r := b.post(t, "/v1/documents", hebei, map[string]any{"kind": "dg_packaging_use", "number": "bad number", "holder": "91120116MA05XK9L5X",
		"validFrom": "2026-02-01", "validUntil": "2026-01-01", "quantity": 12, "unit": "999", "un": "12", "packingGroup": "IV", "level": "A"})
	want := []string{"/holder invalid_uscc", "/level unexpected_field", "/number invalid_document_number", "/packaging missing_field",
		"/packingGroup invalid_enum", "/quantity invalid_type", "/un unknown_un_number", "/unit unknown_unit", "/validUntil invalid_date"}
	if r.status != 422 || strings.Join(problemSet(t, r), ",") != strings.Join(want, ",") {
		t.Errorf("invalid document: %d %q\nwant %q", r.status, problemSet(t, r), want)
	}
	r = b.post(t, "/v1/documents", b.admin, map[string]any{"kind": "quarantine_permit", "number": "Q1", "holder": steelConsignor, "validFrom": "2026-01-01",
		"validUntil": "2026-12-31", "quantity": "1.123456", "unit": "035", "origin": "XXX", "entryCustoms": "9999", "hsPrefix": "1"})
	want = []string{"/entryCustoms unknown_customs_code", "/hsPrefix invalid_hs_code", "/issuer missing_field", "/origin unknown_country", "/quantity invalid_quantity"}
	if r.status != 422 || strings.Join(problemSet(t, r), ",") != strings.Join(want, ",") {
		t.Errorf("admin without issuer: %d %q\nwant %q", r.status, problemSet(t, r), want)
	}
	if r := b.post(t, "/v1/documents", hebei, map[string]any{"kind": "special_article_approval", "number": "X1", "issuer": "110000"}); r.status != 403 {
		t.Errorf("a bureau issuing for another: %d", r.status)
	}
	if r := b.post(t, "/v1/documents", port, approval("P1", steelConsignor, "A", "1")); r.status != 403 {
		t.Errorf("a port issuing: %d", r.status)
	}
	adm := approval("110000SPA2026000001", otherUSCC, "B", "10.5")
	adm["issuer"] = "110000"
	if got := b.issue(t, b.admin, adm); got["issuer"] != "110000" || got["level"] != "B" {
		t.Errorf("admin's document: %v", got)
	}

	// Reads: any bureau, admin, the holder; another enterprise finds nothing.
	path := "/v1/documents/dg_packaging_use/130100DGP2026000001"
	for name, key := range map[string]string{"issuer": hebei, "other bureau": beijing, "admin": b.admin, "holder": holder} {
		if r := b.do(t, "GET", path, key, "", nil); r.status != 200 {
			t.Errorf("%s reads: %d", name, r.status)
		}
	}
	if r := b.do(t, "GET", path, other, "", nil); r.status != 404 {
		t.Errorf("another enterprise reads: %d", r.status)
	}
	if r := b.do(t, "GET", path, port, "", nil); r.status != 403 {
		t.Errorf("a port reads: %d", r.status)
	}
	if r := b.do(t, "GET", "/v1/documents/licence/1", b.admin, "", nil); r.status != 404 {
		t.Errorf("unknown kind: %d", r.status)
	}

	// The listing: newest first, filters, cursor; not for enterprises.
	l := b.getJSON(t, "/v1/documents?limit=1", beijing)
	items := l["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["number"] != "110000SPA2026000001" || l["next"] == nil {
		t.Fatalf("first page: %v", l)
	}
	if _, has := items[0].(map[string]any)["writeOffs"]; has {
		t.Errorf("a listing carries no write-offs: %v", items[0])
	}
	l = b.getJSON(t, "/v1/documents?limit=1&cursor="+l["next"].(string), beijing)
	if items := l["items"].([]any); len(items) != 1 || items[0].(map[string]any)["number"] != "130100DGP2026000001" {
		t.Errorf("second page: %v", l)
	}
	for q, n := range map[string]int{"issuer=130100": 1, "holder=" + otherUSCC: 1, "kind=quarantine_permit": 0, "state=active": 2, "state=revoked": 0} {
		if items := b.getJSON(t, "/v1/documents?"+q, b.admin)["items"].([]any); len(items) != n {
			t.Errorf("%s: %d items, want %d", q, len(items), n)
		}
	}
	if r := b.do(t, "GET", "/v1/documents?state=gone", b.admin, "", nil); r.status != 400 {
		t.Errorf("bad state: %d", r.status)
	}
	if r := b.do(t, "GET", "/v1/documents", holder, "", nil); r.status != 403 {
		t.Errorf("an enterprise lists: %d", r.status)
	}

	// Revocation: the issuing bureau (or admin), with a reason.
	if r := b.post(t, path+"/revoke", beijing, map[string]any{"reason": "not ours"}); r.status != 403 {
		t.Errorf("another bureau revokes: %d", r.status)
	}
	if r := b.post(t, path+"/revoke", hebei, map[string]any{}); r.status != 422 {
		t.Errorf("no reason: %d", r.status)
	}
	r = b.post(t, path+"/revoke", hebei, map[string]any{"reason": "packaging failed re-test"})
	if r.status != 200 || r.json["state"] != "revoked" || r.json["revokeReason"] != "packaging failed re-test" {
		t.Errorf("revoke: %d %s", r.status, r.body)
	}
	if r := b.post(t, path+"/revoke", b.admin, map[string]any{"reason": "again"}); r.status != 200 || r.json["revokeReason"] != "packaging failed re-test" {
		t.Errorf("revoked again: %d %s", r.status, r.body)
	}
	if items := b.getJSON(t, "/v1/documents?state=revoked", b.admin)["items"].([]any); len(items) != 1 {
		t.Errorf("revoked listing: %v", items)
	}
	if r := b.post(t, "/v1/documents/dg_packaging_use/NONE/revoke", b.admin, map[string]any{"reason": "x"}); r.status != 404 {
		t.Errorf("revoke unknown: %d", r.status)
	}
}

// TestDocumentChecksAndWriteOff: every check of a citation at once, each at
// the citation's path, and nothing written off; a clean declaration writes
// off in its intake, once (not again when resent, not on validate), and
// the issuer then reads the declaration.
func TestDocumentChecksAndWriteOff(t *testing.T) {
	t.Parallel()
	b := setup(t, options{citing: true})
	tj := b.key(t, customs.CallerPort, "tianjin")
	beijing := b.key(t, customs.CallerBureau, "110000")
	hebei := b.key(t, customs.CallerBureau, "130100")

	b.issue(t, beijing, approval("OK1", steelConsignor, "B", "10"))
	b.issue(t, beijing, approval("REVOKED", steelConsignor, "B", "10"))
	b.post(t, "/v1/documents/special_article_approval/REVOKED/revoke", beijing, map[string]any{"reason": "withdrawn"})
	expired := approval("EXPIRED", steelConsignor, "B", "10")
	expired["validFrom"], expired["validUntil"] = "2025-01-01", "2026-05-31"
	b.issue(t, beijing, expired)
	b.issue(t, beijing, approval("ELSEWHERE", otherUSCC, "B", "10"))
	b.issue(t, beijing, approval("LEVELC", steelConsignor, "C", "10"))

	b.cite.set(citeLevel("B", "OK1", "6", "NOPE", "1", "REVOKED", "1", "EXPIRED", "1", "ELSEWHERE", "1", "LEVELC", "1", "OK1", "5", "OK1", "4"))
	body := readSample(t, "tianjin", "export-steel-plate.xml")
	want := []string{
		citePath(2) + " document.unknown", citePath(3) + " document.revoked", citePath(4) + " document.not_valid",
		citePath(5) + " document.holder_mismatch", citePath(6) + " document.mismatch", citePath(7) + " document.exhausted",
	}
	for _, path := range []string{"/v1/ports/tianjin/declarations/validate", "/v1/ports/tianjin/declarations"} {
		r := b.do(t, "POST", path, tj, "application/xml", body)
		if r.status != 422 || strings.Join(problemSet(t, r), ",") != strings.Join(want, ",") {
			t.Errorf("%s: %d %q\nwant %q", path, r.status, problemSet(t, r), want)
		}
	}
	if got := b.remaining(t, "special_article_approval", "OK1"); got != "10" {
		t.Errorf("a refused declaration wrote off: remaining %s", got)
	}

	// Together with the declaration's other problems.
	r := b.do(t, "POST", "/v1/ports/tianjin/declarations", tj, "application/xml", []byte(strings.Replace(string(body), "91120116MA05XK9L5Y", "91120116MA05XK9L5X", 1)))
	ps := strings.Join(problemSet(t, r), ",")
	if r.status != 422 || !strings.Contains(ps, "invalid_uscc") || !strings.Contains(ps, citePath(2)+" document.unknown") {
		t.Errorf("with other problems: %d %s", r.status, ps)
	}

	// Clean: 6 then 4 of OK1 fit exactly.
	b.cite.set(citeLevel("B", "OK1", "6", "OK1", "4"))
	if r := b.do(t, "POST", "/v1/ports/tianjin/declarations/validate", tj, "application/xml", body); r.status != 200 {
		t.Fatalf("validate: %d %s", r.status, r.body)
	}
	if got := b.remaining(t, "special_article_approval", "OK1"); got != "10" {
		t.Errorf("validate wrote off: remaining %s", got)
	}
	r = b.do(t, "POST", "/v1/ports/tianjin/declarations", tj, "application/xml", body)
	if r.status != 201 {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	id := r.json["id"].(string)
	doc := b.getJSON(t, "/v1/documents/special_article_approval/OK1", hebei)
	if doc["remaining"] != "0" || doc["state"] != "used_up" {
		t.Errorf("after the write-off: %v", doc)
	}
	ws := doc["writeOffs"].([]any)
	if len(ws) != 2 || ws[0].(map[string]any)["declarationId"] != id || ws[0].(map[string]any)["quantity"] != "6" ||
		ws[1].(map[string]any)["quantity"] != "4" || ws[0].(map[string]any)["returnedAt"] != nil || ws[0].(map[string]any)["port"] != "tianjin" {
		t.Errorf("write-offs: %v", ws)
	}
	// The same bytes again: the 200, nothing more written off, though
	// the document is used up now.
	if r := b.do(t, "POST", "/v1/ports/tianjin/declarations", tj, "application/xml", body); r.status != 200 || r.json["id"] != id {
		t.Errorf("resent: %d %s", r.status, r.body)
	}
	if n := b.count(t, `SELECT count(*) FROM document_write_off`); n != 2 {
		t.Errorf("%d write-offs after the resend", n)
	}
	// The issuer reads the declaration behind the write-off; another
	// bureau with no task does not.
	if r := b.do(t, "GET", "/v1/declarations/"+id, beijing, "", nil); r.status != 200 {
		t.Errorf("issuer reads the declaration: %d", r.status)
	}
	if r := b.do(t, "GET", "/v1/declarations/"+id, hebei, "", nil); r.status != 404 {
		t.Errorf("another bureau reads the declaration: %d", r.status)
	}
	// Used up: the next declaration is refused.
	b.cite.set(citeLevel("B", "OK1", "0.5"))
	r = b.do(t, "POST", "/v1/ports/tianjin/declarations", tj, "application/xml", []byte(strings.Replace(string(body), "E20261127000000102", "E20261127000000199", 1)))
	if r.status != 422 || strings.Join(problemSet(t, r), ",") != citePath(1)+" document.exhausted" {
		t.Errorf("used up: %d %q", r.status, problemSet(t, r))
	}
}

// TestDocumentLevelAAndGiveBack: a level A approval is used up by its first
// write-off, whatever it cites; a rejection gives it back whole.
func TestDocumentLevelAAndGiveBack(t *testing.T) {
	t.Parallel()
	b := setup(t, options{citing: true, inspection: true})
	tj := b.key(t, customs.CallerPort, "tianjin")
	rc := b.key(t, customs.CallerReviewCentre, "")
	beijing := b.key(t, customs.CallerBureau, "110000")
	b.issue(t, beijing, approval("LEVELA", steelConsignor, "A", "400"))
	b.issue(t, beijing, approval("LEVELB", steelConsignor, "B", "100.25"))

	b.cite.set(citeLevel("B", "LEVELB", "0.25"))
	idB := b.submit(t, tj, "tianjin", "export-steel-plate")["id"].(string)
	b.cite.set(citeLevel("A", "LEVELA", "1"))
	d := b.submit(t, tj, "tianjin", "export-steel-plate")
	id := d["id"].(string)
	if got := b.remaining(t, "special_article_approval", "LEVELA"); got != "0" {
		t.Errorf("level A after one use: %s", got)
	}
	if got := b.remaining(t, "special_article_approval", "LEVELB"); got != "100" {
		t.Errorf("level B: %s", got)
	}
	b.cite.set(citeLevel("A", "LEVELA", "1"))
	body := readSample(t, "tianjin", "export-steel-plate.xml")
	r := b.do(t, "POST", "/v1/ports/tianjin/declarations", tj, "application/xml", []byte(strings.Replace(string(body), "E20261127000000102", "E20261127000000198", 1)))
	if r.status != 422 || strings.Join(problemSet(t, r), ",") != citePath(1)+" document.exhausted" {
		t.Errorf("level A used twice: %d %q", r.status, problemSet(t, r))
	}

	// The review centre rejects both: the write-offs come back, on the
	// timeline too.
	b.deliver(t, id, "020220261000000901")
	b.deliver(t, idB, "020220261000000902")
	for _, e := range []string{"020220261000000901", "020220261000000902"} {
		if r := b.post(t, "/v1/review-centre/decisions", rc, map[string]any{"entryId": e, "decision": "rejected", "reason": "no"}); r.status != 200 {
			t.Fatalf("decision: %d %s", r.status, r.body)
		}
	}
	if got := b.remaining(t, "special_article_approval", "LEVELA"); got != "400" {
		t.Errorf("level A given back: %s", got)
	}
	doc := b.getJSON(t, "/v1/documents/special_article_approval/LEVELB", b.admin)
	ws := doc["writeOffs"].([]any)
	if doc["remaining"] != "100.25" || len(ws) != 1 || ws[0].(map[string]any)["returnedAt"] == nil {
		t.Errorf("level B given back: %v", doc)
	}
	decl := b.getJSON(t, "/v1/declarations/"+id, b.admin)
	found := false
	for _, e := range decl["timeline"].([]any) {
		if note, _ := e.(map[string]any)["note"].(string); strings.Contains(note, "given back") && strings.Contains(note, "LEVELA") {
			found = e.(map[string]any)["status"] == "rejected"
		}
	}
	if decl["status"] != "rejected" || !found {
		t.Errorf("no give-back on the timeline: %v", decl["timeline"])
	}
	// A repeated decision gives nothing back twice.
	b.post(t, "/v1/review-centre/decisions", rc, map[string]any{"entryId": "020220261000000901", "decision": "rejected", "reason": "no"})
	if got := b.remaining(t, "special_article_approval", "LEVELB"); got != "100.25" {
		t.Errorf("given back twice: %s", got)
	}
}

// TestDocumentWriteOffRace: 20 declarations at once against a document
// with room for 7: exactly 7 accepted, 13 document.exhausted, 0 left.
func TestDocumentWriteOffRace(t *testing.T) {
	t.Parallel()
	b := setup(t, options{citing: true})
	tj := b.key(t, customs.CallerPort, "tianjin")
	beijing := b.key(t, customs.CallerBureau, "110000")
	b.issue(t, beijing, approval("RACE", steelConsignor, "B", "7"))
	b.cite.set(citeLevel("B", "RACE", "1"))
	body := string(readSample(t, "tianjin", "export-steel-plate.xml"))
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	start := make(chan struct{})
	for i := range statuses {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			raw := strings.Replace(body, "E20261127000000102", fmt.Sprintf("E202611270000005%02d", i), 1)
			req, _ := http.NewRequest("POST", b.srv.URL+"/v1/ports/tianjin/declarations", strings.NewReader(raw))
			req.Header.Set("Authorization", "Bearer "+tj)
			req.Header.Set("Content-Type", "application/xml")
			<-start
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}(i)
	}
	close(start)
	wg.Wait()
	n := map[int]int{}
	for _, s := range statuses {
		n[s]++
	}
	if n[201] != 7 || n[422] != 13 {
		t.Errorf("statuses: %v", n)
	}
	if got := b.remaining(t, "special_article_approval", "RACE"); got != "0" {
		t.Errorf("remaining %s", got)
	}
	if c := b.count(t, `SELECT count(*) FROM document_write_off`); c != 7 {
		t.Errorf("%d write-offs", c)
	}
	if c := b.count(t, `SELECT count(*) FROM rejection WHERE errors::text LIKE '%document.exhausted%'`); c != 13 {
		t.Errorf("%d rejections for document.exhausted", c)
	}
}

// TestTrackShowsTheHoldersDocuments: the list page shows a holder its own
// documents with what remains, in either language, and nobody else's; a
// declaration's page shows the documents it cites.
func TestTrackShowsTheHoldersDocuments(t *testing.T) {
	t.Parallel()
	b := setupEnterprise(t)
	const holder = "91130108MA0J7K2N8B" // the ethyl acetate sample's consignor
	bureau := b.key(t, customs.CallerBureau, "130100")
	b.issue(t, bureau, map[string]any{"kind": "dg_packaging_use", "number": "130100DGP2026000123", "holder": holder, "validFrom": "2026-01-01",
		"validUntil": "2098-12-31", "quantity": "200", "unit": "011", "un": "1173", "packingGroup": "II", "packaging": "1A1"})
	b.issue(t, bureau, approval("TRACKTHEIRS", steelConsignor, "B", "3"))
	d := b.testBundle.submit(t, b.key(t, customs.CallerPort, "tianjin"), "tianjin", "export-hazchem-ethyl-acetate-packaging")
	c := newClerk(t, b)
	c.signIn(b.key(t, customs.CallerEnterprise, holder))
	p := c.get("/track?lang=en")
	if p.status != 200 || !strings.Contains(p.body, "Documents we hold") || !strings.Contains(p.body, "130100DGP2026000123") ||
		!strings.Contains(p.body, "120 / 200") || strings.Contains(p.body, "TRACKTHEIRS") {
		t.Errorf("English page: %d %s", p.status, p.body)
	}
	p = c.get("/track?lang=zh")
	if !strings.Contains(p.body, "本企业持有的单证") || !strings.Contains(p.body, "出境危险货物运输包装使用鉴定结果单") {
		t.Errorf("Chinese page: %s", p.body)
	}
	p = c.get("/track/declarations/" + d["id"].(string) + "?lang=en")
	if p.status != 200 || !strings.Contains(p.body, "Documents cited") || !strings.Contains(p.body, "130100DGP2026000123") {
		t.Errorf("declaration page: %d %s", p.status, p.body)
	}
}

// TestSpecialArticleFirstUseFromTheRegister: the first declaration citing
// a level C approval is always checked at the port (firstUse true); a
// later one is a draw (firstUse false, with its value and rate).
func TestSpecialArticleFirstUseFromTheRegister(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	bj := b.key(t, customs.CallerPort, "beijing")
	bureau := b.key(t, customs.CallerBureau, "110000")
	b.issue(t, bureau, approval("110000SPA2026000777", "91110108MA0AK4R24G", "C", "10"))
	repl := []string{`specialArticle="A"`, `specialArticle="C"`, "110000SPA2026000156", "110000SPA2026000777", `writeOff="400"`, `writeOff="1"`}
	evidence := func(d map[string]any) map[string]any {
		for _, r := range routeOf(t, d)["reasons"].([]any) {
			if m := r.(map[string]any); m["rule"] == "special_articles.port_check" {
				return m["evidence"].(map[string]any)
			}
		}
		return nil
	}
	first := b.submit(t, bj, "beijing", "import-special-article-level-a", repl...)
	if ev := evidence(first); ev == nil || ev["firstUse"] != "true" || ev["document"] != "110000SPA2026000777" {
		t.Errorf("first use: %v", routeOf(t, first))
	}
	for i := 0; i < 3; i++ {
		later := b.submit(t, bj, "beijing", "import-special-article-level-a", repl...)
		ev := evidence(later)
		if ev != nil && (ev["firstUse"] != "false" || ev["value"] == nil || ev["rate"] == nil) {
			t.Errorf("later use: %v", ev)
		}
	}
	if got := b.remaining(t, "special_article_approval", "110000SPA2026000777"); got != "6" {
		t.Errorf("remaining %s", got)
	}
}

// TestRerouteKeepsTheFirstUse: a re-route decides a special article's
// first use as intake did: the declaration's own write-off is no earlier
// use, a later declaration's first use stays false.
func TestRerouteKeepsTheFirstUse(t *testing.T) {
	t.Parallel()
	b := setup(t, options{inspection: true})
	bj := b.key(t, customs.CallerPort, "beijing")
	b.issue(t, b.key(t, customs.CallerBureau, "110000"), approval("110000SPA2026000778", "91110108MA0AK4R24G", "C", "10"))
	repl := []string{`specialArticle="A"`, `specialArticle="C"`, "110000SPA2026000156", "110000SPA2026000778", `writeOff="400"`, `writeOff="1"`}
	firstUse := func(d map[string]any) any {
		for _, r := range routeOf(t, d)["reasons"].([]any) {
			if m := r.(map[string]any); m["rule"] == "special_articles.port_check" {
				return m["evidence"].(map[string]any)["firstUse"]
			}
		}
		return nil
	}
	first := b.submit(t, bj, "beijing", "import-special-article-level-a", repl...)["id"].(string)
	second := b.submit(t, bj, "beijing", "import-special-article-level-a", repl...)["id"].(string)
	before := firstUse(b.getJSON(t, "/v1/declarations/"+second, b.admin))
	if r := b.post(t, "/v1/admin/risk-alerts", b.admin, map[string]any{"hsPrefix": "3002", "action": "port_inspection", "reason": "re-route", "expiresAt": "2099-01-01T00:00:00Z"}); r.status != 201 {
		t.Fatalf("alert: %d %s", r.status, r.body)
	}
	d := b.getJSON(t, "/v1/declarations/"+first, b.admin)
	rerouted := false
	for _, r := range routeOf(t, d)["reasons"].([]any) {
		rule, _ := r.(map[string]any)["rule"].(string)
		rerouted = rerouted || rule == "risk.alert"
	}
	if !rerouted {
		t.Fatalf("not re-routed: %v", routeOf(t, d))
	}
	if routeOf(t, d)["lane"] != "port_inspection" || firstUse(d) != "true" {
		t.Errorf("first after the re-route: %v", routeOf(t, d))
	}
	if got := firstUse(b.getJSON(t, "/v1/declarations/"+second, b.admin)); got != before || (got != nil && got != "false") {
		t.Errorf("second after the re-route: %v (before %v)", got, before)
	}
}
