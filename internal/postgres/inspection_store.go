package postgres

import (
	"context"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// InspectionStore is the storage of what follows intake, in the domain's
// types (inspection.Store): tasks, alerts, re-route requests, and
// transactions (InTx) whose Tx writes the rest.
type InspectionStore struct {
	DB *DB
}

// InTx runs f in a transaction (DB.InTx); the inspection service takes
// the transaction as its own small interface.
func (s InspectionStore) InTx(ctx context.Context, f func(tx Tx) error) error {
	return s.DB.InTx(ctx, f)
}

// BureauTasks lists the tasks a bureau owns, oldest first.
func (s InspectionStore) BureauTasks(ctx context.Context, f customs.TaskFilter) ([]customs.TaskRecord, error) {
	rows, err := s.DB.BureauTasks(ctx, f)
	return taskRecords(rows), err
}

// Declaration returns a stored declaration; CodeNotFound if none.
func (s InspectionStore) Declaration(ctx context.Context, id string) (*customs.StoredDeclaration, error) {
	return DeclarationStore(s).Declaration(ctx, id)
}

// ReroutableDeclarations returns the pending declarations of the USCCs
// (every one for nil).
func (s InspectionStore) ReroutableDeclarations(ctx context.Context, usccs []string) ([]string, error) {
	return s.DB.ReroutableDeclarations(ctx, usccs)
}

// Alerts lists risk alerts, newest first; with active set only those in
// force at at.
func (s InspectionStore) Alerts(ctx context.Context, active bool, at time.Time) ([]customs.RiskAlert, error) {
	rows, err := s.DB.Alerts(ctx, active, at)
	if err != nil {
		return nil, err
	}
	out := make([]customs.RiskAlert, len(rows))
	for i := range rows {
		out[i] = rows[i].Alert()
	}
	return out, nil
}

// DeleteAlert ends an alert; false when there is none.
func (s InspectionStore) DeleteAlert(ctx context.Context, id string, at time.Time) (bool, error) {
	return s.DB.DeleteAlert(ctx, id, at)
}

// ForgetReroutes deletes the queued requests of a reason.
func (s InspectionStore) ForgetReroutes(ctx context.Context, reason string) error {
	return s.DB.ForgetReroutes(ctx, reason)
}

// ClaimReroutes claims up to limit queued requests at least settle old
// and gives them to f: deleted for good if f returns nil, put back
// otherwise.
func (s InspectionStore) ClaimReroutes(ctx context.Context, settle time.Duration, limit int, f func([]customs.RerouteRequest) error) error {
	b, err := s.DB.ClaimReroutes(ctx, settle, limit)
	if err != nil {
		return err
	}
	reqs := make([]customs.RerouteRequest, len(b.Requests))
	for i, r := range b.Requests {
		reqs[i] = customs.RerouteRequest{USCC: r.USCC, Actor: r.Actor, Reason: r.Reason}
	}
	if err := f(reqs); err != nil {
		b.Release()
		return err
	}
	return b.Done()
}
