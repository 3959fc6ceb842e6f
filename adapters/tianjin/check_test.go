package tianjin_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/jjj/gateway/internal/customs"
)

const (
	head  = "/DecMessage/DecHead/"
	item1 = "/DecMessage/DecLists/DecList[1]/"
	item2 = "/DecMessage/DecLists/DecList[2]/"
	cont2 = "/DecMessage/DecContainers/Container[2]/"
)

// TestChecks has one case per check of ports.md's table, each with the path
// and the api.md code it must report, and nothing else.
func TestChecks(t *testing.T) {
	cases := []struct {
		name  string
		edits []string
		want  []string
	}{
		{"USCC check character", []string{"<TradeCoScc>91120116MA05T7K30Q<", "<TradeCoScc>91120116MA05T7K303<"}, []string{head + "TradeCoScc invalid_uscc"}},
		{"USCC form", []string{"<AgentCodeScc>91120116732845199J<", "<AgentCodeScc>9112011673284519<"}, []string{head + "AgentCodeScc invalid_uscc"}},
		{"owner USCC", []string{"<OwnerCodeScc>91120113600138724G<", "<OwnerCodeScc>91120113600138724O<"}, []string{head + "OwnerCodeScc invalid_uscc"}},
		{"HS code", []string{"<CodeTS>8457101000<", "<CodeTS>84571010<"}, []string{item1 + "CodeTS invalid_hs_code"}},
		{"HS code with a dot", []string{"<CodeTS>2914110000<", "<CodeTS>2914.11000<"}, []string{item2 + "CodeTS invalid_hs_code"}},
		{"CIQ code", []string{"<CiqCode>999<", "<CiqCode>99<"}, []string{item1 + "CiqCode invalid_ciq_code"}},
		{"origin country", []string{"<OriginCountry>DEU<", "<OriginCountry>DE<"}, []string{item1 + "OriginCountry unknown_country"}},
		{"destination country", []string{"<DestinationCountry>CHN<", "<DestinationCountry>ZZZ<"}, []string{item1 + "DestinationCountry unknown_country"}},
		{"trade country", []string{"<TradeCountry>KOR<", "<TradeCountry>XKR<"}, []string{head + "TradeCountry unknown_country"}},
		{"currency", []string{"<TradeCurr>USD<", "<TradeCurr>RMB<"}, []string{item2 + "TradeCurr unknown_currency"}},
		{"unit", []string{"<GUnit>035<", "<GUnit>KGM<"}, []string{item2 + "GUnit unknown_unit"}},
		{"transport mode", []string{"<TrafMode>2<", "<TrafMode>8<"}, []string{head + "TrafMode unknown_transport_mode"}},
		{"trade mode", []string{"<TradeMode>0110<", "<TradeMode>9999<"}, []string{head + "TradeMode unknown_trade_mode"}},
		{"declaring customs", []string{"<CustomMaster>0202<", "<CustomMaster>0299<"}, []string{head + "CustomMaster unknown_customs_code"}},
		{"port customs", []string{"<IEPort>0217<", "<IEPort>217<"}, []string{head + "IEPort unknown_customs_code"}},
		{"destination office", []string{"<PurpOrgCode>130100<", "<PurpOrgCode>139999<"}, []string{head + "PurpOrgCode unknown_bureau"}},
		{"direct-transit zone", []string{`zone="130100"`, `zone="999999"`}, []string{"/DecMessage/DirectTransit/@zone unknown_bureau"}},
		{"district", []string{"<DestCode>130104<", "<DestCode>13010<"}, []string{item1 + "DestCode invalid_district"}},
		{"quantity decimals", []string{"<GQty>12800<", "<GQty>12800.123456<"}, []string{item2 + "GQty invalid_quantity"}},
		{"quantity zero", []string{"<GQty>2<", "<GQty>0.00<"}, []string{item1 + "GQty invalid_quantity"}},
		{"gross weight sign", []string{"<GrossWet>14720.5<", "<GrossWet>-14720.5<"}, []string{head + "GrossWet invalid_quantity"}},
		{"net weight exponent", []string{"<NetWt>12800<", "<NetWt>1.28e4<"}, []string{head + "NetWt invalid_quantity"}},
		{"packages whole", []string{"<PackNo>80<", "<PackNo>80.5<"}, []string{head + "PackNo invalid_quantity"}},
		{"total decimals", []string{"<DeclTotal>14720.00<", "<DeclTotal>14720.001<"}, []string{item2 + "DeclTotal invalid_value"}},
		{"total grouping", []string{"<DeclTotal>486000.00<", "<DeclTotal>486,000.00<"}, []string{item1 + "DeclTotal invalid_value"}},
		{"unit price decimals", []string{"<DeclPrice>1.1500<", "<DeclPrice>1.15001<"}, []string{item2 + "DeclPrice invalid_value"}},
		{"date", []string{"<DespDate>20261118<", "<DespDate>20260230<"}, []string{head + "DespDate invalid_date"}},
		{"date form", []string{"<DespDate>20261118<", "<DespDate>2026-11-18<"}, []string{head + "DespDate invalid_date"}},
		{"date in year 0", []string{"<DespDate>20261118<", "<DespDate>00000101<"}, []string{head + "DespDate invalid_date"}},
		{"container check digit", []string{"<ContainerId>TGHU3812047<", "<ContainerId>TGHU3812048<"}, []string{cont2 + "ContainerId invalid_container_number"}},
		{"container form", []string{"<ContainerId>TGHU3812047<", "<ContainerId>TGH3812047<"}, []string{cont2 + "ContainerId invalid_container_number"}},
		{"duplicate item number", []string{"<GNo>2<", "<GNo>1<"}, []string{item2 + "GNo duplicate_key"}},
		{"duplicate container", []string{"<ContainerId>TGHU3812047<", "<ContainerId>CSNU6350182<"}, []string{cont2 + "ContainerId duplicate_key"}},
		{"direction", []string{"<IEFlag>I<", "<IEFlag>X<"}, []string{head + "IEFlag invalid_enum"}},
		{"terms", []string{"<TransMode>3<", "<TransMode>5<"}, []string{head + "TransMode invalid_enum"}},
		{"original-container flag", []string{"<OrigBoxFlag>1<", "<OrigBoxFlag>Y<"}, []string{head + "OrigBoxFlag invalid_enum"}},
		{"non-dangerous flag", []string{"<NoDangFlag>0<", "<NoDangFlag>2<"}, []string{item2 + "NoDangFlag invalid_enum"}},
		{"packing type", []string{"<DangPackType>2<", "<DangPackType>II<"}, []string{item2 + "DangPackType invalid_enum"}},
		{"UN number unknown", []string{"<UnCode>1090<", "<UnCode>0000<"}, []string{item2 + "UnCode unknown_un_number"}},
		{"UN number form", []string{"<UnCode>1090<", "<UnCode>UN1090<"}, []string{item2 + "UnCode unknown_un_number"}},
		{"item number", []string{"<GNo>2<", "<GNo>two<"}, []string{item2 + "GNo missing_field"}},
		{"seal without container", []string{`<jjj:Seal container="TGHU3812047">`, `<jjj:Seal>`}, []string{"/DecMessage/DirectTransit/Seal[2]/@container missing_field"}},
		{"seal without number", []string{`<jjj:Seal container="TGHU3812047">CIQ2026TJ000002<`, `<jjj:Seal container="TGHU3812047"><`}, []string{"/DecMessage/DirectTransit/Seal[2] missing_field"}},
		{"zone missing", []string{` zone="130100"`, ``}, []string{"/DecMessage/DirectTransit/@zone missing_field"}},
		{"container without number", []string{"<ContainerId>TGHU3812047</ContainerId>", ""}, []string{cont2 + "ContainerId missing_field"}},
	}
	a := newAdapter(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := a.Decode([]byte(edit(t, base, c.edits...)))
			if got := problems(err); !slices.Equal(got, c.want) {
				t.Errorf("problems\n got %q\nwant %q", got, c.want)
			}
			if customs.ErrorCodeOf(err) != customs.CodeInvalid {
				t.Fatalf("error %v, want invalid", err)
			}
			for _, p := range customs.ProblemsOf(err) {
				if p.Message == "" {
					t.Errorf("%s: no message", p.Path)
				}
			}
			// The partly read declaration comes back, naming the message.
			if d == nil || d.Source.PortRef != "I20261127000009001" {
				t.Errorf("declaration %+v, want it with its portRef", d)
			}
		})
	}
}

func TestUSCCMessage(t *testing.T) {
	_, err := newAdapter(t).Decode([]byte(edit(t, base, "<TradeCoScc>91120116MA05T7K30Q<", "<TradeCoScc>91120116MA05T7K303<")))
	ps := customs.ProblemsOf(err)
	if len(ps) != 1 || ps[0].Message != "check character is 3, expected Q" {
		t.Errorf("problems %+v", ps)
	}
}

// TestMissing: each required field, absent or empty, is missing_field at
// the place it belongs.
func TestMissing(t *testing.T) {
	cases := []struct {
		name  string
		edits []string
		want  string
	}{
		{"ClientSeqNo", []string{"<ClientSeqNo>I20261127000009001</ClientSeqNo>", ""}, "/DecMessage/DecSign/ClientSeqNo"},
		{"IEFlag", []string{"<IEFlag>I</IEFlag>", "<IEFlag> </IEFlag>"}, head + "IEFlag"},
		{"CustomMaster", []string{"<CustomMaster>0202</CustomMaster>", ""}, head + "CustomMaster"},
		{"IEPort", []string{"<IEPort>0217</IEPort>", "<IEPort/>"}, head + "IEPort"},
		{"TradeCoScc", []string{"<TradeCoScc>91120116MA05T7K30Q</TradeCoScc>", ""}, head + "TradeCoScc"},
		{"AgentCodeScc", []string{"<AgentCodeScc>91120116732845199J</AgentCodeScc>", ""}, head + "AgentCodeScc"},
		{"TrafMode", []string{"<TrafMode>2</TrafMode>", ""}, head + "TrafMode"},
		{"TradeMode", []string{"<TradeMode>0110</TradeMode>", "<TradeMode></TradeMode>"}, head + "TradeMode"},
		{"GNo", []string{"<GNo>2</GNo>", ""}, item2 + "GNo"},
		{"CodeTS", []string{"<CodeTS>8457101000</CodeTS>", ""}, item1 + "CodeTS"},
		{"GQty", []string{"<GQty>2</GQty>", ""}, item1 + "GQty"},
		{"GUnit", []string{"<GUnit>035</GUnit>", ""}, item2 + "GUnit"},
		{"DeclTotal", []string{"<DeclTotal>14720.00</DeclTotal>", ""}, item2 + "DeclTotal"},
		{"TradeCurr", []string{"<TradeCurr>EUR</TradeCurr>", ""}, item1 + "TradeCurr"},
		{"OriginCountry", []string{"<OriginCountry>KOR</OriginCountry>", ""}, item2 + "OriginCountry"},
	}
	a := newAdapter(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := a.Decode([]byte(edit(t, base, c.edits...)))
			want := []string{c.want + " missing_field"}
			if got := problems(err); !slices.Equal(got, want) {
				t.Errorf("problems\n got %q\nwant %q", got, want)
			}
		})
	}
	t.Run("no item", func(t *testing.T) {
		start, end := strings.Index(base, "<DecLists>"), strings.Index(base, "</DecLists>")
		_, err := a.Decode([]byte(base[:start] + "<DecLists/>" + base[end+len("</DecLists>"):]))
		want := []string{"/DecMessage/DecLists/DecList[1] missing_field"}
		if got := problems(err); !slices.Equal(got, want) {
			t.Errorf("problems\n got %q\nwant %q", got, want)
		}
	})
}

// TestEveryProblemAtOnce: a message with many faults gets all of them.
func TestEveryProblemAtOnce(t *testing.T) {
	msg := edit(t, base,
		`version="3.1"`, `version="9"`,
		"<IEFlag>I<", "<IEFlag>X<",
		"<TradeCoScc>91120116MA05T7K30Q<", "<TradeCoScc>91120116MA05T7K303<",
		"<AgentCodeScc>91120116732845199J</AgentCodeScc>", "",
		"<TradeCurr>USD<", "<TradeCurr>RMB<",
		"<CodeTS>8457101000<", "<CodeTS>845710<",
		"<GNo>2<", "<GNo>1<",
		"<ContainerId>TGHU3812047<", "<ContainerId>TGHU3812048<",
		"<DespDate>20261118<", "<DespDate>20261318<",
		`zone="130100"`, `zone="1301"`,
		"<UnCode>1090<", "<UnCode>1<",
	)
	d, err := newAdapter(t).Decode([]byte(msg))
	want := []string{
		"/DecMessage/@version invalid_enum",
		"/DecMessage/DirectTransit/@zone unknown_bureau",
		cont2 + "ContainerId invalid_container_number",
		head + "AgentCodeScc missing_field",
		head + "DespDate invalid_date",
		head + "IEFlag invalid_enum",
		head + "TradeCoScc invalid_uscc",
		item1 + "CodeTS invalid_hs_code",
		item2 + "GNo duplicate_key",
		item2 + "TradeCurr unknown_currency",
		item2 + "UnCode unknown_un_number",
	}
	slices.Sort(want)
	if got := problems(err); !slices.Equal(got, want) {
		t.Errorf("problems\n got %q\nwant %q", got, want)
	}
	if d == nil || d.Source.PortRef != "I20261127000009001" {
		t.Errorf("declaration %+v", d)
	}
}
