// Package clearance runs a declaration's life in the gateway: intake (the
// port's message translated, routed and stored in one transaction), reading
// it back within a caller's scope, and the status changes that follow. It
// ties the pure parts (adapters, routing, canonical) to storage; the HTTP
// layer calls it and only maps its errors.
package clearance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/jjj/gateway/internal/canonical"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
	"github.com/jjj/gateway/internal/translate"
	"github.com/jjj/gateway/internal/view"
)

// Store is the storage clearance needs, in the domain's types
// (postgres.DeclarationStore implements it). Reads return
// customs.CodeNotFound for an unknown declaration; ctx bounds each call.
type Store interface {
	// InsertDeclaration stores what intake accepted in one statement: the
	// declaration, its first timeline entry, its tasks, its outbox message
	// and its webhook events. When the port already sent the reference it
	// writes nothing and returns the stored id and digest, created false.
	InsertDeclaration(ctx context.Context, in *customs.Intake) (id, digest string, created bool, err error)
	// InsertRejection records a refused message for the operator.
	InsertRejection(ctx context.Context, port customs.Port, portRef string, at time.Time, status int, digest string, problems []customs.Problem) error
	Rejections(ctx context.Context, before int64, limit int) ([]customs.Rejection, error)
	Declaration(ctx context.Context, id string) (*customs.StoredDeclaration, error)
	Tasks(ctx context.Context, id string) ([]customs.TaskRecord, error)
	Timeline(ctx context.Context, id string) ([]customs.TimelineEntry, error)
	// List returns the declarations f selects, newest first, at most
	// f.Limit; TasksOf and TimelinesOf load a page's live parts in one
	// query each.
	List(ctx context.Context, f customs.DeclarationFilter) ([]customs.StoredDeclaration, error)
	TasksOf(ctx context.Context, ids []string) (map[string][]customs.TaskRecord, error)
	TimelinesOf(ctx context.Context, ids []string) (map[string][]customs.TimelineEntry, error)
	CountByStatus(ctx context.Context, f customs.DeclarationFilter) (map[string]int, error)
	// DocumentReads: the register, for the checks of citations and the
	// issuers' view.
	DocumentReads
}

// FactsSource loads what routing needs beyond the declaration. draw is false
// for previews, which draw nothing.
type FactsSource interface {
	Facts(ctx context.Context, d *customs.Declaration, draw bool) (routing.Facts, error)
}

// Service is the declaration lifecycle.
type Service struct {
	Store      Store
	Translator *translate.Translator
	Engine     *routing.Engine
	Tables     *codes.Tables
	Facts      FactsSource
	// NowFunc: nil means time.Now.
	NowFunc func() time.Time
}

func (s *Service) now() time.Time {
	if s.NowFunc != nil {
		return s.NowFunc().UTC()
	}
	return time.Now().UTC()
}

// NewID returns a new opaque id with a prefix ("d_", "t_").
func NewID(prefix string) string { return prefix + ulid.Make().String() }

// Submitted is the answer to a submission.
type Submitted struct {
	ID string
	// Created is false when the port sent the same reference and bytes again.
	Created bool
	// Body is the JSON of the declaration as GET shows it.
	Body []byte
	// Audited is true when the call's audit entry was stored with the
	// declaration (SubmitOptions.Audit).
	Audited bool
}

// Submit takes a port's message: translate, route, store in one
// transaction. A refused message leaves only a rejection record. Errors are
// *customs.Error: CodeUnreadable, CodeInvalid (with every problem),
// CodeConflict (same reference, other bytes).
func (s *Service) Submit(ctx context.Context, port customs.Port, raw []byte, who customs.Principal) (*Submitted, error) {
	return s.SubmitWith(ctx, port, raw, who, SubmitOptions{})
}

// SubmitOptions are what the HTTP layer adds to a submission.
type SubmitOptions struct {
	// Audit, when set, is the call's audit entry, stored in the same
	// transaction as the declaration it creates (its Target set to the new
	// declaration, its At to the arrival); the answer says so with
	// Audited. When nothing is created (a resend, a refusal) it is not
	// written and the caller records the outcome itself.
	Audit *customs.AuditEntry
	// Parsed, when set, is called once the message has been read into the
	// model (or refused), before anything is stored: the caller's turn to
	// read and parse can go to the next message.
	Parsed func()
}

// SubmitWith is Submit with the HTTP layer's options.
func (s *Service) SubmitWith(ctx context.Context, port customs.Port, raw []byte, who customs.Principal, opts SubmitOptions) (*Submitted, error) {
	now := s.now().Truncate(time.Microsecond)
	d, err := s.Translator.Decode(port, raw)
	if opts.Parsed != nil {
		opts.Parsed()
	}
	if err != nil {
		err = s.withDocumentProblems(ctx, d, now, err)
		s.reject(ctx, port, d, raw, now, err)
		return nil, refused(d, err)
	}
	d.ID = NewID("d_")
	d.Source.ReceivedAt = now
	docs, err := s.citedDocuments(ctx, d)
	if err != nil {
		return nil, err
	}
	facts, err := s.facts(ctx, d, true)
	if err != nil {
		return nil, err
	}
	withDocumentFacts(&facts, docs)
	route, err := s.Engine.Decide(d, facts)
	if err != nil {
		err = s.withDocumentProblems(ctx, d, now, err)
		s.reject(ctx, port, d, raw, now, err)
		return nil, refused(d, err)
	}
	d.Route = route
	if ps := checkCitations(d, docs); len(ps) > 0 {
		if id, same, err := s.resent(ctx, d); err != nil {
			return nil, err
		} else if same {
			body, err := s.Render(ctx, id)
			if err != nil {
				return nil, err
			}
			return &Submitted{ID: id, Created: false, Body: body}, nil
		}
		err := documentsRefused(ps)
		s.reject(ctx, port, d, raw, now, err)
		return nil, refused(d, err)
	}
	portOffice := s.Tables.OfficeForCustoms(d.Customs.Port)
	for i := range route.Tasks {
		OpenTask(&route.Tasks[i])
	}
	xml := canonical.Marshal(d)
	v := view.NewView(d)
	// The first timeline entry keeps the route it was accepted with (the
	// tracking page shows its reasons; a re-route's entry keeps the old one).
	routeJSON := view.AppendRouteJSON(nil, v.Route)
	note := "accepted and routed: " + string(route.Lane)
	in := &customs.Intake{Declaration: d, PortOffice: portOffice, Canonical: xml, Actor: who.Actor(), Note: note, RouteJSON: routeJSON}
	if opts.Audit != nil {
		e := *opts.Audit
		e.Target, e.At = d.ID, now
		in.Audit = &e
	}
	id, digest, created, err := s.Store.InsertDeclaration(ctx, in)
	// A document another declaration took the last of (or revoked) between
	// the check and the statement: nothing was stored; check again to say
	// which citation, or, if the register has room again (a give-back
	// meanwhile), try once more.
	for try := 0; errors.Is(err, customs.ErrDocumentShort) && try < 3; try++ {
		ps, cerr := s.checkDocuments(ctx, d)
		if cerr != nil {
			return nil, cerr
		}
		if len(ps) > 0 {
			err := documentsRefused(ps)
			s.reject(ctx, port, d, raw, now, err)
			return nil, refused(d, err)
		}
		id, digest, created, err = s.Store.InsertDeclaration(ctx, in)
	}
	if err != nil {
		return nil, err
	}
	if !created {
		if digest != d.Source.Digest {
			return nil, &RefusedError{PortRef: d.Source.PortRef, Err: &customs.Error{Code: customs.CodeConflict,
				Message:  fmt.Sprintf("%s %s was already submitted with other content; send a new reference", port, d.Source.PortRef),
				Problems: []customs.Problem{{Code: "conflict", Message: "existing declaration " + id}}}}
		}
		body, err := s.Render(ctx, id)
		if err != nil {
			return nil, err
		}
		return &Submitted{ID: id, Created: false, Body: body}, nil
	}
	body := acceptedBody(v, view.TimelineEntry{At: now, Status: string(customs.StatusAccepted), Actor: who.Actor(), Note: note, Data: routeJSON})
	return &Submitted{ID: id, Created: true, Body: body, Audited: in.Audit != nil}, nil
}

// RefusedError is a refused message with the portRef read from it, when
// the message got that far: the problem names it (api.md), and the HTTP
// layer takes it from here rather than reading the message again.
type RefusedError struct {
	PortRef string
	Err     error
}

func (e *RefusedError) Error() string { return e.Err.Error() }
func (e *RefusedError) Unwrap() error { return e.Err }

// refused wraps err with d's portRef; d may be the partial declaration an
// adapter returns with its problems, or nil.
func refused(d *customs.Declaration, err error) error {
	if d == nil || d.Source.PortRef == "" || len(d.Source.PortRef) > customs.MaxPortRef {
		return err
	}
	return &RefusedError{PortRef: d.Source.PortRef, Err: err}
}

// OpenTask gives a task of a new route its id and open status. Intake
// and re-routes (internal/inspection) open tasks alike.
func OpenTask(t *customs.Task) {
	t.ID = NewID("t_")
	t.Status = customs.TaskOpen
}

// acceptedBody is the answer to a new submission: the view v with what
// GET adds to it (status accepted, entryId null, the first timeline
// entry), marshalled once, after the declaration is stored: a resend
// that stored nothing is answered from the database (Render) and never
// needs it. The bytes are those json.Marshal gives for the view with
// those fields set (TestAcceptedBody).
func acceptedBody(v *view.View, first view.TimelineEntry) []byte {
	v.Status = string(customs.StatusAccepted)
	v.EntryID = entryIDNull
	v.Timeline = []view.TimelineEntry{first}
	return view.AppendJSON(make([]byte, 0, view.SizeHint(v)+256+len(first.Note)+len(first.Data)), v)
}

// entryIDNull is a new declaration's entry id: none yet.
var entryIDNull = json.RawMessage("null")

// Preview runs the same checks, translation and route as Submit, stores
// nothing and draws nothing.
func (s *Service) Preview(ctx context.Context, port customs.Port, raw []byte) ([]byte, error) {
	now := s.now().Truncate(time.Microsecond)
	d, err := s.Translator.Decode(port, raw)
	if err != nil {
		return nil, refused(d, s.withDocumentProblems(ctx, d, now, err))
	}
	d.Source.ReceivedAt = now
	docs, err := s.citedDocuments(ctx, d)
	if err != nil {
		return nil, err
	}
	facts, err := s.facts(ctx, d, false)
	if err != nil {
		return nil, err
	}
	withDocumentFacts(&facts, docs)
	route, err := s.Engine.Decide(d, facts)
	if err != nil {
		return nil, refused(d, s.withDocumentProblems(ctx, d, now, err))
	}
	d.Route = route
	// The same checks as Submit; nothing is written off.
	if ps := checkCitations(d, docs); len(ps) > 0 {
		return nil, refused(d, documentsRefused(ps))
	}
	v := view.NewView(d)
	return view.AppendJSON(make([]byte, 0, view.SizeHint(v)), v), nil
}

func (s *Service) facts(ctx context.Context, d *customs.Declaration, draw bool) (routing.Facts, error) {
	if s.Facts == nil {
		return routing.Facts{}, nil
	}
	f, err := s.Facts.Facts(ctx, d, draw)
	if err != nil {
		return f, fmt.Errorf("load routing facts: %w", err)
	}
	return f, nil
}

// reject records a refused message for the operator, for the refusals a
// port causes (unreadable, invalid); others are the gateway's own. A
// failure to record it is swallowed: the port gets its refusal either way,
// and Submit returns the refusal, not the bookkeeping's error.
func (s *Service) reject(ctx context.Context, port customs.Port, d *customs.Declaration, raw []byte, at time.Time, err error) {
	code := customs.ErrorCodeOf(err)
	status := 422
	switch code {
	case customs.CodeUnreadable:
		status = 400
	case customs.CodeInvalid:
	default:
		return
	}
	ref := ""
	if d != nil && len(d.Source.PortRef) <= customs.MaxPortRef {
		ref = d.Source.PortRef
	}
	sum := sha256.Sum256(raw)
	_ = s.Store.InsertRejection(ctx, port, ref, at, status, "sha256:"+hex.EncodeToString(sum[:]), customs.BoundProblems(customs.ProblemsOf(err)))
}

// RecordRejection stores a rejection found before translation (size,
// content type). A record keeps what the answer said (BoundProblems), so
// it stays under 64 KiB whatever was sent.
func (s *Service) RecordRejection(ctx context.Context, port customs.Port, raw []byte, status int, err error) {
	sum := sha256.Sum256(raw)
	_ = s.Store.InsertRejection(ctx, port, "", s.now(), status, "sha256:"+hex.EncodeToString(sum[:]), customs.BoundProblems(customs.ProblemsOf(err)))
}

// Rejections lists the refused messages for the operator, newest first,
// before the id before (0 for the newest), at most limit.
func (s *Service) Rejections(ctx context.Context, before int64, limit int) ([]customs.Rejection, error) {
	return s.Store.Rejections(ctx, before, limit)
}

// Visible reports whether p may read the declaration (api.md scopes). A
// declaration outside the scope is not found, as if it did not exist.
func Visible(p customs.Principal, row *customs.StoredDeclaration, tasks []customs.TaskRecord) bool {
	switch p.Role {
	case customs.CallerAdmin:
		return true
	case customs.CallerPort:
		return string(row.Port) == p.Scope
	case customs.CallerEnterprise:
		for _, e := range row.Enterprises {
			if e == p.Scope {
				return true
			}
		}
	case customs.CallerBureau:
		for _, t := range tasks {
			if t.Owner == p.Scope {
				return true
			}
		}
	}
	return false
}

// load reads a declaration and its tasks, which decide its scope; with p
// set, CodeNotFound outside p's scope, as if it did not exist.
func (s *Service) load(ctx context.Context, id string, p *customs.Principal) (*customs.StoredDeclaration, []customs.TaskRecord, error) {
	row, err := s.Store.Declaration(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	tasks, err := s.Store.Tasks(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if p != nil && !Visible(*p, row, tasks) {
		// The issuer of a document the declaration wrote off against
		// reads it too (documents.md), as a bureau with a task does.
		ok := false
		if p.Role == customs.CallerBureau {
			if ok, err = s.documentIssuer(ctx, id, p.Scope); err != nil {
				return nil, nil, err
			}
		}
		if !ok {
			return nil, nil, customs.Errorf(customs.CodeNotFound, "declaration %s not found", id)
		}
	}
	return row, tasks, nil
}

// GetView returns the live view of a declaration within p's scope;
// CodeNotFound outside it.
func (s *Service) GetView(ctx context.Context, id string, p customs.Principal) (*view.View, error) {
	row, tasks, err := s.load(ctx, id, &p)
	if err != nil {
		return nil, err
	}
	return s.view(ctx, row, tasks)
}

// Get returns the JSON of a declaration within p's scope; CodeNotFound
// outside it.
func (s *Service) Get(ctx context.Context, id string, p customs.Principal) ([]byte, error) {
	v, err := s.GetView(ctx, id, p)
	if err != nil {
		return nil, err
	}
	return view.AppendJSON(make([]byte, 0, view.SizeHint(v)), v), nil
}

// Canonical returns the canonical XML of a declaration within p's scope.
func (s *Service) Canonical(ctx context.Context, id string, p customs.Principal) ([]byte, error) {
	row, _, err := s.load(ctx, id, &p)
	if err != nil {
		return nil, err
	}
	return row.Canonical, nil
}

// Render returns the JSON of a declaration, unscoped (the caller checked).
func (s *Service) Render(ctx context.Context, id string) ([]byte, error) {
	row, tasks, err := s.load(ctx, id, nil)
	if err != nil {
		return nil, err
	}
	v, err := s.view(ctx, row, tasks)
	if err != nil {
		return nil, err
	}
	return view.AppendJSON(make([]byte, 0, view.SizeHint(v)), v), nil
}

func (s *Service) view(ctx context.Context, row *customs.StoredDeclaration, tasks []customs.TaskRecord) (*view.View, error) {
	tl, err := s.Store.Timeline(ctx, row.ID)
	if err != nil {
		return nil, err
	}
	return Assemble(row, tasks, tl)
}

// Assemble builds the live view of a stored declaration from its row (the
// domain model, rendered by view.NewView), tasks and timeline: the one
// place the stored model and the live parts meet, shared by Get and the listings (which load a page's tasks and
// timelines in one query each).
func Assemble(row *customs.StoredDeclaration, tasks []customs.TaskRecord, tl []customs.TimelineEntry) (*view.View, error) {
	if row.Declaration == nil {
		return nil, fmt.Errorf("declaration %s: no stored document", row.ID)
	}
	v := view.NewView(row.Declaration)
	v.Status = string(row.Status)
	if row.EntryID != "" {
		v.EntryID, _ = json.Marshal(row.EntryID)
	} else {
		v.EntryID = json.RawMessage("null")
	}
	if v.Route != nil {
		byID := make(map[string]*customs.TaskRecord, len(tasks))
		for i := range tasks {
			byID[tasks[i].ID] = &tasks[i]
		}
		for i := range v.Route.Tasks {
			if t := byID[v.Route.Tasks[i].ID]; t != nil {
				v.Route.Tasks[i].Status = t.Status
				if t.Outcome != "" {
					o := t.Outcome
					v.Route.Tasks[i].Outcome = &o
				}
			}
		}
	}
	v.Timeline = make([]view.TimelineEntry, len(tl))
	for i, e := range tl {
		v.Timeline[i] = view.TimelineEntry{At: e.At.UTC(), Status: e.Status, Actor: e.Actor, Note: e.Note, Data: json.RawMessage(e.Data)}
	}
	return v, nil
}
