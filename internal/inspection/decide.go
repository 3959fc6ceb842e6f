package inspection

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/jjj/gateway/internal/customs"
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
	var id string
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		if id, err = tx.DeclarationByEntryID(ctx, req.EntryID); err != nil {
			return err
		}
		return s.applyDecision(ctx, tx, id, req, p)
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// applyDecision records the decision on declaration id, locked in tx;
// the decision in force again writes nothing.
func (s *Service) applyDecision(ctx context.Context, tx Tx, id string, req DecisionRequest, p customs.Principal) error {
	st, err := tx.LockLifecycle(ctx, id)
	if err != nil {
		return err
	}
	if prev := st.Decision; prev != "" {
		if string(prev) == req.Decision {
			return nil
		}
		if prev.Final() {
			return customs.Errorf(customs.CodeConflict, "entry %s was already %s; a different decision is not accepted", req.EntryID, prev)
		}
	}
	now := s.now()
	if err := tx.SetDecision(ctx, id, customs.Decision(req.Decision), req.Reason, now); err != nil {
		return err
	}
	note := "review centre decision: " + req.Decision
	if req.Reason != "" {
		note += ": " + req.Reason
	}
	data, _ := json.Marshal(map[string]string{"entryId": req.EntryID, "decision": req.Decision, "reason": req.Reason})
	// The decision is on the timeline even when tasks keep the status
	// where it is (released while a task is still open).
	_, err = Record(ctx, tx, id, customs.Event{At: now, Actor: p.Actor(), Note: note, Data: data})
	return err
}

// Replay makes a dead delivery due again (ReplayFunc: outbox.Replay),
// recorded on the timeline as asked by actor with note.
func (s *Service) Replay(ctx context.Context, delivery int64, actor, note string) error {
	if s.ReplayFunc == nil {
		return customs.Errorf(customs.CodeUnavailable, "replays are not wired")
	}
	return s.ReplayFunc(ctx, delivery, actor, note, s.now())
}
