// Package view renders a declaration as the API shows it (api.md GET
// /v1/declarations/{id}): View, built from the domain model with NewView,
// and its JSON, written by hand (AppendJSON) because encoding/json's
// reflection was a seventh of an intake's CPU. It is pure: storage keeps the
// domain model, and the live parts (status, entry id, task states,
// timeline) are filled in by the service that reads them.
package view

import (
	"encoding/json"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// View is a declaration as api.md's GET /v1/declarations/{id} shows it,
// rendered from the domain model (NewView); the parts that change (status,
// entryId, task states, timeline) are filled in by the service that reads
// them. Parts the dialect does not have are null.
type View struct {
	ID        string            `json:"id,omitempty"`
	Port      customs.Port      `json:"port"`
	PortRef   string            `json:"portRef"`
	Direction customs.Direction `json:"direction"`
	Status    string            `json:"status,omitempty"`
	// EntryID is the JSON null or a string; absent (nil) in previews.
	EntryID           json.RawMessage       `json:"entryId,omitempty"`
	RuleSet           string                `json:"ruleSet"`
	Dialect           string                `json:"dialect"`
	ReceivedAt        *time.Time            `json:"receivedAt,omitempty"`
	DeclaredAt        *time.Time            `json:"declaredAt"`
	Digest            string                `json:"digest"`
	Customs           CustomsView           `json:"customs"`
	Parties           map[string]*PartyView `json:"parties"`
	Transport         TransportView         `json:"transport"`
	Trade             *customsTrade         `json:"trade"`
	Weights           *customsWeights       `json:"weights"`
	DestinationOffice *string               `json:"destinationOffice"`
	DirectTransit     *DirectTransitView    `json:"directTransit"`
	Equipment         []UnitView            `json:"equipment"`
	Goods             []ItemView            `json:"goods"`
	Route             *RouteView            `json:"route"`
	Warnings          []WarningView         `json:"warnings"`
	Timeline          []TimelineEntry       `json:"timeline,omitempty"`
}

// CustomsView holds the customs codes.
type CustomsView struct {
	Declaring string `json:"declaring"`
	Port      string `json:"port"`
}

// PartyView is an enterprise or the overseas party.
type PartyView struct {
	USCC        *string `json:"uscc,omitempty"`
	Name        string  `json:"name"`
	CustomsCode *string `json:"customsCode,omitempty"`
	Country     *string `json:"country"`
}

// TransportView is the transport; for an export ArrivalCountry replaces
// DepartureCountry.
type TransportView struct {
	Mode             string  `json:"mode"`
	Means            *string `json:"means"`
	BillNo           *string `json:"billNo"`
	HouseBill        *string `json:"houseBill,omitempty"`
	DepartureCountry *string `json:"departureCountry,omitempty"`
	ArrivalCountry   *string `json:"arrivalCountry,omitempty"`
	DeparturePort    *string `json:"departurePort"`
	DepartureDate    *string `json:"departureDate"`

	// export decides which of the two country keys is written (null when
	// the dialect gives none). NewView sets it from the direction.
	export bool
}

// MarshalJSON writes departureCountry (import) or arrivalCountry (export),
// always, null when unknown (api.md: parts the dialect does not have are
// null), and never both.
func (t TransportView) MarshalJSON() ([]byte, error) {
	if t.export || t.ArrivalCountry != nil {
		return json.Marshal(struct {
			Mode           string  `json:"mode"`
			Means          *string `json:"means"`
			BillNo         *string `json:"billNo"`
			HouseBill      *string `json:"houseBill,omitempty"`
			ArrivalCountry *string `json:"arrivalCountry"`
			DeparturePort  *string `json:"departurePort"`
			DepartureDate  *string `json:"departureDate"`
		}{t.Mode, t.Means, t.BillNo, t.HouseBill, t.ArrivalCountry, t.DeparturePort, t.DepartureDate})
	}
	return json.Marshal(struct {
		Mode             string  `json:"mode"`
		Means            *string `json:"means"`
		BillNo           *string `json:"billNo"`
		HouseBill        *string `json:"houseBill,omitempty"`
		DepartureCountry *string `json:"departureCountry"`
		DeparturePort    *string `json:"departurePort"`
		DepartureDate    *string `json:"departureDate"`
	}{t.Mode, t.Means, t.BillNo, t.HouseBill, t.DepartureCountry, t.DeparturePort, t.DepartureDate})
}

type customsTrade struct {
	Mode  string  `json:"mode"`
	Terms *string `json:"terms"`
}

type customsWeights struct {
	Gross    *string `json:"gross"`
	Net      *string `json:"net"`
	Packages *string `json:"packages"`
}

// DirectTransitView is a direct-transit request and whether it was granted.
type DirectTransitView struct {
	Zone               string `json:"zone"`
	OriginalContainers *bool  `json:"originalContainers"`
	Granted            bool   `json:"granted"`
	// StraySeals are seals naming undeclared units (not in api.md's example:
	// an added field, kept so a re-route sees the same request).
	StraySeals []customs.Seal `json:"straySeals,omitempty"`
	SealCount  int            `json:"sealCount"`
}

// UnitView is a container or ULD.
type UnitView struct {
	ID    string   `json:"id"`
	Kind  string   `json:"kind"`
	Type  *string  `json:"type"`
	Seals []string `json:"seals"`
}

// ItemView is a goods item.
type ItemView struct {
	Seq                      int                 `json:"seq"`
	HSCode                   string              `json:"hsCode"`
	CIQCode                  *string             `json:"ciqCode"`
	Name                     *string             `json:"name"`
	Spec                     *string             `json:"spec"`
	Quantity                 string              `json:"quantity"`
	Unit                     string              `json:"unit"`
	Value                    string              `json:"value"`
	Currency                 string              `json:"currency"`
	Origin                   string              `json:"origin"`
	DestinationDistrict      *string             `json:"destinationDistrict"`
	DangerousGoods           *DangerousGoodsView `json:"dangerousGoods"`
	FoodProducerRegistration *string             `json:"foodProducerRegistration"`
	HazardFlagged            bool                `json:"hazardFlagged,omitempty"`
	// SpecialArticle is the level A to D, or null (rule set 2026.2).
	SpecialArticle *string `json:"specialArticle"`
	// Documents are the citations in the order cited, empty when none.
	Documents []CitationView `json:"documents"`
}

// CitationView is a supporting document a goods item cites (documents.md).
// Its path in the port's message is not shown: the problems that name a
// citation carry it.
type CitationView struct {
	Kind     string `json:"kind"`
	Number   string `json:"number"`
	WriteOff string `json:"writeOff"`
}

// DangerousGoodsView describes a hazardous item.
type DangerousGoodsView struct {
	UN            *string `json:"un"`
	Class         *string `json:"class"`
	DeclaredClass *string `json:"declaredClass,omitempty"`
	PackingGroup  *string `json:"packingGroup"`
	Packaging     *string `json:"packaging"`
	Bulk          bool    `json:"bulk"`
}

// RouteView is the route with its tasks and reasons.
type RouteView struct {
	Lane      customs.Lane       `json:"lane"`
	Workflows []customs.Workflow `json:"workflows"`
	Bureau    *string            `json:"bureau"`
	RuleSet   string             `json:"ruleSet"`
	Tasks     []TaskView         `json:"tasks"`
	Reasons   []ReasonView       `json:"reasons"`
}

// TaskView is a task as a declaration shows it.
type TaskView struct {
	ID        string             `json:"id,omitempty"`
	Workflow  customs.Workflow   `json:"workflow"`
	Bureau    *string            `json:"bureau"`
	Items     []int              `json:"items"`
	Status    customs.TaskStatus `json:"status,omitempty"`
	Inspector *string            `json:"inspector,omitempty"`
	Outcome   *string            `json:"outcome,omitempty"`
}

// ReasonView is one rule that fired.
type ReasonView struct {
	Rule     string            `json:"rule"`
	Item     *int              `json:"item"`
	Evidence map[string]string `json:"evidence"`
}

// WarningView is a warning on the declaration.
type WarningView struct {
	Path    string `json:"path"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// TimelineEntry is one step of a declaration's life.
type TimelineEntry struct {
	At     time.Time       `json:"at"`
	Status string          `json:"status"`
	Actor  string          `json:"actor"`
	Note   string          `json:"note,omitempty"`
	Data   json.RawMessage `json:"data,omitempty"`
}

func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// itemStrings is how many optional strings NewView takes from an item.
const itemStrings = 6

// stringArena hands out pointers to copies of strings kept in one backing
// array, so that a view's many optional fields cost one allocation. Each
// pointer stays valid and unchanged whatever is added after it (an append
// past the capacity moves only later strings to a new array).
type stringArena []string

// opt is opt(s) with s kept in a.
func (a *stringArena) opt(s string) *string {
	if s == "" {
		return nil
	}
	*a = append(*a, s)
	return &(*a)[len(*a)-1]
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// NewView builds the view of d (with its route, if any).
func NewView(d *customs.Declaration) *View {
	v := &View{
		ID:                d.ID,
		Port:              d.Source.Port,
		PortRef:           d.Source.PortRef,
		Direction:         d.Direction,
		RuleSet:           d.RuleSet,
		Dialect:           d.Source.Dialect,
		Digest:            d.Source.Digest,
		Customs:           CustomsView{d.Customs.Declaring, d.Customs.Port},
		Parties:           map[string]*PartyView{},
		DestinationOffice: opt(d.DestinationOffice),
		Equipment:         []UnitView{},
		Goods:             make([]ItemView, 0, len(d.Goods)),
		Warnings:          []WarningView{},
	}
	if !d.Source.ReceivedAt.IsZero() {
		t := d.Source.ReceivedAt.UTC()
		v.ReceivedAt = &t
	}
	if !d.Source.DeclaredAt.IsZero() {
		t := d.Source.DeclaredAt.UTC()
		v.DeclaredAt = &t
	}
	trader := "consignee"
	if d.Direction == customs.Export {
		trader = "consignor"
	}
	v.Parties[trader] = nil
	v.Parties["owner"] = nil
	v.Parties["declarant"] = nil
	v.Parties["overseas"] = nil
	for _, p := range d.Parties {
		v.Parties[string(p.Role)] = &PartyView{USCC: opt(p.USCC), Name: p.Name, CustomsCode: opt(p.CustomsCode), Country: opt(p.Country)}
	}
	t := d.Transport
	v.Transport = TransportView{Mode: t.Mode, Means: opt(t.Means), BillNo: opt(t.BillNo), HouseBill: opt(t.HouseBill),
		DeparturePort: opt(t.DeparturePort), DepartureDate: opt(t.DepartureDate)}
	if d.Direction == customs.Export {
		v.Transport.ArrivalCountry = opt(t.Country)
		v.Transport.export = true
	} else {
		v.Transport.DepartureCountry = opt(t.Country)
	}
	if d.Trade != nil {
		v.Trade = &customsTrade{Mode: d.Trade.Mode, Terms: opt(d.Trade.Terms)}
	}
	if d.Weights != nil {
		v.Weights = &customsWeights{opt(d.Weights.Gross), opt(d.Weights.Net), opt(d.Weights.Packages)}
	}
	if dt := d.DirectTransit; dt != nil {
		v.DirectTransit = &DirectTransitView{Zone: dt.Zone, OriginalContainers: dt.OriginalContainers, Granted: dt.Granted,
			StraySeals: dt.StraySeals, SealCount: dt.SealCount}
	}
	for _, u := range d.Equipment {
		seals := u.Seals
		if seals == nil {
			seals = []string{}
		}
		v.Equipment = append(v.Equipment, UnitView{ID: u.ID, Kind: string(u.Kind), Type: opt(u.Type), Seals: seals})
	}
	// The items' optional strings are copied into one array (itemStrings)
	// rather than allocated one by one: a declaration has tens of items.
	strs := make(stringArena, 0, itemStrings*len(d.Goods))
	for i := range d.Goods {
		g := &d.Goods[i]
		iv := ItemView{Seq: g.Seq, HSCode: g.HSCode, CIQCode: strs.opt(g.CIQCode), Name: strs.opt(g.Name), Spec: strs.opt(g.Spec),
			Quantity: g.Quantity, Unit: g.Unit, Value: g.Value, Currency: g.Currency, Origin: g.Origin,
			DestinationDistrict: strs.opt(g.DestinationDistrict), FoodProducerRegistration: strs.opt(g.FoodProducerRegistration),
			HazardFlagged: g.HazardFlagged, SpecialArticle: strs.opt(g.SpecialArticle), Documents: make([]CitationView, len(g.Documents))}
		for j, c := range g.Documents {
			iv.Documents[j] = CitationView{Kind: string(c.Kind), Number: c.Number, WriteOff: c.WriteOff}
		}
		if dg := g.DangerousGoods; dg != nil {
			iv.DangerousGoods = &DangerousGoodsView{UN: opt(dg.UN), Class: opt(dg.Class), DeclaredClass: opt(dg.DeclaredClass),
				PackingGroup: opt(dg.PackingGroup), Packaging: opt(dg.Packaging), Bulk: dg.Bulk}
		}
		v.Goods = append(v.Goods, iv)
	}
	if d.Route != nil {
		v.Route = NewRouteView(d.Route)
	}
	for _, w := range d.Warnings {
		v.Warnings = append(v.Warnings, WarningView(w))
	}
	return v
}

// NewRouteView builds the view of a route.
func NewRouteView(r *customs.Route) *RouteView {
	rv := &RouteView{Lane: r.Lane, Workflows: r.Workflows, Bureau: opt(r.Bureau), RuleSet: r.RuleSet,
		Tasks: make([]TaskView, 0, len(r.Tasks)), Reasons: make([]ReasonView, 0, len(r.Reasons))}
	if rv.Workflows == nil {
		rv.Workflows = []customs.Workflow{}
	}
	for _, t := range r.Tasks {
		rv.Tasks = append(rv.Tasks, TaskView{ID: t.ID, Workflow: t.Workflow, Bureau: opt(t.Bureau), Items: t.Items,
			Status: t.Status, Inspector: opt(t.Inspector)})
	}
	for _, re := range r.Reasons {
		ev := make(map[string]string, len(re.Evidence))
		for _, e := range re.Evidence {
			ev[e.Name] = e.Value
		}
		var item *int
		if re.Item > 0 {
			it := re.Item
			item = &it
		}
		rv.Reasons = append(rv.Reasons, ReasonView{Rule: re.Rule, Item: item, Evidence: ev})
	}
	return rv
}

// Marshal returns the JSON of v (AppendJSON into a buffer of SizeHint).
func Marshal(v *View) []byte { return AppendJSON(make([]byte, 0, SizeHint(v)), v) }

// Opt is nil for the empty string, else a pointer to s: the view's null
// for a part left out.
func Opt(s string) *string { return opt(s) }

// Str is the string p points to, or "" for nil.
func Str(p *string) string { return str(p) }
