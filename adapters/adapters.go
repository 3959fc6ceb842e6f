// Package adapters is the host of the port dialects: the one small interface
// every port adapter implements, the registry the service is wired with, and
// what reading any dialect shares:
//
//   - ReadXML (xml.go, scan.go): the encodings, then one pass over the bytes
//     that refuses a DOCTYPE anywhere, what is not well-formed XML 1.0 and
//     what is over a limit (nesting, elements, attributes on one element,
//     one value's length) before etree builds a tree, so that a hostile body
//     costs a pass over its bytes and no memory;
//   - the reading kit (scope.go, reader.go, path.go, checks.go): namespace
//     scope, once-only elements, unknown-element warnings, attribute, text
//     and party helpers, lazily built paths, and the checks of ports.md's
//     table (USCC, customs codes, countries, bureaus, codes, decimals,
//     container numbers), so that each dialect holds only its structure and
//     its readings.
//
// Each port lives in its own package (adapters/tianjin, adapters/hebei,
// adapters/beijing), split alike: decode.go reads the tree, check.go checks
// what was read, walk.go walks the children as the dialect's namespaces and
// paths require. Adding a port is one new package and one Register call.
package adapters

import (
	"fmt"
	"sort"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

// Adapter converts one port's XML messages to the canonical model.
// Implementations must be safe for concurrent use and must not perform I/O
// or read the clock.
type Adapter interface {
	// Info describes the port for GET /v1/ports.
	Info() Info
	// Decode reads one message. It returns the canonical declaration with its
	// warnings, or an error: a *customs.Error of CodeUnreadable (400: not
	// XML, a DOCTYPE, a wrong encoding, over a limit, a foreign root) or of
	// CodeInvalid (422) listing every problem at its path in the port's
	// message. On CodeInvalid the declaration is still returned, filled as
	// far as it could be read (portRef, direction), so the caller can name
	// it in the answer; on CodeUnreadable it is nil.
	//
	// Decode does not set Source.ReceivedAt, Source.Digest, ID or Route.
	Decode(raw []byte) (*customs.Declaration, error)
}

// Info describes a port dialect.
type Info struct {
	ID        customs.Port `json:"id"`
	Name      string       `json:"name"`
	Dialect   string       `json:"dialect"`
	Encodings []string     `json:"encodings"`
	// Schema is the file name of the dialect's XSD in schemas/.
	Schema string `json:"schema"`
}

// Config is what every adapter is built with.
type Config struct {
	// Tables are the code tables; required.
	Tables *codes.Tables
	// Limits bound the XML read; zero values take the defaults.
	Limits Limits
}

// Limits bound what reading one message may cost (operations.md; api.md
// "Hostile input"). They are counted while the message is read, before a
// tree of it exists, and a message over one is too_deep.
type Limits struct {
	// MaxDepth is the deepest element nesting; zero means 64.
	MaxDepth int
	// MaxElements is the most elements in one message; zero means 200,000.
	MaxElements int
	// MaxAttributes is the most attributes on one element; zero means 256.
	MaxAttributes int
	// MaxValueBytes is the longest text of one element or value of one
	// attribute, in bytes as written; zero means 65,536.
	MaxValueBytes int
}

// WithDefaults returns l with zero fields set to their defaults.
func (l Limits) WithDefaults() Limits {
	if l.MaxDepth <= 0 {
		l.MaxDepth = 64
	}
	if l.MaxElements <= 0 {
		l.MaxElements = 200000
	}
	if l.MaxAttributes <= 0 {
		l.MaxAttributes = 256
	}
	if l.MaxValueBytes <= 0 {
		l.MaxValueBytes = 65536
	}
	return l
}

// Validate checks the configuration every adapter needs.
func (c Config) Validate() error {
	if c.Tables == nil {
		return fmt.Errorf("adapters: Config.Tables is required")
	}
	return nil
}

// Must returns a, or panics with err: the MustNew of every adapter, for
// wiring and tests, where a bad configuration is a programming error.
func Must[A Adapter](a A, err error) A {
	if err != nil {
		panic(err)
	}
	return a
}

// Registry holds the adapters the service accepts, by port id. It is built
// explicitly where the service is wired; there is no global registry.
type Registry struct {
	byPort map[customs.Port]Adapter
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byPort: map[customs.Port]Adapter{}}
}

// Register adds a. It panics when the port is registered twice: that is a
// wiring defect, not a run-time condition.
func (r *Registry) Register(a Adapter) {
	id := a.Info().ID
	if _, dup := r.byPort[id]; dup {
		panic(fmt.Sprintf("adapters: port %q registered twice", id))
	}
	r.byPort[id] = a
}

// Get returns the adapter of a port.
func (r *Registry) Get(port customs.Port) (Adapter, bool) {
	a, ok := r.byPort[port]
	return a, ok
}

// Infos lists the registered ports, sorted by id.
func (r *Registry) Infos() []Info {
	out := make([]Info, 0, len(r.byPort))
	for _, a := range r.byPort {
		out = append(out, a.Info())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
