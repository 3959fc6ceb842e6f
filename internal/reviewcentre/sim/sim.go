// Package sim is a review centre for tests, demos and load (partners.md,
// operations.md `gatewayd sim review-centre`). It keeps the first accepted
// message of each Idempotency-Key and answers a repeat with 409 and the
// same receipt; it validates what it receives against the canonical XSD
// and refuses what does not validate with 422 (a refused message is not
// kept, so it may be sent again under the same key); and it can be told to
// fail: a share of requests answered 503, 429 with Retry-After, or garbage,
// added latency, and a time during which it is down (connections dropped).
//
// Choices where the spec is silent:
//
//   - The entry id's year is the year of the declaration's
//     Source/@receivedAt (the year it was declared), so an entry id does not
//     depend on the simulator's clock; the serial counts every accepted
//     declaration of the simulator from 1.
//   - A garbage answer is given after the message was processed (accepted
//     or not): it is a lost answer, the case an Idempotency-Key exists for.
//     503 and 429 are given before, and keep nothing.
//   - Stats count every request received (faults included), the distinct
//     keys accepted, the repeats of accepted keys (409), and the refusals
//     (400, 404, 422). Route amendments count like declarations.
package sim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jjj/gateway/internal/reviewcentre"
	"github.com/jjj/gateway/schemas"
	"github.com/jjj/gateway/schemas/xmllint"
)

// Faults are the failures the simulator injects. Rates are fractions 0–1
// of requests.
type Faults struct {
	// FailRate of requests are answered 503, keeping nothing.
	FailRate float64
	// ThrottleRate of requests are answered 429 with Retry-After.
	ThrottleRate float64
	// GarbageRate of requests are processed, then answered with an
	// unparsable body (a lost answer).
	GarbageRate float64
	// Latency is added to every answer.
	Latency time.Duration
	// RetryAfter is the Retry-After of a 429, whole seconds; zero means 1s.
	RetryAfter time.Duration
}

// Config configures a Sim.
type Config struct {
	Faults
	// DownFor is how long after New the simulator is down: it drops every
	// connection without an answer.
	DownFor time.Duration
	// NoValidate skips XSD validation (for load on machines without
	// xmllint); the default validates.
	NoValidate bool
	// Seed seeds the fault dice; zero means random.
	Seed uint64
	// FirstSerial is the serial of the first entry id it gives; zero means
	// 1. A simulator restarted against a database that keeps the entry ids
	// of an earlier run must start past them, or its entry ids repeat.
	FirstSerial int64
	// NowFunc: nil means time.Now.
	NowFunc func() time.Time
}

// Stats are the counts of GET /stats.
type Stats struct {
	Received   int64 `json:"received"`
	Distinct   int64 `json:"distinct"`
	Duplicates int64 `json:"duplicates"`
	Refused    int64 `json:"refused"`
}

// Sim is the simulated review centre. It is an http.Handler.
type Sim struct {
	cfg Config
	val *validator

	mu        sync.Mutex
	faults    Faults
	downUntil time.Time
	rnd       *rand.Rand
	accepted  map[string]reviewcentre.Receipt // by Idempotency-Key
	entries   map[string]string               // declaration id -> entry id
	serial    int64

	received, distinct, duplicates, refused atomic.Int64
}

// New makes a simulator.
func New(cfg Config) *Sim {
	s := &Sim{cfg: cfg, faults: cfg.Faults, accepted: map[string]reviewcentre.Receipt{}, entries: map[string]string{}}
	if cfg.FirstSerial > 0 {
		s.serial = cfg.FirstSerial - 1
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	s.rnd = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	if cfg.DownFor > 0 {
		s.downUntil = s.now().Add(cfg.DownFor)
	}
	if !cfg.NoValidate {
		s.val = newValidator()
	}
	return s
}

func (s *Sim) now() time.Time {
	if s.cfg.NowFunc != nil {
		return s.cfg.NowFunc()
	}
	return time.Now()
}

// SetFaults changes the injected faults.
func (s *Sim) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
}

// SetDown makes the simulator drop every connection for d (0: up now).
func (s *Sim) SetDown(d time.Duration) {
	s.mu.Lock()
	s.downUntil = s.now().Add(d)
	s.mu.Unlock()
}

// Stats returns the counts so far.
func (s *Sim) Stats() Stats {
	return Stats{Received: s.received.Load(), Distinct: s.distinct.Load(), Duplicates: s.duplicates.Load(), Refused: s.refused.Load()}
}

// EntryID returns the entry id given to a declaration, if it was accepted.
func (s *Sim) EntryID(declarationID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[declarationID]
	return e, ok
}

// Entries returns every accepted declaration's entry id, by declaration id.
func (s *Sim) Entries() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.entries))
	for k, v := range s.entries {
		out[k] = v
	}
	return out
}

// Close stops the validator.
func (s *Sim) Close() {
	if s.val != nil {
		s.val.close()
	}
}

// ServeHTTP routes the simulator's calls.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/stats":
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(s.Stats())
	case r.Method == http.MethodGet && r.URL.Path == "/entries":
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(s.Entries())
	case r.Method == http.MethodPost && r.URL.Path == "/declarations":
		s.message(w, r, "")
	case r.Method == http.MethodPut && strings.HasPrefix(r.URL.Path, "/declarations/") && strings.HasSuffix(r.URL.Path, "/route"):
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/declarations/"), "/route")
		if id == "" || strings.Contains(id, "/") {
			http.NotFound(w, r)
			return
		}
		s.message(w, r, id)
	default:
		http.NotFound(w, r)
	}
}

type fault int

const (
	faultNone fault = iota
	faultDown
	faultFail
	faultThrottle
	faultGarbage
)

func (s *Sim) roll() (fault, Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	if s.now().Before(s.downUntil) {
		return faultDown, f
	}
	x := s.rnd.Float64()
	switch {
	case x < f.FailRate:
		return faultFail, f
	case x < f.FailRate+f.ThrottleRate:
		return faultThrottle, f
	case x < f.FailRate+f.ThrottleRate+f.GarbageRate:
		return faultGarbage, f
	}
	return faultNone, f
}

// message handles a declaration (routeOf empty) or a route amendment of
// the declaration routeOf.
func (s *Sim) message(w http.ResponseWriter, r *http.Request, routeOf string) {
	s.received.Add(1)
	flt, f := s.roll()
	// The latency is spent just before answering, after a message was
	// processed: a client that gives up (or dies) meanwhile has lost the
	// answer to a message that was kept, which the key makes harmless.
	if flt != faultNone && flt != faultGarbage && f.Latency > 0 {
		time.Sleep(f.Latency)
	}
	switch flt {
	case faultDown:
		drop(w)
		return
	case faultFail:
		http.Error(w, "service unavailable", http.StatusServiceUnavailable)
		return
	case faultThrottle:
		ra := f.RetryAfter
		if ra <= 0 {
			ra = time.Second
		}
		w.Header().Set("Retry-After", strconv.Itoa(int((ra+time.Second-1)/time.Second)))
		http.Error(w, "too many requests", http.StatusTooManyRequests)
		return
	}
	status, receipt := s.process(r, routeOf)
	if f.Latency > 0 {
		time.Sleep(f.Latency)
	}
	if flt == faultGarbage {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte("<Receipt xmlns=\"urn:jjj:review-centre:receipt:v1\"><DeclarationId>\x00garbage"))
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	w.Write(reviewcentre.MarshalReceipt(receipt))
}

// drop ends the connection without an answer, as a host that is down or
// a proxy that lost its upstream would.
func drop(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

func refusal(id string, reasons ...string) reviewcentre.Receipt {
	return reviewcentre.Receipt{DeclarationID: id, Status: "refused", Reasons: reasons}
}

func (s *Sim) process(r *http.Request, routeOf string) (int, reviewcentre.Receipt) {
	key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
	idForReceipt := key
	if routeOf != "" {
		idForReceipt = routeOf
	}
	if idForReceipt == "" {
		idForReceipt = "unknown"
	}
	if key == "" {
		s.refused.Add(1)
		return http.StatusBadRequest, refusal(idForReceipt, "Idempotency-Key is required")
	}
	if routeOf != "" && !strings.HasPrefix(key, routeOf+":route:") {
		s.refused.Add(1)
		return http.StatusBadRequest, refusal(idForReceipt, "Idempotency-Key of a route amendment must be <declaration id>:route:<n>")
	}
	// A repeat is answered from what was kept, before looking at the body.
	s.mu.Lock()
	if rc, ok := s.accepted[key]; ok {
		s.mu.Unlock()
		s.duplicates.Add(1)
		return http.StatusConflict, rc
	}
	s.mu.Unlock()
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		s.refused.Add(1)
		return http.StatusBadRequest, refusal(idForReceipt, "reading the body: "+err.Error())
	}
	if s.val != nil {
		if reasons, err := s.val.validate(r.Context(), body); err != nil {
			// The simulator itself cannot validate: a 5xx, so the gateway
			// tries again rather than giving up on the message.
			return http.StatusServiceUnavailable, refusal(idForReceipt, "validator unavailable: "+err.Error())
		} else if len(reasons) > 0 {
			s.refused.Add(1)
			return http.StatusUnprocessableEntity, refusal(idForReceipt, reasons...)
		}
	}
	var district, year, dir string
	if routeOf == "" {
		h, err := readHead(body)
		if err != nil {
			s.refused.Add(1)
			return http.StatusUnprocessableEntity, refusal(idForReceipt, err.Error())
		}
		if h.id != key {
			s.refused.Add(1)
			return http.StatusBadRequest, refusal(idForReceipt, fmt.Sprintf("Idempotency-Key %q is not the declaration id %q", key, h.id))
		}
		district, year, dir = h.district, h.year, h.dir
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if rc, ok := s.accepted[key]; ok { // the same key raced in
		s.duplicates.Add(1)
		return http.StatusConflict, rc
	}
	var rc reviewcentre.Receipt
	status := http.StatusCreated
	if routeOf != "" {
		entry, ok := s.entries[routeOf]
		if !ok {
			s.refused.Add(1)
			return http.StatusNotFound, refusal(routeOf, "unknown declaration "+routeOf)
		}
		rc = reviewcentre.Receipt{DeclarationID: routeOf, EntryID: entry, Status: "accepted"}
		status = http.StatusOK
	} else {
		s.serial++
		entry := fmt.Sprintf("%s%s%s%09d", district, year, dir, s.serial)
		rc = reviewcentre.Receipt{DeclarationID: key, EntryID: entry, Status: "accepted"}
		s.entries[key] = entry
	}
	s.accepted[key] = rc
	s.distinct.Add(1)
	return status, rc
}

type head struct{ id, district, year, dir string }

// readHead reads what an entry id is made of from a canonical declaration.
func readHead(b []byte) (head, error) {
	var h head
	dec := xml.NewDecoder(bytes.NewReader(b))
	inDirection := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return h, fmt.Errorf("not well-formed: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "Declaration":
				h.id = attrOf(t, "id")
			case "Source":
				if at, err := time.Parse(time.RFC3339, attrOf(t, "receivedAt")); err == nil {
					h.year = strconv.Itoa(at.UTC().Year())
				}
			case "Customs":
				h.district = attrOf(t, "port")
			case "Direction":
				inDirection = true
			}
		case xml.CharData:
			if inDirection {
				switch strings.TrimSpace(string(t)) {
				case "import":
					h.dir = "1"
				case "export":
					h.dir = "0"
				}
				inDirection = false
			}
		case xml.EndElement:
			if t.Name.Local == "Direction" {
				inDirection = false
			}
		}
		if h.id != "" && h.year != "" && h.district != "" && h.dir != "" {
			break
		}
	}
	switch {
	case len(h.district) != 4 || strings.Trim(h.district, "0123456789") != "":
		return h, errors.New("Customs/@port is not a 4-digit customs district")
	case len(h.year) != 4:
		return h, errors.New("Source/@receivedAt is not an RFC 3339 time")
	case h.dir == "":
		return h, errors.New("Direction is neither import nor export")
	}
	return h, nil
}

func attrOf(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}

// validator validates bodies against the canonical XSD with xmllint,
// batching the requests that arrive together into one run: a process per
// request would cap the simulator at a few hundred requests a second. The
// verdict for each distinct body is remembered, so a retry costs nothing.
type validator struct {
	reqs chan valReq
	done chan struct{}

	mu    sync.Mutex
	known map[[32]byte][]string // nil slice: valid
}

type valReq struct {
	doc []byte
	sum [32]byte
	out chan valRes
}

type valRes struct {
	reasons []string
	err     error
}

const maxBatch = 64

func newValidator() *validator {
	v := &validator{reqs: make(chan valReq, 256), done: make(chan struct{}), known: map[[32]byte][]string{}}
	// Two runs at once: one xmllint compiles the schema while the other
	// validates.
	go v.loop()
	go v.loop()
	return v
}

func (v *validator) close() { close(v.done) }

func (v *validator) validate(ctx context.Context, doc []byte) ([]string, error) {
	sum := sha256.Sum256(doc)
	v.mu.Lock()
	reasons, ok := v.known[sum]
	v.mu.Unlock()
	if ok {
		return reasons, nil
	}
	req := valReq{doc: doc, sum: sum, out: make(chan valRes, 1)}
	select {
	case v.reqs <- req:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-v.done:
		return nil, errors.New("simulator closed")
	}
	select {
	case res := <-req.out:
		return res.reasons, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (v *validator) loop() {
	for {
		var batch []valReq
		select {
		case r := <-v.reqs:
			batch = append(batch, r)
		case <-v.done:
			return
		}
	more:
		for len(batch) < maxBatch {
			select {
			case r := <-v.reqs:
				batch = append(batch, r)
			default:
				break more
			}
		}
		v.run(batch)
	}
}

// run validates a batch in one xmllint run. The canonical XSD declares both
// Declaration and Route as global elements, so one schema serves
// declarations and route amendments.
func (v *validator) run(batch []valReq) {
	docs := make([][]byte, len(batch))
	for i, r := range batch {
		docs[i] = r.doc
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := xmllint.Validate(ctx, schemas.Declaration, docs...)
	var inv *xmllint.InvalidError
	bad := map[int]bool{}
	switch {
	case err == nil:
	case errors.As(err, &inv):
		for _, i := range inv.Invalid {
			bad[i] = true
		}
	default:
		for _, r := range batch {
			r.out <- valRes{err: err}
		}
		return
	}
	for i, r := range batch {
		var reasons []string
		if bad[i] {
			reasons = reasonsFor(inv.Output, i)
		}
		v.mu.Lock()
		if len(v.known) > 100000 {
			clear(v.known)
		}
		v.known[r.sum] = reasons
		v.mu.Unlock()
		r.out <- valRes{reasons: reasons}
	}
}

// reasonsFor picks xmllint's lines about document i, without the
// temporary file's name.
func reasonsFor(output string, i int) []string {
	name := fmt.Sprintf("doc-%03d.xml", i)
	var out []string
	for _, line := range strings.Split(output, "\n") {
		if !strings.HasPrefix(line, name) || strings.HasSuffix(line, "fails to validate") {
			continue
		}
		line = strings.TrimSpace(strings.TrimPrefix(line, name))
		line = strings.TrimPrefix(line, ":")
		out = append(out, "does not validate against the canonical XSD:"+line)
		if len(out) == 10 {
			break
		}
	}
	if len(out) == 0 {
		out = []string{"does not validate against the canonical XSD"}
	}
	return out
}
