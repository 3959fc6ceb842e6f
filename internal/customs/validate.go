package customs

import "strconv"

// Validate checks the invariants every canonical declaration holds after any
// adapter decoded it: required fields present and every value in its
// canonical form. Adapters check the port's message field by field and report
// at the port's paths; Validate is the one shared definition of a valid
// canonical declaration, so it reports canonical field names. It does not
// consult code tables (adapters did that); it returns an *Error of
// CodeInvalid listing every problem.
func (d *Declaration) Validate() error {
	var ps Problems
	if d.Source.Port == "" {
		ps.Add("source.port", ProblemMissingField, "port is required")
	}
	if d.Source.PortRef == "" {
		ps.Add("source.portRef", ProblemMissingField, "portRef is required")
	}
	if d.Direction != Import && d.Direction != Export {
		ps.Add("direction", ProblemInvalidEnum, "direction must be import or export")
	}
	if !isCustomsCode(d.Customs.Declaring) {
		ps.Add("customs.declaring", ProblemUnknownCustomsCode, "declaring customs code must be 4 digits")
	}
	if !isCustomsCode(d.Customs.Port) {
		ps.Add("customs.port", ProblemUnknownCustomsCode, "port customs code must be 4 digits")
	}
	seen := map[Role]bool{}
	for i, p := range d.Parties {
		at := "parties[" + strconv.Itoa(i) + "]"
		if seen[p.Role] {
			ps.Add(at, ProblemDuplicateKey, "role %s given twice", p.Role)
		}
		seen[p.Role] = true
		switch p.Role {
		case RoleOverseas:
		case RoleOwner:
			// An owner may be declared by customs code and name alone.
			if p.USCC == "" && p.CustomsCode == "" && p.Name == "" {
				ps.Add(at, ProblemMissingField, "owner has neither USCC, customs code nor name")
			} else if ok, _ := CheckUSCC(p.USCC); p.USCC != "" && !ok {
				ps.Add(at+".uscc", ProblemInvalidUSCC, "invalid USCC %q", p.USCC)
			}
		case RoleConsignee, RoleConsignor, RoleDeclarant:
			if ok, _ := CheckUSCC(p.USCC); !ok {
				ps.Add(at+".uscc", ProblemInvalidUSCC, "invalid USCC %q", p.USCC)
			}
		default:
			ps.Add(at+".role", ProblemInvalidEnum, "unknown role %q", p.Role)
		}
	}
	if d.Trader() == nil {
		ps.Add("parties", ProblemMissingField, "the consignee (import) or consignor (export) is required")
	}
	if d.Party(RoleDeclarant) == nil {
		ps.Add("parties", ProblemMissingField, "the declarant is required")
	}
	switch d.Transport.Mode {
	case "sea", "rail", "road", "air", "mail", "pipeline", "other":
	default:
		ps.Add("transport.mode", ProblemUnknownTransportMode, "unknown transport mode %q", d.Transport.Mode)
	}
	if c := d.Transport.Country; c != "" && !isAlpha3(c) {
		ps.Add("transport.country", ProblemUnknownCountry, "country must be alpha-3")
	}
	if t := d.Transport.DepartureDate; t != "" {
		if _, ok := CheckDate("2006-01-02", t); !ok {
			ps.Add("transport.departureDate", ProblemInvalidDate, "not a yyyy-MM-dd date")
		}
	}
	if d.Trade != nil && d.Trade.Mode != "" && (len(d.Trade.Mode) != 4 || !AllDigits(d.Trade.Mode)) {
		ps.Add("trade.mode", ProblemUnknownTradeMode, "trade mode must be 4 digits")
	}
	if w := d.Weights; w != nil {
		if w.Gross != "" && !CheckDecimal(w.Gross, 5) {
			ps.Add("weights.gross", ProblemInvalidQuantity, "not a positive decimal")
		}
		if w.Net != "" && !CheckDecimal(w.Net, 5) {
			ps.Add("weights.net", ProblemInvalidQuantity, "not a positive decimal")
		}
		if w.Packages != "" && !CheckDecimal(w.Packages, 0) {
			ps.Add("weights.packages", ProblemInvalidQuantity, "not a whole number")
		}
	}
	if o := d.DestinationOffice; o != "" && !isDigits(o, 6) {
		ps.Add("destinationOffice", ProblemUnknownBureau, "bureau code must be 6 digits")
	}
	if dt := d.DirectTransit; dt != nil && !isDigits(dt.Zone, 6) {
		ps.Add("directTransit.zone", ProblemUnknownBureau, "zone must be a 6-digit bureau code")
	}
	units := map[string]bool{}
	for i, u := range d.Equipment {
		at := "equipment[" + strconv.Itoa(i) + "]"
		if units[u.ID] {
			ps.Add(at, ProblemDuplicateKey, "unit %s given twice", u.ID)
		}
		units[u.ID] = true
		switch u.Kind {
		case KindContainer:
			if ok, _ := CheckContainer(u.ID); !ok {
				ps.Add(at+".id", ProblemInvalidContainerNumber, "invalid container number %q", u.ID)
			}
		case KindULD:
			if u.ID == "" {
				ps.Add(at+".id", ProblemMissingField, "unit id is required")
			}
		default:
			ps.Add(at+".kind", ProblemInvalidEnum, "unknown unit kind %q", u.Kind)
		}
	}
	if len(d.Goods) == 0 {
		ps.Add("goods", ProblemMissingField, "at least one goods item is required")
	}
	seqs := map[int]bool{}
	for i := range d.Goods {
		g := &d.Goods[i]
		at := "goods[" + strconv.Itoa(i) + "]"
		if g.Seq <= 0 {
			ps.Add(at+".seq", ProblemMissingField, "item number must be positive")
		}
		if seqs[g.Seq] {
			ps.Add(at+".seq", ProblemDuplicateKey, "item %d given twice", g.Seq)
		}
		seqs[g.Seq] = true
		if !isDigits(g.HSCode, 10) {
			ps.Add(at+".hsCode", ProblemInvalidHSCode, "HS code must be 10 digits")
		}
		if g.CIQCode != "" && !isDigits(g.CIQCode, 3) {
			ps.Add(at+".ciqCode", ProblemInvalidCIQCode, "CIQ code must be 3 digits")
		}
		if !CheckDecimal(g.Quantity, 5) {
			ps.Add(at+".quantity", ProblemInvalidQuantity, "not a positive decimal of at most 5 decimals")
		}
		if !isDigits(g.Unit, 3) {
			ps.Add(at+".unit", ProblemUnknownUnit, "unit must be a 3-digit customs code")
		}
		if !CheckDecimal(g.Value, 2) {
			ps.Add(at+".value", ProblemInvalidValue, "not a positive decimal of at most 2 decimals")
		}
		if len(g.Currency) != 3 || !isUpper(g.Currency) {
			ps.Add(at+".currency", ProblemUnknownCurrency, "currency must be ISO 4217")
		}
		if !isAlpha3(g.Origin) {
			ps.Add(at+".origin", ProblemUnknownCountry, "origin must be alpha-3")
		}
		if g.DestinationDistrict != "" && !isDigits(g.DestinationDistrict, 6) {
			ps.Add(at+".destinationDistrict", ProblemInvalidDistrict, "district must be 6 digits")
		}
		if dg := g.DangerousGoods; dg != nil {
			if dg.UN != "" && !isDigits(dg.UN, 4) {
				ps.Add(at+".dangerousGoods.un", ProblemUnknownUNNumber, "UN number must be 4 digits")
			}
			switch dg.PackingGroup {
			case "", "I", "II", "III":
			default:
				ps.Add(at+".dangerousGoods.packingGroup", ProblemInvalidEnum, "packing group must be I, II or III")
			}
		}
	}
	return ps.Err(CodeInvalid, "canonical declaration does not validate")
}

func isCustomsCode(s string) bool { return isDigits(s, 4) }

func isDigits(s string, n int) bool { return len(s) == n && AllDigits(s) }

func isUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func isAlpha3(s string) bool { return len(s) == 3 && isUpper(s) }
