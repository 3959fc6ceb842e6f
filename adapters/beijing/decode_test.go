package beijing_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// base is a valid import that uses every part of the format: owner,
// overseas party, direct transit with a ULD and a container, an ordinary,
// a hazardous and a food item. Each case edits it.
const base = `<?xml version="1.0" encoding="UTF-8"?>
<AirCargoDeclaration xmlns="urn:cn:bjport:aircargo:declaration:2" messageId="BJT0001" direction="IMPORT" created="2026-11-27T09:12:00+08:00">
  <Customs declaring="0100" entry="0101"/>
  <Parties>
    <Party role="CONSIGNEE" uscc="91110117MA05G9W31A" name="北京平谷陆港供应链管理有限公司" country="CN"/>
    <Party role="DECLARANT" uscc="91110113802581345C" name="北京首都机场报关服务有限公司" country="CN"/>
    <Party role="SHIPPER" name="FIRENZE PELLETTERIA S.R.L." country="IT"/>
    <Party role="OWNER" uscc="91110105MA04C2X877" name="北京鲜达进口食品有限公司" country="CN"/>
  </Parties>
  <Transport mode="AIR" flight="CA940" mawb="999-73160242" hawb="MXPPEK2611044" departure="MXP" departureCountry="IT" departureDate="2026-11-25"/>
  <Destination office="110100"/>
  <DirectTransit zone="110100">
    <Seal unit="AKE12031CA">CIQ2026BJ000031</Seal>
    <Seal unit="TGHU1234567">CIQ2026BJ000032</Seal>
  </DirectTransit>
  <Units>
    <Unit id="AKE12031CA" kind="ULD" type="AKE"/>
    <Unit id="TGHU1234567" kind="CONTAINER" type="22G1"/>
  </Units>
  <Items>
    <Item line="1" hs="4202210000" ciq="999" quantity="1200" unit="PCE" value="540000.00" currency="EUR" origin="IT" district="110117">
      <Description>皮革手提包</Description>
      <Model>牛皮面</Model>
    </Item>
    <Item line="2" hs="2914110000" ciq="101" quantity="480" unit="LTR" value="7680.00" currency="EUR" origin="DE" district="110108">
      <Description>丙酮</Description>
      <DangerousGoods un="1090" class="3" packingGroup="II" packaging="4G/Y20/S/26/D/BAM 1437" bulk="false"/>
    </Item>
    <Item line="3" hs="0406900000" ciq="999" quantity="1800" unit="KGM" value="32400.00" currency="EUR" origin="FR" district="110105">
      <Description>卡门贝尔奶酪</Description>
      <FoodProducer registration="CFRA0406900075"/>
    </Item>
  </Items>
</AirCargoDeclaration>
`

const (
	item1 = `<Item line="1" hs="4202210000" ciq="999" quantity="1200" unit="PCE" value="540000.00" currency="EUR" origin="IT" district="110117">`
	item2 = `<Item line="2" hs="2914110000" ciq="101" quantity="480" unit="LTR" value="7680.00" currency="EUR" origin="DE" district="110108">`
	dg2   = `<DangerousGoods un="1090" class="3" packingGroup="II" packaging="4G/Y20/S/26/D/BAM 1437" bulk="false"/>`
	trans = `<Transport mode="AIR" flight="CA940" mawb="999-73160242" hawb="MXPPEK2611044" departure="MXP" departureCountry="IT" departureDate="2026-11-25"/>`
	i1    = "/AirCargoDeclaration/Items/Item[@line='1']"
	i2    = "/AirCargoDeclaration/Items/Item[@line='2']"
	i3    = "/AirCargoDeclaration/Items/Item[@line='3']"
	tp    = "/AirCargoDeclaration/Transport"
	pp    = "/AirCargoDeclaration/Parties/Party"
)

// edit applies old→new replacements to base; each old must be found.
func edit(t *testing.T, pairs ...string) []byte {
	t.Helper()
	s := base
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(s, pairs[i]) {
			t.Fatalf("edit: %q not in the base message", pairs[i])
		}
		s = strings.Replace(s, pairs[i], pairs[i+1], 1)
	}
	return []byte(s)
}

type decodeCase struct {
	name  string
	edits []string
	// problems are "path code", in any order; nil means the message passes.
	problems []string
	// warnings are "path code" of every warning, in any order.
	warnings []string
	check    func(t *testing.T, d *customs.Declaration)
}

func TestDecode(t *testing.T) {
	cases := []decodeCase{
		{name: "base passes", check: func(t *testing.T, d *customs.Declaration) {
			roles := []customs.Role{}
			for _, p := range d.Parties {
				roles = append(roles, p.Role)
			}
			want := []customs.Role{customs.RoleConsignee, customs.RoleOwner, customs.RoleDeclarant, customs.RoleOverseas}
			if !slices.Equal(roles, want) {
				t.Errorf("party order %v, want %v", roles, want)
			}
			if o := d.Party(customs.RoleOverseas); o.Country != "ITA" || o.USCC != "" {
				t.Errorf("overseas party %+v", o)
			}
			g := d.Goods[1]
			if !g.HazardFlagged || g.DangerousGoods == nil || g.DangerousGoods.Class != "3" || g.DangerousGoods.PackingGroup != "II" || g.DangerousGoods.Bulk {
				t.Errorf("item 2 %+v %+v", g, g.DangerousGoods)
			}
			if g.Path != i2 {
				t.Errorf("item path %q", g.Path)
			}
			if d.Goods[0].HazardFlagged || d.Goods[0].DangerousGoods != nil {
				t.Error("item 1 hazardous")
			}
			if d.Goods[2].FoodProducerRegistration != "CFRA0406900075" || d.Goods[0].Spec != "牛皮面" || d.Goods[0].Name != "皮革手提包" {
				t.Errorf("items %+v", d.Goods)
			}
			dt := d.DirectTransit
			if dt == nil || dt.Zone != "110100" || dt.SealCount != 2 || len(dt.StraySeals) != 0 || dt.OriginalContainers != nil {
				t.Fatalf("direct transit %+v", dt)
			}
			if u := d.Equipment[1]; u.Kind != customs.KindContainer || !slices.Equal(u.Seals, []string{"CIQ2026BJ000032"}) {
				t.Errorf("unit 2 %+v", u)
			}
			if u := d.Equipment[0]; u.Kind != customs.KindULD || u.Type != "AKE" {
				t.Errorf("unit 1 %+v", u)
			}
			if d.Transport.Country != "ITA" || d.Transport.BillNo != "99973160242" || d.Transport.HouseBill != "MXPPEK2611044" || d.Transport.Means != "CA940" || d.Transport.DeparturePort != "MXP" {
				t.Errorf("transport %+v", d.Transport)
			}
			if want := time.Date(2026, 11, 27, 1, 12, 0, 0, time.UTC); !d.Source.DeclaredAt.Equal(want) || d.Source.DeclaredAt.Location() != time.UTC {
				t.Errorf("DeclaredAt %v, want %v", d.Source.DeclaredAt, want)
			}
		}},

		// Namespaces.
		{name: "prefixed namespace", edits: []string{
			`<AirCargoDeclaration xmlns="urn:cn:bjport:aircargo:declaration:2"`, `<b:AirCargoDeclaration xmlns:b="urn:cn:bjport:aircargo:declaration:2"`,
			`</AirCargoDeclaration>`, `</b:AirCargoDeclaration>`,
			`<Customs `, `<b:Customs `, `<Parties>`, `<b:Parties>`, `</Parties>`, `</b:Parties>`,
			`<Party role="CONSIGNEE"`, `<b:Party role="CONSIGNEE"`, `<Party role="DECLARANT"`, `<b:Party role="DECLARANT"`,
			`<Party role="SHIPPER"`, `<b:Party role="SHIPPER"`, `<Party role="OWNER"`, `<b:Party role="OWNER"`,
			`<Transport `, `<b:Transport `, `<Destination `, `<b:Destination `,
			`<DirectTransit zone="110100">`, `<b:DirectTransit zone="110100">`, `</DirectTransit>`, `</b:DirectTransit>`,
			`<Seal unit="AKE12031CA">CIQ2026BJ000031</Seal>`, `<b:Seal unit="AKE12031CA">CIQ2026BJ000031</b:Seal>`,
			`<Seal unit="TGHU1234567">CIQ2026BJ000032</Seal>`, `<b:Seal unit="TGHU1234567">CIQ2026BJ000032</b:Seal>`,
			`<Units>`, `<b:Units>`, `</Units>`, `</b:Units>`, `<Unit id="AKE`, `<b:Unit id="AKE`, `<Unit id="TGHU`, `<b:Unit id="TGHU`,
			`<Items>`, `<b:Items>`, `</Items>`, `</b:Items>`,
		}, check: func(t *testing.T, d *customs.Declaration) {
			if len(d.Goods) != 0 {
				t.Errorf("items decoded from the wrong namespace")
			}
		}, problems: []string{
			// Items stayed unprefixed, so with no default namespace they are foreign.
			"/AirCargoDeclaration/Items/Item missing_field",
		}, warnings: []string{
			"/AirCargoDeclaration/Items/Item unknown_element",
		}},
		{name: "other prefix, default namespace on a child", edits: []string{
			`<AirCargoDeclaration xmlns="urn:cn:bjport:aircargo:declaration:2"`, `<acd:AirCargoDeclaration xmlns:acd="urn:cn:bjport:aircargo:declaration:2" xmlns="urn:cn:bjport:aircargo:declaration:2"`,
			`</AirCargoDeclaration>`, `</acd:AirCargoDeclaration>`,
			`<Items>`, `<x:Items xmlns:x="urn:cn:bjport:aircargo:declaration:2">`, `</Items>`, `</x:Items>`,
		}},
		{name: "foreign namespace element is unknown", edits: []string{
			`<Customs `, `<ext:Remark xmlns:ext="urn:example:other">a <Customs/> that is not ours</ext:Remark><Customs `,
			`<Description>丙酮</Description>`, `<Description>丙酮</Description><Description xmlns="urn:example:other">x</Description>`,
		}, warnings: []string{
			"/AirCargoDeclaration/Remark unknown_element",
			i2 + "/Description unknown_element",
		}, check: func(t *testing.T, d *customs.Declaration) {
			if d.Goods[1].Name != "丙酮" {
				t.Errorf("name %q", d.Goods[1].Name)
			}
		}},
		{name: "unprefixed attributes only", edits: []string{
			`<Customs declaring="0100" entry="0101"/>`, `<Customs xmlns:o="urn:o" o:declaring="9999" declaring="0100" entry="0101" extra="ignored"/>`,
		}},

		// Times.
		{name: "departure time crossing midnight to the previous UTC day", edits: []string{
			`departureDate="2026-11-25"`, `departureDate="2026-11-26T06:30:00+08:00"`,
		}, check: wantDeparture("2026-11-25")},
		{name: "departure time same UTC day", edits: []string{
			`departureDate="2026-11-25"`, `departureDate="2026-11-26T08:00:00+08:00"`,
		}, check: wantDeparture("2026-11-26")},
		{name: "departure time with a negative offset crosses to the next day", edits: []string{
			`departureDate="2026-11-25"`, `departureDate="2026-12-31T23:30-05:00"`,
		}, check: wantDeparture("2027-01-01")},
		{name: "departure time in UTC with a fraction", edits: []string{
			`departureDate="2026-11-25"`, `departureDate="2026-11-25T23:59:59.999Z"`,
		}, check: wantDeparture("2026-11-25")},
		{name: "departure time with a compact offset", edits: []string{
			`departureDate="2026-11-25"`, `departureDate="2026-03-01T01:00:00+0800"`,
		}, check: wantDeparture("2026-02-28")},
		{name: "departure date not a calendar date", edits: []string{
			`departureDate="2026-11-25"`, `departureDate="2026-02-29"`,
		}, problems: []string{tp + "/@departureDate invalid_date"}},
		{name: "departure time without offset", edits: []string{
			`departureDate="2026-11-25"`, `departureDate="2026-11-25T10:00:00"`,
		}, problems: []string{tp + "/@departureDate invalid_date"}},
		{name: "departure date in another layout", edits: []string{
			`departureDate="2026-11-25"`, `departureDate="20261125"`,
		}, problems: []string{tp + "/@departureDate invalid_date"}},
		{name: "created crossing midnight", edits: []string{
			`created="2026-11-27T09:12:00+08:00"`, `created="2026-11-27T06:30:00+08:00"`,
		}, check: func(t *testing.T, d *customs.Declaration) {
			if want := time.Date(2026, 11, 26, 22, 30, 0, 0, time.UTC); !d.Source.DeclaredAt.Equal(want) {
				t.Errorf("DeclaredAt %v, want %v", d.Source.DeclaredAt, want)
			}
		}},
		{name: "created is optional", edits: []string{` created="2026-11-27T09:12:00+08:00"`, ``}, check: func(t *testing.T, d *customs.Declaration) {
			if !d.Source.DeclaredAt.IsZero() {
				t.Errorf("DeclaredAt %v", d.Source.DeclaredAt)
			}
		}},
		{name: "created without offset", edits: []string{
			`created="2026-11-27T09:12:00+08:00"`, `created="2026-11-27T09:12:00"`,
		}, problems: []string{"/AirCargoDeclaration/@created invalid_date"}},
		{name: "created a date only", edits: []string{
			`created="2026-11-27T09:12:00+08:00"`, `created="2026-11-27"`,
		}, problems: []string{"/AirCargoDeclaration/@created invalid_date"}},
		{name: "created hour out of range", edits: []string{
			`created="2026-11-27T09:12:00+08:00"`, `created="2026-11-27T24:12:00+08:00"`,
		}, problems: []string{"/AirCargoDeclaration/@created invalid_date"}},

		// Waybills.
		{name: "AWB without hyphen", edits: []string{`mawb="999-73160242"`, `mawb="99973160242"`}, check: wantBill("99973160242")},
		{name: "AWB check digit", edits: []string{`mawb="999-73160242"`, `mawb="999-73160243"`}, problems: []string{tp + "/@mawb invalid_awb"}},
		{name: "AWB too short", edits: []string{`mawb="999-73160242"`, `mawb="999-7316024"`}, problems: []string{tp + "/@mawb invalid_awb"}},
		{name: "AWB with letters", edits: []string{`mawb="999-73160242"`, `mawb="CA9-73160242"`}, problems: []string{tp + "/@mawb invalid_awb"}},
		{name: "AWB required for air", edits: []string{` mawb="999-73160242"`, ``}, problems: []string{tp + "/@mawb missing_field"}},
		{name: "AWB not required by road", edits: []string{`mode="AIR"`, `mode="ROAD"`, ` mawb="999-73160242"`, ``}, check: func(t *testing.T, d *customs.Declaration) {
			if d.Transport.Mode != "road" || d.Transport.BillNo != "" {
				t.Errorf("transport %+v", d.Transport)
			}
		}},
		{name: "AWB checked by rail when given", edits: []string{`mode="AIR"`, `mode="RAIL"`, `mawb="999-73160242"`, `mawb="999-73160241"`}, problems: []string{tp + "/@mawb invalid_awb"}},
		{name: "house waybill not checked", edits: []string{`hawb="MXPPEK2611044"`, `hawb="anything-at-all"`}},

		// Units.
		{name: "ULD id gets no ISO 6346 check", edits: []string{`<Unit id="AKE12031CA" kind="ULD"`, `<Unit id="AKE12031CA" kind="ULD"`}},
		{name: "a ULD id declared as a container", edits: []string{`<Unit id="AKE12031CA" kind="ULD"`, `<Unit id="AKE12031CA" kind="CONTAINER"`},
			problems: []string{"/AirCargoDeclaration/Units/Unit[1]/@id invalid_container_number"}},
		{name: "container check digit", edits: []string{
			`<Seal unit="TGHU1234567">`, `<Seal unit="TGHU1234568">`, `<Unit id="TGHU1234567"`, `<Unit id="TGHU1234568"`,
		}, problems: []string{"/AirCargoDeclaration/Units/Unit[2]/@id invalid_container_number"}},
		{name: "unit kind inferred", edits: []string{` kind="CONTAINER"`, ``, ` kind="ULD"`, ``}, check: func(t *testing.T, d *customs.Declaration) {
			if d.Equipment[0].Kind != customs.KindULD || d.Equipment[1].Kind != customs.KindContainer {
				t.Errorf("equipment %+v", d.Equipment)
			}
		}},
		{name: "unit kind unknown", edits: []string{`kind="ULD"`, `kind="PALLET"`}, problems: []string{"/AirCargoDeclaration/Units/Unit[1]/@kind invalid_enum"}},
		{name: "unit id missing", edits: []string{`<Unit id="AKE12031CA" kind="ULD"`, `<Unit kind="ULD"`}, problems: []string{
			"/AirCargoDeclaration/Units/Unit[1]/@id missing_field",
		}, check: func(t *testing.T, d *customs.Declaration) {
			if len(d.DirectTransit.StraySeals) != 1 || d.DirectTransit.StraySeals[0].Unit != "AKE12031CA" {
				t.Errorf("stray seals %+v", d.DirectTransit.StraySeals)
			}
		}},
		{name: "duplicate unit", edits: []string{`<Unit id="TGHU1234567" kind="CONTAINER"`, `<Unit id="AKE12031CA" kind="ULD"`}, problems: []string{
			"/AirCargoDeclaration/Units/Unit[2]/@id duplicate_key",
		}},

		// Seals and direct transit.
		{name: "seal on an undeclared unit is stray", edits: []string{`<Seal unit="TGHU1234567">`, `<Seal unit="MSKU7654328">`}, check: func(t *testing.T, d *customs.Declaration) {
			dt := d.DirectTransit
			if dt.SealCount != 2 || len(dt.StraySeals) != 1 || dt.StraySeals[0] != (customs.Seal{Unit: "MSKU7654328", Number: "CIQ2026BJ000032"}) {
				t.Errorf("direct transit %+v", dt)
			}
			if len(d.Equipment[1].Seals) != 0 {
				t.Errorf("unit 2 seals %v", d.Equipment[1].Seals)
			}
		}},
		{name: "seal without number or unit", edits: []string{
			`<Seal unit="AKE12031CA">CIQ2026BJ000031</Seal>`, `<Seal unit="AKE12031CA"> </Seal>`,
			`<Seal unit="TGHU1234567">`, `<Seal>`,
		}, problems: []string{
			"/AirCargoDeclaration/DirectTransit/Seal[1] missing_field",
			"/AirCargoDeclaration/DirectTransit/Seal[2]/@unit missing_field",
		}},
		{name: "empty seal is absent", edits: []string{`<Seal unit="AKE12031CA">CIQ2026BJ000031</Seal>`, `<Seal/>`}, check: func(t *testing.T, d *customs.Declaration) {
			if d.DirectTransit.SealCount != 1 {
				t.Errorf("seal count %d", d.DirectTransit.SealCount)
			}
		}},
		{name: "unknown zone", edits: []string{`zone="110100"`, `zone="119999"`}, problems: []string{"/AirCargoDeclaration/DirectTransit/@zone unknown_bureau"}},
		{name: "zone missing", edits: []string{`<DirectTransit zone="110100">`, `<DirectTransit>`}, problems: []string{"/AirCargoDeclaration/DirectTransit/@zone missing_field"}},
		{name: "no direct transit", edits: []string{
			`<Seal unit="AKE12031CA">CIQ2026BJ000031</Seal>`, ``, `<Seal unit="TGHU1234567">CIQ2026BJ000032</Seal>`, ``, `<DirectTransit zone="110100">`, `<DirectTransit>`,
		}, check: func(t *testing.T, d *customs.Declaration) {
			if d.DirectTransit != nil {
				t.Errorf("direct transit %+v from an empty element", d.DirectTransit)
			}
		}},

		// Mappings failing one by one.
		{name: "unknown origin", edits: []string{`origin="IT"`, `origin="XX"`}, problems: []string{i1 + "/@origin unknown_country"}},
		{name: "alpha-3 origin", edits: []string{`origin="IT"`, `origin="ITA"`}, problems: []string{i1 + "/@origin unknown_country"}},
		{name: "unknown party country", edits: []string{`name="FIRENZE PELLETTERIA S.R.L." country="IT"`, `name="FIRENZE PELLETTERIA S.R.L." country="ZZ"`}, problems: []string{pp + "[@role='SHIPPER']/@country unknown_country"}},
		{name: "unknown departure country", edits: []string{`departureCountry="IT"`, `departureCountry="QQ"`}, problems: []string{tp + "/@departureCountry unknown_country"}},
		{name: "unknown currency", edits: []string{`value="540000.00" currency="EUR"`, `value="540000.00" currency="RMB"`}, problems: []string{i1 + "/@currency unknown_currency"}},
		{name: "unknown unit", edits: []string{`unit="PCE"`, `unit="PCS"`}, problems: []string{i1 + "/@unit unknown_unit"}},
		{name: "unknown transport mode", edits: []string{`mode="AIR"`, `mode="SEA"`}, problems: []string{tp + "/@mode unknown_transport_mode"}},
		{name: "lower-case transport mode", edits: []string{`mode="AIR"`, `mode="air"`}, problems: []string{tp + "/@mode unknown_transport_mode"}},
		{name: "unknown customs code", edits: []string{`declaring="0100"`, `declaring="0999"`}, problems: []string{"/AirCargoDeclaration/Customs/@declaring unknown_customs_code"}},
		{name: "malformed customs code", edits: []string{`entry="0101"`, `entry="101"`}, problems: []string{"/AirCargoDeclaration/Customs/@entry unknown_customs_code"}},
		{name: "another port's customs code", edits: []string{`entry="0101"`, `entry="0202"`}},
		{name: "unknown destination office", edits: []string{`office="110100"`, `office="110200"`}, problems: []string{"/AirCargoDeclaration/Destination/@office unknown_bureau"}},
		{name: "invalid direction", edits: []string{`direction="IMPORT"`, `direction="IN"`}, problems: []string{"/AirCargoDeclaration/@direction invalid_enum"}},
		{name: "unknown role", edits: []string{`role="OWNER"`, `role="BUYER"`}, problems: []string{pp + "[@role='BUYER']/@role invalid_enum"}},
		// A role of the other direction is one of the format's roles: checked,
		// not mapped, no invalid_enum (as Hebei's FHR on an import).
		{name: "role of the other direction", edits: []string{`role="SHIPPER"`, `role="RECIPIENT"`}, check: func(t *testing.T, d *customs.Declaration) {
			if p := d.Party(customs.RoleOverseas); p != nil {
				t.Errorf("overseas party %+v from a RECIPIENT on an import", p)
			}
		}},
		{name: "consignor on an import is checked", edits: []string{`role="OWNER" uscc="91110105MA04C2X877"`, `role="CONSIGNOR" uscc="91110105MA04C2X878"`}, problems: []string{pp + "[@role='CONSIGNOR']/@uscc invalid_uscc"}},
		{name: "consignor instead of consignee on an import", edits: []string{`role="CONSIGNEE"`, `role="CONSIGNOR"`}, problems: []string{pp + "[@role='CONSIGNEE']/@uscc missing_field"}},
		{name: "invalid USCC check character", edits: []string{`uscc="91110117MA05G9W31A"`, `uscc="91110117MA05G9W31B"`}, problems: []string{pp + "[@role='CONSIGNEE']/@uscc invalid_uscc"}},
		{name: "USCC of the wrong form", edits: []string{`uscc="91110105MA04C2X877"`, `uscc="91110105MA04C2X87"`}, problems: []string{pp + "[@role='OWNER']/@uscc invalid_uscc"}},
		{name: "lower-case USCC is accepted", edits: []string{`uscc="91110117MA05G9W31A"`, `uscc="91110117ma05g9w31a"`}, check: func(t *testing.T, d *customs.Declaration) {
			if d.Trader().USCC != "91110117MA05G9W31A" {
				t.Errorf("USCC %q", d.Trader().USCC)
			}
		}},
		{name: "HS code not 10 digits", edits: []string{`hs="4202210000"`, `hs="4202.21.00"`}, problems: []string{i1 + "/@hs invalid_hs_code"}},
		{name: "CIQ code not 3 digits", edits: []string{`ciq="101"`, `ciq="1010"`}, problems: []string{i2 + "/@ciq invalid_ciq_code"}},
		{name: "quantity negative", edits: []string{`quantity="1200"`, `quantity="-1200"`}, problems: []string{i1 + "/@quantity invalid_quantity"}},
		{name: "quantity six decimals", edits: []string{`quantity="1200"`, `quantity="1200.000001"`}, problems: []string{i1 + "/@quantity invalid_quantity"}},
		{name: "quantity zero", edits: []string{`quantity="1200"`, `quantity="0.00"`}, problems: []string{i1 + "/@quantity invalid_quantity"}},
		{name: "value three decimals", edits: []string{`value="540000.00"`, `value="540000.001"`}, problems: []string{i1 + "/@value invalid_value"}},
		{name: "value with grouping", edits: []string{`value="540000.00"`, `value="540,000.00"`}, problems: []string{i1 + "/@value invalid_value"}},
		{name: "district not 6 digits", edits: []string{`district="110117"`, `district="11011"`}, problems: []string{i1 + "/@district invalid_district"}},
		{name: "item number not a number", edits: []string{`line="1"`, `line="one"`}, problems: []string{"/AirCargoDeclaration/Items/Item[@line='one']/@line missing_field"}},
		{name: "item number missing", edits: []string{`<Item line="1" `, `<Item `}, problems: []string{"/AirCargoDeclaration/Items/Item[1]/@line missing_field"}},
		{name: "duplicate item number", edits: []string{`<Item line="3"`, `<Item line="2"`}, problems: []string{i2 + "/@line duplicate_key"}},
		{name: "duplicate role", edits: []string{`role="OWNER"`, `role="DECLARANT"`}, problems: []string{pp + "[@role='DECLARANT']/@role duplicate_key"}},
		{name: "element given twice", edits: []string{trans, trans + trans}, problems: []string{tp + "[2] duplicate_key"}},

		// Dangerous goods.
		{name: "packing group outside the fixed set", edits: []string{`packingGroup="II"`, `packingGroup="IV"`}, problems: []string{i2 + "/DangerousGoods/@packingGroup invalid_enum"}},
		{name: "bulk not a boolean", edits: []string{`bulk="false"`, `bulk="no"`}, problems: []string{i2 + "/DangerousGoods/@bulk invalid_enum"}},
		{name: "bulk as xs:boolean 1", edits: []string{`bulk="false"`, `bulk="1"`}, check: func(t *testing.T, d *customs.Declaration) {
			if !d.Goods[1].DangerousGoods.Bulk {
				t.Error("not bulk")
			}
		}},
		{name: "UN number not in the table", edits: []string{`un="1090"`, `un="9999"`}, problems: []string{i2 + "/DangerousGoods/@un unknown_un_number"}},
		{name: "UN number missing is left to routing", edits: []string{`un="1090" `, ``}, check: func(t *testing.T, d *customs.Declaration) {
			g := d.Goods[1]
			if !g.HazardFlagged || g.DangerousGoods.UN != "" || g.DangerousGoods.Class != "3" {
				t.Errorf("item 2 %+v %+v", g, g.DangerousGoods)
			}
			if g.Path+d.Paths.UN != i2+"/DangerousGoods/@un" || g.Path+d.Paths.PackingGroup != i2+"/DangerousGoods/@packingGroup" ||
				g.Path+d.Paths.PackagingMark != i2+"/DangerousGoods/@packaging" || g.Path+d.Paths.District != i2+"/@district" {
				t.Errorf("paths %+v", d.Paths)
			}
		}},
		{name: "declared class differs from the table", edits: []string{`class="3"`, `class="6.1"`}, warnings: []string{i2 + "/DangerousGoods/@class class_differs_from_table"},
			check: func(t *testing.T, d *customs.Declaration) {
				dg := d.Goods[1].DangerousGoods
				if dg.Class != "3" || dg.DeclaredClass != "6.1" {
					t.Errorf("dangerous goods %+v", dg)
				}
			}},
		{name: "packing group not listed", edits: []string{`packingGroup="II"`, `packingGroup="I"`}, warnings: []string{i2 + "/DangerousGoods/@packingGroup packing_group_not_listed"}},
		{name: "class with compatibility group", edits: []string{`un="1090" class="3" packingGroup="II"`, `un="0081" class="1.1"`}},
		{name: "empty dangerous goods block is absent", edits: []string{dg2, `<DangerousGoods un=" " class=""/>`}, check: func(t *testing.T, d *customs.Declaration) {
			if g := d.Goods[1]; g.HazardFlagged || g.DangerousGoods != nil {
				t.Errorf("item 2 hazardous: %+v", g)
			}
		}},
		{name: "dangerous goods block with bulk only is hazardous", edits: []string{dg2, `<DangerousGoods bulk="true"/>`}, check: func(t *testing.T, d *customs.Declaration) {
			if g := d.Goods[1]; !g.HazardFlagged || !g.DangerousGoods.Bulk || g.DangerousGoods.UN != "" {
				t.Errorf("item 2: %+v", g)
			}
		}},

		// Required fields.
		{name: "message number missing", edits: []string{` messageId="BJT0001"`, ``}, problems: []string{"/AirCargoDeclaration/@messageId missing_field"}},
		{name: "direction missing", edits: []string{` direction="IMPORT"`, ``}, problems: []string{"/AirCargoDeclaration/@direction missing_field"}},
		{name: "customs missing", edits: []string{`<Customs declaring="0100" entry="0101"/>`, ``}, problems: []string{
			"/AirCargoDeclaration/Customs/@declaring missing_field", "/AirCargoDeclaration/Customs/@entry missing_field",
		}},
		{name: "customs entry empty", edits: []string{`entry="0101"`, `entry=" "`}, problems: []string{"/AirCargoDeclaration/Customs/@entry missing_field"}},
		{name: "transport missing", edits: []string{trans, ``}, problems: []string{tp + "/@mode missing_field"}},
		{name: "transport mode missing", edits: []string{`mode="AIR" `, ``}, problems: []string{tp + "/@mode missing_field"}},
		{name: "consignee missing", edits: []string{`role="CONSIGNEE"`, `role="OWNERX"`, `role="OWNER"`, `role="OWNER" x=""`}, problems: []string{
			pp + "[@role='OWNERX']/@role invalid_enum",
			pp + "[@role='CONSIGNEE']/@uscc missing_field",
		}},
		{name: "consignee USCC empty", edits: []string{`uscc="91110117MA05G9W31A"`, `uscc=""`}, problems: []string{pp + "[@role='CONSIGNEE']/@uscc missing_field"}},
		{name: "declarant missing", edits: []string{`<Party role="DECLARANT" uscc="91110113802581345C" name="北京首都机场报关服务有限公司" country="CN"/>`, ``}, problems: []string{
			pp + "[@role='DECLARANT']/@uscc missing_field",
		}},
		// ports.md requires the trader's and the declarant's USCC, not the
		// owner's: an owner is kept by name, as in Tianjin and Hebei.
		{name: "owner without USCC", edits: []string{` uscc="91110105MA04C2X877"`, ``}, check: func(t *testing.T, d *customs.Declaration) {
			if p := d.Party(customs.RoleOwner); p == nil || p.USCC != "" || p.Name == "" {
				t.Errorf("owner %+v, want the name without a USCC", p)
			}
			if err := d.Validate(); err != nil {
				t.Error(err)
			}
		}},
		{name: "owner with a country only is no party", edits: []string{`<Party role="OWNER" uscc="91110105MA04C2X877" name="北京鲜达进口食品有限公司" country="CN"/>`, `<Party role="OWNER" country="CN"/>`}, check: func(t *testing.T, d *customs.Declaration) {
			if p := d.Party(customs.RoleOwner); p != nil {
				t.Errorf("owner %+v from a Party with a country only", p)
			}
			if err := d.Validate(); err != nil {
				t.Error(err)
			}
		}},
		{name: "empty party is absent", edits: []string{`</Parties>`, `<Party role=" "/></Parties>`}},
		{name: "empty owner is absent", edits: []string{`<Party role="OWNER" uscc="91110105MA04C2X877" name="北京鲜达进口食品有限公司" country="CN"/>`, `<Party role="OWNER" uscc=" " name=""/>`}, check: func(t *testing.T, d *customs.Declaration) {
			if p := d.Party(customs.RoleOwner); p != nil {
				t.Errorf("owner %+v from an empty Party", p)
			}
		}},
		{name: "party without role", edits: []string{`role="OWNER" `, ``}, problems: []string{pp + "[4]/@role missing_field"}},
		{name: "no items", edits: []string{`<Items>`, `<Items><!--`, `</Items>`, `--></Items>`}, problems: []string{"/AirCargoDeclaration/Items/Item missing_field"}},
		{name: "item fields missing", edits: []string{item1, `<Item line="1" ciq="999" district="110117">`}, problems: []string{
			i1 + "/@hs missing_field", i1 + "/@quantity missing_field", i1 + "/@unit missing_field",
			i1 + "/@value missing_field", i1 + "/@currency missing_field", i1 + "/@origin missing_field",
		}},
		{name: "optional item fields absent", edits: []string{item1, `<Item line="1" hs="4202210000" quantity="1200" unit="PCE" value="540000.00" currency="EUR" origin="IT">`}},

		// Several problems at once, with warnings.
		{name: "every problem at once", edits: []string{
			`direction="IMPORT"`, `direction="IMPORTED"`,
			`uscc="91110117MA05G9W31A"`, `uscc="91110117MA05G9W31B"`,
			`mawb="999-73160242"`, `mawb="999-73160243"`,
			`<Unit id="TGHU1234567" kind="CONTAINER"`, `<Unit id="TGHU1234560" kind="CONTAINER"`,
			item2, `<Item line="2" hs="29141100" ciq="101" quantity="480" unit="KG" value="7680.00" currency="RMB" origin="DE" district="110108"><Note>x</Note><Note>y</Note>`,
			`class="3"`, `class="8"`,
		}, problems: []string{
			"/AirCargoDeclaration/@direction invalid_enum",
			pp + "[@role='CONSIGNEE']/@uscc invalid_uscc",
			tp + "/@mawb invalid_awb",
			"/AirCargoDeclaration/Units/Unit[2]/@id invalid_container_number",
			i2 + "/@hs invalid_hs_code",
			i2 + "/@unit unknown_unit",
			i2 + "/@currency unknown_currency",
		}, warnings: []string{
			i2 + "/Note unknown_element",
			i2 + "/DangerousGoods/@class class_differs_from_table",
		}, check: func(t *testing.T, d *customs.Declaration) {
			if d.Source.PortRef != "BJT0001" || len(d.Goods) != 3 {
				t.Errorf("partial declaration %+v", d)
			}
		}},

		// Unknown elements.
		{name: "unknown elements everywhere", edits: []string{
			`<Customs declaring="0100" entry="0101"/>`, `<Customs declaring="0100" entry="0101"><Officer/></Customs><Remarks>free text</Remarks>`,
			`<Parties>`, `<Parties><Agent/>`,
			`name="FIRENZE PELLETTERIA S.R.L." country="IT"/>`, `name="FIRENZE PELLETTERIA S.R.L." country="IT"><Address>Via Roma</Address></Party>`,
			`<Seal unit="AKE12031CA">CIQ2026BJ000031</Seal>`, `<Seal unit="AKE12031CA">CIQ2026BJ000031<Tamper/></Seal><Lock/>`,
			`<Units>`, `<Units><Pallet id="x"/>`,
			`<Items>`, `<Items><Total>1</Total>`,
			`<Model>牛皮面</Model>`, `<Model>牛皮面</Model><Note>fragile</Note><Note>again</Note>`,
			dg2, `<DangerousGoods un="1090" class="3" packingGroup="II" packaging="4G/Y20/S/26/D/BAM 1437" bulk="false"><EmergencyContact/></DangerousGoods>`,
		}, warnings: []string{
			"/AirCargoDeclaration/Customs/Officer unknown_element",
			"/AirCargoDeclaration/Remarks unknown_element",
			"/AirCargoDeclaration/Parties/Agent unknown_element",
			pp + "[@role='SHIPPER']/Address unknown_element",
			"/AirCargoDeclaration/DirectTransit/Seal[1]/Tamper unknown_element",
			"/AirCargoDeclaration/DirectTransit/Lock unknown_element",
			"/AirCargoDeclaration/Units/Pallet unknown_element",
			"/AirCargoDeclaration/Items/Total unknown_element",
			i1 + "/Note unknown_element",
			i2 + "/DangerousGoods/EmergencyContact unknown_element",
		}, check: func(t *testing.T, d *customs.Declaration) {
			if d.Equipment[0].Seals[0] != "CIQ2026BJ000031" || len(d.Equipment) != 2 || len(d.Goods) != 3 {
				t.Errorf("known parts disturbed: %+v %+v", d.Equipment, d.Goods)
			}
		}},
	}
	a := newAdapter(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := a.Decode(edit(t, c.edits...))
			if d == nil {
				t.Fatalf("no declaration: %v", err)
			}
			var got []string
			for _, p := range customs.ProblemsOf(err) {
				if p.Message == "" {
					t.Errorf("%s %s: no message", p.Path, p.Code)
				}
				got = append(got, p.Path+" "+p.Code)
			}
			if err != nil && customs.ErrorCodeOf(err) != customs.CodeInvalid {
				t.Fatalf("error %v, want invalid", err)
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(c.problems))
			if !slices.Equal(got, want) {
				t.Errorf("problems\n got %q\nwant %q", got, want)
			}
			got = got[:0]
			for _, w := range d.Warnings {
				got = append(got, w.Path+" "+w.Code)
			}
			slices.Sort(got)
			want = slices.Sorted(slices.Values(c.warnings))
			if !slices.Equal(got, want) {
				t.Errorf("warnings\n got %q\nwant %q", got, want)
			}
			if err == nil {
				if verr := d.Validate(); verr != nil {
					t.Errorf("accepted but Validate: %v", verr)
				}
			}
			if c.check != nil {
				c.check(t, d)
			}
		})
	}
}

func wantDeparture(day string) func(*testing.T, *customs.Declaration) {
	return func(t *testing.T, d *customs.Declaration) {
		t.Helper()
		if d.Transport.DepartureDate != day {
			t.Errorf("departure date %q, want %q", d.Transport.DepartureDate, day)
		}
	}
}

func wantBill(no string) func(*testing.T, *customs.Declaration) {
	return func(t *testing.T, d *customs.Declaration) {
		t.Helper()
		if d.Transport.BillNo != no {
			t.Errorf("billNo %q, want %q", d.Transport.BillNo, no)
		}
	}
}
