// Package routing decides where a declaration's goods are inspected
// (routing.md). The engine is pure: a declaration and the facts the caller
// loaded (merged credit ratings, active risk alerts, the day's seed) in, a
// route out, with every rule that fired and its evidence. It does no I/O and
// reads no clock, so the same inputs always give the same route, and an
// auditor can redo any decision.
package routing

import (
	"fmt"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

// Config configures an Engine.
type Config struct {
	// Tables are the code tables the rules read; required. Their Version is
	// the route's ruleSet.
	Tables *codes.Tables
	// Rates are the random-inspection rates by rating; a rating missing from
	// the map has rate 0. DefaultRates gives routing.md's defaults.
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
	// Alerts are the risk alerts active now.
	Alerts []Alert
	// Seed is the day's seed for the random draw; nil means no draw.
	Seed *Seed
	// Draw, when set, is a draw made before (a re-route keeps its draw).
	Draw *customs.Draw
}

// Seed is the day's random-inspection seed (routing.md).
type Seed struct {
	Day string // yyyy-MM-dd, Beijing time
	Key []byte // HMAC-SHA256(secret, "seed:"+day)
	ID  string // day + ":" + first 8 hex digits of SHA-256(Key)
}

// Alert is an operator's risk alert; every matcher that is set must match.
type Alert struct {
	ID       string
	HSPrefix string
	Origin   string
	USCC     string
	Port     customs.Port
	// Action is port_inspection or destination_inspection.
	Action customs.Lane
	Reason string
}

// Engine applies the rules of one rule set.
type Engine struct {
	cfg Config
}

// New returns an engine for cfg.
func New(cfg Config) (*Engine, error) {
	if cfg.Tables == nil {
		return nil, fmt.Errorf("routing: Config.Tables is required")
	}
	if cfg.Rates == nil {
		cfg.Rates = DefaultRates()
	}
	return &Engine{cfg: cfg}, nil
}

// RuleSet is the version of the rules the engine applies.
func (e *Engine) RuleSet() string { return e.cfg.Tables.Version }

// Check is routing's validation half: the rules that make a declaration
// invalid rather than route it (hazchem.declaration_incomplete,
// food.registration_missing, a destination item with neither office nor
// district). It reports every problem at its path in the port's message
// (d.Paths, GoodsItem.Path). It must tolerate a partly decoded declaration.
func (e *Engine) Check(d *customs.Declaration) customs.Problems {
	return nil // TODO(routing): implemented by the routing work
}

// Decide computes the route of a declaration that passed Check. It sets
// d.DirectTransit.Granted. With f.Seed set and f.Draw nil it makes the
// random draw, keyed by d.ID.
func (e *Engine) Decide(d *customs.Declaration, f Facts) (*customs.Route, error) {
	return &customs.Route{Lane: customs.LaneRelease, RuleSet: e.cfg.Tables.Version}, nil
}
