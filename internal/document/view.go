package document

import (
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// View is a document as the API shows it (documents.md): the common
// fields, the kind's own (only those of its kind), its state and, where a
// single document is read, its write-offs.
type View struct {
	Kind       customs.DocumentKind  `json:"kind"`
	Number     string                `json:"number"`
	Issuer     string                `json:"issuer"`
	Holder     string                `json:"holder"`
	ValidFrom  string                `json:"validFrom"`
	ValidUntil string                `json:"validUntil"`
	Quantity   string                `json:"quantity"`
	Unit       string                `json:"unit"`
	Remaining  string                `json:"remaining"`
	State      customs.DocumentState `json:"state"`
	// The kind's fields: pointers, so that a packaging-use record shows
	// an empty packing group and other kinds show none.
	UN           *string    `json:"un,omitempty"`
	PackingGroup *string    `json:"packingGroup,omitempty"`
	Packaging    *string    `json:"packaging,omitempty"`
	Level        *string    `json:"level,omitempty"`
	Origin       *string    `json:"origin,omitempty"`
	EntryCustoms *string    `json:"entryCustoms,omitempty"`
	HSPrefix     *string    `json:"hsPrefix,omitempty"`
	CreatedAt    time.Time  `json:"createdAt"`
	RevokedAt    *time.Time `json:"revokedAt"`
	RevokeReason *string    `json:"revokeReason"`
	// WriteOffs is nil in listings (left out), [] for a document read
	// alone with none.
	WriteOffs *[]WriteOffView `json:"writeOffs,omitempty"`
}

// WriteOffView is one write-off as the API shows it.
type WriteOffView struct {
	DeclarationID string     `json:"declarationId"`
	Port          string     `json:"port"`
	PortRef       string     `json:"portRef"`
	Item          int        `json:"item"`
	Quantity      string     `json:"quantity"`
	At            time.Time  `json:"at"`
	ReturnedAt    *time.Time `json:"returnedAt"`
}

// NewView renders d; withWriteOffs for a document read alone.
func NewView(d *customs.Document, withWriteOffs bool) View {
	v := View{Kind: d.Kind, Number: d.Number, Issuer: d.Issuer, Holder: d.Holder, ValidFrom: d.ValidFrom, ValidUntil: d.ValidUntil,
		Quantity: d.Quantity, Unit: d.Unit, Remaining: d.Remaining, State: d.State(), CreatedAt: d.CreatedAt.UTC(), RevokedAt: d.RevokedAt}
	if d.RevokedAt != nil {
		at := d.RevokedAt.UTC()
		v.RevokedAt = &at
		r := d.RevokeReason
		v.RevokeReason = &r
	}
	str := func(s string) *string { return &s }
	switch d.Kind {
	case customs.DocDGPackagingUse:
		v.UN, v.PackingGroup, v.Packaging = str(d.UN), str(d.PackingGroup), str(d.Packaging)
	case customs.DocSpecialArticleApproval:
		v.Level = str(d.Level)
	case customs.DocQuarantinePermit:
		v.Origin, v.EntryCustoms, v.HSPrefix = str(d.Origin), str(d.EntryCustoms), str(d.HSPrefix)
	}
	if withWriteOffs {
		ws := make([]WriteOffView, len(d.WriteOffs))
		v.WriteOffs = &ws
		for i, w := range d.WriteOffs {
			ws[i] = WriteOffView{DeclarationID: w.DeclarationID, Port: string(w.Port), PortRef: w.PortRef, Item: w.Item,
				Quantity: w.Quantity, At: w.At.UTC(), ReturnedAt: w.ReturnedAt}
			if w.ReturnedAt != nil {
				at := w.ReturnedAt.UTC()
				ws[i].ReturnedAt = &at
			}
		}
	}
	return v
}
