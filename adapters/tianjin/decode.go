package tianjin

import (
	"strings"

	"github.com/beevik/etree"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/internal/customs"
)

// Paths of the fixed parts of the message.
const (
	pathRoot       = "/DecMessage"
	pathHead       = "/DecMessage/DecHead"
	pathLists      = "/DecMessage/DecLists"
	pathContainers = "/DecMessage/DecContainers"
	pathSign       = "/DecMessage/DecSign"
	pathClientSeq  = "/DecMessage/DecSign/ClientSeqNo"
	pathPurpOrg    = "/DecMessage/DecHead/PurpOrgCode"
	pathTransit    = "/DecMessage/DirectTransit"
	pathZone       = "/DecMessage/DirectTransit/@zone"
)

// style is how the reading kit reports for DecMessage.
var style = adapters.Style{Format: "the declaration message (DecMessage)"}

// DecHead fields the gateway reads.
const (
	hIEFlag = iota
	hCustomMaster
	hIEPort
	hTradeCoScc
	hTradeCode
	hTradeName
	hOwnerCodeScc
	hOwnerCode
	hOwnerName
	hAgentCodeScc
	hAgentCode
	hAgentName
	hOverseasConsignor
	hOverseasConsignee
	hTrafMode
	hTrafName
	hBillNo
	hTradeCountry
	hDespPortCode
	hDespDate
	hTradeMode
	hTransMode
	hGrossWet
	hNetWt
	hPackNo
	hPurpOrgCode
	hOrigBoxFlag
	nHead
)

var headNames = [nHead]string{
	"IEFlag", "CustomMaster", "IEPort", "TradeCoScc", "TradeCode", "TradeName",
	"OwnerCodeScc", "OwnerCode", "OwnerName", "AgentCodeScc", "AgentCode", "AgentName",
	"OverseasConsignorEname", "OverseasConsigneeEname", "TrafMode", "TrafName", "BillNo",
	"TradeCountry", "DespPortCode", "DespDate", "TradeMode", "TransMode", "GrossWet",
	"NetWt", "PackNo", "PurpOrgCode", "OrigBoxFlag",
}

func headField(tag string) int {
	switch tag {
	case "IEFlag":
		return hIEFlag
	case "CustomMaster":
		return hCustomMaster
	case "IEPort":
		return hIEPort
	case "TradeCoScc":
		return hTradeCoScc
	case "TradeCode":
		return hTradeCode
	case "TradeName":
		return hTradeName
	case "OwnerCodeScc":
		return hOwnerCodeScc
	case "OwnerCode":
		return hOwnerCode
	case "OwnerName":
		return hOwnerName
	case "AgentCodeScc":
		return hAgentCodeScc
	case "AgentCode":
		return hAgentCode
	case "AgentName":
		return hAgentName
	case "OverseasConsignorEname":
		return hOverseasConsignor
	case "OverseasConsigneeEname":
		return hOverseasConsignee
	case "TrafMode":
		return hTrafMode
	case "TrafName":
		return hTrafName
	case "BillNo":
		return hBillNo
	case "TradeCountry":
		return hTradeCountry
	case "DespPortCode":
		return hDespPortCode
	case "DespDate":
		return hDespDate
	case "TradeMode":
		return hTradeMode
	case "TransMode":
		return hTransMode
	case "GrossWet":
		return hGrossWet
	case "NetWt":
		return hNetWt
	case "PackNo":
		return hPackNo
	case "PurpOrgCode":
		return hPurpOrgCode
	case "OrigBoxFlag":
		return hOrigBoxFlag
	}
	return -1
}

// DecList fields the gateway reads.
const (
	iGNo = iota
	iCodeTS
	iCiqCode
	iGName
	iGModel
	iGQty
	iGUnit
	iDeclTotal
	iDeclPrice
	iTradeCurr
	iOriginCountry
	iDestinationCountry
	iDestCode
	iGoodsAttr
	iNoDangFlag
	iUnCode
	iDangPackType
	iDangPackSpec
	nItem
)

var itemNames = [nItem]string{
	"GNo", "CodeTS", "CiqCode", "GName", "GModel", "GQty", "GUnit", "DeclTotal",
	"DeclPrice", "TradeCurr", "OriginCountry", "DestinationCountry", "DestCode",
	"GoodsAttr", "NoDangFlag", "UnCode", "DangPackType", "DangPackSpec",
}

func itemField(tag string) int {
	switch tag {
	case "GNo":
		return iGNo
	case "CodeTS":
		return iCodeTS
	case "CiqCode":
		return iCiqCode
	case "GName":
		return iGName
	case "GModel":
		return iGModel
	case "GQty":
		return iGQty
	case "GUnit":
		return iGUnit
	case "DeclTotal":
		return iDeclTotal
	case "DeclPrice":
		return iDeclPrice
	case "TradeCurr":
		return iTradeCurr
	case "OriginCountry":
		return iOriginCountry
	case "DestinationCountry":
		return iDestinationCountry
	case "DestCode":
		return iDestCode
	case "GoodsAttr":
		return iGoodsAttr
	case "NoDangFlag":
		return iNoDangFlag
	case "UnCode", "Uncode":
		return iUnCode
	case "DangPackType":
		return iDangPackType
	case "DangPackSpec":
		return iDangPackSpec
	}
	return -1
}

// decoder holds what one Decode call collects. It is not shared.
type decoder struct {
	adapters.Reader

	head        [nHead]string
	clientSeqNo string
	items       []rawItem
	containers  []rawContainer
	transit     *rawTransit
	// uncode is set when an item spells the UN number Uncode.
	uncode bool
	// stack is the path below /DecMessage of the element being read.
	stack []seg
}

type rawItem struct {
	f    [nItem]string
	path string
	// unTag is the spelling of the UN number element: UnCode or Uncode.
	unTag string
	frn   string
	docs  []customs.Citation
}

type rawContainer struct {
	id, md string
	idx    int
	// content is set when the Container has any child with content, so
	// that one without its number is reported and an empty one is absent.
	content bool
}

type rawSeal struct {
	container, number string
	hasContainer      bool
	idx               int
}

type rawTransit struct {
	zone  string
	seals []rawSeal
}

// decode reads the message under root into a declaration, collecting
// problems and warnings on dc.
func (dc *decoder) decode(root *etree.Element, sc adapters.Scope) *customs.Declaration {
	d := &customs.Declaration{Source: customs.Source{Port: customs.PortTianjin}}
	d.Source.Dialect = dc.version(root)
	dc.stack = make([]seg, 0, 8)

	var cnt counts
	for _, tok := range root.Child {
		c, ok := tok.(*etree.Element)
		if !ok {
			continue
		}
		csc := sc
		if len(c.Attr) > 0 {
			csc = sc.Enter(c)
		}
		if c.Tag == "DirectTransit" && csc.URI(c.Space) == NamespaceExt {
			if dc.transit == nil {
				dc.transit = dc.directTransit(c, csc)
			}
			continue
		}
		csc, kind := dc.classify(c, sc)
		if kind == kindSkip {
			continue
		}
		idx := cnt.next(c.Tag)
		if kind == kindDec {
			switch c.Tag {
			case "DecHead":
				dc.readHead(c, csc)
				continue
			case "DecLists":
				dc.readLists(c, csc)
				continue
			case "DecContainers":
				dc.readContainers(c, csc)
				continue
			case "DecSign":
				dc.readSign(c, csc)
				continue
			}
		}
		dc.scanChild(c, csc, idx)
	}

	dc.checkHead(d)
	dc.checkItems(d)
	dc.checkContainers(d)
	dc.checkTransit(d)
	d.Warnings = dc.Warnings
	return d
}

// version reads the root's version (or Version) attribute. ports.md does
// not list it among the required fields ("everything else is optional, and
// checked when present"), so a missing or empty one is accepted and the
// dialect is then "tianjin/DecMessage" without a version.
func (dc *decoder) version(root *etree.Element) string {
	for _, a := range root.Attr {
		if a.Space != "" || (a.Key != "version" && a.Key != "Version") {
			continue
		}
		switch v := strings.TrimSpace(a.Value); v {
		case "3.1":
			return "tianjin/DecMessage-3.1"
		case "4.8":
			return "tianjin/DecMessage-4.8"
		case "5.0":
			return "tianjin/DecMessage-5.0"
		case "":
		default:
			dc.Add(pathRoot+"/@"+a.Key, customs.ProblemInvalidEnum, "version %q is not one of 3.1, 4.8, 5.0", v)
		}
		return "tianjin/DecMessage"
	}
	return "tianjin/DecMessage"
}

func (dc *decoder) readHead(e *etree.Element, sc adapters.Scope) {
	dc.push("DecHead", 0)
	defer dc.pop()
	dc.children(e, sc, func(c *etree.Element, csc adapters.Scope, kind, idx int) {
		if k := headField(c.Tag); k >= 0 && kind == kindDec {
			if v := dc.text(c, csc); dc.head[k] == "" {
				dc.head[k] = v
			}
			return
		}
		dc.scanChild(c, csc, idx)
	})
}

func (dc *decoder) readSign(e *etree.Element, sc adapters.Scope) {
	dc.push("DecSign", 0)
	defer dc.pop()
	dc.children(e, sc, func(c *etree.Element, csc adapters.Scope, kind, idx int) {
		if c.Tag == "ClientSeqNo" && kind == kindDec {
			if v := dc.text(c, csc); dc.clientSeqNo == "" {
				dc.clientSeqNo = v
			}
			return
		}
		dc.scanChild(c, csc, idx)
	})
}

func (dc *decoder) readLists(e *etree.Element, sc adapters.Scope) {
	dc.push("DecLists", 0)
	defer dc.pop()
	if dc.items == nil {
		dc.items = make([]rawItem, 0, adapters.Count(e, "DecList"))
	}
	dc.children(e, sc, func(c *etree.Element, csc adapters.Scope, kind, idx int) {
		if c.Tag == "DecList" && kind == kindDec {
			dc.items = append(dc.items, rawItem{})
			dc.readItem(c, csc, &dc.items[len(dc.items)-1], idx)
			return
		}
		dc.scanChild(c, csc, idx)
	})
}

func (dc *decoder) readItem(e *etree.Element, sc adapters.Scope, it *rawItem, idx int) {
	dc.push("DecList", idx)
	defer dc.pop()
	it.path = dc.pathTo("")
	it.unTag = "UnCode"
	dc.children(e, sc, func(c *etree.Element, csc adapters.Scope, kind, cidx int) {
		if kind == kindDec {
			if k := itemField(c.Tag); k >= 0 {
				if v := dc.text(c, csc); it.f[k] == "" {
					it.f[k] = v
					if k == iUnCode {
						it.unTag = c.Tag
					}
				}
				return
			}
			if c.Tag == "DecGoodsLimits" {
				dc.readGoodsLimits(c, csc, it)
				return
			}
		}
		dc.scanChild(c, csc, cidx)
	})
	if it.unTag == "Uncode" {
		dc.uncode = true
	}
}

// readGoodsLimits reads the item's licences: the food producer
// registration (the first DecGoodsLimit of licence type FRN with a number)
// and the citations of supporting documents (licence types 425, 203, 325,
// documents.md). Every other licence type is the national system's
// business: neither cited nor refused. DecGoodsLimit[n] counts every
// DecGoodsLimit of the item (samples/README.md), FRN and others included.
func (dc *decoder) readGoodsLimits(e *etree.Element, sc adapters.Scope, it *rawItem) {
	dc.push(e.Tag, 0)
	defer dc.pop()
	dc.children(e, sc, func(c *etree.Element, csc adapters.Scope, kind, idx int) {
		if c.Tag != "DecGoodsLimit" || kind != kindDec {
			dc.scanChild(c, csc, idx)
			return
		}
		dc.push(c.Tag, idx)
		var typ, no, qty string
		dc.children(c, csc, func(g *etree.Element, gsc adapters.Scope, gkind, gidx int) {
			switch {
			case gkind == kindDec && g.Tag == "LicTypeCode":
				if v := dc.text(g, gsc); typ == "" {
					typ = v
				}
			case gkind == kindDec && g.Tag == "LicenceNo":
				if v := dc.text(g, gsc); no == "" {
					no = v
				}
			case gkind == kindDec && g.Tag == "LicWrtofQty":
				if v := dc.text(g, gsc); qty == "" {
					qty = v
				}
			default:
				dc.scanChild(g, gsc, gidx)
			}
		})
		if k, ok := customs.DocumentKindOfLicence(typ); ok {
			at := adapters.At{Parent: dc.pathTo("")}
			it.docs = append(it.docs, dc.Citation(k, no, qty, at, "/LicenceNo", "/LicWrtofQty"))
		}
		dc.pop()
		if typ == "FRN" && it.frn == "" {
			it.frn = no
		}
	})
}

func (dc *decoder) readContainers(e *etree.Element, sc adapters.Scope) {
	dc.push("DecContainers", 0)
	defer dc.pop()
	if dc.containers == nil {
		dc.containers = make([]rawContainer, 0, adapters.Count(e, "Container"))
	}
	dc.children(e, sc, func(c *etree.Element, csc adapters.Scope, kind, idx int) {
		if c.Tag != "Container" || kind != kindDec {
			dc.scanChild(c, csc, idx)
			return
		}
		dc.push(c.Tag, idx)
		rc := rawContainer{idx: idx}
		dc.children(c, csc, func(g *etree.Element, gsc adapters.Scope, gkind, gidx int) {
			switch {
			case gkind == kindDec && g.Tag == "ContainerId":
				if v := dc.text(g, gsc); rc.id == "" {
					rc.id = v
				}
			case gkind == kindDec && g.Tag == "ContainerMd":
				if v := dc.text(g, gsc); rc.md == "" {
					rc.md = v
				}
			default:
				if len(g.Child) > 0 {
					rc.content = true
				}
				dc.scanChild(g, gsc, gidx)
			}
		})
		dc.pop()
		dc.containers = append(dc.containers, rc)
	})
}

// directTransit reads the extension. Its children in the extension's
// namespace other than Seal are ignored; children in another namespace are
// judged by name like any element of the message.
func (dc *decoder) directTransit(e *etree.Element, sc adapters.Scope) *rawTransit {
	dc.push("DirectTransit", 0)
	defer dc.pop()
	t := &rawTransit{}
	t.zone, _ = sc.AttrNS(e, "zone", NamespaceExt)
	n := 0
	for _, tok := range e.Child {
		c, ok := tok.(*etree.Element)
		if !ok {
			continue
		}
		csc := sc
		if len(c.Attr) > 0 {
			csc = sc.Enter(c)
		}
		if csc.URI(c.Space) != NamespaceExt {
			if _, kind := dc.classify(c, sc); kind != kindSkip {
				dc.scanChild(c, csc, 0)
			}
			continue
		}
		if c.Tag != "Seal" {
			continue
		}
		n++
		s := rawSeal{idx: n}
		s.container, _ = csc.AttrNS(c, "container", NamespaceExt)
		s.hasContainer = s.container != ""
		s.number = dc.text(c, csc)
		if s.number == "" && !s.hasContainer {
			continue // an empty seal is absent
		}
		t.seals = append(t.seals, s)
	}
	if t.zone == "" && len(t.seals) == 0 {
		return nil
	}
	return t
}
