package adaptertest

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/jjj/gateway/internal/customs"
)

// The comparisons of a fixture's outcome with its expect.json: each lists
// the differences it finds, so that a failing fixture shows all of them.

func hasCode(es []ExpectError, code string) bool {
	for _, e := range es {
		if e.Code == code {
			return true
		}
	}
	return false
}

func statusOf(err error) string {
	switch customs.ErrorCodeOf(err) {
	case customs.CodeUnreadable:
		return "400"
	case customs.CodeInvalid:
		return "422"
	}
	return string(customs.ErrorCodeOf(err))
}

// compareProblems compares as multisets of {path, code}; for a 400 only the
// codes count and every path must be empty (null in expect.json).
func compareProblems(want []ExpectError, got []customs.Problem, unreadable bool) string {
	var w, g []string
	for _, e := range want {
		p := ""
		if e.Path != nil {
			p = *e.Path
		}
		w = append(w, p+" "+e.Code)
	}
	for _, p := range got {
		g = append(g, p.Path+" "+p.Code)
		if unreadable && p.Path != "" {
			return fmt.Sprintf("400 problem %s has a path %q, want none", p.Code, p.Path)
		}
	}
	if !sameMultiset(w, g) {
		return fmt.Sprintf("problems (path code):\n got %s\nwant %s", strings.Join(sorted(g), "; "), strings.Join(sorted(w), "; "))
	}
	return ""
}

func compareWarnings(want []string, got []customs.Warning) string {
	var g []string
	for _, w := range got {
		if w.Code == customs.WarnUnknownElement {
			g = append(g, w.Path)
		}
	}
	if !sameMultiset(want, g) {
		return fmt.Sprintf("unknown_element warnings:\n got %q\nwant %q", sorted(g), sorted(want))
	}
	return ""
}

// canonicalFields are the head values expect.json's canonical may name.
var canonicalFields = map[string]func(d *customs.Declaration) string{
	"portRef":   func(d *customs.Declaration) string { return d.Source.PortRef },
	"direction": func(d *customs.Declaration) string { return string(d.Direction) },
	"consignee": func(d *customs.Declaration) string { return partyUSCC(d, customs.RoleConsignee) },
	"consignor": func(d *customs.Declaration) string { return partyUSCC(d, customs.RoleConsignor) },
	"owner":     func(d *customs.Declaration) string { return partyUSCC(d, customs.RoleOwner) },
	"declarant": func(d *customs.Declaration) string { return partyUSCC(d, customs.RoleDeclarant) },
	"transportMode": func(d *customs.Declaration) string {
		return d.Transport.Mode
	},
	"tradeMode": func(d *customs.Declaration) string {
		if d.Trade == nil {
			return ""
		}
		return d.Trade.Mode
	},
	"departureDate":     func(d *customs.Declaration) string { return d.Transport.DepartureDate },
	"departurePort":     func(d *customs.Declaration) string { return d.Transport.DeparturePort },
	"departureCountry":  func(d *customs.Declaration) string { return tradeCountry(d, customs.Import) },
	"arrivalCountry":    func(d *customs.Declaration) string { return tradeCountry(d, customs.Export) },
	"billNo":            func(d *customs.Declaration) string { return d.Transport.BillNo },
	"destinationOffice": func(d *customs.Declaration) string { return d.DestinationOffice },
}

// itemFields are the item values expect.json's canonical items may name.
var itemFields = map[string]func(g *customs.GoodsItem) string{
	"seq":                      func(g *customs.GoodsItem) string { return strconv.Itoa(g.Seq) },
	"hsCode":                   func(g *customs.GoodsItem) string { return g.HSCode },
	"ciqCode":                  func(g *customs.GoodsItem) string { return g.CIQCode },
	"quantity":                 func(g *customs.GoodsItem) string { return g.Quantity },
	"unit":                     func(g *customs.GoodsItem) string { return g.Unit },
	"value":                    func(g *customs.GoodsItem) string { return g.Value },
	"currency":                 func(g *customs.GoodsItem) string { return g.Currency },
	"origin":                   func(g *customs.GoodsItem) string { return g.Origin },
	"destinationDistrict":      func(g *customs.GoodsItem) string { return g.DestinationDistrict },
	"foodProducerRegistration": func(g *customs.GoodsItem) string { return g.FoodProducerRegistration },
	"specialArticle":           func(g *customs.GoodsItem) string { return g.SpecialArticle },
}

// compareDocuments compares an item's citations, in the order cited, with
// expect.json's [{kind, number, writeOff}].
func compareDocuments(name string, raw json.RawMessage, got []customs.Citation) string {
	var want []struct{ Kind, Number, WriteOff string }
	if err := json.Unmarshal(raw, &want); err != nil {
		return fmt.Sprintf("canonical.%s: %v", name, err)
	}
	g := make([]string, len(got))
	for i, c := range got {
		g[i] = string(c.Kind) + " " + c.Number + " " + c.WriteOff
	}
	w := make([]string, len(want))
	for i, c := range want {
		w[i] = c.Kind + " " + c.Number + " " + c.WriteOff
	}
	if strings.Join(g, "; ") != strings.Join(w, "; ") {
		return fmt.Sprintf("%s = %q, want %q", name, g, w)
	}
	return ""
}

func partyUSCC(d *customs.Declaration, r customs.Role) string {
	if p := d.Party(r); p != nil {
		return p.USCC
	}
	return ""
}

func tradeCountry(d *customs.Declaration, dir customs.Direction) string {
	if d.Direction != dir {
		return ""
	}
	return d.Transport.Country
}

// compareCanonical checks every value expect.json's canonical names. A key
// the suite does not know is a finding too, so that nothing expected goes
// unchecked.
func compareCanonical(raw json.RawMessage, d *customs.Declaration) (findings []string) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var c map[string]json.RawMessage
	if err := json.Unmarshal(raw, &c); err != nil {
		return []string{fmt.Sprintf("expect.json canonical: %v", err)}
	}
	for _, k := range sortedKeys(c) {
		v := c[k]
		switch k {
		case "customs":
			var want struct{ Declaring, Port *string }
			if err := json.Unmarshal(v, &want); err != nil {
				findings = append(findings, fmt.Sprintf("canonical.customs: %v", err))
				continue
			}
			if want.Declaring != nil && *want.Declaring != d.Customs.Declaring {
				findings = append(findings, fmt.Sprintf("customs.declaring = %q, want %q", d.Customs.Declaring, *want.Declaring))
			}
			if want.Port != nil && *want.Port != d.Customs.Port {
				findings = append(findings, fmt.Sprintf("customs.port = %q, want %q", d.Customs.Port, *want.Port))
			}
		case "items":
			findings = append(findings, compareItems(v, d.Goods)...)
		default:
			get, ok := canonicalFields[k]
			if !ok {
				findings = append(findings, fmt.Sprintf("expect.json canonical.%s is not a value adaptertest compares", k))
				continue
			}
			if msg := compareValue(k, v, get(d)); msg != "" {
				findings = append(findings, msg)
			}
		}
	}
	return findings
}

func compareItems(raw json.RawMessage, goods []customs.GoodsItem) (findings []string) {
	var items []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return []string{fmt.Sprintf("canonical.items: %v", err)}
	}
	if len(items) != len(goods) {
		findings = append(findings, fmt.Sprintf("%d goods items, want %d", len(goods), len(items)))
	}
	for i, it := range items {
		if i >= len(goods) {
			break
		}
		for _, k := range sortedKeys(it) {
			if k == "documents" {
				if msg := compareDocuments(fmt.Sprintf("items[%d].documents", i), it[k], goods[i].Documents); msg != "" {
					findings = append(findings, msg)
				}
				continue
			}
			get, ok := itemFields[k]
			if !ok {
				findings = append(findings, fmt.Sprintf("expect.json canonical.items[%d].%s is not a value adaptertest compares", i, k))
				continue
			}
			if msg := compareValue(fmt.Sprintf("items[%d].%s", i, k), it[k], get(&goods[i])); msg != "" {
				findings = append(findings, msg)
			}
		}
	}
	return findings
}

// compareValue compares a JSON string, number or null with a canonical
// string value (null ⇔ empty).
func compareValue(name string, raw json.RawMessage, got string) string {
	var want string
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Sprintf("canonical.%s: %v", name, err)
	}
	switch v := v.(type) {
	case nil:
	case string:
		want = v
	case float64:
		want = strings.TrimSpace(string(raw))
	default:
		return fmt.Sprintf("canonical.%s: %s is not a string or number", name, raw)
	}
	if got != want {
		return fmt.Sprintf("%s = %q, want %q", name, got, want)
	}
	return ""
}

// compareRoute lists every way r differs from the expected route.
func compareRoute(e *Expect, r *customs.Route) (findings []string) {
	bad := func(format string, args ...any) { findings = append(findings, fmt.Sprintf(format, args...)) }
	if r == nil {
		return []string{"no route"}
	}
	if e.Lane != nil && string(r.Lane) != *e.Lane {
		bad("lane = %q, want %q", r.Lane, *e.Lane)
	}
	var wf []string
	for _, w := range r.Workflows {
		wf = append(wf, string(w))
	}
	if !sameSet(wf, e.Workflows) {
		bad("workflows = %q, want %q", sorted(wf), sorted(e.Workflows))
	}
	wantBureau := ""
	if e.Bureau != nil {
		wantBureau = *e.Bureau
	}
	if r.Bureau != wantBureau {
		bad("bureau = %q, want %q", r.Bureau, wantBureau)
	}
	var rules []string
	for _, rs := range r.Reasons {
		rules = append(rules, rs.Rule)
	}
	if !sameSet(rules, e.Rules) {
		bad("rules = %q, want %q", sorted(dedup(rules)), sorted(e.Rules))
	}
	var gt, wt []string
	for _, t := range r.Tasks {
		gt = append(gt, taskKey(string(t.Workflow), t.Bureau, t.Items))
	}
	for _, t := range e.Tasks {
		b := ""
		if t.Bureau != nil {
			b = *t.Bureau
		}
		wt = append(wt, taskKey(t.Workflow, b, t.Items))
	}
	if !sameMultiset(gt, wt) {
		bad("tasks (workflow@bureau:items):\n got %s\nwant %s", strings.Join(sorted(gt), "; "), strings.Join(sorted(wt), "; "))
	}
	return findings
}

func taskKey(workflow, bureau string, items []int) string {
	if bureau == "" {
		bureau = "port"
	}
	s := make([]string, len(items))
	for i, it := range items {
		s[i] = strconv.Itoa(it)
	}
	return workflow + "@" + bureau + ":" + strings.Join(s, ",")
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}

func dedup(s []string) []string {
	s = sorted(s)
	return slices.Compact(s)
}

func sameMultiset(a, b []string) bool { return slices.Equal(sorted(a), sorted(b)) }

func sameSet(a, b []string) bool { return slices.Equal(dedup(a), dedup(b)) }

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
