package canonical_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/jjj/gateway/internal/canonical"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/schemas"
	"github.com/jjj/gateway/schemas/schematest"
)

// TestSchemaRefuses checks that the XSD is precise: each mutation of a
// valid declaration must make the message invalid. All documents go to one
// xmllint run; the valid original goes first and must pass.
func TestSchemaRefuses(t *testing.T) {
	t.Parallel()
	mutations := []struct {
		name string
		mut  func(d *customs.Declaration)
	}{
		{"hs 9 digits", func(d *customs.Declaration) { d.Goods[0].HSCode = "270112900" }},
		{"hs with dot", func(d *customs.Declaration) { d.Goods[0].HSCode = "2701.12900" }},
		{"ciq 2 digits", func(d *customs.Declaration) { d.Goods[0].CIQCode = "99" }},
		{"uscc with I", func(d *customs.Declaration) { d.Parties[0].USCC = "91130104MA0CF8NI41" }},
		{"uscc lower case", func(d *customs.Declaration) { d.Parties[0].USCC = "91130104ma0cf8n241" }},
		{"uscc 17", func(d *customs.Declaration) { d.Parties[0].USCC = "91130104MA0CF8N24" }},
		{"country alpha-2", func(d *customs.Declaration) { d.Goods[0].Origin = "AU" }},
		{"currency lower", func(d *customs.Declaration) { d.Goods[0].Currency = "usd" }},
		{"unit 2 digits", func(d *customs.Declaration) { d.Goods[0].Unit = "35" }},
		{"quantity zero", func(d *customs.Declaration) { d.Goods[0].Quantity = "0.000" }},
		{"quantity 6 decimals", func(d *customs.Declaration) { d.Goods[0].Quantity = "1.123456" }},
		{"quantity exponent", func(d *customs.Declaration) { d.Goods[0].Quantity = "1e3" }},
		{"quantity grouping", func(d *customs.Declaration) { d.Goods[0].Quantity = "1,000" }},
		{"quantity trailing dot", func(d *customs.Declaration) { d.Goods[0].Quantity = "10." }},
		{"quantity small 6 decimals", func(d *customs.Declaration) { d.Goods[0].Quantity = "0.000001" }},
		{"value 3 decimals", func(d *customs.Declaration) { d.Goods[0].Value = "1.001" }},
		{"value zero", func(d *customs.Declaration) { d.Goods[0].Value = "0.00" }},
		{"value negative", func(d *customs.Declaration) { d.Goods[0].Value = "-1" }},
		{"packages fraction", func(d *customs.Declaration) { d.Weights.Packages = "1.5" }},
		{"date not a date", func(d *customs.Declaration) { d.Transport.DepartureDate = "2026-02-30" }},
		{"date compact", func(d *customs.Declaration) { d.Transport.DepartureDate = "20261120" }},
		{"direction", func(d *customs.Declaration) { d.Direction = "transit" }},
		{"role", func(d *customs.Declaration) { d.Parties[1].Role = "buyer" }},
		{"duplicate role", func(d *customs.Declaration) { d.Parties[1].Role = customs.RoleConsignee }},
		{"transport mode", func(d *customs.Declaration) { d.Transport.Mode = "ship" }},
		{"trade mode", func(d *customs.Declaration) { d.Trade.Mode = "110" }},
		{"customs code", func(d *customs.Declaration) { d.Customs.Port = "202" }},
		{"office", func(d *customs.Declaration) { d.DestinationOffice = "13010" }},
		{"district", func(d *customs.Declaration) { d.Goods[0].DestinationDistrict = "13010A" }},
		{"unit kind", func(d *customs.Declaration) { d.Equipment[0].Kind = "box" }},
		{"duplicate unit", func(d *customs.Declaration) { d.Equipment[1].ID = d.Equipment[0].ID }},
		{"packing group", func(d *customs.Declaration) { d.Goods[1].DangerousGoods.PackingGroup = "IV" }},
		{"un number", func(d *customs.Declaration) { d.Goods[1].DangerousGoods.UN = "UN1090" }},
		{"hazard class", func(d *customs.Declaration) { d.Goods[1].DangerousGoods.Class = "flammable" }},
		{"duplicate seq", func(d *customs.Declaration) { d.Goods[1].Seq = d.Goods[0].Seq }},
		{"lane", func(d *customs.Declaration) { d.Route.Lane = "fast" }},
		{"workflow", func(d *customs.Declaration) { d.Route.Tasks[0].Workflow = "xray" }},
		{"task without items", func(d *customs.Declaration) { d.Route.Tasks[0].Items = nil }},
		{"evidence name", func(d *customs.Declaration) { d.Route.Reasons[0].Evidence[0].Name = "HS Code" }},
		{"digest", func(d *customs.Declaration) { d.Source.Digest = "md5:abc" }},
		{"no digest", func(d *customs.Declaration) { d.Source.Digest = "" }},
		{"no id", func(d *customs.Declaration) { d.ID = "" }},
		{"no goods", func(d *customs.Declaration) { d.Goods = nil }},
		{"no parties", func(d *customs.Declaration) { d.Parties = nil }},
	}
	docs := [][]byte{canonical.Marshal(importFull())}
	for _, m := range mutations {
		d := importFull()
		m.mut(d)
		docs = append(docs, canonical.Marshal(d))
	}
	err := schematest.ValidateErr(schemas.Declaration, docs...)
	var ie *schematest.InvalidError
	if !errors.As(err, &ie) {
		t.Fatalf("ValidateErr = %v, want *InvalidError", err)
	}
	if slices.Contains(ie.Invalid, 0) {
		t.Fatalf("the unmodified declaration does not validate:\n%s", ie.Output)
	}
	for i, m := range mutations {
		if !slices.Contains(ie.Invalid, i+1) {
			t.Errorf("%s: the schema accepts it", m.name)
		}
	}
}
