package canonical

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/jjj/gateway/internal/customs"
)

// Namespace of the canonical declaration.
const Namespace = "urn:jjj:review-centre:declaration:v1"

const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>`

// Marshal returns the canonical XML of d, including d.Route when set.
func Marshal(d *customs.Declaration) []byte {
	return Append(make([]byte, 0, sizeHint(d)), d)
}

// sizeHint estimates the message size so that Marshal allocates once for
// typical declarations; a wrong guess only costs a regrow.
func sizeHint(d *customs.Declaration) int {
	n := 1024 + 160*len(d.Parties) + 160*len(d.Equipment) + 512*len(d.Goods) + 160*len(d.Warnings)
	for i := range d.Parties {
		n += len(d.Parties[i].Name)
	}
	for i := range d.Goods {
		n += len(d.Goods[i].Name) + len(d.Goods[i].Spec)
	}
	if r := d.Route; r != nil {
		n += 128 + 96*len(r.Tasks) + 160*len(r.Reasons)
	}
	return n
}

// Append appends the canonical XML of d to buf. It does not allocate when
// buf has room for the message.
func Append(buf []byte, d *customs.Declaration) []byte {
	buf = append(buf, xmlHeader...)
	buf = append(buf, `<Declaration xmlns="`+Namespace+`"`...)
	buf = attr(buf, "id", d.ID)
	buf = attr(buf, "ruleSet", d.RuleSet)
	buf = append(buf, '>')

	s := &d.Source
	buf = append(buf, "<Source"...)
	buf = attr(buf, "port", string(s.Port))
	buf = attr(buf, "portRef", s.PortRef)
	buf = attr(buf, "dialect", s.Dialect)
	buf = timeAttr(buf, "receivedAt", s.ReceivedAt)
	if !s.DeclaredAt.IsZero() {
		buf = timeAttr(buf, "declaredAt", s.DeclaredAt)
	}
	buf = attr(buf, "digest", s.Digest)
	buf = append(buf, "/>"...)

	buf = textElem(buf, "Direction", string(d.Direction))

	buf = append(buf, "<Customs"...)
	buf = attr(buf, "declaring", d.Customs.Declaring)
	buf = attr(buf, "port", d.Customs.Port)
	buf = append(buf, "/>"...)

	if len(d.Parties) > 0 {
		buf = append(buf, "<Parties>"...)
		for i := range d.Parties {
			p := &d.Parties[i]
			buf = append(buf, "<Party"...)
			buf = attr(buf, "role", string(p.Role))
			buf = optAttr(buf, "uscc", p.USCC)
			buf = optAttr(buf, "customsCode", p.CustomsCode)
			buf = optAttr(buf, "country", p.Country)
			if p.Name == "" {
				buf = append(buf, "/>"...)
				continue
			}
			buf = append(buf, '>')
			buf = textElem(buf, "Name", p.Name)
			buf = append(buf, "</Party>"...)
		}
		buf = append(buf, "</Parties>"...)
	}

	t := &d.Transport
	buf = append(buf, "<Transport"...)
	buf = optAttr(buf, "mode", t.Mode)
	buf = optAttr(buf, "means", t.Means)
	buf = optAttr(buf, "billNo", t.BillNo)
	buf = optAttr(buf, "houseBill", t.HouseBill)
	if d.Direction == customs.Export {
		buf = optAttr(buf, "arrivalCountry", t.Country)
	} else {
		buf = optAttr(buf, "departureCountry", t.Country)
	}
	buf = optAttr(buf, "departurePort", t.DeparturePort)
	buf = optAttr(buf, "departureDate", t.DepartureDate)
	buf = append(buf, "/>"...)

	if tr := d.Trade; tr != nil && (tr.Mode != "" || tr.Terms != "") {
		buf = append(buf, "<Trade"...)
		buf = optAttr(buf, "mode", tr.Mode)
		buf = optAttr(buf, "terms", tr.Terms)
		buf = append(buf, "/>"...)
	}
	if w := d.Weights; w != nil && (w.Gross != "" || w.Net != "" || w.Packages != "") {
		buf = append(buf, "<Weights"...)
		buf = optAttr(buf, "gross", w.Gross)
		buf = optAttr(buf, "net", w.Net)
		buf = optAttr(buf, "packages", w.Packages)
		buf = append(buf, "/>"...)
	}
	if d.DestinationOffice != "" {
		buf = append(buf, "<Destination"...)
		buf = attr(buf, "office", d.DestinationOffice)
		buf = append(buf, "/>"...)
	}
	if dt := d.DirectTransit; dt != nil {
		buf = append(buf, "<DirectTransit"...)
		buf = attr(buf, "zone", dt.Zone)
		if dt.OriginalContainers != nil {
			buf = boolAttr(buf, "originalContainers", *dt.OriginalContainers)
		}
		buf = boolAttr(buf, "granted", dt.Granted)
		buf = append(buf, "/>"...)
	}

	if len(d.Equipment) > 0 {
		buf = append(buf, "<Equipment>"...)
		for i := range d.Equipment {
			u := &d.Equipment[i]
			buf = append(buf, "<Unit"...)
			buf = attr(buf, "id", u.ID)
			buf = attr(buf, "kind", string(u.Kind))
			buf = optAttr(buf, "type", u.Type)
			if len(u.Seals) == 0 {
				buf = append(buf, "/>"...)
				continue
			}
			buf = append(buf, '>')
			for _, s := range u.Seals {
				buf = textElem(buf, "Seal", s)
			}
			buf = append(buf, "</Unit>"...)
		}
		buf = append(buf, "</Equipment>"...)
	}

	if len(d.Goods) > 0 {
		buf = append(buf, "<Goods>"...)
		for i := range d.Goods {
			buf = appendItem(buf, &d.Goods[i])
		}
		buf = append(buf, "</Goods>"...)
	}

	if d.Route != nil {
		buf = appendRoute(buf, d.Route, false)
	}

	if len(d.Warnings) > 0 {
		buf = append(buf, "<Warnings>"...)
		for i := range d.Warnings {
			w := &d.Warnings[i]
			buf = append(buf, "<Warning"...)
			buf = attr(buf, "path", w.Path)
			buf = attr(buf, "code", w.Code)
			buf = append(buf, '>')
			buf = text(buf, w.Message)
			buf = append(buf, "</Warning>"...)
		}
		buf = append(buf, "</Warnings>"...)
	}

	return append(buf, "</Declaration>"...)
}

func appendItem(buf []byte, g *customs.GoodsItem) []byte {
	buf = append(buf, `<Item seq="`...)
	buf = strconv.AppendInt(buf, int64(g.Seq), 10)
	buf = append(buf, '"')
	buf = optAttr(buf, "specialArticle", g.SpecialArticle)
	buf = append(buf, '>')
	buf = textElem(buf, "HSCode", g.HSCode)
	buf = optTextElem(buf, "CIQCode", g.CIQCode)
	buf = optTextElem(buf, "Name", g.Name)
	buf = optTextElem(buf, "Spec", g.Spec)
	buf = append(buf, "<Quantity"...)
	buf = attr(buf, "unit", g.Unit)
	buf = append(buf, '>')
	buf = text(buf, g.Quantity)
	buf = append(buf, "</Quantity><Value"...)
	buf = attr(buf, "currency", g.Currency)
	buf = append(buf, '>')
	buf = text(buf, g.Value)
	buf = append(buf, "</Value>"...)
	buf = textElem(buf, "Origin", g.Origin)
	buf = optTextElem(buf, "DestinationDistrict", g.DestinationDistrict)
	if dg := g.DangerousGoods; dg != nil {
		buf = append(buf, "<DangerousGoods"...)
		buf = optAttr(buf, "un", dg.UN)
		buf = optAttr(buf, "class", dg.Class)
		buf = optAttr(buf, "packingGroup", dg.PackingGroup)
		buf = optAttr(buf, "packaging", dg.Packaging)
		buf = boolAttr(buf, "bulk", dg.Bulk)
		buf = append(buf, "/>"...)
	}
	buf = optTextElem(buf, "FoodProducerRegistration", g.FoodProducerRegistration)
	// The citations last, in the order cited (canonical.md, rule set 2026.2).
	for i := range g.Documents {
		c := &g.Documents[i]
		buf = append(buf, "<Document"...)
		buf = attr(buf, "kind", string(c.Kind))
		buf = attr(buf, "number", c.Number)
		buf = attr(buf, "writeOff", c.WriteOff)
		buf = append(buf, "/>"...)
	}
	return append(buf, "</Item>"...)
}

// MarshalRoute returns a Route element alone, in the canonical namespace,
// as a route amendment's body (partners.md).
func MarshalRoute(r *customs.Route) []byte {
	return AppendRoute(make([]byte, 0, 256+96*len(r.Tasks)+160*len(r.Reasons)), r)
}

// AppendRoute appends the route amendment document of r (the XML
// declaration and a Route element carrying the namespace) to buf.
func AppendRoute(buf []byte, r *customs.Route) []byte {
	buf = append(buf, xmlHeader...)
	return appendRoute(buf, r, true)
}

func appendRoute(buf []byte, r *customs.Route, standalone bool) []byte {
	buf = append(buf, "<Route"...)
	if standalone {
		buf = append(buf, ` xmlns="`+Namespace+`"`...)
	}
	buf = attr(buf, "lane", string(r.Lane))
	buf = optAttr(buf, "bureau", r.Bureau)
	buf = attr(buf, "ruleSet", r.RuleSet)
	if len(r.Tasks) == 0 && len(r.Reasons) == 0 {
		return append(buf, "/>"...)
	}
	buf = append(buf, '>')
	for i := range r.Tasks {
		t := &r.Tasks[i]
		buf = append(buf, "<Task"...)
		buf = attr(buf, "workflow", string(t.Workflow))
		buf = optAttr(buf, "bureau", t.Bureau)
		buf = append(buf, ` items="`...)
		for j, it := range t.Items {
			if j > 0 {
				buf = append(buf, ' ')
			}
			buf = strconv.AppendInt(buf, int64(it), 10)
		}
		buf = append(buf, '"')
		buf = optAttr(buf, "inspector", t.Inspector)
		buf = append(buf, "/>"...)
	}
	for i := range r.Reasons {
		rs := &r.Reasons[i]
		buf = append(buf, "<Reason"...)
		buf = attr(buf, "rule", rs.Rule)
		if rs.Item > 0 {
			buf = append(buf, ` item="`...)
			buf = strconv.AppendInt(buf, int64(rs.Item), 10)
			buf = append(buf, '"')
		}
		if len(rs.Evidence) == 0 {
			buf = append(buf, "/>"...)
			continue
		}
		buf = append(buf, '>')
		for _, e := range rs.Evidence {
			buf = append(buf, "<Evidence"...)
			buf = attr(buf, "name", e.Name)
			buf = append(buf, '>')
			buf = text(buf, e.Value)
			buf = append(buf, "</Evidence>"...)
		}
		buf = append(buf, "</Reason>"...)
	}
	return append(buf, "</Route>"...)
}

// attr appends ` name="value"`, escaped. name is a literal of this package.
func attr(buf []byte, name, value string) []byte {
	buf = append(buf, ' ')
	buf = append(buf, name...)
	buf = append(buf, `="`...)
	buf = escape(buf, value, true)
	return append(buf, '"')
}

func optAttr(buf []byte, name, value string) []byte {
	if value == "" {
		return buf
	}
	return attr(buf, name, value)
}

func boolAttr(buf []byte, name string, v bool) []byte {
	buf = append(buf, ' ')
	buf = append(buf, name...)
	if v {
		return append(buf, `="true"`...)
	}
	return append(buf, `="false"`...)
}

// timeAttr writes t in UTC to the second, the form canonical.md fixes.
func timeAttr(buf []byte, name string, t time.Time) []byte {
	buf = append(buf, ' ')
	buf = append(buf, name...)
	buf = append(buf, `="`...)
	buf = t.UTC().AppendFormat(buf, "2006-01-02T15:04:05Z")
	return append(buf, '"')
}

func textElem(buf []byte, name, value string) []byte {
	buf = append(buf, '<')
	buf = append(buf, name...)
	buf = append(buf, '>')
	buf = escape(buf, value, false)
	buf = append(buf, "</"...)
	buf = append(buf, name...)
	return append(buf, '>')
}

func optTextElem(buf []byte, name, value string) []byte {
	if value == "" {
		return buf
	}
	return textElem(buf, name, value)
}

func text(buf []byte, s string) []byte { return escape(buf, s, false) }

// safe marks the ASCII bytes that are written as they are in both text and
// attribute values. Everything else takes the slow path in escape.
var safe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = true
	}
	t['&'], t['<'], t['>'], t['"'] = false, false, false, false
	return t
}()

// escape appends s escaped for XML text (inAttr false) or a double-quoted
// attribute value (inAttr true); see the package comment for what happens
// to characters XML 1.0 cannot carry.
func escape(buf []byte, s string, inAttr bool) []byte {
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if safe[c] {
				i++
				continue
			}
			var esc string
			switch c {
			case '&':
				esc = "&amp;"
			case '<':
				esc = "&lt;"
			case '>':
				esc = "&gt;"
			case '"':
				if !inAttr {
					i++
					continue
				}
				esc = "&quot;"
			case '\t':
				if !inAttr {
					i++
					continue
				}
				esc = "&#x9;"
			case '\n':
				if !inAttr {
					i++
					continue
				}
				esc = "&#xA;"
			case '\r':
				esc = "&#xD;"
			default: // the other C0 controls
				esc = "\uFFFD"
			}
			buf = append(buf, s[last:i]...)
			buf = append(buf, esc...)
			i++
			last = i
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || r == 0xFFFE || r == 0xFFFF {
			buf = append(buf, s[last:i]...)
			buf = append(buf, "\uFFFD"...)
			i += n
			last = i
			continue
		}
		i += n
	}
	return append(buf, s[last:]...)
}
