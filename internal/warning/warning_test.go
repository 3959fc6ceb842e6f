package warning

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
)

// fakeStore keeps what Issue stores; the rest is the real database's
// (gateway/warnings_test.go).
type fakeStore struct {
	Store
	stored  *customs.RegionalWarning
	reroute []string
}

func (f *fakeStore) InsertWarning(_ context.Context, w *customs.RegionalWarning, reroute []string, _ string) error {
	f.stored, f.reroute = w, reroute
	return nil
}

type fakeRerouter struct{ targets []string }

func (f *fakeRerouter) RerouteRequested(_ context.Context, targets []string, _, _ string) (int, error) {
	f.targets = targets
	return 1, nil
}

type fakeCache struct{ n int }

func (f *fakeCache) Invalidate() { f.n++ }

func TestIssue(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	exp := now.Add(48 * time.Hour)
	s := func(v string) *string { return &v }
	for _, c := range []struct {
		name    string
		kind    string
		action  string
		match   NewMatch
		due     time.Duration
		targets string
		reloads int
	}{
		{"public health notify", "public_health", "notify", NewMatch{HSPrefix: s("0302")}, 6 * time.Hour, "[]", 0},
		{"quality, all goods", "quality_risk", "port_inspection", NewMatch{Origin: s("nor")}, 24 * time.Hour, "[*]", 1},
		{"plant, one enterprise", "plant_animal", "destination_inspection", NewMatch{USCC: s("91120113600138724G")}, 24 * time.Hour, "[91120113600138724G]", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, rr, cache := &fakeStore{}, &fakeRerouter{}, &fakeCache{}
			svc := &Service{Store: st, Tables: codes.MustEmbedded(), Reroute: rr, Alerts: cache, NowFunc: func() time.Time { return now }}
			w, err := svc.Issue(context.Background(), NewWarning{Kind: c.kind, Title: "t", Reason: "r", Match: &c.match, Action: c.action, ExpiresAt: &exp},
				customs.Principal{Role: customs.CallerBureau, Scope: "120000"})
			if err != nil {
				t.Fatal(err)
			}
			if w.Region != "TJ" || len(w.Acks) != 2 || w.Acks[0].Region != "BJ" || w.Acks[1].Region != "HE" {
				t.Errorf("region %s acks %+v", w.Region, w.Acks)
			}
			for _, a := range w.Acks {
				if a.Due.Sub(now) != c.due {
					t.Errorf("due in %s, want %s", a.Due.Sub(now), c.due)
				}
			}
			if got := fmt.Sprint(st.reroute); got != c.targets && !(c.targets == "[]" && st.reroute == nil) {
				t.Errorf("queued re-route %v, want %s", st.reroute, c.targets)
			}
			if cache.n != c.reloads {
				t.Errorf("alert cache reloaded %d times, want %d", cache.n, c.reloads)
			}
			if c.reloads > 0 && fmt.Sprint(rr.targets) != c.targets {
				t.Errorf("re-routed %v at once, want %s", rr.targets, c.targets)
			}
			if w.Match.Origin != "" && w.Match.Origin != "NOR" {
				t.Errorf("origin %q not upper-cased", w.Match.Origin)
			}
		})
	}
}

func TestStateAndOverdue(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	at := now.Add(-time.Hour)
	for _, c := range []struct {
		name    string
		w       customs.RegionalWarning
		ack     customs.WarningAck
		state   customs.WarningState
		overdue bool
	}{
		{"active, due later", customs.RegionalWarning{State: customs.WarningActive, ExpiresAt: now.Add(time.Hour)}, customs.WarningAck{Due: now.Add(time.Minute)}, customs.WarningActive, false},
		{"active, past due", customs.RegionalWarning{State: customs.WarningActive, ExpiresAt: now.Add(time.Hour)}, customs.WarningAck{Due: now.Add(-time.Minute)}, customs.WarningActive, true},
		{"active, given", customs.RegionalWarning{State: customs.WarningActive, ExpiresAt: now.Add(time.Hour)}, customs.WarningAck{Due: now.Add(-time.Minute), At: &at}, customs.WarningActive, false},
		{"expired", customs.RegionalWarning{State: customs.WarningActive, ExpiresAt: now}, customs.WarningAck{Due: now.Add(-time.Minute)}, customs.WarningExpired, false},
		{"lifted", customs.RegionalWarning{State: customs.WarningLifted, ExpiresAt: now.Add(time.Hour)}, customs.WarningAck{Due: now.Add(-time.Minute)}, customs.WarningLifted, false},
	} {
		if got := c.w.StateAt(now); got != c.state {
			t.Errorf("%s: state %s, want %s", c.name, got, c.state)
		}
		if got := c.w.Overdue(&c.ack, now); got != c.overdue {
			t.Errorf("%s: overdue %v, want %v", c.name, got, c.overdue)
		}
	}
}
