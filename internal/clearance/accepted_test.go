package clearance

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/view"
)

// TestAcceptedBody: the answer is byte for byte the view marshalled
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
		first := view.TimelineEntry{At: at, Status: string(customs.StatusAccepted), Actor: "port:tianjin", Note: "accepted and routed: release",
			Data: json.RawMessage(`{"lane":"release"}`)}
		got := acceptedBody(view.NewView(d), first)
		v := view.NewView(d)
		v.Status = string(customs.StatusAccepted)
		v.EntryID = json.RawMessage("null")
		v.Timeline = []view.TimelineEntry{first}
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("portRef %q:\n got %s\nwant %s", ref, got, want)
		}
	}
}

// benchView is a declaration of the bench corpus's shape for the answer's
// benchmark: sixteen items.
func benchView() (*customs.Declaration, view.TimelineEntry) {
	at := time.Date(2026, 11, 27, 1, 2, 3, 4000, time.UTC)
	d := &customs.Declaration{ID: "d_01", RuleSet: "2026.1", Direction: customs.Import,
		Source:  customs.Source{Port: customs.PortTianjin, PortRef: "I2026000001", Dialect: "tianjin/DecMessage-3.1", ReceivedAt: at, Digest: "sha256:00"},
		Customs: customs.CustomsCodes{Declaring: "0202", Port: "0202"},
		Parties: []customs.Party{{Role: customs.RoleConsignee, USCC: "91120116MA05T7K30Q", Name: "Tianjin Binhai Seafood Trading Co., Ltd."}},
		Route:   &customs.Route{Lane: customs.LaneRelease, RuleSet: "2026.1"}}
	for i := 1; i <= 16; i++ {
		d.Goods = append(d.Goods, customs.GoodsItem{Seq: i, HSCode: "0302131000", Name: "frozen Atlantic salmon fillets",
			Spec: "skin-on, vacuum packed, 10 kg cartons", Quantity: "1200.5", Unit: "035", Value: "18000.00", Currency: "USD", Origin: "NOR"})
	}
	return d, view.TimelineEntry{At: at, Status: string(customs.StatusAccepted), Actor: "port:tianjin", Note: "accepted and routed: release",
		Data: json.RawMessage(`{"lane":"release","ruleSet":"2026.1","reasons":[]}`)}
}

// BenchmarkAcceptedBody is the answer to a new submission, from the
// declaration's view.
//
//	go test ./internal/clearance -run '^$' -bench AcceptedBody -benchmem
func BenchmarkAcceptedBody(b *testing.B) {
	d, first := benchView()
	b.ReportAllocs()
	for b.Loop() {
		if body := acceptedBody(view.NewView(d), first); len(body) == 0 {
			b.Fatal("empty")
		}
	}
}
