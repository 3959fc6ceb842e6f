package clearance

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
)

// DocumentReads are the reads of the register intake and the scoped reads
// make (postgres.DeclarationStore implements them with Store).
type DocumentReads interface {
	// Documents returns the documents with those keys that exist, without
	// their write-offs, in one query.
	Documents(ctx context.Context, keys []customs.DocumentKey) (map[customs.DocumentKey]*customs.Document, error)
	// DocumentIssuers returns the bureaus that issued a document the
	// declaration wrote off against.
	DocumentIssuers(ctx context.Context, id string) ([]string, error)
	// FindDeclaration returns the id and digest of the declaration a port
	// sent with that reference; customs.CodeNotFound if none.
	FindDeclaration(ctx context.Context, port customs.Port, portRef string) (id, digest string, err error)
}

// citedDocuments looks up the documents d cites, in one query; nil, and
// no query, when it cites none. Intake reads them once, before routing:
// the checks use them, and so does routing's first-use fact.
func (s *Service) citedDocuments(ctx context.Context, d *customs.Declaration) (map[customs.DocumentKey]*customs.Document, error) {
	keys := customs.CitedDocuments(d)
	if len(keys) == 0 {
		return nil, nil
	}
	docs, err := s.Store.Documents(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("cited documents: %w", err)
	}
	return docs, nil
}

// withDocumentFacts gives routing the first use and issuer of each cited
// document from the documents intake looked up (no further query): at
// intake, the declaration has no write-off of its own yet, so any
// write-off against a document is an earlier use. Re-routes ask the
// register for the write-offs earlier than the declaration's own
// (inspection).
func withDocumentFacts(f *routing.Facts, docs map[customs.DocumentKey]*customs.Document) {
	if docs == nil {
		return
	}
	facts := make(map[customs.DocumentKey]customs.DocumentFact, len(docs))
	for k, d := range docs {
		facts[k] = customs.DocumentFact{Issuer: d.Issuer, EarlierUse: d.Used}
	}
	f.FirstUse, f.Issuer = customs.DocumentFacts(facts)
}

// checkCitations is customs.CheckCitations for a declaration whose cited
// documents were looked up (nothing to check when it cites none).
func checkCitations(d *customs.Declaration, docs map[customs.DocumentKey]*customs.Document) customs.Problems {
	if docs == nil {
		return nil
	}
	return customs.CheckCitations(d, docs)
}

// checkDocuments checks every citation of d against the register
// (customs.CheckCitations) at d's receipt. A declaration citing nothing
// costs no query; one that cites costs one read before the intake
// statement, which then writes off under the documents' row locks.
func (s *Service) checkDocuments(ctx context.Context, d *customs.Declaration) (customs.Problems, error) {
	docs, err := s.citedDocuments(ctx, d)
	if err != nil || docs == nil {
		return nil, err
	}
	return customs.CheckCitations(d, docs), nil
}

// withDocumentProblems adds the problems of d's citations to a refusal
// for other problems (CodeInvalid), so that the port hears of all of them
// at once. Other errors, and a d the adapter could not read far enough to
// give, are returned as they are.
func (s *Service) withDocumentProblems(ctx context.Context, d *customs.Declaration, at time.Time, err error) error {
	var e *customs.Error
	if d == nil || !errors.As(err, &e) || e.Code != customs.CodeInvalid {
		return err
	}
	if d.Source.ReceivedAt.IsZero() {
		d.Source.ReceivedAt = at
	}
	ps, cerr := s.checkDocuments(ctx, d)
	if cerr != nil {
		return cerr
	}
	if len(ps) == 0 {
		return err
	}
	out := *e
	out.Problems = append(append([]customs.Problem(nil), e.Problems...), ps...)
	return &out
}

// documentsRefused is the refusal of a declaration whose only problems
// are its citations.
func documentsRefused(ps customs.Problems) error {
	return ps.Err(customs.CodeInvalid, "declaration does not validate")
}

// resent reports whether the port already sent these very bytes with
// this reference: then the 200 of api.md answers, whatever the register
// says today (the first submission wrote off; this one writes off nothing
// and is refused for nothing).
func (s *Service) resent(ctx context.Context, d *customs.Declaration) (id string, ok bool, err error) {
	id, digest, err := s.Store.FindDeclaration(ctx, d.Source.Port, d.Source.PortRef)
	if customs.ErrorCodeOf(err) == customs.CodeNotFound {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return id, digest == d.Source.Digest, nil
}

// documentIssuer reports whether the bureau issued a document the
// declaration wrote off against: the issuer reads the declaration as a
// bureau with a task does (documents.md).
func (s *Service) documentIssuer(ctx context.Context, id, bureau string) (bool, error) {
	issuers, err := s.Store.DocumentIssuers(ctx, id)
	if err != nil {
		return false, err
	}
	for _, b := range issuers {
		if b == bureau {
			return true, nil
		}
	}
	return false, nil
}
