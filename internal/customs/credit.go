package customs

import (
	"errors"
	"time"
)

// Rating is an enterprise's credit rating in the 2021 customs categories
// (credit.md). Persisted as these strings.
type Rating string

const (
	// RatingAdvanced: advanced certified (AEO); reduced random-inspection rate.
	RatingAdvanced Rating = "advanced"
	// RatingGeneral: the base random-inspection rate; also the rating of an
	// enterprise with no active record anywhere.
	RatingGeneral Rating = "general"
	// RatingDishonest: every declaration inspected, in every region.
	RatingDishonest Rating = "dishonest"
)

// Severity orders ratings: dishonest 3 > general 2 > advanced 1; 0 for none.
func (r Rating) Severity() int {
	switch r {
	case RatingDishonest:
		return 3
	case RatingGeneral:
		return 2
	case RatingAdvanced:
		return 1
	}
	return 0
}

// Region is a credit region.
type Region string

const (
	RegionBJ Region = "BJ"
	RegionTJ Region = "TJ"
	RegionHE Region = "HE"
)

// Order is the region's place in the order the spec lists them (BJ, TJ,
// HE): merged sources and re-route reasons follow it. An unknown region
// comes after them (3).
func (r Region) Order() int {
	switch r {
	case RegionBJ:
		return 0
	case RegionTJ:
		return 1
	case RegionHE:
		return 2
	}
	return 3
}

// CreditRecord is one regional registry's record for one enterprise, as
// published (partners.md), with Rating mapped to the 2021 categories.
type CreditRecord struct {
	Region Region
	USCC   string
	Name   string
	// Published is the rating as the registry wrote it (Hebei AA..D included).
	Published string
	Rating    Rating
	// Watch is raised by a Hebei C.
	Watch  bool
	Reason string
	// EffectiveFrom and ExpiresAt are dates (yyyy-MM-dd); ExpiresAt may be empty.
	EffectiveFrom string
	ExpiresAt     string
	Version       int64
	UpdatedAt     time.Time
	Deleted       bool
}

// ActiveOn reports whether the record counts on day (yyyy-MM-dd, Beijing
// time): not deleted, effective from on or before day, and not expired
// (expiresAt empty or after day).
func (c *CreditRecord) ActiveOn(day string) bool {
	if c.Deleted {
		return false
	}
	if c.EffectiveFrom != "" && c.EffectiveFrom > day {
		return false
	}
	return c.ExpiresAt == "" || c.ExpiresAt > day
}

// Beijing is UTC+8, the zone of "today" for credit and of the draw's day.
var Beijing = time.FixedZone("CST", 8*3600)

// BeijingDay is t's date in Beijing time, yyyy-MM-dd.
func BeijingDay(t time.Time) string { return t.In(Beijing).Format("2006-01-02") }

// CreditSource is one regional record behind a merged rating, as the
// shared view shows it. Empty dates mean none.
type CreditSource struct {
	Region        Region
	Published     string
	Rating        Rating
	Version       int64
	Reason        string
	EffectiveFrom string
	ExpiresAt     string
}

// MergedCredit is an enterprise's merged credit record (credit.md) as
// evaluated on EvaluatedOn (a Beijing day): the effective rating and the
// active regional records behind it. NextChange is the first later day on
// which one of those records starts or expires; "" when none. Version is
// the shared view's change number and ChangedAt the time of that change;
// both are the store's to set.
type MergedCredit struct {
	USCC        string
	Name        string
	Rating      Rating
	Watch       bool
	Sources     []CreditSource
	Version     int64
	EvaluatedOn string
	NextChange  string
	ChangedAt   time.Time
}

// SameView reports whether two merged records look the same to a reader of
// the shared view: the evaluation bookkeeping (EvaluatedOn, NextChange,
// Version, ChangedAt) aside. A merge that gives the same view takes no new
// version.
func (m *MergedCredit) SameView(o *MergedCredit) bool {
	if m.Name != o.Name || m.Rating != o.Rating || m.Watch != o.Watch || len(m.Sources) != len(o.Sources) {
		return false
	}
	for i := range m.Sources {
		if m.Sources[i] != o.Sources[i] {
			return false
		}
	}
	return true
}

// CreditMergeFunc merges an enterprise's regional records (the newest
// version of each region) into its merged record for day. It sets neither
// Version nor ChangedAt. The credit service owns the merge; a store that
// writes merged records only calls it, inside the transaction that needs
// it.
type CreditMergeFunc func(uscc string, recs []CreditRecord, day string) MergedCredit

// CreditSkip is a record a registry published that was not applied, and
// why. Region and At are set on skips read back from the store (At is the
// time of the page that skipped it); a page to apply leaves them zero.
type CreditSkip struct {
	Region  Region
	USCC    string
	Version int64
	Reason  string
	Detail  string
	At      time.Time
}

// CreditPage is one page of a registry's feed, checked, to be staged in
// one transaction with its cursor.
type CreditPage struct {
	Region Region
	// From is the cursor the page was asked with; the stored cursor must
	// still be From, or another process has moved on (ErrCreditCursorMoved).
	From string
	// Next is the cursor to store: where the next sync asks from.
	Next    string
	Records []CreditRecord
	Skipped []CreditSkip
	// Now is the transaction's frozen clock; its Beijing day is "today".
	Now time.Time
}

// CreditChunk is a run of records written and not merged yet, numbered
// above From through Through (Taken of them), with every stored record of
// their enterprises, as read for the merge.
type CreditChunk struct {
	From, Through int64
	Taken         int
	// USCCs are the enterprises in the order of their first record of the
	// run; Regions gives each the first region (BJ, TJ, HE) among its
	// records of the run, the one a re-route names.
	USCCs   []string
	Records map[string][]CreditRecord
	Regions map[string]Region
}

// ErrCreditMergeMoved: the merge went on elsewhere meanwhile; read from
// where it stands now.
var ErrCreditMergeMoved = errors.New("credit merge mark moved")

// CreditPageResult is what staging a page counted.
type CreditPageResult struct {
	// Skipped counts skipped records not seen before, by reason.
	Skipped        int
	SkippedReasons map[string]int
}

// ErrCreditCursorMoved means the stored cursor is not the one a page was
// asked with: another process synced the registry meanwhile.
var ErrCreditCursorMoved = errors.New("credit cursor moved")

// CreditSyncState is a registry's stored sync state. Zero times and an
// empty LastError mean none.
type CreditSyncState struct {
	Region         Region
	Cursor         string
	LastSuccess    time.Time
	LastError      string
	LastErrorAt    time.Time
	Applied        int64
	Skipped        int64
	SkippedReasons map[string]int64
}
