package routing

import (
	"encoding/binary"
	"strconv"
	"strings"

	"github.com/jjj/gateway/internal/customs"
)

// The rules of rule set 2026.2 that rest on supporting documents
// (documents.md): iron ore, grain, special articles, and what each item
// must cite.

// IsIronOre reports whether an HS code is iron ore or concentrate (heading
// 2601), checked on site at the port (routing.md, GACC announcement 2020
// No. 69).
func IsIronOre(hs string) bool { return strings.HasPrefix(hs, "2601") }

// SpecialArticleRates are the rates at which a later use of a level C or D
// approval is drawn for the port check (routing.md); levels A and B are
// supervised after entry every time and need no draw.
var SpecialArticleRates = map[string]float64{"C": 0.20, "D": 0.10}

// citation returns the item's first citation of a kind, or nil.
func citation(g *customs.GoodsItem, kind customs.DocumentKind) *customs.Citation {
	for i := range g.Documents {
		if g.Documents[i].Kind == kind {
			return &g.Documents[i]
		}
	}
	return nil
}

// checkDocuments reports document.missing at each item that must cite a
// document and does not (documents.md), the message naming the kind: an
// export hazardous chemical not in bulk (bulk cites no packaging-use
// record, samples/README.md reading 3) without a dg_packaging_use; an
// import with a special-article level without a special_article_approval;
// import grain (the longest grain-hs.csv prefix says grain) without a
// quarantine_permit. Whether a cited document exists and fits is the
// register's check.
func (e *Engine) checkDocuments(d *customs.Declaration, ps *customs.Problems) {
	imp := d.Direction == customs.Import
	for i := range d.Goods {
		g := &d.Goods[i]
		if d.Direction == customs.Export {
			if h := e.hazardOf(g); h.is && !h.bulk && citation(g, customs.DocDGPackagingUse) == nil {
				ps.Add(g.Path, RuleDocumentMissing,
					"item %d is an exported hazardous chemical in packages and must cite the packaging-use record (dg_packaging_use, licence type 425) of the bureau where it was filled", g.Seq)
			}
		}
		if !imp {
			continue
		}
		if g.SpecialArticle != "" && citation(g, customs.DocSpecialArticleApproval) == nil {
			ps.Add(g.Path, RuleDocumentMissing,
				"item %d is a level %s special article and must cite its health-quarantine approval (special_article_approval, licence type 203)", g.Seq, g.SpecialArticle)
		}
		if gp, ok := e.tables.Grain(g.HSCode); ok && citation(g, customs.DocQuarantinePermit) == nil {
			ps.Add(g.Path, RuleDocumentMissing,
				"item %d (%s, HS %s) is grain and must cite its entry quarantine permit (quarantine_permit, licence type 325)", g.Seq, gp.NameEn, g.HSCode)
		}
	}
}

// documentRules applies the 2026.2 rules to one item: iron ore at the port
// (or the zone), grain and levels A and B at the destination, levels C and
// D at the port when drawn. port is where port-side work goes ("" or the
// pilot zone), zone the granted zone.
func (p *plan) documentRules(g *customs.GoodsItem, f *Facts, port, zone string) {
	d := p.d
	if d.Direction != customs.Import {
		return
	}
	if IsIronOre(g.HSCode) {
		p.reason(RuleIronOre, g.Seq, customs.Evidence{Name: "hsCode", Value: g.HSCode})
		p.add(customs.WorkflowIronOre, port, g.Seq)
	}
	if gp, ok := p.e.tables.Grain(g.HSCode); ok {
		ev := []customs.Evidence{{Name: "hsCode", Value: g.HSCode}, {Name: "grainPrefix", Value: gp.Prefix}}
		if c := citation(g, customs.DocQuarantinePermit); c != nil {
			ev = append(ev, customs.Evidence{Name: "document", Value: c.Number})
		}
		p.reason(RuleGrain, g.Seq, ev...)
		p.destination(customs.WorkflowGrain, g, zone, true)
	}
	switch level := g.SpecialArticle; level {
	case "A", "B":
		ev := []customs.Evidence{{Name: "level", Value: level}}
		if c := citation(g, customs.DocSpecialArticleApproval); c != nil {
			ev = append(ev, customs.Evidence{Name: "document", Value: c.Number})
		}
		p.reason(RuleSpecialPostEntry, g.Seq, ev...)
		p.destination(customs.WorkflowSpecialArticles, g, zone, true)
	case "C", "D":
		number := ""
		if c := citation(g, customs.DocSpecialArticleApproval); c != nil {
			number = c.Number
		}
		first := f.FirstUse == nil || f.FirstUse(customs.DocSpecialArticleApproval, number)
		ev := []customs.Evidence{{Name: "level", Value: level}, {Name: "document", Value: number}, {Name: "firstUse", Value: strconv.FormatBool(first)}}
		if !first {
			// A later use is drawn; /validate (no seed) draws nothing.
			if f.Seed == nil {
				return
			}
			value := SpecialDraw(*f.Seed, d.ID, g.Seq)
			rate := SpecialArticleRates[level]
			if value >= rate {
				return
			}
			ev = append(ev, customs.Evidence{Name: "value", Value: formatFloat(value)}, customs.Evidence{Name: "rate", Value: formatFloat(rate)})
		}
		p.reason(RuleSpecialPortCheck, g.Seq, ev...)
		p.add(customs.WorkflowSpecialArticles, port, g.Seq)
	}
}

// SpecialDraw is the value of a special article's draw (routing.md): the
// first 8 bytes of HMAC-SHA256(the day's seed, "special:" + declaration id
// + ":" + item seq), big-endian, / 2^64. An auditor with the seed redoes it.
func SpecialDraw(seed Seed, declID string, seq int) float64 {
	h := hmacSHA256(seed.Key, "special:"+declID+":"+strconv.Itoa(seq))
	return float64(binary.BigEndian.Uint64(h[:8])) / two64
}

// exportEvidence is the evidence of hazchem.export_port_check: the
// hazard's values and, from rule set 2026.2, the number and issuer of the
// item's first packaging-use record (routing.md).
func (h *hazard) exportEvidence(g *customs.GoodsItem, f *Facts) []customs.Evidence {
	ev := h.evidence(g, false)
	if c := citation(g, customs.DocDGPackagingUse); c != nil {
		ev = append(ev, customs.Evidence{Name: "document", Value: c.Number})
		if f.Issuer != nil {
			if who := f.Issuer(c.Kind, c.Number); who != "" {
				ev = append(ev, customs.Evidence{Name: "issuer", Value: who})
			}
		}
	}
	return ev
}
