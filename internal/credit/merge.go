package credit

import "github.com/jjj/gateway/internal/customs"

// Merge merges an enterprise's regional records, the newest version of each
// region, for day (yyyy-MM-dd, Beijing time), as credit.md reads it: a
// region contributes its record when it is active on day; the effective
// rating is the most severe contribution, general when there is none; a
// Hebei C among the contributions raises watch. Sources list the
// contributions in region order (BJ, TJ, HE). The name is that of the most
// recently updated record. NextChange is the first day after day on which a
// record starts or expires. It is a pure function of its arguments (a
// customs.CreditMergeFunc), so the store can call it inside the
// transaction that writes the merged record.
func Merge(uscc string, recs []customs.CreditRecord, day string) customs.MergedCredit {
	m := customs.MergedCredit{USCC: uscc, Rating: customs.RatingGeneral}
	var best customs.Rating
	var nameAt int = -1
	// Insertion sort by region: at most three records.
	sorted := make([]*customs.CreditRecord, 0, len(recs))
	for i := range recs {
		r := &recs[i]
		j := len(sorted)
		sorted = append(sorted, r)
		for j > 0 && sorted[j-1].Region.Order() > r.Region.Order() {
			sorted[j] = sorted[j-1]
			j--
		}
		sorted[j] = r
	}
	for i, r := range sorted {
		if nameAt < 0 || r.UpdatedAt.After(sorted[nameAt].UpdatedAt) {
			nameAt = i
		}
		if r.Deleted {
			continue
		}
		for _, d := range [2]string{r.EffectiveFrom, r.ExpiresAt} {
			if d > day && (m.NextChange == "" || d < m.NextChange) {
				m.NextChange = d
			}
		}
		if !r.ActiveOn(day) {
			continue
		}
		m.Sources = append(m.Sources, customs.CreditSource{Region: r.Region, Published: r.Published, Rating: r.Rating,
			Version: r.Version, Reason: r.Reason, EffectiveFrom: r.EffectiveFrom, ExpiresAt: r.ExpiresAt})
		if r.Rating.Severity() > best.Severity() {
			best = r.Rating
		}
		if r.Watch {
			m.Watch = true
		}
	}
	if nameAt >= 0 {
		m.Name = sorted[nameAt].Name
	}
	if best != "" {
		m.Rating = best
	}
	return m
}

var _ customs.CreditMergeFunc = Merge
