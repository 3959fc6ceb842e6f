package routing

import (
	"fmt"
	"math"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

// Rule ids (routing.md). They are stable: reasons carry them, stored routes
// keep them, and the review centre reads them.
const (
	RuleHazchemUnsafe           = "hazchem.unsafe_port_sampling"
	RuleHazchemPort             = "hazchem.port_inspection"
	RuleHazchemExport           = "hazchem.export_port_check"
	RuleCoal                    = "coal.joint_supervision"
	RuleFood                    = "food.post_entry_supervision"
	RuleIronOre                 = "iron_ore.on_site_check"
	RuleGrain                   = "grain.designated_processing"
	RuleSpecialPostEntry        = "special_articles.post_entry"
	RuleSpecialPortCheck        = "special_articles.port_check"
	RuleTransitSealed           = "direct_transit.sealed_move"
	RuleTransitNotEligible      = "direct_transit.not_eligible"
	RuleCreditDishonest         = "credit.dishonest"
	RuleRandomSelected          = "random.selected"
	RuleRiskAlert               = "risk.alert"
	RuleDestinationOutside      = "route.destination_outside_region"
	RuleHazchemIncomplete       = customs.ProblemHazchemIncomplete
	RuleFoodRegistrationMissing = customs.ProblemFoodRegistrationMissing
	// RuleDocumentMissing (documents.md): an item that must cite a
	// supporting document and does not; a 422 at the item, as
	// food.registration_missing.
	RuleDocumentMissing = "document.missing"
)

// Config configures an Engine.
type Config struct {
	// Tables are the code tables the rules read; required. Their Version is
	// the route's ruleSet.
	Tables *codes.Tables
	// Rates are the random-inspection rates by rating, each in [0, 1]; a
	// rating missing from the map has rate 0. Nil means DefaultRates. A
	// dishonest rate is accepted and ignored: dishonest needs no draw.
	Rates map[customs.Rating]float64
}

// DefaultRates are routing.md's random-inspection rates.
func DefaultRates() map[customs.Rating]float64 {
	return map[customs.Rating]float64{customs.RatingGeneral: 0.03, customs.RatingAdvanced: 0.005}
}

// Facts is everything outside the declaration that a route depends on. The
// caller loads it; the zero value means no credit records, no alerts and no
// draw (the offline translation and /validate).
type Facts struct {
	// Ratings are the merged effective ratings by USCC; an enterprise not in
	// the map is general.
	Ratings map[string]customs.Rating
	// Alerts are the risk alerts active now; the caller drops expired ones.
	Alerts []Alert
	// Seed is the day's seed for the random draw; nil means no draw.
	Seed *Seed
	// Draw, when set, is a draw made before (a re-route keeps its draw).
	Draw *customs.Draw
	// FirstUse reports whether no write-off against the document exists
	// that is earlier than this declaration's own (given back or not), so
	// that a re-route decides as the intake did; the register supplies
	// it. Nil means every citation is a first use: offline, a special
	// article's port check is shown as for a first use (routing.md).
	FirstUse func(kind customs.DocumentKind, number string) bool
	// Issuer returns the bureau that issued a document, "" when unknown;
	// the register supplies it for the evidence of an exported hazardous
	// item. Nil leaves the issuer out of the evidence.
	Issuer func(kind customs.DocumentKind, number string) string
}

// Seed is the day's random-inspection seed (routing.md). DaySeed makes one.
type Seed struct {
	Day string // yyyy-MM-dd, Beijing time
	Key []byte // HMAC-SHA256(secret, "seed:"+day)
	ID  string // day + ":" + first 8 hex digits of SHA-256(Key)
}

// Alert is an operator's risk alert; every matcher that is set must match,
// and an alert with no matcher set matches nothing (api.md requires one).
type Alert struct {
	ID string
	// HSPrefix matches the start of an item's HS code.
	HSPrefix string
	// Origin matches an item's country of origin (alpha-3).
	Origin string
	// USCC matches any enterprise of the declaration (trader, owner,
	// declarant).
	USCC string
	// Port matches the port system (tianjin, hebei, beijing) or the port
	// customs code (0202), so an operator can target one quay.
	Port customs.Port
	// Action is port_inspection or destination_inspection; anything else is
	// taken as port_inspection.
	Action customs.Lane
	Reason string
	// Warning: the alert is a regional warning's (warnings.md); its
	// evidence names the id as "warning" instead of "alertId".
	Warning bool
}

// Engine applies the rules of one rule set. It is safe for concurrent use.
type Engine struct {
	tables *codes.Tables
	// rates by Rating.Severity: [0] none, [1] advanced, [2] general.
	rates [4]float64
}

// New returns an engine for cfg. It fails, naming the field, on missing
// tables or a rate that is not a probability of a known rating.
func New(cfg Config) (*Engine, error) {
	if cfg.Tables == nil {
		return nil, fmt.Errorf("routing: Config.Tables is required")
	}
	if cfg.Rates == nil {
		cfg.Rates = DefaultRates()
	}
	e := &Engine{tables: cfg.Tables}
	for r, v := range cfg.Rates {
		s := r.Severity()
		if s == 0 {
			return nil, fmt.Errorf("routing: Config.Rates: unknown rating %q", r)
		}
		if math.IsNaN(v) || v < 0 || v > 1 {
			return nil, fmt.Errorf("routing: Config.Rates[%s]: %v is not in [0, 1]", r, v)
		}
		e.rates[s] = v
	}
	return e, nil
}

// RuleSet is the version of the rules the engine applies.
func (e *Engine) RuleSet() string { return e.tables.Version }

// Rate returns the random-inspection rate of a rating (0 for dishonest,
// which is inspected without a draw).
func (e *Engine) Rate(r customs.Rating) float64 {
	if r == customs.RatingDishonest {
		return 0
	}
	if r.Severity() == 0 {
		r = customs.RatingGeneral
	}
	return e.rates[r.Severity()]
}
