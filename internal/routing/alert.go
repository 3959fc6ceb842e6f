package routing

import (
	"strings"

	"github.com/jjj/gateway/internal/customs"
)

// AlertMatches reports whether an alert hits an item of d: every matcher the
// alert sets must match, and an alert that sets none matches nothing (so a
// blank alert cannot stop the whole region). Codes compare case-insensitively,
// since operators type them.
func AlertMatches(a Alert, d *customs.Declaration, item *customs.GoodsItem) bool {
	set := false
	if a.HSPrefix != "" {
		if !strings.HasPrefix(item.HSCode, a.HSPrefix) {
			return false
		}
		set = true
	}
	if a.Origin != "" {
		if !strings.EqualFold(item.Origin, a.Origin) {
			return false
		}
		set = true
	}
	if a.USCC != "" {
		found := false
		for i := range d.Parties {
			p := &d.Parties[i]
			if p.Role != customs.RoleOverseas && p.USCC != "" && strings.EqualFold(p.USCC, a.USCC) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
		set = true
	}
	if a.Port != "" {
		if !strings.EqualFold(string(d.Source.Port), string(a.Port)) && d.Customs.Port != string(a.Port) {
			return false
		}
		set = true
	}
	return set
}

// alertEvidence names the alert and the matchers that hit.
func alertEvidence(a *Alert) []customs.Evidence {
	ev := make([]customs.Evidence, 0, 6)
	action := customs.LanePortInspection
	if a.Action == customs.LaneDestinationInspection {
		action = customs.LaneDestinationInspection
	}
	idName := "alertId"
	if a.Warning {
		idName = "warning"
	}
	ev = append(ev, customs.Evidence{Name: idName, Value: a.ID}, customs.Evidence{Name: "action", Value: string(action)})
	if a.HSPrefix != "" {
		ev = append(ev, customs.Evidence{Name: "hsPrefix", Value: a.HSPrefix})
	}
	if a.Origin != "" {
		ev = append(ev, customs.Evidence{Name: "origin", Value: a.Origin})
	}
	if a.USCC != "" {
		ev = append(ev, customs.Evidence{Name: "uscc", Value: a.USCC})
	}
	if a.Port != "" {
		ev = append(ev, customs.Evidence{Name: "port", Value: string(a.Port)})
	}
	return ev
}
