package beijing_test

import (
	"fmt"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/adapters/beijing"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

func ExampleAdapter_Decode() {
	a := beijing.MustNew(adapters.Config{Tables: codes.MustEmbedded()})
	d, err := a.Decode([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<acd:AirCargoDeclaration xmlns:acd="urn:cn:bjport:aircargo:declaration:2" messageId="BJA1" direction="IMPORT" created="2026-11-27T06:30:00+08:00">
  <acd:Customs declaring="0100" entry="0101"/>
  <acd:Parties>
    <acd:Party role="CONSIGNEE" uscc="91110108MA01K8T2X9" name="北京海淀创新电子有限公司" country="CN"/>
    <acd:Party role="DECLARANT" uscc="91110113802581345C" name="北京首都机场报关服务有限公司" country="CN"/>
  </acd:Parties>
  <acd:Transport mode="AIR" flight="KE853" mawb="180-62031141" departureCountry="KR" departureDate="2026-11-26T06:30:00+08:00"/>
  <acd:Items>
    <acd:Item line="7" hs="8517130000" quantity="1500" unit="PCE" value="675000.00" currency="USD" origin="KR">
      <acd:Note>not part of the format</acd:Note>
    </acd:Item>
  </acd:Items>
</acd:AirCargoDeclaration>`))
	if err != nil {
		fmt.Println(customs.ProblemsOf(err))
		return
	}
	fmt.Println(d.Source.Dialect, d.Source.DeclaredAt)
	fmt.Println(d.Transport.Mode, d.Transport.BillNo, d.Transport.Country, d.Transport.DepartureDate)
	g := d.Goods[0]
	fmt.Println(g.Seq, g.Unit, g.Origin, g.Path)
	for _, w := range d.Warnings {
		fmt.Println(w.Code, w.Path)
	}
	// Output:
	// beijing/AirCargoDeclaration-2 2026-11-26 22:30:00 +0000 UTC
	// air 18062031141 KOR 2026-11-25
	// 7 007 KOR /AirCargoDeclaration/Items/Item[@line='7']
	// unknown_element /AirCargoDeclaration/Items/Item[@line='7']/Note
}
