package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jmoiron/sqlx"
)

// docVersion is the format of declaration.doc: {"v": 1, "declaration":
// <customs.Declaration as encoding/json writes it, with its route>}. The
// stored document is the domain model, not the API's view of it, so the
// two can change apart; a new format gets a new number and a migration
// (0008_domain_doc converted the views stored before).
const docVersion = 1

type storedDoc struct {
	V           int                  `json:"v"`
	Declaration *customs.Declaration `json:"declaration"`
}

// marshalDoc is the stored document of d.
func marshalDoc(d *customs.Declaration) ([]byte, error) {
	b, err := json.Marshal(storedDoc{V: docVersion, Declaration: d})
	if err != nil {
		return nil, fmt.Errorf("declaration %s: %w", d.ID, err)
	}
	return b, nil
}

// unmarshalDoc reads a stored document; a format this code does not know
// is an error, never a guess.
func unmarshalDoc(id string, b []byte) (*customs.Declaration, error) {
	var doc storedDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("declaration %s: stored document: %w", id, err)
	}
	if doc.V != docVersion || doc.Declaration == nil {
		return nil, fmt.Errorf("declaration %s: stored document of format %d, want %d", id, doc.V, docVersion)
	}
	return doc.Declaration, nil
}

// Declaration is the declaration as stored, with the route it was last
// routed with (task states as they were then: the task rows are live).
func (r *DeclarationRow) Declaration() (*customs.Declaration, error) {
	return unmarshalDoc(r.ID, r.Doc)
}

// DeclarationDoc reads the stored declaration id using q (a transaction
// that holds its lock, or the DB); customs.CodeNotFound if there is none.
func DeclarationDoc(ctx context.Context, q sqlx.QueryerContext, id string) (*customs.Declaration, error) {
	var b []byte
	err := sqlx.GetContext(ctx, q, &b, `SELECT doc FROM declaration WHERE id = $1`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, customs.Errorf(customs.CodeNotFound, "declaration %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("declaration %s: %w", id, err)
	}
	return unmarshalDoc(id, b)
}
