package hebei

import (
	"fmt"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

// Adapter reads Hebei's BJXX declarations. It holds only read-only state
// (the code tables and the limits), so one value serves every request
// concurrently.
type Adapter struct {
	tables *codes.Tables
	limits adapters.Limits
}

// New returns the Hebei adapter. cfg.Tables is required; zero limits take
// the defaults of adapters.Limits.
func New(cfg adapters.Config) (*Adapter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("hebei: %w", err)
	}
	return &Adapter{tables: cfg.Tables, limits: cfg.Limits.WithDefaults()}, nil
}

// MustNew is New for wiring and tests, where a bad configuration is a
// programming error: it panics instead of returning the error.
func MustNew(cfg adapters.Config) *Adapter { return adapters.Must(New(cfg)) }

// Info describes the port for GET /v1/ports.
func (a *Adapter) Info() adapters.Info {
	return adapters.Info{
		ID:        customs.PortHebei,
		Name:      "Hebei ports (Qinhuangdao, Jingtang, Caofeidian, Huanghua)",
		Dialect:   "BJXX",
		Encodings: adapters.Encodings,
		Schema:    "hebei-bjxx.xsd",
	}
}

// Decode reads one BJXX message (adapters.Adapter). A body that cannot be
// read (encoding, DOCTYPE, limits, not XML, a root other than BJXX without
// namespace) is a *customs.Error of CodeUnreadable with a nil declaration.
// Otherwise every problem of the message is collected and returned at once
// as a *customs.Error of CodeInvalid, together with the declaration filled
// as far as it could be read. Unknown elements and hazard-class findings are
// Declaration.Warnings, never errors.
func (a *Adapter) Decode(raw []byte) (*customs.Declaration, error) {
	doc, err := adapters.ReadXML(raw, a.limits)
	if err != nil {
		return nil, err
	}
	root := doc.Root()
	sc := adapters.Scope{}.Enter(root)
	if ns := sc.URI(root.Space); root.Tag != "BJXX" || ns != "" {
		return nil, adapters.UnknownRoot(ns, root.Tag, "BJXX (no namespace)")
	}
	if err := doc.CheckLengths(pathHead + "/BJDH"); err != nil {
		return nil, err
	}
	dec := newDecoder(a.tables)
	dec.decode(root, sc)
	return dec.d, dec.Problems.Err(customs.CodeInvalid, "declaration does not validate")
}

var _ adapters.Adapter = (*Adapter)(nil)
