package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jjj/gateway/internal/customs"
)

// DeclarationStore is the declarations' storage in the domain's types:
// intake, refusals and scoped reads (clearance.Store). It converts between
// the rows of this package and the domain's records, so that the service
// never sees a database type.
type DeclarationStore struct {
	DB *DB
}

// InsertDeclaration stores what intake accepted, in one statement (one
// round trip): see NewDeclaration. When the port already sent the same
// reference it writes nothing and returns the stored declaration's id and
// digest with created false.
func (s DeclarationStore) InsertDeclaration(ctx context.Context, in *customs.Intake) (id, digest string, created bool, err error) {
	d := in.Declaration
	if d == nil || d.Route == nil {
		return "", "", false, fmt.Errorf("insert declaration: a routed declaration is required")
	}
	tasks, err := tasksJSON(d.Route.Tasks, in.PortOffice)
	if err != nil {
		return "", "", false, err
	}
	var draw []byte
	if d.Route.Draw != nil {
		if draw, err = json.Marshal(d.Route.Draw); err != nil {
			return "", "", false, err
		}
	}
	wo, err := writeOffsJSON(d)
	if err != nil {
		return "", "", false, err
	}
	return s.DB.InsertDeclaration(ctx, &NewDeclaration{
		ID: d.ID, Port: d.Source.Port, PortRef: d.Source.PortRef, Digest: d.Source.Digest, Direction: d.Direction,
		ReceivedAt: d.Source.ReceivedAt, PortOffice: in.PortOffice, Enterprises: d.Enterprises(), Lane: d.Route.Lane,
		Declaration: d, Canonical: in.Canonical, Draw: draw, Tasks: tasks,
		Actor: in.Actor, Note: in.Note, Route: in.RouteJSON, WriteOffs: wo, Audit: in.Audit,
	})
}

// writeOffsJSON is the citations of d's items as intake writes them off,
// or nil when there are none.
func writeOffsJSON(d *customs.Declaration) ([]byte, error) {
	type wo struct {
		Kind   customs.DocumentKind `json:"kind"`
		Number string               `json:"number"`
		Item   int                  `json:"item"`
		Qty    string               `json:"qty"`
	}
	var out []wo
	for _, g := range d.Goods {
		for _, c := range g.Documents {
			out = append(out, wo{c.Kind, c.Number, g.Seq, c.WriteOff})
		}
	}
	if out == nil {
		return nil, nil
	}
	return json.Marshal(out)
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// InsertRejection records a refused message (DB.InsertRejection).
func (s DeclarationStore) InsertRejection(ctx context.Context, port customs.Port, portRef string, at time.Time, status int, digest string, problems []customs.Problem) error {
	return s.DB.InsertRejection(ctx, port, portRef, at, status, digest, problems)
}

// Declaration returns a stored declaration; customs.CodeNotFound if none.
func (s DeclarationStore) Declaration(ctx context.Context, id string) (*customs.StoredDeclaration, error) {
	row, err := s.DB.GetDeclaration(ctx, id)
	if err != nil {
		return nil, err
	}
	return row.Stored()
}

// Tasks returns a declaration's tasks in creation order.
func (s DeclarationStore) Tasks(ctx context.Context, id string) ([]customs.TaskRecord, error) {
	rows, err := s.DB.Tasks(ctx, id)
	return taskRecords(rows), err
}

// Timeline returns a declaration's timeline, oldest first.
func (s DeclarationStore) Timeline(ctx context.Context, id string) ([]customs.TimelineEntry, error) {
	rows, err := s.DB.Timeline(ctx, id)
	return timelineEntries(rows), err
}

// List returns the declarations f selects, newest first (ListDeclarations).
func (s DeclarationStore) List(ctx context.Context, f customs.DeclarationFilter) ([]customs.StoredDeclaration, error) {
	rows, err := s.DB.ListDeclarations(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]customs.StoredDeclaration, len(rows))
	for i := range rows {
		d, err := rows[i].Stored()
		if err != nil {
			return nil, err
		}
		out[i] = *d
	}
	return out, nil
}

// TasksOf returns the tasks of several declarations, by declaration.
func (s DeclarationStore) TasksOf(ctx context.Context, ids []string) (map[string][]customs.TaskRecord, error) {
	m, err := s.DB.TasksOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]customs.TaskRecord, len(m))
	for id, rows := range m {
		out[id] = taskRecords(rows)
	}
	return out, nil
}

// TimelinesOf returns the timelines of several declarations, by
// declaration.
func (s DeclarationStore) TimelinesOf(ctx context.Context, ids []string) (map[string][]customs.TimelineEntry, error) {
	m, err := s.DB.TimelinesOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]customs.TimelineEntry, len(m))
	for id, rows := range m {
		out[id] = timelineEntries(rows)
	}
	return out, nil
}

// CountByStatus counts the declarations f selects, by status.
func (s DeclarationStore) CountByStatus(ctx context.Context, f customs.DeclarationFilter) (map[string]int, error) {
	return s.DB.CountByStatus(ctx, f)
}

// Rejections lists refused messages, newest first.
func (s DeclarationStore) Rejections(ctx context.Context, before int64, limit int) ([]customs.Rejection, error) {
	rows, err := s.DB.Rejections(ctx, before, limit)
	if err != nil {
		return nil, err
	}
	out := make([]customs.Rejection, len(rows))
	for i, r := range rows {
		out[i] = customs.Rejection{ID: r.ID, Port: customs.Port(r.Port), PortRef: r.PortRef.String, ReceivedAt: r.ReceivedAt,
			Status: r.Status, Digest: r.Digest, Errors: r.Errors}
	}
	return out, nil
}

// Stored converts the row to the domain's record, decoding the stored
// document and draw.
func (r *DeclarationRow) Stored() (*customs.StoredDeclaration, error) {
	d, err := r.Declaration()
	if err != nil {
		return nil, err
	}
	out := &customs.StoredDeclaration{Seq: r.Seq, ID: r.ID, Port: customs.Port(r.Port), PortRef: r.PortRef, Digest: r.Digest,
		Direction: customs.Direction(r.Direction), Status: customs.Status(r.Status), EntryID: r.EntryID.String,
		ReceivedAt: r.ReceivedAt, UpdatedAt: r.UpdatedAt, PortOffice: r.PortOffice, Enterprises: r.Enterprises,
		Lane: customs.Lane(r.Lane), RouteVersion: r.RouteVersion, Declaration: d, Canonical: r.Canonical}
	if len(r.Draw) > 0 {
		out.Draw = new(customs.Draw)
		if err := json.Unmarshal(r.Draw, out.Draw); err != nil {
			return nil, fmt.Errorf("declaration %s: stored draw: %w", r.ID, err)
		}
	}
	return out, nil
}

// Record converts the row to the domain's record.
func (t *TaskRow) Record() customs.TaskRecord {
	out := customs.TaskRecord{ID: t.ID, DeclarationID: t.DeclarationID, Workflow: customs.Workflow(t.Workflow), Bureau: t.Bureau.String,
		Owner: t.Owner, Items: t.Items, Status: customs.TaskStatus(t.Status), Inspector: t.Inspector.String, ClaimedBy: t.ClaimedBy.String,
		CreatedAt: t.CreatedAt, Outcome: t.Outcome.String, Result: t.Result}
	if t.ClaimedAt.Valid {
		at := t.ClaimedAt.Time
		out.ClaimedAt = &at
	}
	if t.DoneAt.Valid {
		at := t.DoneAt.Time
		out.DoneAt = &at
	}
	return out
}

func taskRecords(rows []TaskRow) []customs.TaskRecord {
	if rows == nil {
		return nil
	}
	out := make([]customs.TaskRecord, len(rows))
	for i := range rows {
		out[i] = rows[i].Record()
	}
	return out
}

func timelineEntries(rows []TimelineRow) []customs.TimelineEntry {
	if rows == nil {
		return nil
	}
	out := make([]customs.TimelineEntry, len(rows))
	for i, r := range rows {
		out[i] = customs.TimelineEntry{ID: r.ID, At: r.At, Status: r.Status, Actor: r.Actor, Note: r.Note, Data: r.Data}
	}
	return out
}

// FindDeclaration returns the id and digest of the declaration a port sent
// with that reference; customs.CodeNotFound if none.
func (s DeclarationStore) FindDeclaration(ctx context.Context, port customs.Port, portRef string) (id, digest string, err error) {
	err = s.DB.QueryRowContext(ctx, `SELECT id, digest FROM declaration WHERE port = $1 AND port_ref = $2`, port, portRef).Scan(&id, &digest)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", customs.Errorf(customs.CodeNotFound, "%s %s not found", port, portRef)
	}
	if err != nil {
		return "", "", fmt.Errorf("find declaration %s/%s: %w", port, portRef, err)
	}
	return id, digest, nil
}
