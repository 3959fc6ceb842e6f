package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jjj/gateway/internal/customs"
)

// TestDocumentErrorsPerDialect: each check of a citation (documents.md)
// through each dialect's own message, read by its adapter: the sample
// that cites a document is sent against a register made to fail it in
// one way, and the one problem is at that dialect's citation path;
// nothing is written off.
func TestDocumentErrorsPerDialect(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	cases := []struct {
		port, name, path string
		// mismatch is a field of the document and a value the item does
		// not have.
		mismatch [2]string
	}{
		{"tianjin", "export-hazchem-ethyl-acetate-packaging", "/DecMessage/DecLists/DecList[1]/DecGoodsLimits/DecGoodsLimit[1]/LicenceNo", [2]string{"un", "1993"}},
		{"hebei", "import-grain-soybeans-permit", "/BJXX/HWXX/HW[@XH='1']/XKZ[1]/@BH", [2]string{"origin", "USA"}},
		{"beijing", "import-special-article-level-a", "/AirCargoDeclaration/Items/Item[@line='1']/Licence[1]/@number", [2]string{"level", "B"}},
	}
	variants := []struct {
		code   string
		change func(doc map[string]any, mismatch [2]string) (register bool, revoke bool)
	}{
		{customs.ProblemDocumentUnknown, func(map[string]any, [2]string) (bool, bool) { return false, false }},
		{customs.ProblemDocumentRevoked, func(map[string]any, [2]string) (bool, bool) { return true, true }},
		{customs.ProblemDocumentNotValid, func(d map[string]any, _ [2]string) (bool, bool) {
			d["validFrom"], d["validUntil"] = "2025-01-01", "2026-05-31"
			return true, false
		}},
		{customs.ProblemDocumentHolderMismatch, func(d map[string]any, _ [2]string) (bool, bool) {
			d["holder"] = "91120116MA05XK9L5Y"
			return true, false
		}},
		{customs.ProblemDocumentMismatch, func(d map[string]any, m [2]string) (bool, bool) {
			d[m[0]] = m[1]
			return true, false
		}},
		{customs.ProblemDocumentExhausted, func(d map[string]any, _ [2]string) (bool, bool) {
			d["quantity"] = "1"
			return true, false
		}},
	}
	for _, c := range cases {
		var e struct {
			Documents []map[string]any `json:"documents"`
			Canonical struct {
				PortRef string `json:"portRef"`
			} `json:"canonical"`
		}
		raw, err := os.ReadFile("testdata/samples/" + c.port + "/" + c.name + ".expect.json")
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &e); err != nil || len(e.Documents) != 1 {
			t.Fatalf("%s: %v %d documents", c.name, err, len(e.Documents))
		}
		body := readSample(t, c.port, c.name+".xml")
		port := b.key(t, customs.CallerPort, c.port)
		for i, v := range variants {
			doc := map[string]any{}
			for k, x := range e.Documents[0] {
				doc[k] = x
			}
			number := doc["number"].(string)
			doc["number"] = fmt.Sprintf("%s-%d", number, i)
			issuer := doc["issuer"].(string)
			delete(doc, "issuer")
			register, revoke := v.change(doc, c.mismatch)
			bureau := b.key(t, customs.CallerBureau, issuer)
			if register {
				if r := b.post(t, "/v1/documents", bureau, doc); r.status != 201 {
					t.Fatalf("%s %s: register: %d %s", c.port, v.code, r.status, r.body)
				}
			}
			if revoke {
				b.post(t, fmt.Sprintf("/v1/documents/%s/%s/revoke", doc["kind"], doc["number"]), bureau, map[string]any{"reason": "withdrawn"})
			}
			msg := bytes.Replace(body, []byte(number), []byte(doc["number"].(string)), 1)
			ref := e.Canonical.PortRef
			msg = bytes.Replace(msg, []byte(ref), []byte(ref[:len(ref)-2]+fmt.Sprintf("%02d", 90+i)), 1)
			r := b.do(t, "POST", "/v1/ports/"+c.port+"/declarations", port, "application/xml", msg)
			if got := strings.Join(problemSet(t, r), ","); r.status != 422 || got != c.path+" "+v.code {
				t.Errorf("%s %s: %d %q", c.port, v.code, r.status, got)
			}
			if register {
				if d := b.getJSON(t, fmt.Sprintf("/v1/documents/%s/%s", doc["kind"], doc["number"]), b.admin); d["remaining"] != doc["quantity"] {
					t.Errorf("%s %s: written off: %v", c.port, v.code, d["remaining"])
				}
			}
		}
	}
}
