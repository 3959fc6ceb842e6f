package customs

import "time"

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
