package inspection

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
	"github.com/jjj/gateway/internal/view"
)

// BureauTask is a task as a bureau lists it (api.md Bureaus).
type BureauTask struct {
	ID            string    `json:"id"`
	DeclarationID string    `json:"declarationId"`
	Workflow      string    `json:"workflow"`
	Bureau        *string   `json:"bureau"`
	Owner         string    `json:"owner"`
	Items         []int64   `json:"items"`
	Status        string    `json:"status"`
	Inspector     *string   `json:"inspector"`
	ClaimedBy     *string   `json:"claimedBy"`
	CreatedAt     time.Time `json:"createdAt"`
	Outcome       *string   `json:"outcome"`
	// Failed is a coal task's failed indicators once it has an outcome:
	// [] when it passed (api.md: the answer carries, for coal, failed);
	// absent for other workflows and for coal not yet done.
	Failed *[]CoalFailure  `json:"failed,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
}

// CoalFailure is one failed coal indicator.
type CoalFailure struct {
	Indicator string  `json:"indicator"`
	Value     float64 `json:"value"`
	Limit     float64 `json:"limit"`
	Unit      string  `json:"unit"`
}

// NewBureauTask renders a stored task.
func NewBureauTask(t *customs.TaskRecord) BureauTask {
	bt := BureauTask{ID: t.ID, DeclarationID: t.DeclarationID, Workflow: string(t.Workflow), Bureau: view.Opt(t.Bureau), Owner: t.Owner,
		Items: t.Items, Status: string(t.Status), Inspector: view.Opt(t.Inspector), ClaimedBy: view.Opt(t.ClaimedBy),
		CreatedAt: t.CreatedAt.UTC(), Outcome: view.Opt(t.Outcome)}
	if len(t.Result) > 0 {
		bt.Result = t.Result
	}
	if t.Workflow == customs.WorkflowCoal && bt.Outcome != nil {
		var r struct {
			Failed []CoalFailure `json:"failed"`
		}
		if len(t.Result) > 0 {
			_ = json.Unmarshal(t.Result, &r) // a stored result is ours; an odd one shows no failures
		}
		if r.Failed == nil {
			r.Failed = []CoalFailure{}
		}
		bt.Failed = &r.Failed
	}
	if bt.Items == nil {
		bt.Items = []int64{}
	}
	return bt
}

// taskFor loads a task for an action by p, in tx, with its declaration
// locked first and then the task: the order a re-route takes its locks in
// (declaration, then its tasks), so that a claim or a result running beside
// a re-route waits for it instead of deadlocking. A bureau acts only on the
// tasks it owns (api.md: another bureau's task is forbidden), admin on any.
func taskFor(ctx context.Context, tx Tx, id string, p customs.Principal) (*customs.TaskRecord, error) {
	t, err := tx.Task(ctx, id, false)
	if err != nil {
		return nil, err
	}
	if p.Role == customs.CallerBureau && t.Owner != p.Scope {
		return nil, customs.Errorf(customs.CodeForbidden, "task %s belongs to bureau %s", id, t.Owner)
	}
	if _, err := tx.LockLifecycle(ctx, t.DeclarationID); err != nil {
		return nil, err
	}
	if t, err = tx.Task(ctx, id, true); err != nil {
		return nil, err
	}
	if t.Status == customs.TaskWithdrawn {
		return nil, customs.Errorf(customs.CodeConflict, "task %s was withdrawn by a re-route", id)
	}
	return t, nil
}

// Claim takes an open task for p's bureau; CodeConflict when it is already
// claimed or done.
func (s *Service) Claim(ctx context.Context, id string, p customs.Principal) (*BureauTask, error) {
	return s.actOnTask(ctx, id, p, func(tx Tx, t *customs.TaskRecord) error {
		if t.Status != customs.TaskOpen {
			return customs.Errorf(customs.CodeConflict, "task %s is already %s", id, t.Status)
		}
		now := s.now().Truncate(time.Microsecond)
		if err := tx.ClaimTask(ctx, id, p.Actor(), now); err != nil {
			return err
		}
		data, _ := json.Marshal(map[string]any{"task": id, "workflow": t.Workflow, "items": t.Items})
		_, err := Record(ctx, tx, t.DeclarationID, customs.Event{At: now, Actor: p.Actor(), Note: fmt.Sprintf("%s task %s claimed", t.Workflow, id), Data: data})
		return err
	})
}

// actOnTask runs act on task id for p in one transaction, with the locks
// taskFor takes, and returns the task as act left it once committed.
func (s *Service) actOnTask(ctx context.Context, id string, p customs.Principal, act func(tx Tx, t *customs.TaskRecord) error) (*BureauTask, error) {
	var t *customs.TaskRecord
	err := s.Store.InTx(ctx, func(tx Tx) error {
		var err error
		if t, err = taskFor(ctx, tx, id, p); err != nil {
			return err
		}
		if err := act(tx, t); err != nil {
			return err
		}
		t, err = tx.Task(ctx, id, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	bt := NewBureauTask(t)
	return &bt, nil
}

// ResultRequest is a bureau's finding (api.md "POST /v1/tasks/{id}/result").
type ResultRequest struct {
	Outcome     string             `json:"outcome"`
	Findings    string             `json:"findings"`
	Disposition string             `json:"disposition"`
	DistanceKm  *float64           `json:"distanceKm"`
	Lab         map[string]float64 `json:"lab"`
	SealsIntact []string           `json:"sealsIntact"`
	SealsBroken []string           `json:"sealsBroken"`
	// The iron-ore on-site check (rule set 2026.2): radiation normal or
	// over_limit, whether solid waste and foreign matter were found.
	Radiation     string `json:"radiation"`
	SolidWaste    *bool  `json:"solidWaste"`
	ForeignMatter *bool  `json:"foreignMatter"`
}

// Verdict is a task's result as Judge decides it and the task stores it.
type Verdict struct {
	Outcome     string             `json:"outcome"`
	Findings    string             `json:"findings,omitempty"`
	Disposition string             `json:"disposition,omitempty"`
	DistanceKm  *float64           `json:"distanceKm,omitempty"`
	Lab         map[string]float64 `json:"lab,omitempty"`
	Failed      []CoalFailure      `json:"failed,omitempty"`
	SealsIntact []string           `json:"sealsIntact,omitempty"`
	SealsBroken []string           `json:"sealsBroken,omitempty"`
	Missing     []string           `json:"sealsMissing,omitempty"`
	// The iron-ore findings as the bureau gave them.
	Radiation     string `json:"radiation,omitempty"`
	SolidWaste    *bool  `json:"solidWaste,omitempty"`
	ForeignMatter *bool  `json:"foreignMatter,omitempty"`
}

// Result records a task's result and moves the declaration's status.
// Coal is decided by the gateway against codes/coal-limits.csv; a claimed
// outcome that contradicts the limits is CodeInvalid
// (result_contradicts_rules). A direct-transit arrival passes only with
// every declared seal intact; a missing or broken one holds the goods.
// api.md does not make a claim a precondition: a result may be posted for
// an open task as well as a claimed one (the bureau that owns it either
// way); a done or withdrawn task is CodeConflict.
func (s *Service) Result(ctx context.Context, id string, req ResultRequest, p customs.Principal) (*BureauTask, error) {
	return s.actOnTask(ctx, id, p, func(tx Tx, t *customs.TaskRecord) error {
		if t.Status == customs.TaskDone {
			return customs.Errorf(customs.CodeConflict, "task %s already has a result", id)
		}
		// api.md: claim, then result. A result nobody claimed for would
		// let two inspectors work the same task unawares; the caller is
		// told what to do instead of the result being taken.
		if t.Status == customs.TaskOpen {
			return &customs.Error{Code: customs.CodeConflict, Message: fmt.Sprintf("task %s is not claimed: claim it first (POST /v1/tasks/%s/claim), then post the result", id, id),
				Problems: []customs.Problem{{Code: "task_not_claimed", Message: fmt.Sprintf("nobody has claimed task %s", id)}}}
		}
		d, err := tx.Declaration(ctx, t.DeclarationID)
		if err != nil {
			return fmt.Errorf("declaration of task %s: %w", id, err)
		}
		res, err := Judge(s.Tables, t.Workflow, t.Items, d.Declaration, req)
		if err != nil {
			return err
		}
		body, _ := json.Marshal(res)
		now := s.now().Truncate(time.Microsecond)
		if err := tx.CompleteTask(ctx, id, res.Outcome, body, now); err != nil {
			return err
		}
		note := fmt.Sprintf("%s task %s done: %s", t.Workflow, id, res.Outcome)
		if len(res.SealsBroken) > 0 {
			note += "; seals missing or broken: " + strings.Join(res.SealsBroken, ", ")
		}
		if len(res.Failed) > 0 {
			names := make([]string, len(res.Failed))
			for i, f := range res.Failed {
				names[i] = f.Indicator
			}
			note += "; failed: " + strings.Join(names, ", ")
		}
		_, err = Record(ctx, tx, t.DeclarationID, customs.Event{At: now, Actor: p.Actor(), Note: note, Data: body})
		return err
	})
}

// Judge decides a task's result from a bureau's findings, a pure function
// of the code tables, the task (its workflow and items) and the
// declaration: coal against codes/coal-limits.csv and iron ore by its
// on-site findings (a claimed outcome that contradicts them is
// CodeInvalid, result_contradicts_rules), a
// direct-transit arrival by its seals, any other workflow as the bureau
// says. Every problem of the request is returned at once, CodeInvalid.
func Judge(tables *codes.Tables, workflow customs.Workflow, items []int64, d *customs.Declaration, req ResultRequest) (*Verdict, error) {
	var ps customs.Problems
	res := &Verdict{Findings: req.Findings}
	switch workflow {
	case customs.WorkflowCoal:
		if req.DistanceKm == nil {
			ps.Add("/distanceKm", customs.ProblemMissingField, "distanceKm is required")
		} else if *req.DistanceKm < 0 {
			ps.Add("/distanceKm", customs.ProblemInvalidValue, "distanceKm must not be negative")
		}
		for _, k := range sortedKeys(req.Lab) {
			if v := req.Lab[k]; v < 0 {
				ps.Add("/lab/"+k, customs.ProblemInvalidValue, "laboratory value %s must not be negative", k)
			}
		}
		kinds := map[string]string{} // lignite|other -> an HS code of that kind
		for _, g := range d.Goods {
			for _, it := range items {
				if int64(g.Seq) == it && routing.IsCoal(g.HSCode) {
					if routing.IsLignite(g.HSCode) {
						kinds["lignite"] = g.HSCode
					} else {
						kinds["other"] = g.HSCode
					}
				}
			}
		}
		if len(kinds) == 0 {
			kinds["other"] = "2701000000"
		}
		dist := 0.0
		if req.DistanceKm != nil {
			dist = *req.DistanceKm
		}
		pass := true
		seen := map[string]bool{}
		var kindNames []string
		for k := range kinds {
			kindNames = append(kindNames, k)
		}
		sort.Strings(kindNames)
		for _, k := range kindNames {
			ok, failed, missing := routing.EvaluateCoal(tables, kinds[k], dist, req.Lab)
			for _, m := range missing {
				if !seen["missing:"+m] {
					seen["missing:"+m] = true
					ps.Add("/lab/"+m, customs.ProblemMissingField, "laboratory value %s is required", m)
				}
			}
			if !ok {
				pass = false
			}
			for _, f := range failed {
				if !seen[f.Indicator] {
					seen[f.Indicator] = true
					res.Failed = append(res.Failed, CoalFailure{Indicator: f.Indicator, Value: f.Value, Limit: f.Limit, Unit: f.Unit})
				}
			}
		}
		checkVerdict(&ps, req.Outcome, req.Disposition, false)
		if len(ps) > 0 {
			return nil, ps.Err(customs.CodeInvalid, "coal result does not validate")
		}
		decided := "pass"
		if !pass {
			decided = "fail"
		}
		if req.Outcome != "" && req.Outcome != decided {
			ps.Add("/outcome", customs.ProblemResultContradictsRules, "outcome %s contradicts the limits of codes/coal-limits.csv: the laboratory values give %s", req.Outcome, decided)
			return nil, ps.Err(customs.CodeInvalid, "coal result contradicts the rules")
		}
		res.Outcome, res.DistanceKm, res.Lab = decided, req.DistanceKm, req.Lab
		if decided == "fail" {
			// Coal that fails may not be imported: returned, unless the
			// bureau gives another disposition (api.md statuses: "the
			// disposition its result gives").
			res.Disposition = string(customs.StatusReturned)
			if req.Disposition != "" {
				res.Disposition = req.Disposition
			}
		}
	case customs.WorkflowIronOre:
		if err := judgeIronOre(req, res); err != nil {
			return nil, err
		}
	case customs.WorkflowDirectTransit:
		declared := map[string]bool{}
		var all []string
		for _, u := range d.Equipment {
			for _, seal := range u.Seals {
				declared[seal] = true
				all = append(all, seal)
			}
		}
		intact := map[string]bool{}
		for _, sl := range req.SealsIntact {
			intact[sl] = true
		}
		for _, sl := range req.SealsBroken {
			if intact[sl] {
				ps.Add("/sealsBroken", customs.ProblemDuplicateKey, "seal %s is reported both intact and broken", sl)
			}
		}
		if len(ps) > 0 {
			return nil, ps.Err(customs.CodeInvalid, "arrival does not validate")
		}
		broken := map[string]bool{}
		for _, sl := range req.SealsBroken {
			broken[sl] = true
		}
		for _, sl := range all {
			if !intact[sl] && !broken[sl] {
				res.Missing = append(res.Missing, sl)
			}
		}
		res.SealsIntact, res.SealsBroken = req.SealsIntact, req.SealsBroken
		res.Outcome = "pass"
		if len(res.Missing) > 0 || len(res.SealsBroken) > 0 {
			res.Outcome = "fail"
			res.SealsBroken = append(append([]string{}, req.SealsBroken...), res.Missing...)
		}
	default:
		checkVerdict(&ps, req.Outcome, req.Disposition, true)
		if len(ps) > 0 {
			return nil, ps.Err(customs.CodeInvalid, "result does not validate")
		}
		res.Outcome, res.Disposition = req.Outcome, req.Disposition
		if res.Outcome == "fail" && res.Disposition == "" {
			res.Disposition = string(customs.StatusReturned)
		}
	}
	return res, nil
}

// judgeIronOre decides an iron-ore on-site check (routing.md): fail when
// the radiation is over the limit or solid waste is found, with the goods
// returned (unless the bureau gives another disposition, as for coal);
// foreign matter found is recorded and treated, not a failure. All three
// findings are required: the check is made for every batch. An outcome sent
// that contradicts them is result_contradicts_rules, as for coal.
func judgeIronOre(req ResultRequest, res *Verdict) error {
	var ps customs.Problems
	switch req.Radiation {
	case "normal", "over_limit":
	case "":
		ps.Add("/radiation", customs.ProblemMissingField, "radiation is required: normal or over_limit")
	default:
		ps.Add("/radiation", customs.ProblemInvalidEnum, "radiation must be normal or over_limit")
	}
	if req.SolidWaste == nil {
		ps.Add("/solidWaste", customs.ProblemMissingField, "solidWaste is required: true or false")
	}
	if req.ForeignMatter == nil {
		ps.Add("/foreignMatter", customs.ProblemMissingField, "foreignMatter is required: true or false")
	}
	checkVerdict(&ps, req.Outcome, req.Disposition, false)
	if len(ps) > 0 {
		return ps.Err(customs.CodeInvalid, "iron-ore result does not validate")
	}
	decided, why := "pass", "radiation is normal and no solid waste was found"
	switch {
	case req.Radiation == "over_limit" && *req.SolidWaste:
		decided, why = "fail", "radiation is over the limit and solid waste was found"
	case req.Radiation == "over_limit":
		decided, why = "fail", "radiation is over the limit"
	case *req.SolidWaste:
		decided, why = "fail", "solid waste was found"
	}
	if req.Outcome != "" && req.Outcome != decided {
		ps.Add("/outcome", customs.ProblemResultContradictsRules, "outcome %s contradicts the on-site check of routing.md: %s, which gives %s", req.Outcome, why, decided)
		return ps.Err(customs.CodeInvalid, "iron-ore result contradicts the rules")
	}
	res.Outcome = decided
	res.Radiation, res.SolidWaste, res.ForeignMatter = req.Radiation, req.SolidWaste, req.ForeignMatter
	if decided == "fail" {
		res.Disposition = string(customs.StatusReturned)
		if req.Disposition != "" {
			res.Disposition = req.Disposition
		}
	}
	return nil
}

// ListTasks lists a bureau's tasks.
func (s *Service) ListTasks(ctx context.Context, f customs.TaskFilter) ([]BureauTask, error) {
	rows, err := s.Store.BureauTasks(ctx, f)
	if err != nil {
		return nil, err
	}
	out := make([]BureauTask, len(rows))
	for i := range rows {
		out[i] = NewBureauTask(&rows[i])
	}
	return out, nil
}

// DrawView is a random draw recomputed from its seed (api.md).
type DrawView struct {
	DeclarationID string  `json:"declarationId"`
	SeedID        string  `json:"seedId"`
	Value         float64 `json:"value"`
	Rate          float64 `json:"rate"`
	Selected      bool    `json:"selected"`
	Inspector     *string `json:"inspector"`
	// Matches says whether the recomputed draw equals the stored one.
	Matches bool `json:"matches"`
}

// Redraw recomputes a declaration's stored draw from RANDOM_SEED_SECRET.
func (s *Service) Redraw(ctx context.Context, id string, secret []byte) (*DrawView, error) {
	row, err := s.Store.Declaration(ctx, id)
	if err != nil {
		return nil, err
	}
	if row.Draw == nil {
		return nil, customs.Errorf(customs.CodeNotFound, "declaration %s has no random draw (its rating needed none)", id)
	}
	stored := *row.Draw
	seed := routing.DaySeed(secret, customs.BeijingDay(row.ReceivedAt))
	// The roster is the one the draw was made with (routing.Decide): the
	// granted pilot zone's, which takes all the work, else the port office's
	// (codes/customs.csv office of the port customs code). Not the owner of
	// some inspection task: a risk alert can put one at an inland bureau.
	owner := row.PortOffice
	if dt := row.Declaration.DirectTransit; dt != nil && dt.Granted {
		owner = dt.Zone
	}
	var roster []string
	if b, ok := s.Tables.Bureaus[owner]; ok {
		roster = b.Inspectors
	}
	d := routing.Redraw(seed, id, stored.Rate, roster)
	out := &DrawView{DeclarationID: id, SeedID: d.SeedID, Value: d.Value, Rate: d.Rate, Selected: d.Selected, Inspector: view.Opt(d.Inspector)}
	out.Matches = d.SeedID == stored.SeedID && d.Value == stored.Value && d.Selected == stored.Selected && d.Inspector == stored.Inspector
	return out, nil
}

func sortedKeys(m map[string]float64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkVerdict adds the problems of a result's outcome and disposition,
// which every workflow's result may carry: the outcome is pass or fail
// (required where the gateway does not decide it), the disposition of a
// failure returned or destroyed.
func checkVerdict(ps *customs.Problems, outcome, disposition string, outcomeRequired bool) {
	switch outcome {
	case "pass", "fail":
	case "":
		if outcomeRequired {
			ps.Add("/outcome", customs.ProblemMissingField, "outcome is required: pass or fail")
		}
	default:
		if outcomeRequired {
			ps.Add("/outcome", customs.ProblemInvalidEnum, "outcome must be pass or fail")
		} else {
			ps.Add("/outcome", customs.ProblemInvalidEnum, "outcome must be pass or fail, or left out")
		}
	}
	switch disposition {
	case "", string(customs.StatusReturned), string(customs.StatusDestroyed):
	default:
		ps.Add("/disposition", customs.ProblemInvalidEnum, "disposition must be returned or destroyed")
	}
}
