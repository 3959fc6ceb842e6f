package adaptertest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/internal/customs"
)

// fake is a tiny dialect, just enough to exercise the suite:
//
//	<Fake ref dir declaring port>
//	  <Party role uscc>name</Party>
//	  <Transport mode country date/>
//	  <Item seq hs qty unit value currency origin district>name</Item>
//	</Fake>
//
// Any other child of Fake is an unknown element (a warning).
type fake struct{}

var _ adapters.Adapter = fake{}

func (fake) Info() adapters.Info {
	return adapters.Info{ID: "fake", Name: "Fake port", Dialect: "Fake-1", Encodings: adapters.Encodings}
}

func (fake) Decode(raw []byte) (*customs.Declaration, error) {
	doc, err := adapters.ReadXML(raw, adapters.Limits{})
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	if root.Tag != "Fake" || root.NamespaceURI() != "" {
		return nil, adapters.UnknownRoot(root.NamespaceURI(), root.Tag, "Fake")
	}
	var ps customs.Problems
	d := &customs.Declaration{Source: customs.Source{Port: "fake", Dialect: "fake/Fake-1"}}
	req := func(e *etree.Element, path, name string) string {
		v := strings.TrimSpace(e.SelectAttrValue(name, ""))
		if v == "" {
			ps.Add(path+"/@"+name, customs.ProblemMissingField, "%s is required", name)
		}
		return v
	}
	d.Source.PortRef = req(root, "/Fake", "ref")
	switch dir := req(root, "/Fake", "dir"); dir {
	case "import", "export":
		d.Direction = customs.Direction(dir)
	case "":
	default:
		ps.Add("/Fake/@dir", customs.ProblemInvalidEnum, "dir must be import or export")
	}
	d.Customs.Declaring = req(root, "/Fake", "declaring")
	d.Customs.Port = req(root, "/Fake", "port")
	for _, c := range root.ChildElements() {
		switch c.Tag {
		case "Party":
			role := req(c, "/Fake/Party", "role")
			at := fmt.Sprintf("/Fake/Party[@role='%s']", role)
			p := customs.Party{Role: customs.Role(role), Name: strings.TrimSpace(c.Text())}
			if role != string(customs.RoleOverseas) {
				p.USCC = customs.NormalizeUSCC(req(c, at, "uscc"))
				if ok, _ := customs.CheckUSCC(p.USCC); p.USCC != "" && !ok {
					ps.Add(at+"/@uscc", customs.ProblemInvalidUSCC, "invalid USCC")
				}
			}
			d.Parties = append(d.Parties, p)
		case "Transport":
			d.Transport.Mode = req(c, "/Fake/Transport", "mode")
			d.Transport.Country = c.SelectAttrValue("country", "")
			d.Transport.DepartureDate = c.SelectAttrValue("date", "")
		case "Item":
			seq, err := strconv.Atoi(req(c, "/Fake/Item", "seq"))
			if err != nil || seq <= 0 {
				ps.Add("/Fake/Item/@seq", customs.ProblemMissingField, "seq is required")
			}
			at := fmt.Sprintf("/Fake/Item[@seq='%d']", seq)
			g := customs.GoodsItem{
				Seq: seq, Path: at, Name: strings.TrimSpace(c.Text()),
				HSCode: req(c, at, "hs"), Quantity: req(c, at, "qty"), Unit: req(c, at, "unit"),
				Value: req(c, at, "value"), Currency: req(c, at, "currency"), Origin: req(c, at, "origin"),
				DestinationDistrict: c.SelectAttrValue("district", ""),
			}
			if g.HSCode != "" && (len(g.HSCode) != 10 || !customs.AllDigits(g.HSCode)) {
				ps.Add(at+"/@hs", customs.ProblemInvalidHSCode, "HS code must be 10 digits")
			}
			if g.Quantity != "" && !customs.CheckDecimal(g.Quantity, 5) {
				ps.Add(at+"/@qty", customs.ProblemInvalidQuantity, "not a positive decimal")
			}
			if g.Value != "" && !customs.CheckDecimal(g.Value, 2) {
				ps.Add(at+"/@value", customs.ProblemInvalidValue, "not a positive decimal")
			}
			d.Goods = append(d.Goods, g)
		default:
			d.Warnings = append(d.Warnings, customs.Warning{Path: "/Fake/" + c.Tag, Code: customs.WarnUnknownElement, Message: "unknown element kept out"})
		}
	}
	if len(d.Goods) == 0 {
		ps.Add("/Fake/Item", customs.ProblemMissingField, "at least one item")
	}
	if d.Trader() == nil {
		ps.Add("/Fake/Party", customs.ProblemMissingField, "the trader is required")
	}
	if d.Party(customs.RoleDeclarant) == nil {
		ps.Add("/Fake/Party", customs.ProblemMissingField, "the declarant is required")
	}
	return d, ps.Err(customs.CodeInvalid, "the message does not validate")
}
