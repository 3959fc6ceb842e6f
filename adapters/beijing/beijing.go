package beijing

import (
	"fmt"
	"slices"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

// Namespace is the format's namespace, matched by URI whatever the prefix.
const Namespace = "urn:cn:bjport:aircargo:declaration:2"

// Dialect is the canonical Source.Dialect of every Beijing declaration: the
// format has one version, the 2 of its namespace.
const Dialect = "beijing/AirCargoDeclaration-2"

// Adapter decodes Beijing air cargo declarations. It holds only read-only
// tables and limits, so one value serves every request concurrently.
type Adapter struct {
	tables *codes.Tables
	limits adapters.Limits
}

// New returns an adapter reading with cfg's code tables and limits (zero
// limits take adapters.Limits' defaults). It fails when cfg has no tables.
func New(cfg adapters.Config) (*Adapter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("beijing: %w", err)
	}
	return &Adapter{tables: cfg.Tables, limits: cfg.Limits.WithDefaults()}, nil
}

// MustNew is New for wiring and tests, where a bad configuration is a
// defect: it panics on error.
func MustNew(cfg adapters.Config) *Adapter { return adapters.Must(New(cfg)) }

// Info describes the port for GET /v1/ports.
func (a *Adapter) Info() adapters.Info {
	return adapters.Info{
		ID:        customs.PortBeijing,
		Name:      "Beijing Capital Airport (air cargo)",
		Dialect:   "AirCargoDeclaration",
		Encodings: slices.Clone(adapters.Encodings),
		Schema:    "beijing-aircargo.xsd",
	}
}

// Decode reads one AirCargoDeclaration. A body that cannot be read, or whose
// root is not {urn:cn:bjport:aircargo:declaration:2}AirCargoDeclaration, is
// a *customs.Error of CodeUnreadable and no declaration. Otherwise every
// problem of the message is collected, each at its path
// (/AirCargoDeclaration/Items/Item[@line='3']/@hs), and returned as one
// *customs.Error of CodeInvalid together with the declaration as far as it
// could be filled. Warnings (unknown elements, a declared hazard class or
// packing group the UN table does not give) are on the declaration.
func (a *Adapter) Decode(raw []byte) (*customs.Declaration, error) {
	doc, err := adapters.ReadXML(raw, a.limits)
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	sc := adapters.Scope{}.Enter(root)
	if uri := sc.URI(root.Space); root.Tag != rootTag || uri != Namespace {
		return nil, adapters.UnknownRoot(uri, root.Tag, "{"+Namespace+"}"+rootTag)
	}
	if err := doc.CheckLengths(rootPath + "/@messageId"); err != nil {
		return nil, err
	}
	dc := decoder{Reader: adapters.NewReader(a.tables, style), d: &customs.Declaration{
		Source: customs.Source{Port: customs.PortBeijing, Dialect: Dialect},
		Paths: customs.Paths{
			DestinationOffice: destinationOfficePath,
			DirectTransitZone: directTransitZonePath,
			District:          "/@district",
			UN:                "/DangerousGoods/@un",
			PackingGroup:      "/DangerousGoods/@packingGroup",
			PackagingMark:     "/DangerousGoods/@packaging",
		},
	}}
	dc.root(root, sc)
	dc.finish()
	if err := dc.Problems.Err(customs.CodeInvalid, "the declaration does not pass the Beijing port's checks"); err != nil {
		return dc.d, err
	}
	return dc.d, nil
}

var _ adapters.Adapter = (*Adapter)(nil)
