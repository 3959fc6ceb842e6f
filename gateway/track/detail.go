package track

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/view"
)

// The detail page: one declaration, its route and reasons, tasks and
// timeline, in the visitor's language.

type detailModel struct {
	PortRef, Status, StatusName, StatusText string
	Facts                                   []fact
	Parties                                 []fact
	Goods                                   []goodsRow
	// Documents are the supporting documents the items cite (documents.md).
	Documents []citedRow
	Lane      string
	Workflows []string
	Reasons   []reasonModel
	Tasks     []taskModel
	Timeline  []stepModel
}

type fact struct{ Label, Value, Extra string }

type goodsRow struct{ Seq, Name, HS, Qty, Origin string }

type citedRow struct{ Seq, Kind, Number, WriteOff string }

type reasonModel struct {
	Text, Rule, Item string
	Evidence         []fact
}

type taskModel struct{ Workflow, Bureau, Items, Status, Outcome string }

type stepModel struct {
	At, Status, StatusName, StatusText, Actor, Note string
	Reasons                                         []reasonModel
	Extra                                           []fact
}

func (t *Site) detail(w http.ResponseWriter, r *http.Request, v *visit) error {
	if v.session == nil {
		http.Redirect(w, r, trackPath, http.StatusSeeOther)
		return nil
	}
	view, err := t.Declarations.GetView(r.Context(), r.PathValue("id"), v.principal())
	if err != nil {
		return err
	}
	d := t.data(w, r, v)
	d.Title = view.PortRef
	d.Detail = t.detailModel(view, v.lang, d)
	return t.render(w, "detail", http.StatusOK, d)
}

func (t *Site) detailModel(v *view.View, l lang, d *pageData) *detailModel {
	m := &detailModel{PortRef: v.PortRef, Status: v.Status, StatusName: statusName(v.Status, l), StatusText: statusText(v.Status, l)}
	add := func(key, val string) {
		if val != "" {
			m.Facts = append(m.Facts, fact{Label: d.T(key), Value: val})
		}
	}
	add("f.portRef", v.PortRef)
	add("f.port", words(portWords, string(v.Port), l))
	add("f.direction", d.T("dir."+string(v.Direction)))
	var entry string
	if len(v.EntryID) > 0 {
		json.Unmarshal(v.EntryID, &entry)
	}
	add("f.entryId", entry)
	if v.ReceivedAt != nil {
		add("f.receivedAt", beijing(*v.ReceivedAt)+" ("+d.T("tz")+")")
	}
	add("f.billNo", deref(v.Transport.BillNo))
	add("f.means", deref(v.Transport.Means))
	if v.DestinationOffice != nil {
		add("f.destination", t.bureauName(*v.DestinationOffice, l))
	}
	for _, role := range []string{"consignee", "consignor", "owner", "declarant", "overseas"} {
		p := v.Parties[role]
		if p == nil {
			continue
		}
		m.Parties = append(m.Parties, fact{Label: d.T("f." + role), Value: p.Name, Extra: deref(p.USCC)})
	}
	for _, g := range v.Goods {
		unit := t.unitName(g.Unit, l)
		m.Goods = append(m.Goods, goodsRow{Seq: strconv.Itoa(g.Seq), Name: deref(g.Name), HS: g.HSCode,
			Qty: g.Quantity + " " + unit, Origin: t.countryName(g.Origin, l)})
		for _, c := range g.Documents {
			m.Documents = append(m.Documents, citedRow{Seq: strconv.Itoa(g.Seq), Kind: words(documentKindWords, c.Kind, l),
				Number: c.Number, WriteOff: c.WriteOff})
		}
	}
	if rt := v.Route; rt != nil {
		m.Lane = words(laneWords, string(rt.Lane), l)
		for _, wf := range rt.Workflows {
			m.Workflows = append(m.Workflows, words(workflowWords, string(wf), l))
		}
		m.Reasons = reasons(rt.Reasons, l, d)
		for _, tk := range rt.Tasks {
			tm := taskModel{Workflow: words(workflowWords, string(tk.Workflow), l), Status: words(taskStatusWords, string(tk.Status), l)}
			if tk.Bureau != nil {
				tm.Bureau = t.bureauName(*tk.Bureau, l)
			} else {
				tm.Bureau = d.T("t.port")
			}
			items := make([]string, len(tk.Items))
			for i, it := range tk.Items {
				items[i] = strconv.Itoa(it)
			}
			tm.Items = strings.Join(items, ", ")
			if tk.Outcome != nil {
				tm.Outcome = words(outcomeWords, *tk.Outcome, l)
			}
			m.Tasks = append(m.Tasks, tm)
		}
	}
	// Newest step first: what a clerk wants to see is where the goods are now.
	for i := len(v.Timeline) - 1; i >= 0; i-- {
		e := v.Timeline[i]
		s := stepModel{At: beijing(e.At), Status: e.Status, StatusName: statusName(e.Status, l), StatusText: statusText(e.Status, l),
			Actor: t.actorName(e.Actor, l), Note: t.note(e.Note, l)}
		var data stepData
		if len(e.Data) > 0 && json.Unmarshal(e.Data, &data) == nil {
			rs := data.Reasons
			if len(rs) == 0 && data.Route != nil {
				rs = data.Route.Reasons
			}
			s.Reasons = reasons(rs, l, d)
			if data.Reason != "" {
				s.Extra = append(s.Extra, fact{Label: d.T("tl.reason"), Value: data.Reason})
			}
			if data.Findings != "" {
				s.Extra = append(s.Extra, fact{Label: d.T("tl.findings"), Value: data.Findings})
			}
			if len(data.SealsBroken) > 0 {
				s.Extra = append(s.Extra, fact{Label: d.T("tl.seals"), Value: strings.Join(data.SealsBroken, ", ")})
			}
		}
		m.Timeline = append(m.Timeline, s)
	}
	return m
}

// stepData is what a timeline entry's data may hold, as far as the page
// shows it: the route and its reasons (intake, re-routes), the review
// centre's reason, a bureau's findings, broken seals. Other shapes show
// nothing more.
type stepData struct {
	Reasons     []view.ReasonView `json:"reasons"`
	Route       *view.RouteView   `json:"route"`
	Reason      string            `json:"reason"`
	Findings    string            `json:"findings"`
	SealsBroken []string          `json:"sealsBroken"`
}

func reasons(rs []view.ReasonView, l lang, d *pageData) []reasonModel {
	out := make([]reasonModel, 0, len(rs))
	for _, r := range rs {
		rm := reasonModel{Text: words(ruleWords, r.Rule, l), Rule: r.Rule}
		if r.Item != nil {
			rm.Item = d.Tn("r.item", *r.Item)
		}
		keys := make([]string, 0, len(r.Evidence))
		for k := range r.Evidence {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			rm.Evidence = append(rm.Evidence, fact{Label: words(evidenceWords, k, l), Value: r.Evidence[k]})
		}
		out = append(out, rm)
	}
	return out
}

func (t *Site) bureauName(code string, l lang) string {
	if b, ok := t.Tables.Bureaus[code]; ok {
		name := b.NameZh
		if l == langEn {
			name = b.NameEn
		}
		if name != "" {
			return name + " (" + code + ")"
		}
	}
	return code
}

func (t *Site) countryName(alpha3 string, l lang) string {
	if c, ok := t.Tables.CountryByAlpha3[alpha3]; ok {
		if l == langEn && c.NameEn != "" {
			return c.NameEn
		}
		if l == langZh && c.NameZh != "" {
			return c.NameZh
		}
	}
	return alpha3
}

// actorName says who took a step: "port:tianjin", "bureau:130100",
// "reviewcentre", "admin:…" and the gateway's own workers.
func (t *Site) actorName(actor string, l lang) string {
	role, scope, _ := strings.Cut(actor, ":")
	switch customs.CallerRole(role) {
	case customs.CallerPort:
		return words(portWords, scope, l)
	case customs.CallerBureau:
		if _, ok := t.Tables.Bureaus[scope]; ok {
			return t.bureauName(scope, l)
		}
		return pair{"检验机构 ", "Inspection bureau "}.in(l) + scope
	case customs.CallerReviewCentre:
		return pair{"审单中心", "Unified review centre"}.in(l)
	case customs.CallerAdmin:
		return pair{"单一窗口运营人员", "Single-window operator"}.in(l)
	case customs.CallerEnterprise:
		return pair{"企业 ", "Enterprise "}.in(l) + scope
	}
	return pair{"单一窗口系统", "Single-window system"}.in(l)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
