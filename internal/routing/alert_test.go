package routing_test

import (
	"testing"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
)

func TestAlertMatches(t *testing.T) {
	t.Parallel()
	d := imp(ordinary(""), food("0406900000", "", "R"))
	d.Goods[1].Origin = "FRA"
	d.Parties = append(d.Parties, customs.Party{Role: customs.RoleOwner, USCC: usccOwner})
	tests := []struct {
		name  string
		a     routing.Alert
		item1 bool
		item2 bool
	}{
		{"nothing set matches nothing", routing.Alert{ID: "a"}, false, false},
		{"HS prefix", routing.Alert{HSPrefix: "0406"}, false, true},
		{"full HS code", routing.Alert{HSPrefix: "8457101000"}, true, false},
		{"origin, any case", routing.Alert{Origin: "fra"}, false, true},
		{"trader", routing.Alert{USCC: usccTrader}, true, true},
		{"owner, lower case", routing.Alert{USCC: "91130104ma0cf8n241"}, true, true},
		{"declarant", routing.Alert{USCC: usccDeclarant}, true, true},
		{"someone else", routing.Alert{USCC: "91110108MA01K8T2X9"}, false, false},
		{"port system", routing.Alert{Port: customs.PortTianjin}, true, true},
		{"port customs code", routing.Alert{Port: "0202"}, true, true},
		{"another port", routing.Alert{Port: customs.PortHebei}, false, false},
		{"all four", routing.Alert{HSPrefix: "04", Origin: "FRA", USCC: usccOwner, Port: "tianjin"}, false, true},
		{"all but one", routing.Alert{HSPrefix: "04", Origin: "FRA", USCC: usccOwner, Port: "beijing"}, false, false},
	}
	for _, tt := range tests {
		if got := routing.AlertMatches(tt.a, d, &d.Goods[0]); got != tt.item1 {
			t.Errorf("%s: item 1 = %v, want %v", tt.name, got, tt.item1)
		}
		if got := routing.AlertMatches(tt.a, d, &d.Goods[1]); got != tt.item2 {
			t.Errorf("%s: item 2 = %v, want %v", tt.name, got, tt.item2)
		}
	}
}
