package routing

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jjj/gateway/internal/customs"
)

// Decide computes the route of a declaration that passed Check (routing.md).
// Every rule is evaluated and every reason kept; tasks are one per workflow
// and bureau with their items merged, ordered by workflow and then bureau
// (port-side first); reasons are ordered by rule id and then item.
//
// Destination work goes to the pilot zone when direct transit is granted
// (port-side work too), else to the declared destination office, else to
// each item's district bureau (longest districts.csv prefix), so items bound
// for different bureaus get different tasks. Work for a district outside the
// region stays at the port with route.destination_outside_region.
//
// Decide sets d.DirectTransit.Granted. With f.Draw set it keeps that draw;
// else with f.Seed set it draws, keyed by d.ID (which must then be set);
// with neither it draws nothing. It returns a *customs.Error of
// CodeInvalid when the declaration cannot be routed: an unknown destination
// office or zone (unknown_bureau), or destination work with nowhere to go
// (missing_field), the problems Check and the adapters report first.
func (e *Engine) Decide(d *customs.Declaration, f Facts) (*customs.Route, error) {
	if d == nil {
		return nil, fmt.Errorf("routing: decide: nil declaration")
	}
	t := e.tables
	p := plan{e: e, d: d}
	if o := d.DestinationOffice; o != "" {
		if _, ok := t.Bureaus[o]; !ok {
			p.probs.Add(d.Paths.DestinationOffice, customs.ProblemUnknownBureau, "destination office %s is not a bureau", o)
		}
	}

	// zone is the pilot zone's bureau when direct transit is granted: it
	// takes all the work, port-side included.
	zone := ""
	if dt := d.DirectTransit; dt != nil {
		fail := e.transitFailures(d)
		if fail&failUnknownZone != 0 {
			p.probs.Add(d.Paths.DirectTransitZone, customs.ProblemUnknownBureau, "direct-transit zone %s is not a bureau", dt.Zone)
		}
		dt.Granted = fail == 0
		if dt.Granted {
			zone = dt.Zone
			p.reason(RuleTransitSealed, 0,
				customs.Evidence{Name: "zone", Value: dt.Zone},
				customs.Evidence{Name: "seals", Value: strconv.Itoa(dt.SealCount)})
			p.addAll(customs.WorkflowDirectTransit, zone)
		} else {
			ev := make([]customs.Evidence, 0, 3)
			if dt.Zone != "" {
				ev = append(ev, customs.Evidence{Name: "zone", Value: dt.Zone})
			}
			ev = append(ev, customs.Evidence{Name: "failed", Value: failedList(fail)})
			if len(dt.StraySeals) > 0 {
				units := make([]string, len(dt.StraySeals))
				for i, s := range dt.StraySeals {
					units[i] = s.Unit
				}
				ev = append(ev, customs.Evidence{Name: "strayUnits", Value: strings.Join(units, ",")})
			}
			p.push(customs.Reason{Rule: RuleTransitNotEligible, Evidence: ev})
		}
	}
	port := zone // where port-side work goes: the port (""), or the zone

	imp := d.Direction == customs.Import
	for i := range d.Goods {
		g := &d.Goods[i]
		if h := e.hazardOf(g); h.is {
			switch {
			case imp && h.unsafe():
				p.push(customs.Reason{Rule: RuleHazchemUnsafe, Item: g.Seq, Evidence: h.evidence(g, true)})
				p.destination(customs.WorkflowHazchem, g, zone, true)
			case imp:
				p.push(customs.Reason{Rule: RuleHazchemPort, Item: g.Seq, Evidence: h.evidence(g, false)})
				p.add(customs.WorkflowHazchem, port, g.Seq)
			case d.Direction == customs.Export:
				p.push(customs.Reason{Rule: RuleHazchemExport, Item: g.Seq, Evidence: h.exportEvidence(g, &f)})
				p.add(customs.WorkflowHazchem, port, g.Seq)
			}
		}
		if imp && IsCoal(g.HSCode) {
			kind := "other"
			if IsLignite(g.HSCode) {
				kind = "lignite"
			}
			p.reason(RuleCoal, g.Seq,
				customs.Evidence{Name: "hsCode", Value: g.HSCode},
				customs.Evidence{Name: "coal", Value: kind})
			p.destination(customs.WorkflowCoal, g, zone, true)
		}
		if fp, ok := t.Food(g.HSCode); imp && ok {
			reg := "no"
			if fp.Registration {
				reg = "yes"
			}
			p.reason(RuleFood, g.Seq,
				customs.Evidence{Name: "hsCode", Value: g.HSCode},
				customs.Evidence{Name: "foodPrefix", Value: fp.Prefix},
				customs.Evidence{Name: "category", Value: fp.CategoryEn},
				customs.Evidence{Name: "registration", Value: reg})
			p.destination(customs.WorkflowFood, g, zone, true)
		}
		p.documentRules(g, &f, port, zone)
		for ai := range f.Alerts {
			a := &f.Alerts[ai]
			if !AlertMatches(*a, d, g) {
				continue
			}
			p.push(customs.Reason{Rule: RuleRiskAlert, Item: g.Seq, Evidence: alertEvidence(a)})
			if a.Action == customs.LaneDestinationInspection {
				p.destination(customs.WorkflowInspection, g, zone, false)
			} else {
				p.add(customs.WorkflowInspection, port, g.Seq)
			}
		}
	}
	if len(p.probs) > 0 {
		return nil, p.probs.Err(customs.CodeInvalid, "declaration cannot be routed")
	}

	rating, uscc := mostSevere(d, f.Ratings)
	if rating == customs.RatingDishonest {
		p.reason(RuleCreditDishonest, 0,
			customs.Evidence{Name: "uscc", Value: uscc},
			customs.Evidence{Name: "rating", Value: string(rating)})
		p.addAll(customs.WorkflowInspection, port)
	}

	var draw *customs.Draw
	if f.Draw != nil {
		kept := *f.Draw
		draw = &kept
	}
	if rating != customs.RatingDishonest {
		if draw == nil && f.Seed != nil {
			if d.ID == "" {
				return nil, fmt.Errorf("routing: decide: the random draw needs the declaration id")
			}
			owner := zone
			if owner == "" {
				owner = t.OfficeForCustoms(d.Customs.Port)
			}
			dr := Redraw(*f.Seed, d.ID, e.Rate(rating), t.Bureaus[owner].Inspectors)
			draw = &dr
		}
		if draw != nil && draw.Selected {
			ev := make([]customs.Evidence, 0, 5)
			ev = append(ev,
				customs.Evidence{Name: "seedId", Value: draw.SeedID},
				customs.Evidence{Name: "value", Value: formatFloat(draw.Value)},
				customs.Evidence{Name: "rate", Value: formatFloat(draw.Rate)},
				customs.Evidence{Name: "rating", Value: string(rating)})
			if draw.Inspector != "" {
				ev = append(ev, customs.Evidence{Name: "inspector", Value: draw.Inspector})
			}
			p.push(customs.Reason{Rule: RuleRandomSelected, Evidence: ev})
			task := p.addAll(customs.WorkflowInspection, port)
			if task != nil {
				task.Inspector = draw.Inspector
			}
		}
	}
	return p.route(t.Version, draw), nil
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// mostSevere is the merged rating that decides the declaration's treatment:
// the most severe of its enterprises' (credit.md); an enterprise without a
// record, or with a rating the engine does not know, counts as general.
// uscc is the first enterprise that has it.
func mostSevere(d *customs.Declaration, ratings map[string]customs.Rating) (customs.Rating, string) {
	best, who := customs.RatingGeneral, ""
	sev := 0
	for i := range d.Parties {
		pt := &d.Parties[i]
		if pt.Role == customs.RoleOverseas || pt.USCC == "" {
			continue
		}
		r := ratings[pt.USCC]
		if r.Severity() == 0 {
			r = customs.RatingGeneral
		}
		if r.Severity() > sev {
			best, who, sev = r, pt.USCC, r.Severity()
		}
	}
	return best, who
}

// plan collects tasks and reasons while the rules run.
type plan struct {
	e       *Engine
	d       *customs.Declaration
	tasks   []customs.Task
	reasons []customs.Reason
	probs   customs.Problems
}

func (p *plan) reason(rule string, item int, ev ...customs.Evidence) {
	p.push(customs.Reason{Rule: rule, Item: item, Evidence: ev})
}

// push keeps a reason. The first one sizes the slice for a reason or two per
// item, which most declarations that fire at all stay within.
func (p *plan) push(r customs.Reason) {
	if p.reasons == nil {
		p.reasons = make([]customs.Reason, 0, len(p.d.Goods)+2)
	}
	p.reasons = append(p.reasons, r)
}

// task returns the task of a workflow at a bureau, making it when new.
func (p *plan) task(wf customs.Workflow, bureau string) *customs.Task {
	for i := range p.tasks {
		if p.tasks[i].Workflow == wf && p.tasks[i].Bureau == bureau {
			return &p.tasks[i]
		}
	}
	if p.tasks == nil {
		p.tasks = make([]customs.Task, 0, 4)
	}
	p.tasks = append(p.tasks, customs.Task{Workflow: wf, Bureau: bureau, Status: customs.TaskOpen})
	return &p.tasks[len(p.tasks)-1]
}

// add puts item seq into the task of wf at bureau, items kept ascending and
// without repeats.
func (p *plan) add(wf customs.Workflow, bureau string, seq int) {
	t := p.task(wf, bureau)
	i, found := slices.BinarySearch(t.Items, seq)
	if !found {
		t.Items = slices.Insert(t.Items, i, seq)
	}
}

// addAll puts every item of the declaration into the task of wf at bureau.
func (p *plan) addAll(wf customs.Workflow, bureau string) *customs.Task {
	if len(p.d.Goods) == 0 {
		return nil
	}
	for i := range p.d.Goods {
		p.add(wf, bureau, p.d.Goods[i].Seq)
	}
	return p.task(wf, bureau)
}

// destination puts an item's destination work at its bureau. required is
// false for work that may fall back to the port (a risk alert), true for
// work that Check guarantees has somewhere to go.
func (p *plan) destination(wf customs.Workflow, g *customs.GoodsItem, zone string, required bool) {
	d := p.d
	switch {
	case zone != "":
		p.add(wf, zone, g.Seq)
	case d.DestinationOffice != "":
		p.add(wf, d.DestinationOffice, g.Seq)
	case g.DestinationDistrict == "":
		if required {
			p.probs.Add(g.Path+d.Paths.District, customs.ProblemMissingField,
				"item %d needs destination inspection and has neither a destination office nor a district", g.Seq)
			return
		}
		p.add(wf, "", g.Seq)
	default:
		if b, ok := p.e.tables.BureauForDistrict(g.DestinationDistrict); ok {
			p.add(wf, b, g.Seq)
			return
		}
		p.reason(RuleDestinationOutside, g.Seq,
			customs.Evidence{Name: "district", Value: g.DestinationDistrict},
			customs.Evidence{Name: "workflow", Value: string(wf)})
		p.add(wf, "", g.Seq)
	}
}

// route orders what the rules produced and derives lane, workflows and
// bureau from the tasks.
func (p *plan) route(ruleSet string, draw *customs.Draw) *customs.Route {
	slices.SortFunc(p.tasks, func(a, b customs.Task) int {
		if c := cmp.Compare(a.Workflow.Order(), b.Workflow.Order()); c != 0 {
			return c
		}
		return strings.Compare(a.Bureau, b.Bureau)
	})
	slices.SortStableFunc(p.reasons, func(a, b customs.Reason) int {
		if c := strings.Compare(a.Rule, b.Rule); c != 0 {
			return c
		}
		return cmp.Compare(a.Item, b.Item)
	})
	r := &customs.Route{Lane: customs.LaneRelease, RuleSet: ruleSet, Tasks: p.tasks, Reasons: p.reasons, Draw: draw}
	if len(p.tasks) > 0 {
		r.Workflows = make([]customs.Workflow, 0, len(p.tasks))
	}
	split := false
	for i := range p.tasks {
		t := &p.tasks[i]
		if n := len(r.Workflows); n == 0 || r.Workflows[n-1] != t.Workflow {
			r.Workflows = append(r.Workflows, t.Workflow)
		}
		if t.Bureau == "" {
			if r.Lane == customs.LaneRelease {
				r.Lane = customs.LanePortInspection
			}
			continue
		}
		r.Lane = customs.LaneDestinationInspection
		switch {
		case r.Bureau == "" && !split:
			r.Bureau = t.Bureau
		case r.Bureau != t.Bureau:
			split = true
		}
	}
	if split {
		r.Bureau = ""
	}
	return r
}
