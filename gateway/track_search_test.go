package gateway_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/jjj/gateway/internal/customs"
)

// The tracking page finds a declaration by its port reference or its entry
// number (or the start of either), within the enterprise's own; the
// timeline's notes and the goods' units read in the page's language.
func TestTrackSearchNotesAndUnits(t *testing.T) {
	t.Parallel()
	b := setupEnterprise(t)
	d1 := b.submit(t, "import-hazchem-sodium-cyanide-inland.xml", ref(11), entA)
	b.submit(t, "import-ordinary-machinery.xml", ref(12), entA)
	b.submit(t, "import-ordinary-machinery.xml", ref(13), entB)
	if _, err := b.db.Exec(`UPDATE declaration SET entry_id = '020220269900000011' WHERE id = $1`, d1); err != nil {
		t.Fatal(err)
	}
	c := newClerk(t, b)
	c.signIn(b.key(t, customs.CallerEnterprise, entA))

	for _, s := range []struct {
		q        string
		want     []string
		not      []string
		whatText string
	}{
		{ref(11), []string{ref(11)}, []string{ref(12)}, "a port reference"},
		{strings.ToLower(ref(12)), []string{ref(12)}, []string{ref(11)}, "a port reference in lower case"},
		{" 020220269900000011 ", []string{ref(11)}, []string{ref(12)}, "an entry number, pasted with blanks"},
		{"0202202699", []string{ref(11)}, []string{ref(12)}, "the start of an entry number"},
		{ref(13), nil, []string{ref(13), ref(11), ref(12)}, "another enterprise's reference"},
		{"%", nil, []string{ref(11), ref(12)}, "a wildcard, taken literally"},
	} {
		p := c.get("/track?q=" + url.QueryEscape(s.q))
		if p.status != 200 {
			t.Fatalf("%s: %d", s.whatText, p.status)
		}
		for _, w := range s.want {
			if !strings.Contains(p.body, w) {
				t.Errorf("%s (%q): %s not found", s.whatText, s.q, w)
			}
		}
		for _, n := range s.not {
			if strings.Contains(p.body, ">"+n+"<") {
				t.Errorf("%s (%q): %s listed", s.whatText, s.q, n)
			}
		}
		if !strings.Contains(p.body, `name="q"`) {
			t.Errorf("no search box")
		}
	}

	zh := c.get("/track/declarations/" + d1 + "?lang=zh")
	if !strings.Contains(zh.body, "已受理，检验安排：") || strings.Contains(zh.body, "accepted and routed") {
		t.Errorf("Chinese page notes: %.3000s", zh.body)
	}
	en := c.get("/track/declarations/" + d1 + "?lang=en")
	if !strings.Contains(en.body, "accepted and routed") {
		t.Errorf("English page notes: %.3000s", en.body)
	}
	if strings.Contains(en.body, "千克") || !strings.Contains(en.body, " kg") {
		t.Errorf("English page units: %.3000s", en.body)
	}
	if !strings.Contains(zh.body, "千克") {
		t.Errorf("Chinese page units")
	}
}
