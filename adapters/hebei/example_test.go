package hebei_test

import (
	"fmt"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/adapters/hebei"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

func ExampleAdapter_Decode() {
	a := hebei.MustNew(adapters.Config{Tables: codes.MustEmbedded()})
	msg, _ := simplifiedchinese.GBK.NewEncoder().String(`<?xml version="1.0" encoding="GBK"?>
<BJXX BBH="2.1">
  <BTXX>
    <BJDH>HE2026112700199</BJDH>
    <CRJBZ>RJ</CRJBZ>
    <KAGB>0408</KAGB>
    <SBGB>0400</SBGB>
    <SHR DM="911302081047632562" MC="唐山丰润钢铁有限公司"/>
    <BJDW DM="91130203MA0B3N6E9E" MC="河北冀港报关有限公司"/>
    <YSFS>水路运输</YSFS>
    <QYG>601</QYG>
    <MYFS>一般贸易</MYFS>
    <BZXX>内部备注</BZXX>
  </BTXX>
  <HWXX>
    <HW XH="1">
      <HSBM>2601110000</HSBM>
      <SL>176500</SL>
      <JLDW>公吨</JLDW>
      <HZ>19415000.00</HZ>
      <BZ>502</BZ>
      <YCG>601</YCG>
    </HW>
  </HWXX>
</BJXX>`)
	d, err := a.Decode([]byte(msg))
	fmt.Println(d.Source.Dialect, d.Source.PortRef, d.Direction, d.Transport.Country)
	for _, w := range d.Warnings {
		fmt.Println("warning:", w.Path, w.Code)
	}
	for _, p := range customs.ProblemsOf(err) {
		fmt.Println("problem:", p.Path, p.Code)
	}
	// Output:
	// hebei/BJXX-2.1 HE2026112700199 import AUS
	// warning: /BJXX/BTXX/BZXX unknown_element
	// problem: /BJXX/HWXX/HW[@XH='1']/JLDW unknown_unit
}
