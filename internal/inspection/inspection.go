// Package inspection is what happens to a declaration after intake: the
// bureaus' tasks and their results, the judging of each workflow's
// findings (Judge, pure), risk alerts, re-routing when credit or alerts
// change, the review centre's decisions, and Record, the one place a
// declaration's status moves. It builds on internal/clearance (the
// declaration as intake stored it, the routing facts, how a task is
// opened) and enqueues route amendments through internal/outbox; clearance
// never imports it.
package inspection

import (
	"context"
	"fmt"
	"time"

	"github.com/jjj/gateway/adapters"
	"github.com/jjj/gateway/internal/clearance"
	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/outbox"
	"github.com/jjj/gateway/internal/routing"
)

// Service is the declaration's life after intake.
type Service struct {
	Store  Store
	Engine *routing.Engine
	Tables *codes.Tables
	// Facts loads credit, alerts and the day's seed for re-routes.
	Facts clearance.FactsSource
	// Adapters tell which ports exist, for risk alerts that name one.
	Adapters *adapters.Registry
	// ReplayFunc makes a dead delivery due again (outbox.Replay over the
	// outbox's storage, wired in gatewayd); nil refuses replays.
	ReplayFunc func(ctx context.Context, delivery int64, actor, note string, at time.Time) error
	// NowFunc: nil means time.Now.
	NowFunc func() time.Time
}

// Reads are the reads the service makes outside a transaction.
// customs.CodeNotFound for an unknown declaration; ctx bounds each call.
type Reads interface {
	BureauTasks(ctx context.Context, f customs.TaskFilter) ([]customs.TaskRecord, error)
	Declaration(ctx context.Context, id string) (*customs.StoredDeclaration, error)
	// ReroutableDeclarations returns the ids of the declarations not yet
	// finished that concern any of the USCCs, or all of them for nil.
	ReroutableDeclarations(ctx context.Context, usccs []string) ([]string, error)
	// Alerts lists risk alerts, newest first; with active set only those
	// in force at at.
	Alerts(ctx context.Context, active bool, at time.Time) ([]customs.RiskAlert, error)
	// DeleteAlert ends an alert at at; false when there is none.
	DeleteAlert(ctx context.Context, id string, at time.Time) (bool, error)
	// ForgetReroutes deletes the queued re-route requests of a reason.
	ForgetReroutes(ctx context.Context, reason string) error
	// DocumentFacts returns, for the documents the declaration id cites
	// that exist, their issuer and whether a write-off against them is
	// earlier than the declaration's own (routing's first use, decided
	// again on a re-route as at intake).
	DocumentFacts(ctx context.Context, id string, keys []customs.DocumentKey) (map[customs.DocumentKey]customs.DocumentFact, error)
	// ClaimReroutes claims up to limit queued requests at least settle
	// old and gives them to f: removed for good if f returns nil, put
	// back otherwise.
	ClaimReroutes(ctx context.Context, settle time.Duration, limit int, f func([]customs.RerouteRequest) error) error
}

// Store is the storage the service needs (internal/postgres implements it,
// through Adapt): the reads, and transactions.
type Store interface {
	Reads
	// InTx runs f in a transaction, committed if f returns nil.
	InTx(ctx context.Context, f func(tx Tx) error) error
}

// Tx is a transaction as the service writes in it. Every method returns
// customs.CodeNotFound for an unknown declaration or task.
type Tx interface {
	// InsertRoute queues a route amendment (outbox.EnqueueRoute).
	outbox.Tx
	// LockLifecycle reads and locks what a declaration's status is
	// derived from; a caller holding the lock takes it again at no cost.
	LockLifecycle(ctx context.Context, id string) (*customs.Lifecycle, error)
	// ChangeStatus sets a status with its timeline entry and webhook
	// events; ChangeStatuses does it for many, each declaration once.
	ChangeStatus(ctx context.Context, c customs.StatusChange) error
	ChangeStatuses(ctx context.Context, cs []customs.StatusChange) error
	// AddTimeline adds a timeline entry without changing the status; an
	// empty Status is the current one.
	AddTimeline(ctx context.Context, c customs.StatusChange) error
	// Task reads a task, locking it when lock is set.
	Task(ctx context.Context, id string, lock bool) (*customs.TaskRecord, error)
	ClaimTask(ctx context.Context, id, by string, at time.Time) error
	CompleteTask(ctx context.Context, id, outcome string, result []byte, at time.Time) error
	Declaration(ctx context.Context, id string) (*customs.StoredDeclaration, error)
	UpdateRoute(ctx context.Context, u *customs.RouteChange) error
	DeclarationByEntryID(ctx context.Context, entryID string) (string, error)
	SetDecision(ctx context.Context, id string, d customs.Decision, reason string, at time.Time) error
	InsertAlert(ctx context.Context, a *customs.RiskAlert) error
	// RequestReroute queues a re-route asked for by actor; a USCC of
	// AllDeclarations stands for every pending declaration.
	RequestReroute(ctx context.Context, usccs []string, actor, reason string) error
	// ReturnWriteOffs gives back the declaration's document write-offs
	// not given back yet (documents.md) and returns them.
	ReturnWriteOffs(ctx context.Context, id string, at time.Time) ([]customs.WriteOff, error)
}

// AllDeclarations in a re-route request means every pending declaration.
const AllDeclarations = "*"

// StoreOf is a storage whose transactions have their own type T, as a
// storage package that cannot name Tx declares them; Adapt makes it a
// Store.
type StoreOf[T Tx] interface {
	Reads
	InTx(ctx context.Context, f func(tx T) error) error
}

// Adapt makes a StoreOf a Store (postgres.InspectionStore, whose InTx
// gives a postgres.Tx: inspection.Adapt[postgres.Tx](store)).
func Adapt[T Tx](s StoreOf[T]) Store { return adapted[T]{s} }

type adapted[T Tx] struct{ StoreOf[T] }

func (a adapted[T]) InTx(ctx context.Context, f func(tx Tx) error) error {
	return a.StoreOf.InTx(ctx, func(t T) error { return f(t) })
}

func (s *Service) now() time.Time {
	if s.NowFunc != nil {
		return s.NowFunc().UTC()
	}
	return time.Now().UTC()
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
