package gateway

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/inspection"
)

// DeliveryDeps are what the delivery calls need.
type DeliveryDeps struct {
	// Store reads the outbox as the operator sees it (*postgres.DB,
	// wired in gatewayd); replays go through Server.Inspection.
	Store DeliveryStore
}

// DeliveryStore reads the outbox for the operator's delivery calls.
// customs.CodeNotFound for an unknown delivery.
type DeliveryStore interface {
	// Deliveries lists the deliveries in the given states (all when
	// none), oldest first, after the id after, at most limit.
	Deliveries(ctx context.Context, states []customs.OutboxState, after int64, limit int) ([]customs.DeliveryRecord, error)
	Delivery(ctx context.Context, id int64) (*customs.DeliveryRecord, error)
	// DeclarationDelivery is a declaration's own delivery.
	DeclarationDelivery(ctx context.Context, declarationID string) (*customs.DeliveryRecord, error)
	// DeliveryAttempts returns the attempts of the given deliveries, by
	// delivery, oldest first.
	DeliveryAttempts(ctx context.Context, ids []int64) (map[int64][]customs.Attempt, error)
	// DeadDeliveries returns the ids of the dead deliveries matching f,
	// oldest first.
	DeadDeliveries(ctx context.Context, f customs.DeadFilter) ([]int64, error)
}

// The operator's delivery calls and the review centre's decisions
// (api.md), served when Server.Deliveries is set:
//
//	GET  /v1/admin/deliveries?state=pending|retrying|delivered|dead&after=&limit=
//	POST /v1/admin/deliveries/{id}/replay
//	POST /v1/admin/deliveries/replay   {"port", "from", "to", "reason"}
//	POST /v1/review-centre/decisions   {"entryId", "decision", "reason"}
//
// Choices where api.md is silent: a delivery's id is its outbox number as
// a string (a declaration id is also accepted by the replay call, meaning
// that declaration's own delivery); the list is oldest first with an
// `after` cursor; a message in flight is pending; the bulk replay's `from`
// and `to` bound when the delivery was queued (the declaration accepted,
// from inclusive, to exclusive) and `reason` matches a part of the refusal
// reason, ignoring case; every filter left out matches everything.
type deliveryHandlers struct {
	d *DeliveryDeps
	s *Server
}

// deliveryStates maps api.md's delivery states to outbox states.
var deliveryStates = map[string][]customs.OutboxState{
	"pending":   {customs.OutboxAvailable, customs.OutboxRunning},
	"retrying":  {customs.OutboxRetryable},
	"delivered": {customs.OutboxCompleted},
	"dead":      {customs.OutboxDiscarded},
}

func apiState(outboxState customs.OutboxState) string { return outboxState.APIName() }

// Delivery is a delivery as the operator sees it.
type Delivery struct {
	ID             string     `json:"id"`
	DeclarationID  string     `json:"declarationId"`
	Kind           string     `json:"kind"`
	IdempotencyKey string     `json:"idempotencyKey"`
	Port           string     `json:"port"`
	State          string     `json:"state"`
	EntryID        *string    `json:"entryId"`
	CreatedAt      time.Time  `json:"createdAt"`
	UpdatedAt      time.Time  `json:"updatedAt"`
	NextAttemptAt  *time.Time `json:"nextAttemptAt"`
	LastError      *string    `json:"lastError"`
	Reason         *string    `json:"reason"`
	Attempts       []Attempt  `json:"attempts"`
}

// Attempt is one recorded exchange with the review centre.
type Attempt struct {
	At         time.Time `json:"at"`
	StatusCode *int64    `json:"statusCode"`
	LatencyMS  float64   `json:"latencyMs"`
	Outcome    string    `json:"outcome"`
	Error      *string   `json:"error"`
}

func toDelivery(r *customs.DeliveryRecord, attempts []customs.Attempt) Delivery {
	out := Delivery{ID: strconv.FormatInt(r.ID, 10), DeclarationID: r.DeclarationID, Kind: r.Kind, IdempotencyKey: r.Key,
		Port: r.Port, State: apiState(r.State), CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), Attempts: []Attempt{}}
	if r.EntryID != "" && r.Kind == "declaration" && r.State == customs.OutboxCompleted {
		out.EntryID = &r.EntryID
	}
	if r.State == customs.OutboxAvailable || r.State == customs.OutboxRetryable {
		t := r.ScheduledAt.UTC()
		out.NextAttemptAt = &t
	}
	if r.LastError != "" {
		out.LastError = &r.LastError
	}
	if r.Reason != "" {
		out.Reason = &r.Reason
	}
	for _, a := range attempts {
		at := Attempt{At: a.At.UTC(), LatencyMS: float64(a.Latency.Microseconds()) / 1000, Outcome: a.Outcome}
		if a.StatusCode != 0 {
			code := int64(a.StatusCode)
			at.StatusCode = &code
		}
		if a.Error != "" {
			at.Error = &a.Error
		}
		out.Attempts = append(out.Attempts, at)
	}
	return out
}

func badParam(name, msg string) error {
	return &customs.Error{Code: customs.CodeBadRequest, Message: msg,
		Problems: []customs.Problem{{Path: name, Code: "invalid_parameter", Message: msg}}}
}

func (h *deliveryHandlers) list(w http.ResponseWriter, r *http.Request) error {
	if _, err := Require(r, customs.CallerAdmin); err != nil {
		return err
	}
	q := r.URL.Query()
	// Not nil: the store reads a NULL array as "no state matches" rather
	// than "no filter", and a list without ?state= shows every delivery.
	states := []customs.OutboxState{}
	for _, s := range strings.Split(q.Get("state"), ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		ss, ok := deliveryStates[s]
		if !ok {
			return badParam("state", "state must be pending, retrying, delivered or dead")
		}
		states = append(states, ss...)
	}
	limit := 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return badParam("limit", "limit must be from 1 to 500")
		}
		limit = n
	}
	var after int64
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return badParam("after", "after must be a delivery id")
		}
		after = n
	}
	rows, err := h.d.Store.Deliveries(r.Context(), states, after, limit)
	if err != nil {
		return err
	}
	ids := make([]int64, len(rows))
	for i := range rows {
		ids[i] = rows[i].ID
	}
	attempts, err := h.d.Store.DeliveryAttempts(r.Context(), ids)
	if err != nil {
		return err
	}
	items := make([]Delivery, len(rows))
	for i := range rows {
		items[i] = toDelivery(&rows[i], attempts[rows[i].ID])
	}
	var next *string
	if len(rows) == limit {
		n := strconv.FormatInt(rows[len(rows)-1].ID, 10)
		next = &n
	}
	return WriteJSON(w, http.StatusOK, map[string]any{"items": items, "next": next})
}

// deliveryID reads a delivery id, or a declaration id meaning that
// declaration's own delivery.
func (h *deliveryHandlers) deliveryID(r *http.Request) (int64, error) {
	v := r.PathValue("id")
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
		return n, nil
	}
	row, err := h.d.Store.DeclarationDelivery(r.Context(), v)
	if err != nil {
		return 0, customs.Errorf(customs.CodeNotFound, "delivery %s not found", v)
	}
	return row.ID, nil
}

func (h *deliveryHandlers) replayOne(w http.ResponseWriter, r *http.Request) error {
	p, err := Require(r, customs.CallerAdmin)
	if err != nil {
		return err
	}
	id, err := h.deliveryID(r)
	if err != nil {
		return err
	}
	if err := h.s.Inspection.Replay(r.Context(), id, p.Actor(), "asked by "+p.Actor()); err != nil {
		return err
	}
	return h.writeDelivery(w, r, id)
}

func (h *deliveryHandlers) writeDelivery(w http.ResponseWriter, r *http.Request, id int64) error {
	row, err := h.d.Store.Delivery(r.Context(), id)
	if err != nil {
		return err
	}
	attempts, err := h.d.Store.DeliveryAttempts(r.Context(), []int64{id})
	if err != nil {
		return err
	}
	return WriteJSON(w, http.StatusOK, toDelivery(row, attempts[id]))
}

// ReplayRequest selects dead deliveries to replay.
type ReplayRequest struct {
	Port   string     `json:"port"`
	From   *time.Time `json:"from"`
	To     *time.Time `json:"to"`
	Reason string     `json:"reason"`
}

func (h *deliveryHandlers) replayMatching(w http.ResponseWriter, r *http.Request) error {
	p, err := Require(r, customs.CallerAdmin)
	if err != nil {
		return err
	}
	var req ReplayRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	f := customs.DeadFilter{Port: req.Port, Reason: req.Reason}
	if req.From != nil {
		f.From = *req.From
	}
	if req.To != nil {
		f.To = *req.To
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return badParam("to", "to must be after from")
	}
	ids, err := h.d.Store.DeadDeliveries(r.Context(), f)
	if err != nil {
		return err
	}
	note := "bulk replay asked by " + p.Actor()
	replayed := []string{}
	for _, id := range ids {
		err := h.s.Inspection.Replay(r.Context(), id, p.Actor(), note)
		if customs.ErrorCodeOf(err) == customs.CodeConflict {
			continue // replayed by someone else meanwhile
		}
		if err != nil {
			return err
		}
		replayed = append(replayed, strconv.FormatInt(id, 10))
	}
	return WriteJSON(w, http.StatusOK, map[string]any{"replayed": len(replayed), "ids": replayed})
}

// DecisionRequest is the review centre's decision (api.md).
type DecisionRequest = inspection.DecisionRequest

// decide records a review decision (inspection.Service.Decide) and
// answers the declaration as GET shows it.
func (h *deliveryHandlers) decide(w http.ResponseWriter, r *http.Request) error {
	p, err := Require(r, customs.CallerReviewCentre, customs.CallerAdmin)
	if err != nil {
		return err
	}
	var req DecisionRequest
	if err := DecodeJSON(r, &req); err != nil {
		return err
	}
	noteTarget(r, "entry:"+req.EntryID)
	id, err := h.s.Inspection.Decide(r.Context(), req, p)
	if err != nil {
		return err
	}
	noteTarget(r, id)
	noteDeclaration(r, id)
	body, err := h.s.Clearance.Render(r.Context(), id)
	if err != nil {
		return err
	}
	return WriteRawJSON(w, http.StatusOK, body)
}
