package view

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/jjj/gateway/internal/customs"
)

// AppendJSON appends the JSON of v to buf: byte for byte what json.Marshal(v)
// gives (TestAppendJSON, FuzzAppendString), without its reflection, which
// was a seventh of an intake's CPU. The key order, omitempty and null rules
// are written out here field by field, so a field added to View (or to a
// view it holds) must be added here too; TestAppendJSON fails until it is.
//
// Two inputs json.Marshal refuses are written rather than refused, because
// an appender has no error to return and neither occurs in a view NewView
// or Assemble builds: a RawMessage (EntryID, TimelineEntry.Data) that is not
// valid JSON is written as null, and a time outside years 0-9999 is written
// as time.RFC3339Nano formats it.
func AppendJSON(buf []byte, v *View) []byte {
	if v == nil {
		return append(buf, "null"...)
	}
	b := append(buf, '{')
	if v.ID != "" {
		b = append(b, `"id":`...)
		b = appendString(b, v.ID)
		b = append(b, ',')
	}
	b = append(b, `"port":`...)
	b = appendString(b, string(v.Port))
	b = append(b, `,"portRef":`...)
	b = appendString(b, v.PortRef)
	b = append(b, `,"direction":`...)
	b = appendString(b, string(v.Direction))
	if v.Status != "" {
		b = append(b, `,"status":`...)
		b = appendString(b, v.Status)
	}
	if len(v.EntryID) > 0 {
		b = append(b, `,"entryId":`...)
		b = appendRaw(b, v.EntryID)
	}
	b = append(b, `,"ruleSet":`...)
	b = appendString(b, v.RuleSet)
	b = append(b, `,"dialect":`...)
	b = appendString(b, v.Dialect)
	if v.ReceivedAt != nil {
		b = append(b, `,"receivedAt":`...)
		b = appendTime(b, *v.ReceivedAt)
	}
	b = append(b, `,"declaredAt":`...)
	if v.DeclaredAt == nil {
		b = append(b, "null"...)
	} else {
		b = appendTime(b, *v.DeclaredAt)
	}
	b = append(b, `,"digest":`...)
	b = appendString(b, v.Digest)
	b = append(b, `,"customs":{"declaring":`...)
	b = appendString(b, v.Customs.Declaring)
	b = append(b, `,"port":`...)
	b = appendString(b, v.Customs.Port)
	b = append(b, `},"parties":`...)
	b = appendParties(b, v.Parties)
	b = append(b, `,"transport":`...)
	b = appendTransport(b, &v.Transport)
	b = append(b, `,"trade":`...)
	if t := v.Trade; t == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"mode":`...)
		b = appendString(b, t.Mode)
		b = append(b, `,"terms":`...)
		b = appendOptString(b, t.Terms)
		b = append(b, '}')
	}
	b = append(b, `,"weights":`...)
	if w := v.Weights; w == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, `{"gross":`...)
		b = appendOptString(b, w.Gross)
		b = append(b, `,"net":`...)
		b = appendOptString(b, w.Net)
		b = append(b, `,"packages":`...)
		b = appendOptString(b, w.Packages)
		b = append(b, '}')
	}
	b = append(b, `,"destinationOffice":`...)
	b = appendOptString(b, v.DestinationOffice)
	b = append(b, `,"directTransit":`...)
	b = appendDirectTransit(b, v.DirectTransit)
	b = append(b, `,"equipment":`...)
	b = appendEquipment(b, v.Equipment)
	b = append(b, `,"goods":`...)
	b = appendGoods(b, v.Goods)
	b = append(b, `,"route":`...)
	b = AppendRouteJSON(b, v.Route)
	b = append(b, `,"warnings":`...)
	b = appendArray(b, v.Warnings, func(b []byte, w *WarningView) []byte {
		b = append(b, `{"path":`...)
		b = appendString(b, w.Path)
		b = append(b, `,"code":`...)
		b = appendString(b, w.Code)
		b = append(b, `,"message":`...)
		b = appendString(b, w.Message)
		return append(b, '}')
	})
	if len(v.Timeline) > 0 {
		b = append(b, `,"timeline":`...)
		b = AppendTimelineJSON(b, v.Timeline)
	}
	return append(b, '}')
}

// SizeHint is a capacity for a view's JSON that is seldom outgrown, so
// that appending to it does not copy the document several times over.
func SizeHint(v *View) int {
	n := 1536 + 384*len(v.Goods) + 128*len(v.Equipment)
	if v.Route != nil {
		n += 256*len(v.Route.Reasons) + 128*len(v.Route.Tasks)
	}
	return n
}

func appendParties(b []byte, m map[string]*PartyView) []byte {
	return appendSortedMap(b, m, func(b []byte, p *PartyView) []byte {
		if p == nil {
			return append(b, "null"...)
		}
		b = append(b, '{')
		if p.USCC != nil {
			b = append(b, `"uscc":`...)
			b = appendString(b, *p.USCC)
			b = append(b, ',')
		}
		b = append(b, `"name":`...)
		b = appendString(b, p.Name)
		if p.CustomsCode != nil {
			b = append(b, `,"customsCode":`...)
			b = appendString(b, *p.CustomsCode)
		}
		b = append(b, `,"country":`...)
		b = appendOptString(b, p.Country)
		return append(b, '}')
	})
}

// appendSortedMap writes a map with its keys sorted, as encoding/json
// does; a nil map is null. The keys are sorted on the stack for the
// small maps a declaration has (parties, evidence).
func appendSortedMap[V any](b []byte, m map[string]V, value func([]byte, V) []byte) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	var arr [16]string
	keys := arr[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = value(b, m[k])
	}
	return append(b, '}')
}

// appendTransport follows TransportView.MarshalJSON.
func appendTransport(b []byte, t *TransportView) []byte {
	b = append(b, `{"mode":`...)
	b = appendString(b, t.Mode)
	b = append(b, `,"means":`...)
	b = appendOptString(b, t.Means)
	b = append(b, `,"billNo":`...)
	b = appendOptString(b, t.BillNo)
	if t.HouseBill != nil {
		b = append(b, `,"houseBill":`...)
		b = appendString(b, *t.HouseBill)
	}
	if t.export || t.ArrivalCountry != nil {
		b = append(b, `,"arrivalCountry":`...)
		b = appendOptString(b, t.ArrivalCountry)
	} else {
		b = append(b, `,"departureCountry":`...)
		b = appendOptString(b, t.DepartureCountry)
	}
	b = append(b, `,"departurePort":`...)
	b = appendOptString(b, t.DeparturePort)
	b = append(b, `,"departureDate":`...)
	b = appendOptString(b, t.DepartureDate)
	return append(b, '}')
}

func appendDirectTransit(b []byte, dt *DirectTransitView) []byte {
	if dt == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"zone":`...)
	b = appendString(b, dt.Zone)
	b = append(b, `,"originalContainers":`...)
	if dt.OriginalContainers == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendBool(b, *dt.OriginalContainers)
	}
	b = append(b, `,"granted":`...)
	b = strconv.AppendBool(b, dt.Granted)
	if len(dt.StraySeals) > 0 {
		b = append(b, `,"straySeals":`...)
		b = appendSeals(b, dt.StraySeals)
	}
	b = append(b, `,"sealCount":`...)
	b = strconv.AppendInt(b, int64(dt.SealCount), 10)
	return append(b, '}')
}

// appendSeals writes customs.Seal as encoding/json does: it has no tags, so
// its keys are its field names.
func appendSeals(b []byte, seals []customs.Seal) []byte {
	return appendArray(b, seals, func(b []byte, s *customs.Seal) []byte {
		b = append(b, `{"Unit":`...)
		b = appendString(b, s.Unit)
		b = append(b, `,"Number":`...)
		b = appendString(b, s.Number)
		return append(b, '}')
	})
}

func appendEquipment(b []byte, units []UnitView) []byte {
	return appendArray(b, units, func(b []byte, u *UnitView) []byte {
		b = append(b, `{"id":`...)
		b = appendString(b, u.ID)
		b = append(b, `,"kind":`...)
		b = appendString(b, u.Kind)
		b = append(b, `,"type":`...)
		b = appendOptString(b, u.Type)
		b = append(b, `,"seals":`...)
		b = appendStrings(b, u.Seals)
		return append(b, '}')
	})
}

func appendGoods(b []byte, goods []ItemView) []byte {
	return appendArray(b, goods, func(b []byte, g *ItemView) []byte {
		b = append(b, `{"seq":`...)
		b = strconv.AppendInt(b, int64(g.Seq), 10)
		b = append(b, `,"hsCode":`...)
		b = appendString(b, g.HSCode)
		b = append(b, `,"ciqCode":`...)
		b = appendOptString(b, g.CIQCode)
		b = append(b, `,"name":`...)
		b = appendOptString(b, g.Name)
		b = append(b, `,"spec":`...)
		b = appendOptString(b, g.Spec)
		b = append(b, `,"quantity":`...)
		b = appendString(b, g.Quantity)
		b = append(b, `,"unit":`...)
		b = appendString(b, g.Unit)
		b = append(b, `,"value":`...)
		b = appendString(b, g.Value)
		b = append(b, `,"currency":`...)
		b = appendString(b, g.Currency)
		b = append(b, `,"origin":`...)
		b = appendString(b, g.Origin)
		b = append(b, `,"destinationDistrict":`...)
		b = appendOptString(b, g.DestinationDistrict)
		b = append(b, `,"dangerousGoods":`...)
		if dg := g.DangerousGoods; dg == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, `{"un":`...)
			b = appendOptString(b, dg.UN)
			b = append(b, `,"class":`...)
			b = appendOptString(b, dg.Class)
			if dg.DeclaredClass != nil {
				b = append(b, `,"declaredClass":`...)
				b = appendString(b, *dg.DeclaredClass)
			}
			b = append(b, `,"packingGroup":`...)
			b = appendOptString(b, dg.PackingGroup)
			b = append(b, `,"packaging":`...)
			b = appendOptString(b, dg.Packaging)
			b = append(b, `,"bulk":`...)
			b = strconv.AppendBool(b, dg.Bulk)
			b = append(b, '}')
		}
		b = append(b, `,"foodProducerRegistration":`...)
		b = appendOptString(b, g.FoodProducerRegistration)
		if g.HazardFlagged {
			b = append(b, `,"hazardFlagged":true`...)
		}
		b = append(b, `,"specialArticle":`...)
		b = appendOptString(b, g.SpecialArticle)
		b = append(b, `,"documents":[`...)
		for j := range g.Documents {
			c := &g.Documents[j]
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"kind":`...)
			b = appendString(b, c.Kind)
			b = append(b, `,"number":`...)
			b = appendString(b, c.Number)
			b = append(b, `,"writeOff":`...)
			b = appendString(b, c.WriteOff)
			b = append(b, '}')
		}
		b = append(b, ']')
		return append(b, '}')
	})
}

// AppendRouteJSON appends the JSON of a route view, as json.Marshal(r)
// gives it (null for nil): Submit keeps it in the first timeline entry.
func AppendRouteJSON(b []byte, r *RouteView) []byte {
	if r == nil {
		return append(b, "null"...)
	}
	b = append(b, `{"lane":`...)
	b = appendString(b, string(r.Lane))
	b = append(b, `,"workflows":`...)
	b = appendArray(b, r.Workflows, func(b []byte, w *customs.Workflow) []byte { return appendString(b, string(*w)) })
	b = append(b, `,"bureau":`...)
	b = appendOptString(b, r.Bureau)
	b = append(b, `,"ruleSet":`...)
	b = appendString(b, r.RuleSet)
	b = append(b, `,"tasks":`...)
	b = appendArray(b, r.Tasks, func(b []byte, t *TaskView) []byte {
		b = append(b, '{')
		if t.ID != "" {
			b = append(b, `"id":`...)
			b = appendString(b, t.ID)
			b = append(b, ',')
		}
		b = append(b, `"workflow":`...)
		b = appendString(b, string(t.Workflow))
		b = append(b, `,"bureau":`...)
		b = appendOptString(b, t.Bureau)
		b = append(b, `,"items":`...)
		b = appendInts(b, t.Items)
		if t.Status != "" {
			b = append(b, `,"status":`...)
			b = appendString(b, string(t.Status))
		}
		if t.Inspector != nil {
			b = append(b, `,"inspector":`...)
			b = appendString(b, *t.Inspector)
		}
		if t.Outcome != nil {
			b = append(b, `,"outcome":`...)
			b = appendString(b, *t.Outcome)
		}
		return append(b, '}')
	})
	b = append(b, `,"reasons":`...)
	b = appendArray(b, r.Reasons, func(b []byte, re *ReasonView) []byte {
		b = append(b, `{"rule":`...)
		b = appendString(b, re.Rule)
		b = append(b, `,"item":`...)
		if re.Item == nil {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendInt(b, int64(*re.Item), 10)
		}
		b = append(b, `,"evidence":`...)
		b = appendStringMap(b, re.Evidence)
		return append(b, '}')
	})
	return append(b, '}')
}

// appendStringMap writes a map with its keys sorted, as encoding/json does.
func appendStringMap(b []byte, m map[string]string) []byte {
	return appendSortedMap(b, m, appendString)
}

// AppendTimelineJSON appends the JSON of timeline entries, as
// json.Marshal(tl) gives it: Submit's answer splices it into the document.
func AppendTimelineJSON(b []byte, tl []TimelineEntry) []byte {
	return appendArray(b, tl, func(b []byte, e *TimelineEntry) []byte {
		b = append(b, `{"at":`...)
		b = appendTime(b, e.At)
		b = append(b, `,"status":`...)
		b = appendString(b, e.Status)
		b = append(b, `,"actor":`...)
		b = appendString(b, e.Actor)
		if e.Note != "" {
			b = append(b, `,"note":`...)
			b = appendString(b, e.Note)
		}
		if len(e.Data) > 0 {
			b = append(b, `,"data":`...)
			b = appendRaw(b, e.Data)
		}
		return append(b, '}')
	})
}

func appendStrings(b []byte, ss []string) []byte {
	return appendArray(b, ss, func(b []byte, s *string) []byte { return appendString(b, *s) })
}

func appendInts(b []byte, is []int) []byte {
	return appendArray(b, is, func(b []byte, n *int) []byte { return strconv.AppendInt(b, int64(*n), 10) })
}

// appendArray writes xs as a JSON array, each element by f; a nil slice is
// null, as encoding/json writes it.
func appendArray[T any](b []byte, xs []T, f func([]byte, *T) []byte) []byte {
	if xs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = f(b, &xs[i])
	}
	return append(b, ']')
}

func appendOptString(b []byte, p *string) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	return appendString(b, *p)
}

// appendTime writes t as time.Time.MarshalJSON does, for years 0-9999.
func appendTime(b []byte, t time.Time) []byte {
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"')
}

// appendRaw writes a RawMessage as encoding/json does: compacted, with <,
// >, & and U+2028/U+2029 escaped (they can only stand inside strings in
// valid JSON). Invalid JSON, which json.Marshal refuses, is written as null.
func appendRaw(b []byte, raw json.RawMessage) []byte {
	if !json.Valid(raw) {
		return append(b, "null"...)
	}
	inString, escaped := false, false
	start := 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '<' || c == '>' || c == '&':
			b = append(b, raw[start:i]...)
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			start = i + 1
		case c == 0xE2 && i+2 < len(raw) && raw[i+1] == 0x80 && raw[i+2]&^1 == 0xA8:
			b = append(b, raw[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[raw[i+2]&0xF])
			i += 2
			start = i + 1
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			b = append(b, raw[start:i]...)
			start = i + 1
		}
	}
	return append(b, raw[start:]...)
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string exactly as encoding/json does by
// default (its appendString with escapeHTML): ", \ and the control
// characters escaped (\b \f \n \r \t by name, others as \u00XX), <, > and &
// as \u003c \u003e \u0026, U+2028 and U+2029 as \u2028 \u2029, and each
// byte of invalid UTF-8 as \ufffd.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
