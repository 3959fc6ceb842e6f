package loadgen

import (
	"strings"
)

// writeTianjin writes a DecMessage as the national single window sends it:
// every element of the head and of each item, used or not, most of the
// unused ones empty, which is why a real message is several kilobytes.
func writeTianjin(gen *Generator, p *plan) []byte {
	x := &xb{b: make([]byte, 0, 9000)}
	x.b = append(x.b, `<?xml version="1.0" encoding="UTF-8"?>`...)
	version := pick(gen, []string{"3.1", "3.1", "4.8", "5.0"})
	x.b = append(x.b, "\n<DecMessage xmlns=\"http://www.chinaport.gov.cn/dec\" version=\""...)
	x.b = append(x.b, version...)
	x.b = append(x.b, "\">"...)
	x.indent = 1

	ie, overseasConsignor, overseasConsignee := "I", p.overseas, ""
	if p.export {
		ie, overseasConsignor, overseasConsignee = "E", "", p.overseas
	}
	ownerCode, ownerName, ownerScc := "", "", ""
	if p.hasOwner {
		ownerCode, ownerName, ownerScc = p.owner.code, p.owner.name, p.owner.uscc
	}
	trafMode := map[string]string{"sea": "2", "rail": "3", "road": "4", "air": "5"}[p.mode]
	origBox := "0"
	if p.origBox {
		origBox = "1"
	}
	wrap := "22"
	if len(p.containers) == 0 {
		wrap = "00" // bulk
	}
	gross := p.netKg * 1.06
	x.open("DecHead")
	for _, kv := range [...][2]string{
		{"SeqNo", ""}, {"PreEntryId", ""}, {"EntryId", ""},
		{"IEFlag", ie}, {"Type", ""},
		{"AgentCode", p.declarant.code}, {"AgentName", p.declarant.name},
		{"ApprNo", ""}, {"BillNo", p.bill}, {"ContrNo", "CT-" + p.created.Format("0601") + "-" + gen.digits(4)},
		{"CustomMaster", p.declaring}, {"CutMode", "101"}, {"DistinatePort", "CNTXG"},
		{"FeeCurr", ""}, {"FeeMark", ""}, {"FeeRate", ""},
		{"GrossWet", kg(gross)}, {"IEDate", ""}, {"IEPort", p.port},
		{"InsurCurr", ""}, {"InsurMark", ""}, {"InsurRate", ""},
		{"LicenseNo", ""}, {"ManualNo", ""},
		{"NetWt", kg(p.netKg)}, {"NoteS", ""},
		{"OtherCurr", ""}, {"OtherMark", ""}, {"OtherRate", ""},
		{"OwnerCode", ownerCode}, {"OwnerName", ownerName},
		{"PackNo", i64(p.packages)}, {"TradeCountry", p.tradeCountry}, {"TradeMode", p.tradeMode},
		{"TradeCode", p.trader.code}, {"TrafMode", trafMode}, {"TrafName", p.means},
		{"TradeName", p.trader.name}, {"TransMode", p.terms}, {"WrapType", wrap},
		{"EntryType", "M"}, {"PDate", ""}, {"TypistNo", ""}, {"InputerName", ""},
		{"PartenerID", ""}, {"TgdNo", ""}, {"DataSource", ""}, {"DeclTrnRel", "0"},
		{"ChkSurety", ""}, {"BillType", ""},
		{"AgentCodeScc", p.declarant.uscc}, {"OwnerCodeScc", ownerScc}, {"TradeCoScc", p.trader.uscc},
		{"CopCode", p.declarant.code}, {"CopName", p.declarant.name}, {"CopCodeScc", p.declarant.uscc},
		{"PromiseItmes", "000"}, {"TradeAreaCode", p.tradeCountry}, {"CheckFlow", ""}, {"TaxAaminMark", ""},
		{"MarkNo", "N/M"}, {"DespPortCode", p.departurePort}, {"EntyPortCode", "120001"},
		{"GoodsPlace", "天津港第五港埠有限公司码头堆场"}, {"BLNo", ""}, {"InspOrgCode", ""},
		{"SpecDeclFlag", ""}, {"PurpOrgCode", p.office}, {"DespDate", p.departed.Format("20060102")},
		{"CmplDschrgDt", ""}, {"CorrelationReasonFlag", ""}, {"VsaOrgCode", ""}, {"OrigBoxFlag", origBox},
		{"DeclareName", pick(gen, []string{"张卫东", "李红梅", "王建国", "赵丽"})}, {"NoOtherPack", "1"}, {"OrgCode", ""},
		{"OverseasConsignorCode", ""}, {"OverseasConsignorCname", ""}, {"OverseasConsignorEname", overseasConsignor},
		{"OverseasConsignorAddr", ""}, {"OverseasConsigneeCode", ""}, {"OverseasConsigneeEname", overseasConsignee},
		{"DomesticConsigneeEname", ""}, {"CorrelationNo", ""}, {"EdiRemark", ""}, {"EdiRemark2", ""},
		{"TradeCiqCode", gen.digits(10)}, {"OwnerCiqCode", ""}, {"DeclCiqCode", gen.digits(10)},
	} {
		x.leaf(kv[0], kv[1])
	}
	x.close("DecHead")

	x.open("DecLists")
	for i := range p.items {
		it := &p.items[i]
		seq := itoa(i + 1)
		goodsAttr, un, dangName, packType, packSpec, noDang := "", "", "", "", "", "1"
		if h := it.haz; h != nil {
			goodsAttr, un, dangName, packSpec, noDang = "31", h.un, h.name, h.mark, "0"
			packType = map[string]string{"I": "1", "II": "2", "III": "3"}[h.pg]
			if h.bulk {
				goodsAttr, packType = "32", "4"
			}
		}
		x.open("DecList")
		for _, kv := range [...][2]string{
			{"ClassMark", "0"}, {"CodeTS", it.g.hs}, {"ContrItem", ""},
			{"DeclPrice", tenThousandths(it.price)}, {"DutyMode", "1"}, {"Factor", ""},
			{"GModel", it.g.spec}, {"GName", it.g.name}, {"GNo", seq},
			{"OriginCountry", it.origin}, {"TradeCurr", p.currency}, {"DeclTotal", cents(it.total)},
			{"GQty", i64(it.qty)}, {"FirstQty", kg(float64(it.qty) * it.g.kgPer)}, {"SecondQty", ""},
			{"GUnit", it.g.unit}, {"FirstUnit", "035"}, {"SecondUnit", ""},
			{"UseTo", ""}, {"WorkUsd", ""}, {"ExgNo", ""}, {"ExgVersion", ""},
			{"DestinationCountry", it.dest}, {"CiqCode", it.g.ciq}, {"DeclGoodsEname", ""},
			{"OrigPlaceCode", ""}, {"Purpose", "99"}, {"ProdValidDt", ""}, {"ProdQgp", ""},
			{"GoodsAttr", goodsAttr}, {"Stuff", ""}, {"UnCode", un}, {"DangName", dangName},
			{"DangPackType", packType}, {"DangPackSpec", packSpec}, {"EngManEntCnm", ""},
			{"NoDangFlag", noDang}, {"DestCode", it.district}, {"GoodsSpec", ""}, {"GoodsModel", ""},
			{"GoodsBrand", pick(gen, []string{"无品牌", "境外品牌(其他)", "境外品牌(贴牌生产)"})},
			{"ProduceDate", ""}, {"ProdBatchNo", ""}, {"DistrictCode", it.district[:5]},
			{"CiqName", ""}, {"MnufctrRegNo", ""}, {"MnufctrRegName", ""},
		} {
			x.leaf(kv[0], kv[1])
		}
		if it.reg != "" {
			x.open("DecGoodsLimits")
			x.open("DecGoodsLimit")
			x.leaf("GoodsNo", seq)
			x.leaf("LicTypeCode", "FRN")
			x.leaf("LicenceNo", it.reg)
			x.close("DecGoodsLimit")
			x.close("DecGoodsLimits")
		}
		x.close("DecList")
	}
	x.close("DecLists")

	if len(p.containers) > 0 {
		x.open("DecContainers")
		nums := make([]string, len(p.items))
		for i := range nums {
			nums[i] = itoa(i + 1)
		}
		all := strings.Join(nums, ",")
		for i, c := range p.containers {
			x.open("Container")
			x.leaf("ContainerId", c.id)
			x.leaf("ContainerMd", c.md)
			goodsNo := all
			if len(p.containers) >= len(p.items) && len(p.items) > 1 {
				goodsNo = itoa(i%len(p.items) + 1)
			}
			x.leaf("GoodsNo", goodsNo)
			x.leaf("LclFlag", "0")
			x.leaf("GoodsContaWt", kg(p.netKg*1.06/float64(len(p.containers))))
			x.leaf("ContainerWt", pick(gen, []string{"2200", "3800", "4200"}))
			x.close("Container")
		}
		x.close("DecContainers")
	} else {
		x.leaf("DecContainers", "")
	}
	x.open("DecLicenseDocus")
	for _, code := range []string{"a", "b"}[:1+gen.intn(2)] {
		x.open("LicenseDocu")
		x.leaf("DocuCode", code)
		x.leaf("CertCode", p.created.Format("2006")+gen.digits(12))
		x.close("LicenseDocu")
	}
	x.close("DecLicenseDocus")
	x.open("DecRequestCerts")
	x.open("DecRequestCert")
	x.leaf("AppCertCode", "13")
	x.leaf("ApplOri", "1")
	x.leaf("ApplCopyQuan", "0")
	x.close("DecRequestCert")
	x.close("DecRequestCerts")
	x.open("DecOtherPacks")
	x.open("DecOtherPack")
	x.leaf("PackQty", i64(p.packages))
	x.leaf("PackType", "4M")
	x.close("DecOtherPack")
	x.close("DecOtherPacks")
	x.open("DecCopPromises")
	x.open("DecCopPromise")
	x.leaf("DeclaratioMaterialCode", "10000"+itoa(1+gen.intn(9)))
	x.close("DecCopPromise")
	x.close("DecCopPromises")
	x.open("DecFreeTxt")
	x.leaf("RelId", "")
	x.leaf("RelManNo", "")
	x.leaf("BonNo", "")
	x.leaf("VoyNo", gen.digits(3)+pick(gen, []string{"W", "E", "N", "S"}))
	x.leaf("DecBpNo", "")
	x.leaf("CusFie", "")
	x.leaf("DecNo", "")
	x.close("DecFreeTxt")
	x.open("DecSign")
	x.leaf("OperType", "C")
	x.leaf("ICCode", "JJ3B1000"+gen.digits(5))
	x.leaf("CopCode", p.declarant.code)
	x.leaf("OperName", pick(gen, []string{"张卫东", "李红梅", "王建国", "赵丽"}))
	x.leaf("ClientSeqNo", p.ref)
	x.leaf("Sign", "")
	x.leaf("SignDate", p.created.Format("20060102150405"))
	x.leaf("Certificate", "")
	x.leaf("HostId", "")
	x.leaf("BillSeqNo", "")
	x.leaf("DomainId", "")
	x.leaf("Note", "")
	x.close("DecSign")
	for i, code := range []string{"00000001", "00000004"}[:1+gen.intn(2)] {
		x.open("EdocRealation")
		x.leaf("EdocID", p.created.Format("20060102")+gen.digits(10))
		x.leaf("EdocCode", code)
		x.leaf("EdocFomatType", "US")
		x.leaf("OpNote", "")
		x.leaf("EdocCopId", p.ref+"_"+itoa(i+1)+".pdf")
		x.leaf("EdocOwnerCode", p.declarant.code)
		x.leaf("SignUnit", p.declarant.code)
		x.leaf("SignTime", p.created.Format("20060102150405"))
		x.leaf("EdocOwnerName", p.declarant.name)
		x.leaf("EdocSize", itoa(40000+gen.intn(900000)))
		x.close("EdocRealation")
	}
	if p.zone != "" {
		x.open("jjj:DirectTransit", "xmlns:jjj", "urn:jjj:ext:v1", "zone", p.zone)
		for _, c := range p.containers {
			for _, s := range c.seals {
				x.textAttrs("jjj:Seal", s, "container", c.id)
			}
		}
		x.close("jjj:DirectTransit")
	}
	x.indent = 0
	x.nl()
	x.b = append(x.b, "</DecMessage>\n"...)
	return x.b
}
