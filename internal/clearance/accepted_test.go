package clearance

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/view"
)

// TestAcceptedBody: the spliced answer is byte for byte the view marshalled
// with status, entryId and timeline set, whatever the port wrote in its
// strings.
func TestAcceptedBody(t *testing.T) {
	at := time.Date(2026, 11, 27, 1, 2, 3, 4000, time.UTC)
	for _, ref := range []string{"I2026000001", `x,"ruleSet":"y`, `a\",\"ruleSet\":`, "报检单\u2028<&>"} {
		d := &customs.Declaration{
			ID: "d_01", RuleSet: "2026.1", Direction: customs.Import,
			Source:  customs.Source{Port: customs.PortTianjin, PortRef: ref, Dialect: "tianjin/DecMessage-3.1", ReceivedAt: at, Digest: "sha256:00"},
			Customs: customs.CustomsCodes{Declaring: "0202", Port: "0202"},
			Parties: []customs.Party{{Role: customs.RoleConsignee, USCC: "91120116MA05T7K30Q", Name: ref}},
			Goods:   []customs.GoodsItem{{Seq: 1, HSCode: "2914110000", Name: ref}},
			Route:   &customs.Route{Lane: customs.LaneRelease, RuleSet: "2026.1"},
		}
		v := view.NewView(d)
		doc, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		first := view.TimelineEntry{At: at, Status: string(customs.StatusAccepted), Actor: "port:tianjin", Note: "accepted and routed: release"}
		got, err := acceptedBody(doc, first)
		if err != nil {
			t.Fatal(err)
		}
		v.Status = string(customs.StatusAccepted)
		v.EntryID = json.RawMessage("null")
		v.Timeline = []view.TimelineEntry{first}
		want, _ := json.Marshal(v)
		if !bytes.Equal(got, want) {
			t.Errorf("portRef %q:\n got %s\nwant %s", ref, got, want)
		}
	}
	if _, err := acceptedBody([]byte(`{"id":"x"}`), view.TimelineEntry{}); err == nil {
		t.Error("a document without ruleSet was accepted")
	}
}
