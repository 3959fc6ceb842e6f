package customs

import "time"

// WarningKind is what a regional warning is about (warnings.md). It sets
// the acknowledgement deadline: six hours for public health, a day for the
// others.
type WarningKind string

const (
	WarningPublicHealth WarningKind = "public_health" // an epidemic or contamination: 6 h to acknowledge
	WarningQualityRisk  WarningKind = "quality_risk"  // a quality or safety risk of goods: 24 h
	WarningPlantAnimal  WarningKind = "plant_animal"  // a plant or animal health risk: 24 h
)

// WarningAction is what a warning does to goods. Notify is information
// only; the two inspection actions act as a risk alert with that lane.
type WarningAction string

const (
	WarningNotify                WarningAction = "notify"
	WarningPortInspection        WarningAction = "port_inspection"
	WarningDestinationInspection WarningAction = "destination_inspection"
)

// WarningState is a warning's state. Active and lifted are stored; expired
// is read from ExpiresAt, so nothing has to run when a warning ends.
type WarningState string

const (
	WarningActive  WarningState = "active"  // set at issue; acts on goods until lifted or expired
	WarningLifted  WarningState = "lifted"  // set by the issuer or an operator; no longer acts
	WarningExpired WarningState = "expired" // read: ExpiresAt has passed
)

// WarningMatch says which goods a warning names: an item matches when every
// matcher set matches (as for risk alerts, routing.md). Empty means unset.
type WarningMatch struct {
	HSPrefix string // 2 to 10 digits
	Origin   string // ISO 3166 alpha-3
	USCC     string // any enterprise of the declaration
	Port     string // a port id or a port customs code
}

// RegionalWarning is a regional warning (warnings.md).
type RegionalWarning struct {
	// Seq is the issue order; with IssuedAt it keys the list's cursor.
	Seq       int64
	ID        string
	Kind      WarningKind
	Title     string
	Reason    string
	Match     WarningMatch
	Action    WarningAction
	ExpiresAt time.Time
	// Issuer is the issuing bureau, Region its region (BJ, TJ, HE).
	Issuer   string
	Region   string
	IssuedAt time.Time
	IssuedBy string // the key's actor
	// State is the stored state (active or lifted); StateAt reads expiry.
	State      WarningState
	LiftedAt   *time.Time
	LiftedBy   string
	LiftReason string
	// Acks: one per other region, in region order.
	Acks []WarningAck
}

// StateAt is the warning's state at a time: an active warning whose
// expiry has passed is expired.
func (w *RegionalWarning) StateAt(at time.Time) WarningState {
	if w.State == WarningActive && !w.ExpiresAt.After(at) {
		return WarningExpired
	}
	return w.State
}

// Overdue reports whether an acknowledgement owed is past due and not
// given at a time; only an active warning can be overdue.
func (w *RegionalWarning) Overdue(a *WarningAck, at time.Time) bool {
	return w.StateAt(at) == WarningActive && a.At == nil && a.Due.Before(at)
}

// WarningAck is the acknowledgement one region owes a warning.
type WarningAck struct {
	Region   string
	Due      time.Time
	At       *time.Time // nil: not given
	Bureau   string
	Measures string
	// Late: given after Due; still taken (warnings.md).
	Late bool
}

// WarningFilter selects warnings for a list, newest first.
type WarningFilter struct {
	// State: active, lifted, expired, or empty for all; read at At.
	State WarningState
	// Overdue keeps the active warnings with an acknowledgement past due
	// and not given at At.
	Overdue bool
	// Region keeps the warnings issued by that region.
	Region string
	At     time.Time
	// After is the keyset cursor: warnings issued before (AfterAt, AfterSeq).
	AfterAt  time.Time
	AfterSeq int64
	Limit    int
}

// OverdueAck is an acknowledgement found overdue by the overdue watch.
type OverdueAck struct {
	WarningID string
	Kind      WarningKind
	Issuer    string
	Region    string // the region that owes it
	Due       time.Time
}

// TraceQuery selects the declarations a risk touches (warnings.md Trace).
// HSPrefix and Origin must hold for the same goods item; USCC for any
// enterprise of the declaration; Container for any of its units.
type TraceQuery struct {
	HSPrefix, Origin, USCC, Container string
	Since, Until                      time.Time // times of receipt, [Since, Until)
	// After is the keyset cursor: declarations received before (AfterAt, AfterSeq).
	AfterAt  time.Time
	AfterSeq int64
	Limit    int
}

// TraceHit is one declaration in a trace: the reduced cross-scope view,
// with no party names and no values.
type TraceHit struct {
	Seq         int64 // arrival order, for the cursor
	ID          string
	Port        Port
	PortRef     string
	ReceivedAt  time.Time
	Direction   Direction
	Status      Status
	Enterprises []string
	Matched     []TraceItem
	Containers  []string
	Bureaus     []string
}

// TraceItem is a goods item a trace matched.
type TraceItem struct {
	Seq                 int
	HSCode              string
	Origin              string
	DestinationDistrict string
	Quantity            string
	Unit                string
}

// TraceAudit records one trace call: who asked, what, how many answered.
type TraceAudit struct {
	At       time.Time
	KeyID    string
	Role     CallerRole
	Scope    string
	Criteria map[string]string
	Results  int
	Format   string
}
