package routing

import (
	"strings"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

// hazard is what the rules need to know about one item's danger.
type hazard struct {
	is bool
	// un is the declared UN number; entry is its table row when known.
	un    string
	known bool
	entry codes.UNEntry
	// class is the table's class, or the declared one without a table row.
	class string
	// pg is the packing group that decides (declared, else the table's
	// single one).
	pg       string
	bulk     bool
	pressure bool
}

// hazardOf classifies an item (routing.md: any one mark makes an item a
// hazardous chemical).
func (e *Engine) hazardOf(g *customs.GoodsItem) hazard {
	var h hazard
	dg := g.DangerousGoods
	if dg != nil {
		h.is = true
		h.un = dg.UN
		h.bulk = dg.Bulk
		h.pg = dg.PackingGroup
		h.class = dg.Class
		if h.class == "" {
			h.class = dg.DeclaredClass
		}
	}
	if g.HazardFlagged || (g.HSCode != "" && e.tables.IsHazchemHS(g.HSCode, g.CIQCode)) {
		h.is = true
	}
	if h.un != "" {
		h.entry, h.known = e.tables.UN[h.un]
		if h.known {
			h.class = h.entry.Class
			h.pressure = h.entry.Pressure
			if h.pg == "" && len(h.entry.PackingGroups) == 1 {
				h.pg = h.entry.PackingGroups[0]
			}
		}
	}
	h.class = strings.TrimSpace(h.class)
	return h
}

// unsafe reports whether the item may not be opened at the quay: classes 1
// (any division), 2.3, 4.2, 4.3, 5.2, 6.1 with packing group I, 7, or a gas
// in pressure receptacles.
func (h *hazard) unsafe() bool {
	if h.pressure {
		return true
	}
	switch h.class {
	case "1", "2.3", "4.2", "4.3", "5.2", "7":
		return true
	case "6.1":
		return h.pg == "I"
	}
	return strings.HasPrefix(h.class, "1.")
}

// needsPackingGroup: only where the table gives the substance one, or where
// there is no table row to say it needs none (samples/README.md reading 1),
// and never in bulk.
func (h *hazard) needsPackingGroup() bool {
	if h.bulk {
		return false
	}
	return !h.known || len(h.entry.PackingGroups) > 0
}

// evidence lists the hazard's values for the hazchem reasons.
func (h *hazard) evidence(g *customs.GoodsItem, unsafeRule bool) []customs.Evidence {
	ev := make([]customs.Evidence, 0, 4)
	if h.un != "" {
		ev = append(ev, customs.Evidence{Name: "unNumber", Value: h.un})
	}
	if h.class != "" {
		ev = append(ev, customs.Evidence{Name: "class", Value: h.class})
	}
	if h.pg != "" {
		ev = append(ev, customs.Evidence{Name: "packingGroup", Value: h.pg})
	}
	if unsafeRule && h.pressure {
		ev = append(ev, customs.Evidence{Name: "pressure", Value: "yes"})
	}
	if h.un == "" {
		ev = append(ev, customs.Evidence{Name: "hsCode", Value: g.HSCode})
	}
	return ev
}

// IsCoal reports whether an HS code is coal under joint supervision
// (headings 2701, 2702 lignite, 2704).
func IsCoal(hs string) bool {
	return strings.HasPrefix(hs, "2701") || strings.HasPrefix(hs, "2702") || strings.HasPrefix(hs, "2704")
}

// IsLignite reports whether an HS code is lignite (heading 2702), which has
// limits of its own.
func IsLignite(hs string) bool { return strings.HasPrefix(hs, "2702") }

// needsDestination reports whether an import item has work that an inland
// bureau must do: coal, food, grain, a special article of level A or B, or
// a hazardous chemical unsafe to sample at the quay.
func (e *Engine) needsDestination(g *customs.GoodsItem, h *hazard) bool {
	if IsCoal(g.HSCode) {
		return true
	}
	if _, ok := e.tables.Food(g.HSCode); ok {
		return true
	}
	if _, ok := e.tables.Grain(g.HSCode); ok {
		return true
	}
	if g.SpecialArticle == "A" || g.SpecialArticle == "B" {
		return true
	}
	return h.is && h.unsafe()
}

// Direct-transit failures, as bits.
const (
	failExport uint8 = 1 << iota
	failOriginalContainers
	failNoSeals
	failStraySeals
	failNotPilotZone
	failUnknownZone
)

var failNames = [...]string{"export", "notOriginalContainers", "noSeals", "straySeals", "notPilotZone", "unknownZone"}

// transitFailures says why a direct-transit request cannot be granted; zero
// means granted. It must only be called when d.DirectTransit is set.
func (e *Engine) transitFailures(d *customs.Declaration) uint8 {
	dt := d.DirectTransit
	var f uint8
	if d.Direction != customs.Import {
		f |= failExport
	}
	if dt.OriginalContainers != nil && !*dt.OriginalContainers {
		f |= failOriginalContainers
	}
	if dt.SealCount <= 0 {
		f |= failNoSeals
	}
	if len(dt.StraySeals) > 0 {
		f |= failStraySeals
	}
	if b, ok := e.tables.Bureaus[dt.Zone]; !ok {
		f |= failUnknownZone
	} else if !b.PilotZone {
		f |= failNotPilotZone
	}
	return f
}

func failedList(f uint8) string {
	var b strings.Builder
	for i, n := range failNames {
		if f&(1<<i) == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(n)
	}
	return b.String()
}

// granted reports whether the declaration's direct transit would be granted.
func (e *Engine) granted(d *customs.Declaration) bool {
	return d.DirectTransit != nil && e.transitFailures(d) == 0
}
