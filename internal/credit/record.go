package credit

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jjj/gateway/internal/customs"
)

// Skip reasons, as the sync status and the metric report them.
const (
	ReasonInvalidUSCC     = "invalid_uscc"
	ReasonUnknownRating   = "unknown_rating"
	ReasonMalformedDate   = "malformed_date"
	ReasonMalformedRecord = "malformed_record"
)

// Published is one record as a registry published it (partners.md).
type Published struct {
	USCC          string  `json:"uscc"`
	Name          string  `json:"name"`
	Rating        string  `json:"rating"`
	Reason        string  `json:"reason"`
	EffectiveFrom *string `json:"effectiveFrom"`
	ExpiresAt     *string `json:"expiresAt"`
	Version       int64   `json:"version"`
	UpdatedAt     string  `json:"updatedAt"`
	Deleted       bool    `json:"deleted"`
	// Malformed, when set, says why the record did not decode.
	Malformed string `json:"-"`
}

// Page is one page of a registry's feed.
type Page struct {
	Region  customs.Region
	Records []Published
	// Next is the cursor of the next page; "" at the end of what the
	// registry has now.
	Next string
}

// MapRating maps a published rating to the 2021 categories (credit.md):
// Hebei's grades are known from the Hebei registry only.
func MapRating(region customs.Region, published string) (r customs.Rating, watch, ok bool) {
	switch published {
	case "advanced":
		return customs.RatingAdvanced, false, true
	case "general":
		return customs.RatingGeneral, false, true
	case "dishonest":
		return customs.RatingDishonest, false, true
	}
	if region != customs.RegionHE {
		return "", false, false
	}
	switch published {
	case "AA", "A":
		return customs.RatingAdvanced, false, true
	case "B":
		return customs.RatingGeneral, false, true
	case "C":
		return customs.RatingGeneral, true, true
	case "D":
		return customs.RatingDishonest, false, true
	}
	return "", false, false
}

// checkDate accepts an absent date and yyyy-MM-dd that names a real day.
func checkDate(s *string) (string, bool) {
	if s == nil || *s == "" {
		return "", true
	}
	if _, err := time.Parse("2006-01-02", *s); err != nil {
		return *s, false
	}
	return *s, true
}

// Check turns a page's published records into records to apply and
// records to skip (with the reason). Of several versions of one enterprise
// in the page only the newest is kept, in its place, since a store write
// takes one record per enterprise.
func Check(region customs.Region, recs []Published) ([]customs.CreditRecord, []customs.CreditSkip) {
	out := make([]customs.CreditRecord, 0, len(recs))
	var skips []customs.CreditSkip
	at := make(map[string]int, len(recs))
	for i := range recs {
		p := &recs[i]
		uscc := customs.NormalizeUSCC(strings.TrimSpace(p.USCC))
		skip := func(reason, detail string) {
			skips = append(skips, customs.CreditSkip{USCC: storable(uscc), Version: p.Version, Reason: reason, Detail: storable(detail)})
		}
		if p.Malformed != "" {
			skip(ReasonMalformedRecord, p.Malformed)
			continue
		}
		if !isText(p.Name, p.Reason, p.Rating) {
			// PostgreSQL text refuses NUL and invalid UTF-8 (JSON can
			// spell a NUL); one such record must not fail its page.
			skip(ReasonMalformedRecord, "name, reason or rating is not text (a NUL or invalid UTF-8)")
			continue
		}
		if ok, want := customs.CheckUSCC(uscc); !ok {
			if want != 0 {
				skip(ReasonInvalidUSCC, fmt.Sprintf("the check character should be %c", want))
			} else {
				skip(ReasonInvalidUSCC, "not an 18-character unified social credit code")
			}
			continue
		}
		if p.Version < 1 {
			skip(ReasonMalformedRecord, "version must be a whole number from 1")
			continue
		}
		rating, watch, ok := MapRating(region, p.Rating)
		eff, effOK := checkDate(p.EffectiveFrom)
		exp, expOK := checkDate(p.ExpiresAt)
		var updated time.Time
		updOK := true
		if p.UpdatedAt != "" {
			t, err := time.Parse(time.RFC3339, p.UpdatedAt)
			updated, updOK = t, err == nil
		}
		if !p.Deleted {
			switch {
			case !ok:
				skip(ReasonUnknownRating, fmt.Sprintf("rating %q is not known from %s", p.Rating, region))
				continue
			case !effOK:
				skip(ReasonMalformedDate, fmt.Sprintf("effectiveFrom %q is not a date (yyyy-MM-dd)", eff))
				continue
			case !expOK:
				skip(ReasonMalformedDate, fmt.Sprintf("expiresAt %q is not a date (yyyy-MM-dd)", exp))
				continue
			case !updOK:
				skip(ReasonMalformedDate, fmt.Sprintf("updatedAt %q is not an RFC 3339 time", p.UpdatedAt))
				continue
			}
		} else {
			// A withdrawal counts whatever else it says.
			if !effOK {
				eff = ""
			}
			if !expOK {
				exp = ""
			}
			if !ok {
				rating, watch = "", false
			}
		}
		r := customs.CreditRecord{Region: region, USCC: uscc, Name: p.Name, Published: p.Rating, Rating: rating, Watch: watch,
			Reason: p.Reason, EffectiveFrom: eff, ExpiresAt: exp, Version: p.Version, UpdatedAt: updated, Deleted: p.Deleted}
		if j, seen := at[uscc]; seen {
			if out[j].Version < r.Version {
				out[j] = r
			}
			continue
		}
		at[uscc] = len(out)
		out = append(out, r)
	}
	return out, skips
}

// storable makes s storable as PostgreSQL text, which refuses invalid
// UTF-8 and NUL: what a skip reports of a record that is not valid.
func storable(s string) string {
	s, _ = customs.Clip(s, 0)
	return s
}

// isText reports whether every s is storable as PostgreSQL text as it is.
func isText(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			return false
		}
	}
	return true
}
