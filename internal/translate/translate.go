// Package translate is the first half of a declaration's way through the
// gateway, shared by the HTTP service, `gatewayd translate` and the tests:
// port XML → its adapter → canonical declaration → validation (the adapter's
// checks, Validate, and routing's validation half). Routing proper and
// storage follow in the caller, which owns the facts and the clock.
package translate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
)

// Translator decodes and checks messages of every registered port.
type Translator struct {
	Adapters *adapters.Registry
	Engine   *routing.Engine
	// Observe, when set, is told how long each Decode of a known port
	// took, refused or not (the gateway's translation latency metric).
	Observe func(port customs.Port, took time.Duration)
}

// Decode translates raw from port into a checked canonical declaration with
// its digest and rule set. It returns a *customs.Error: CodeNotFound for an
// unknown port, CodeUnreadable (400) or CodeInvalid (422) with every problem
// at once. On CodeInvalid the partly read declaration is returned too, so
// that the answer can name its portRef.
func (t *Translator) Decode(port customs.Port, raw []byte) (*customs.Declaration, error) {
	a, ok := t.Adapters.Get(port)
	if !ok {
		return nil, customs.Errorf(customs.CodeNotFound, "unknown port %q", port)
	}
	if t.Observe != nil {
		defer func(start time.Time) { t.Observe(port, time.Since(start)) }(time.Now())
	}
	d, err := a.Decode(raw)
	if d == nil {
		if err == nil {
			err = fmt.Errorf("translate: %s adapter returned neither declaration nor error", port)
		}
		return nil, err
	}
	ps := customs.ProblemsOf(err)
	if err != nil && len(ps) == 0 {
		return nil, err
	}
	ps = append(ps, t.Engine.Check(d)...)
	if len(ps) > 0 {
		return d, &customs.Error{Code: customs.CodeInvalid, Message: "declaration does not validate", Problems: ps}
	}
	if err := d.Validate(); err != nil {
		// An adapter let through what the canonical model refuses: a defect
		// of the adapter, still reported as the port's problem.
		return d, err
	}
	sum := sha256.Sum256(raw)
	d.Source.Digest = "sha256:" + hex.EncodeToString(sum[:])
	d.RuleSet = t.Engine.RuleSet()
	return d, nil
}

// NotChecked adds a document_not_checked warning at each citation of d, for
// a translation made without the register (`gatewayd translate`): the
// citation may be unknown, revoked, expired, held by another enterprise,
// differ from the item or be used up, and only the gateway's intake can
// tell. It is a warning, not an error, so that a declarant can still check
// the rest of a message offline. Warnings already on d come first.
func NotChecked(d *customs.Declaration) {
	for i := range d.Goods {
		for _, c := range d.Goods[i].Documents {
			d.Warnings = append(d.Warnings, customs.Warning{Path: c.Path, Code: customs.WarnDocumentNotChecked,
				Message: fmt.Sprintf("%s %s was not checked against the document register: offline, only the gateway's intake can check and write it off", c.Kind, c.Number)})
		}
	}
}
