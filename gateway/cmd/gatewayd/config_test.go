package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/postgres/pgtest"
	"github.com/jjj/gateway/internal/reviewcentre/sim"
)

// stderrOf runs f with os.Stderr captured (--help and flag errors go
// there) and returns what it wrote.
func stderrOf(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stderr
	os.Stderr = w
	done := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); done <- b }()
	defer func() { os.Stderr = old }()
	f()
	w.Close()
	os.Stderr = old
	return string(<-done)
}

// TestHelpKeepsSecrets: secrets taken from the environment show as
// "(set)", a URL's password is masked, other values taken from the
// environment are shown as such, and every setting names its type.
func TestHelpKeepsSecrets(t *testing.T) {
	clearEnv(t)
	t.Setenv("DATABASE_URL", "postgres://gw:hunter2@db/x")
	t.Setenv("RANDOM_SEED_SECRET", "open-sesame")
	t.Setenv("REVIEW_CENTRE_URL", "https://rc:pa55word@rc.example/")
	t.Setenv("CREDIT_SYNC_INTERVAL", "5m")
	for _, args := range [][]string{{"serve", "--help"}, {"migrate", "--help"}, {"keys", "create", "--help"}} {
		var err error
		out := stderrOf(t, func() { err = run(context.Background(), args) })
		if exitStatus(err) != 0 {
			t.Fatalf("%v: %v", args, err)
		}
		for _, secret := range []string{"hunter2", "open-sesame", "pa55word"} {
			if strings.Contains(out, secret) {
				t.Errorf("%v prints %q:\n%s", args, secret, out)
			}
		}
		if !regexp.MustCompile(`\$DATABASE_URL \(set\)`).MatchString(out) {
			t.Errorf("%v: DATABASE_URL not shown as (set):\n%s", args, out)
		}
	}
	out := stderrOf(t, func() { run(context.Background(), []string{"serve", "--help"}) })
	for _, want := range []string{
		`--random-seed-secret string`, `$RANDOM_SEED_SECRET (set)`,
		`$REVIEW_CENTRE_URL "https://rc:xxxxx@rc.example/" from the environment`,
		`--credit-sync-interval duration`, `$CREDIT_SYNC_INTERVAL "5m" from the environment; default 1m`,
		`--database-max-conns connections`, `$DATABASE_MAX_CONNS; default 20`,
		`--max-body-bytes bytes`, `--outbox-poll duration`, `default 250ms`, `--outbox-concurrency deliveries`,
		`--random-inspection-rates rating=fraction`, `--log-level debug|info|warn|error`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("serve --help lacks %q:\n%s", want, out)
		}
	}
}

// TestMalformedSettingsAreNamed: each malformed value is bad usage naming
// its variable (or its flag, when the flag was given), all at once, and a
// URL's password stays out of the message.
func TestMalformedSettingsAreNamed(t *testing.T) {
	serveEnv := map[string]string{"DATABASE_URL": "postgres://x@127.0.0.1:1/x", "REVIEW_CENTRE_URL": "http://127.0.0.1:1", "RANDOM_SEED_SECRET": "s"}
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want []string
		not  string
	}{
		{"pool size", with(serveEnv, "DATABASE_MAX_CONNS", "0"), []string{"serve"}, []string{"DATABASE_MAX_CONNS", "at least 1"}, ""},
		{"pool size flag", serveEnv, []string{"serve", "--database-max-conns", "many"}, []string{"database-max-conns"}, ""},
		{"two at once", with(with(serveEnv, "OUTBOX_LEASE", "soon"), "MAX_BODY_BYTES", "4MB"), []string{"serve"}, []string{"OUTBOX_LEASE", "MAX_BODY_BYTES"}, ""},
		{"registry URL with a password", with(serveEnv, "CREDIT_REGISTRY_BJ", "ftp://u:pa55word@x"), []string{"serve"}, []string{"CREDIT_REGISTRY_BJ"}, "pa55word"},
		{"log level", with(serveEnv, "LOG_LEVEL", "loud"), []string{"serve"}, []string{"LOG_LEVEL", "debug, info, warn, error"}, ""},
		{"rates", with(serveEnv, "RANDOM_INSPECTION_RATES", "gold=0.1"), []string{"serve"}, []string{"RANDOM_INSPECTION_RATES", "gold"}, ""},
		{"sim fraction", nil, []string{"sim", "registry", "--region", "BJ", "--fail-rate", "2"}, []string{"fail-rate", "fraction"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("DATABASE_MAX_CONNS", "")
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			var err error
			stderr := stderrOf(t, func() { err = run(context.Background(), tc.args) })
			if exitStatus(err) != 2 {
				t.Fatalf("exit status %d (%v), want 2", exitStatus(err), err)
			}
			msg := err.Error() + stderr
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q lacks %q", err.Error(), w)
				}
			}
			if tc.not != "" && strings.Contains(msg, tc.not) {
				t.Errorf("message shows %q: %s", tc.not, msg)
			}
		})
	}
}

func TestVersionString(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/jjj/gateway", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abc"}, {Key: "vcs.time", Value: "2026-01-02T03:04:05Z"}, {Key: "vcs.modified", Value: "true"}}}
	if got, want := versionString(bi), "gatewayd v1.4.0, commit 0123abc+modified, 2026-01-02T03:04:05Z, go1.26.8"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	old := buildCommit
	defer func() { buildCommit = old }()
	buildCommit = "feedbee"
	if got := versionString(&debug.BuildInfo{GoVersion: "go1.26.8"}); got != "gatewayd (devel), commit feedbee, go1.26.8" {
		t.Errorf("without vcs settings: %q", got)
	}
	var out string
	out = stdoutOf(t, func() {
		if err := run(context.Background(), []string{"--version"}); err != nil {
			t.Fatal(err)
		}
	})
	if !strings.HasPrefix(out, "gatewayd ") || !strings.Contains(out, "go1.") {
		t.Errorf("--version printed %q", out)
	}
}

func stdoutOf(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan []byte)
	go func() { b, _ := io.ReadAll(r); done <- b }()
	defer func() { os.Stdout = old }()
	f()
	w.Close()
	os.Stdout = old
	return string(<-done)
}

// TestSimReviewCentreHelpNamesItsPaths: the paths --help gives are the
// ones the simulator answers (it once named /v1/declarations).
func TestSimReviewCentreHelpNamesItsPaths(t *testing.T) {
	help := stderrOf(t, func() { run(context.Background(), []string{"sim", "review-centre", "--help"}) })
	paths := regexp.MustCompile(`(GET|POST|PUT) (/[a-z/{}]+)`).FindAllStringSubmatch(help, -1)
	if len(paths) < 3 {
		t.Fatalf("help names %v, want the simulator's paths:\n%s", paths, help)
	}
	s := sim.New(sim.Config{NoValidate: true})
	defer s.Close()
	srv := httptest.NewServer(s)
	defer srv.Close()
	for _, p := range paths {
		req, _ := http.NewRequest(p[1], srv.URL+strings.ReplaceAll(p[2], "{id}", "d1"), bytes.NewReader(nil))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound {
			t.Errorf("%s %s, named in --help, answers 404", p[1], p[2])
		}
	}
}

// TestMigrateActions drives `gatewayd migrate` through its actions on a
// new database.
func TestMigrateActions(t *testing.T) {
	clearEnv(t)
	url := pgtest.EmptyURL(t)
	ctx := context.Background()
	step := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := runMigrate(ctx, append(args, "--database-url", url), &out, &errOut)
		return out.String(), errOut.String(), err
	}
	out, _, err := step("status")
	if err != nil || !strings.Contains(out, "pending  0001_core") || !regexp.MustCompile(`version 0 of \d+`).MatchString(out) {
		t.Fatalf("status of a new database: %q (%v)", out, err)
	}
	if _, errOut, err := step(); err != nil || !strings.Contains(errOut, "applied 0001_core") {
		t.Fatalf("migrate: %q (%v)", errOut, err)
	}
	if _, errOut, err := step("up"); err != nil || !strings.Contains(errOut, "nothing to apply") {
		t.Fatalf("migrate up again: %q (%v)", errOut, err)
	}
	out, _, _ = step("status")
	if strings.Contains(out, "pending") || !regexp.MustCompile(`version (\d+) of (\d+)\n$`).MatchString(out) {
		t.Errorf("status after up: %q", out)
	}
	if _, errOut, err := step("down"); err != nil || strings.Count(errOut, "undone") != 1 {
		t.Errorf("down: %q (%v), want one migration undone", errOut, err)
	}
	out, _, _ = step("status")
	if strings.Count(out, "pending") != 1 {
		t.Errorf("status after down: %q, want one pending", out)
	}
	if _, _, err := step("force", "1"); err != nil {
		t.Errorf("force 1: %v", err)
	}
	if out, _, _ = step("status"); !strings.Contains(out, "version 1 of") {
		t.Errorf("status after force 1: %q", out)
	}
	for _, args := range [][]string{{"sideways"}, {"force"}, {"force", "x"}, {"up", "--all"}, {"status", "extra"}} {
		if _, _, err := step(args...); exitStatus(err) != 2 {
			t.Errorf("%v: %v, want bad usage", args, err)
		}
	}
}

// TestSettingKinds: each typed setting reads its variable, a flag wins,
// a boolean flag may be given alone, and a bad variable is reported only
// when its flag is not given.
func TestSettingKinds(t *testing.T) {
	t.Setenv("T_ALLOW", "true")
	t.Setenv("T_WAIT", "90s")
	t.Setenv("T_COUNT", "x")
	t.Setenv("T_URL", "https://u:pw@h.example/")
	fs := newFlagSet("t", "t", "t")
	allow := boolFlag(fs, "T_ALLOW", false, "")
	off := boolFlag(fs, "T_OFF", false, "")
	wait := durationFlag(fs, "T_WAIT", time.Minute, "")
	count := countFlag(fs, "T_COUNT", 3, "items", "")
	u := urlFlag(fs, "T_URL", "")
	if err := parse(fs, []string{"--t-off", "--t-count", "7"}); err != nil {
		t.Fatal(err)
	}
	if !*allow || !*off || *wait != 90*time.Second || *count != 7 || *u != "https://u:pw@h.example/" {
		t.Errorf("allow %v off %v wait %v count %d url %q", *allow, *off, *wait, *count, *u)
	}
	fs = newFlagSet("t", "t", "t")
	countFlag(fs, "T_COUNT", 3, "items", "")
	err := parse(fs, nil)
	if exitStatus(err) != 2 || !strings.Contains(err.Error(), `T_COUNT="x"`) {
		t.Errorf("bad variable: %v, want bad usage naming T_COUNT", err)
	}
	if got := fmtDuration(90 * time.Minute); got != "1h30m" {
		t.Errorf("fmtDuration(90m) = %q", got)
	}
	if got := fmtDuration(2 * time.Hour); got != "2h" {
		t.Errorf("fmtDuration(2h) = %q", got)
	}
}
