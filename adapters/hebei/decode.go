package hebei

import (
	"github.com/beevik/etree"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

// Paths in the port's message (samples/README.md, "Paths").
const (
	pathRoot   = "/BJXX"
	pathBBH    = "/BJXX/@BBH"
	pathHead   = "/BJXX/BTXX"
	pathGoods  = "/BJXX/HWXX"
	pathUnits  = "/BJXX/JZXXX"
	pathOffice = "/BJXX/BTXX/MDJG"
	pathZone   = "/BJXX/BTXX/ZTBZ/@MDQ"
)

// paths tells routing's Check where the fields it may find missing sit.
var paths = customs.Paths{
	DestinationOffice: pathOffice,
	DirectTransitZone: pathZone,
	District:          "/MDD",
	UN:                "/WXP/UNBH",
	PackingGroup:      "/WXP/BZLB",
	PackagingMark:     "/WXP/BZBJ",
}

// style is how the reading kit reports for BJXX: the paths of elements the
// format has once carry no index, even for a duplicate.
var style = adapters.Style{Format: "the BJXX format here"}

// bundle holds the declaration and its fixed optional parts, so that they
// cost one allocation instead of four.
type bundle struct {
	d       customs.Declaration
	trade   customs.Trade
	dt      customs.DirectTransit
	orig    bool
	parties [4]customs.Party
}

// decoder is the state of one Decode: one walk over the tree, collecting
// every problem.
type decoder struct {
	adapters.Reader
	d *customs.Declaration
	b *bundle

	head head
	// unitKeys are the JZX/@XH seen so far.
	unitKeys []string
}

// partyEl is a party element of the head as read, mapped once the
// direction is known.
type partyEl struct {
	uscc string
	name string
}

// head holds the head values that are checked against each other after the
// walk (direction decides the trader; ZTBZ needs the seals of JZXXX).
type head struct {
	direction          string
	shr, fhr, xfdw, bj partyEl
	overseas           string
	ztbz, mdq, yjzxbz  string
	seen               adapters.Once
}

// The elements the structure has once under BJXX, BTXX, HW and WXP, by
// their index in an adapters.Once.
const (
	rBTXX = iota
	rHWXX
	rJZXXX
)

const (
	hBJDH = iota
	hCRJBZ
	hKAGB
	hSBGB
	hSHR
	hFHR
	hXFDW
	hBJDW
	hJWSFHR
	hYSFS
	hYSGJ
	hTYDH
	hQYG
	hQYGK
	hQYRQ
	hMYFS
	hMDJG
	hYJZXBZ
	hZTBZ
)

const (
	iHSBM = iota
	iJYJYBM
	iHWMC
	iGGXH
	iSL
	iJLDW
	iHZ
	iBZ
	iYCG
	iMDD
	iWXP
	iSPZC
	iTSWP
)

const (
	wUNBH = iota
	wWXLB
	wBZLB
	wBZBJ
	wSZBZ
)

func newDecoder(t *codes.Tables) *decoder {
	b := &bundle{}
	return &decoder{Reader: adapters.NewReader(t, style), b: b, d: &b.d}
}

func (r *decoder) decode(root *etree.Element, sc adapters.Scope) {
	d := r.d
	d.Source.Port = customs.PortHebei
	d.Trade = &r.b.trade
	d.Paths = paths

	switch bbh := adapters.Attr(root, "BBH"); bbh {
	case "2.0":
		d.Source.Dialect = "hebei/BJXX-2.0"
	case "2.1":
		d.Source.Dialect = "hebei/BJXX-2.1"
	case "":
		// Optional (ports.md lists the required fields; BBH is not one).
		d.Source.Dialect = "hebei/BJXX"
	default:
		d.Source.Dialect = "hebei/BJXX"
		r.Add(pathBBH, customs.ProblemInvalidEnum, "format version BBH %q is not 2.0 or 2.1", bbh)
	}

	var seen adapters.Once
	r.children(root, sc, pathRoot, func(c *etree.Element, csc adapters.Scope) bool {
		switch c.Tag {
		case "BTXX":
			if r.Once(&seen, rBTXX, pathRoot, c.Tag) {
				r.readHead(c, csc)
			}
		case "HWXX":
			if r.Once(&seen, rHWXX, pathRoot, c.Tag) {
				r.readGoods(c, csc)
			}
		case "JZXXX":
			if r.Once(&seen, rJZXXX, pathRoot, c.Tag) {
				r.readUnits(c, csc)
			}
		default:
			return false
		}
		return true
	})
	r.finish()
	d.Warnings = r.Warnings
}

// headField is the index of an element of BTXX that holds a value, or -1.
func headField(tag string) int {
	switch tag {
	case "BJDH":
		return hBJDH
	case "CRJBZ":
		return hCRJBZ
	case "KAGB":
		return hKAGB
	case "SBGB":
		return hSBGB
	case "JWSFHR":
		return hJWSFHR
	case "YSFS":
		return hYSFS
	case "YSGJ":
		return hYSGJ
	case "TYDH":
		return hTYDH
	case "QYG":
		return hQYG
	case "QYGK":
		return hQYGK
	case "QYRQ":
		return hQYRQ
	case "MYFS":
		return hMYFS
	case "MDJG":
		return hMDJG
	case "YJZXBZ":
		return hYJZXBZ
	case "ZTBZ":
		return hZTBZ
	}
	return -1
}

// partyField is the index of a party element of BTXX, or -1.
func partyField(tag string) int {
	switch tag {
	case "SHR":
		return hSHR
	case "FHR":
		return hFHR
	case "XFDW":
		return hXFDW
	case "BJDW":
		return hBJDW
	}
	return -1
}

// readHead reads BTXX. Values that depend on one another are kept in r.head
// and checked in finish; the others are checked as they are read.
func (r *decoder) readHead(e *etree.Element, sc adapters.Scope) {
	h := &r.head
	r.children(e, sc, pathHead, func(c *etree.Element, _ adapters.Scope) bool {
		if k := partyField(c.Tag); k >= 0 {
			if r.Once(&h.seen, k, pathHead, c.Tag) {
				r.UnknownChildren(c, adapters.At{Parent: pathHead, Name: c.Tag})
				p := partyEl{uscc: adapters.Attr(c, "DM"), name: adapters.Attr(c, "MC")}
				switch k {
				case hSHR:
					h.shr = p
				case hFHR:
					h.fhr = p
				case hXFDW:
					h.xfdw = p
				case hBJDW:
					h.bj = p
				}
			}
			return true
		}
		k := headField(c.Tag)
		if k < 0 {
			return false
		}
		if r.Once(&h.seen, k, pathHead, c.Tag) {
			r.headValue(k, r.Leaf(c, adapters.At{Parent: pathHead, Name: c.Tag}), c)
		}
		return true
	})
}

// readGoods reads HWXX: every HW is one item.
func (r *decoder) readGoods(e *etree.Element, sc adapters.Scope) {
	n := adapters.Count(e, "HW")
	r.d.Goods = make([]customs.GoodsItem, 0, n)
	pos := 0
	var seqs map[int]bool
	if n > 32 {
		seqs = make(map[int]bool, n)
	}
	r.children(e, sc, pathGoods, func(c *etree.Element, csc adapters.Scope) bool {
		if c.Tag != "HW" {
			return false
		}
		pos++
		g := r.readItem(c, csc, pos)
		r.checkItemNumber(&g, seqs)
		r.d.Goods = append(r.d.Goods, g)
		return true
	})
}

// itemField is the index of an element of HW, or -1.
func itemField(tag string) int {
	switch tag {
	case "HSBM":
		return iHSBM
	case "JYJYBM":
		return iJYJYBM
	case "HWMC":
		return iHWMC
	case "GGXH":
		return iGGXH
	case "SL":
		return iSL
	case "JLDW":
		return iJLDW
	case "HZ":
		return iHZ
	case "BZ":
		return iBZ
	case "YCG":
		return iYCG
	case "MDD":
		return iMDD
	case "WXP":
		return iWXP
	case "SPZC":
		return iSPZC
	case "TSWP":
		return iTSWP
	}
	return -1
}

func (r *decoder) readItem(e *etree.Element, sc adapters.Scope, pos int) customs.GoodsItem {
	var g customs.GoodsItem
	xh := adapters.Attr(e, "XH")
	g.Path = adapters.Keyed(pathGoods+"/HW", "XH", xh, pos)
	r.itemNumber(&g, xh)

	var seen adapters.Once
	xkz := 0
	r.children(e, sc, g.Path, func(c *etree.Element, csc adapters.Scope) bool {
		if c.Tag == "XKZ" {
			xkz++
			r.readXKZ(c, &g, xkz)
			return true
		}
		k := itemField(c.Tag)
		switch {
		case k < 0:
			return false
		case !r.Once(&seen, k, g.Path, c.Tag):
		case k == iWXP:
			g.DangerousGoods = r.readWXP(c, csc, g.Path)
			g.HazardFlagged = g.DangerousGoods != nil
		default:
			if v := r.Leaf(c, adapters.At{Parent: g.Path, Name: c.Tag}); v != "" {
				r.itemValue(&g, k, v)
			}
		}
		return true
	})
	r.itemMissing(&g, &seen)
	return g
}

// readXKZ reads a licence (许可证) the item cites, XKZ[pos] among the
// item's XKZ (samples/README.md: the position is always written). Only the
// three licence types of documents.md exist in this dialect (ports.md), so
// another @LX is invalid_enum and a missing one missing_field; neither is
// cited.
func (r *decoder) readXKZ(e *etree.Element, g *customs.GoodsItem, pos int) {
	at := adapters.At{Parent: g.Path, Name: "XKZ", Pos: pos}
	r.Leaf(e, at)
	if c, ok := r.AttrCitation(e, at, "LX", "BH", "HXSL", "XKZ/@LX (许可证类别)"); ok {
		g.Documents = append(g.Documents, c)
	}
}

// wxpField is the index of an element of WXP, or -1.
func wxpField(tag string) int {
	switch tag {
	case "UNBH":
		return wUNBH
	case "WXLB":
		return wWXLB
	case "BZLB":
		return wBZLB
	case "BZBJ":
		return wBZBJ
	case "SZBZ":
		return wSZBZ
	}
	return -1
}

// readWXP reads a dangerous-goods block. It returns nil for an empty block
// (no known child with a value), which ports.md treats as absent.
func (r *decoder) readWXP(e *etree.Element, sc adapters.Scope, item string) *customs.DangerousGoods {
	path := item + "/WXP"
	var v [wSZBZ + 1]string
	var seen adapters.Once
	r.children(e, sc, path, func(c *etree.Element, _ adapters.Scope) bool {
		k := wxpField(c.Tag)
		if k < 0 {
			return false
		}
		if r.Once(&seen, k, path, c.Tag) {
			v[k] = r.Leaf(c, adapters.At{Parent: path, Name: c.Tag})
		}
		return true
	})
	if v == [len(v)]string{} {
		return nil
	}
	return r.hazard(path, v[wUNBH], v[wWXLB], v[wBZLB], v[wBZBJ], v[wSZBZ])
}

// readUnits reads JZXXX: every JZX is one container.
func (r *decoder) readUnits(e *etree.Element, sc adapters.Scope) {
	r.d.Equipment = make([]customs.Unit, 0, adapters.Count(e, "JZX"))
	pos := 0
	r.children(e, sc, pathUnits, func(c *etree.Element, _ adapters.Scope) bool {
		if c.Tag != "JZX" {
			return false
		}
		pos++
		xh := adapters.Attr(c, "XH")
		at := adapters.At{Parent: pathUnits, Name: "JZX", Key: "XH", Val: xh, Pos: pos}
		id := r.Leaf(c, at)
		r.container(at, xh, id, adapters.Attr(c, "GG"), adapters.Attr(c, "FZ"))
		return true
	})
}
