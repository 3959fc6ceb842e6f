package inspection

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/outbox"
	"github.com/jjj/gateway/internal/postgres"
)

// DecisionRequest is the review centre's decision (api.md
// "POST /v1/review-centre/decisions").
type DecisionRequest struct {
	EntryID  string `json:"entryId"`
	Decision string `json:"decision"`
	Reason   string `json:"reason"`
}

// Decide records a review decision on the declaration with the entry id
// and returns that declaration's id. A repeat of the decision in force is
// harmless (nothing written); a different decision after a final one
// (released, rejected) is CodeConflict; inspection_required may be
// followed by either final decision. CodeInvalid names every field that
// is missing or wrong; CodeNotFound for an unknown entry id.
func (s *Service) Decide(ctx context.Context, req DecisionRequest, p customs.Principal) (string, error) {
	var ps customs.Problems
	if strings.TrimSpace(req.EntryID) == "" {
		ps.Add("/entryId", "missing_field", "entryId is required")
	}
	switch customs.Decision(req.Decision) {
	case customs.DecisionReleased, customs.DecisionInspectionRequired, customs.DecisionRejected:
	case "":
		ps.Add("/decision", "missing_field", "decision is required")
	default:
		ps.Add("/decision", "invalid_enum", "decision must be released, inspection_required or rejected")
	}
	if len(ps) > 0 {
		return "", ps.Err(customs.CodeInvalid, "the decision is not valid")
	}
	tx, err := s.DB.BeginTxx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer tx.Rollback()
	id, err := postgres.DeclarationByEntryID(ctx, tx, req.EntryID)
	if err != nil {
		return "", err
	}
	changed, err := s.applyDecision(ctx, tx, id, req, p)
	if err != nil || !changed {
		return id, err
	}
	return id, tx.Commit()
}

func (s *Service) applyDecision(ctx context.Context, tx *sqlx.Tx, id string, req DecisionRequest, p customs.Principal) (bool, error) {
	st, err := postgres.LockLifecycle(ctx, tx, id)
	if err != nil {
		return false, err
	}
	if prev := st.Decision; prev != "" {
		if string(prev) == req.Decision {
			return false, nil
		}
		if prev.Final() {
			return false, customs.Errorf(customs.CodeConflict, "entry %s was already %s; a different decision is not accepted", req.EntryID, prev)
		}
	}
	now := s.now()
	if err := postgres.SetDecision(ctx, tx, id, req.Decision, req.Reason, now); err != nil {
		return false, err
	}
	note := "review centre decision: " + req.Decision
	if req.Reason != "" {
		note += ": " + req.Reason
	}
	data, _ := json.Marshal(map[string]string{"entryId": req.EntryID, "decision": req.Decision, "reason": req.Reason})
	// The decision is on the timeline even when tasks keep the status
	// where it is (released while a task is still open).
	if _, err := Record(ctx, tx, id, customs.Event{At: now, Actor: p.Actor(), Note: note, Data: data}); err != nil {
		return false, err
	}
	return true, nil
}

// Replay makes a dead delivery due again (outbox.Replay), recorded on the
// timeline as asked by actor with note.
func (s *Service) Replay(ctx context.Context, delivery int64, actor, note string) error {
	return outbox.Replay(ctx, s.DB, Lifecycle{}, delivery, actor, note, s.now())
}
