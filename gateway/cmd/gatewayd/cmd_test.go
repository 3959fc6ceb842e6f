package main

import (
	"bytes"
	"context"
	"database/sql"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres/pgtest"
	"github.com/jjj/gateway/internal/reviewcentre/sim"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// clearEnv unsets (as empty) every variable the commands read, so that the
// machine's environment does not leak into a test.
func clearEnv(t *testing.T) {
	for _, n := range []string{"DATABASE_URL", "GATEWAY_ADDR", "REVIEW_CENTRE_URL", "CREDIT_REGISTRY_BJ",
		"CREDIT_REGISTRY_TJ", "CREDIT_REGISTRY_HE", "CREDIT_SYNC_INTERVAL", "RANDOM_INSPECTION_RATES",
		"RANDOM_SEED_SECRET", "MAX_BODY_BYTES", "MAX_XML_DEPTH", "MAX_XML_ELEMENTS", "CODES_DIR", "LOG_LEVEL"} {
		t.Setenv(n, "")
	}
	for _, s := range tuningSettings {
		t.Setenv(s.name, "")
	}
}

func TestEnvFlagPrecedence(t *testing.T) {
	t.Setenv("DATABASE_URL", "from-env")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "from-env"},
		{[]string{"--database-url", "from-flag"}, "from-flag"},
		{[]string{"-database-url=from-flag"}, "from-flag"},
	} {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		v := envFlag(fs, "DATABASE_URL", "default", "")
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		if *v != tc.want {
			t.Errorf("%v: %q, want %q", tc.args, *v, tc.want)
		}
	}
	// Unset and set empty both mean the default.
	t.Setenv("MAX_XML_DEPTH", "")
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	if v := envFlag(fs, "MAX_XML_DEPTH", "64", ""); *v != "64" || fs.Lookup("max-xml-depth") == nil {
		t.Errorf("empty variable: %q, want the default 64 under --max-xml-depth", *v)
	}
	os.Unsetenv("MAX_XML_DEPTH")
	fs = flag.NewFlagSet("x", flag.ContinueOnError)
	if v := envFlag(fs, "MAX_XML_DEPTH", "64", ""); *v != "64" {
		t.Errorf("unset variable: %q, want the default 64", *v)
	}
}

// TestExitStatus runs the commands as main does and checks the status it
// would exit with. The database is unreachable (port 1), so a case that
// gets past its checks exits 1, and bad usage must be found before it.
func TestExitStatus(t *testing.T) {
	const noDB = "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"
	serveEnv := map[string]string{"DATABASE_URL": noDB, "REVIEW_CENTRE_URL": "http://127.0.0.1:1", "RANDOM_SEED_SECRET": "s"}
	missing := filepath.Join(t.TempDir(), "missing.xml")
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want int
	}{
		{"help", nil, []string{"--help"}, 0},
		{"no command", nil, nil, 2},
		{"unknown command", nil, []string{"frobnicate"}, 2},
		{"serve help", nil, []string{"serve", "--help"}, 0},
		{"migrate help", nil, []string{"migrate", "-h"}, 0},
		{"keys help", nil, []string{"keys", "--help"}, 0},
		{"keys create help", nil, []string{"keys", "create", "--help"}, 0},
		{"translate help", nil, []string{"translate", "--help"}, 0},
		{"sim help", nil, []string{"sim", "--help"}, 0},
		{"sim review-centre help", nil, []string{"sim", "review-centre", "--help"}, 0},
		{"sim registry help", nil, []string{"sim", "registry", "--help"}, 0},
		{"load help", nil, []string{"load", "--help"}, 0},

		{"serve unknown flag", serveEnv, []string{"serve", "--bogus"}, 2},
		{"serve no settings", nil, []string{"serve"}, 2},
		{"serve no secret", map[string]string{"DATABASE_URL": noDB, "REVIEW_CENTRE_URL": "http://x"}, []string{"serve"}, 2},
		{"serve reaches the database", serveEnv, []string{"serve"}, 1},
		{"serve settings by flag", nil, []string{"serve", "--database-url", noDB, "--review-centre-url", "http://127.0.0.1:1", "--random-seed-secret", "s"}, 1},
		{"serve rate above 1", with(serveEnv, "RANDOM_INSPECTION_RATES", "general=2"), []string{"serve"}, 2},
		{"serve unknown rating", with(serveEnv, "RANDOM_INSPECTION_RATES", "gold=0.1"), []string{"serve"}, 2},
		{"serve bad interval", with(serveEnv, "CREDIT_SYNC_INTERVAL", "banana"), []string{"serve"}, 2},
		{"serve flag wins over bad env", with(serveEnv, "CREDIT_SYNC_INTERVAL", "banana"), []string{"serve", "--credit-sync-interval", "5m"}, 1},
		{"serve bad flag over good env", serveEnv, []string{"serve", "--credit-sync-interval", "-1s"}, 2},
		{"serve bad log level", with(serveEnv, "LOG_LEVEL", "loud"), []string{"serve"}, 2},
		{"serve bad body limit", with(serveEnv, "MAX_BODY_BYTES", "4MB"), []string{"serve"}, 2},
		{"serve bad depth", with(serveEnv, "MAX_XML_DEPTH", "0"), []string{"serve"}, 2},
		{"serve bad review centre URL", with(serveEnv, "REVIEW_CENTRE_URL", "review-centre:8080"), []string{"serve"}, 2},
		{"serve bad registry URL", with(serveEnv, "CREDIT_REGISTRY_TJ", "ftp://x"), []string{"serve"}, 2},
		{"serve bad outbox poll", with(serveEnv, "OUTBOX_POLL", "banana"), []string{"serve"}, 2},
		{"serve bad outbox concurrency flag", serveEnv, []string{"serve", "--outbox-concurrency", "0"}, 2},
		{"serve bad webhook suspend", with(serveEnv, "WEBHOOK_SUSPEND_AFTER", "x"), []string{"serve"}, 2},
		{"serve argument", serveEnv, []string{"serve", "extra"}, 2},

		{"migrate no database", nil, []string{"migrate"}, 2},
		{"migrate unreachable", nil, []string{"migrate", "--database-url", noDB}, 1},
		{"migrate env", map[string]string{"DATABASE_URL": noDB}, []string{"migrate"}, 1},

		{"keys no subcommand", nil, []string{"keys"}, 2},
		{"keys create no database", nil, []string{"keys", "create", "--role", "admin"}, 2},
		{"keys create no role", nil, []string{"keys", "create", "--database-url", noDB}, 2},
		{"keys create unknown role", nil, []string{"keys", "create", "--database-url", noDB, "--role", "emperor"}, 2},
		{"keys create unreachable", nil, []string{"keys", "create", "--database-url", noDB, "--role", "admin"}, 1},

		{"translate no port", nil, []string{"translate"}, 2},
		{"translate unknown port", nil, []string{"translate", "--port", "shanghai"}, 2},
		{"translate bad depth flag", nil, []string{"translate", "--port", "tianjin", "--max-xml-depth", "deep", missing}, 2},
		{"translate bad elements env", map[string]string{"MAX_XML_ELEMENTS": "-5"}, []string{"translate", "--port", "tianjin", missing}, 2},
		{"translate flag wins over bad env", map[string]string{"MAX_XML_DEPTH": "x"}, []string{"translate", "--port", "tianjin", "--max-xml-depth", "64", missing}, 1},
		{"translate bad codes dir", nil, []string{"translate", "--port", "tianjin", "--codes-dir", t.TempDir(), missing}, 1},
		{"translate missing file", nil, []string{"translate", "--port", "tianjin", missing}, 1},

		{"sim unknown", nil, []string{"sim", "bank"}, 2},
		{"sim registry no region", nil, []string{"sim", "registry"}, 2},
		{"sim registry bad region", nil, []string{"sim", "registry", "--region", "SH"}, 2},
		{"sim registry bad rate", nil, []string{"sim", "registry", "--region", "BJ", "--fail-rate", "1.5"}, 2},
		{"sim review-centre bad rate", nil, []string{"sim", "review-centre", "--throttle-rate", "x"}, 2},
		{"sim review-centre rates above 1", nil, []string{"sim", "review-centre", "--fail-rate", "0.6", "--garbage-rate", "0.6"}, 2},
		{"sim review-centre bad serial", nil, []string{"sim", "review-centre", "--first-serial", "0"}, 2},
		{"sim review-centre cannot listen", nil, []string{"sim", "review-centre", "--addr", "256.0.0.1:0"}, 1},

		{"load unknown flag", nil, []string{"load", "--bogus"}, 2},
		{"load no url", nil, []string{"load", "--key", "k", "--port", "tianjin"}, 2},
		{"load bad duration", nil, []string{"load", "--url", "http://127.0.0.1:1", "--key", "k", "--port", "tianjin", "--duration", "soon"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := run(ctx, tc.args)
			if got := exitStatus(err); got != tc.want {
				t.Errorf("exit status %d (err %v), want %d", got, err, tc.want)
			}
			if tc.want != 0 && err != nil && err.Error() == "" {
				t.Error("a failure without a message")
			}
		})
	}
}

func with(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for k2, v2 := range m {
		if k2 != k {
			out[k2] = v2
		}
	}
	return out
}

func TestTranslateMissingFileDoesNotStopTheOthers(t *testing.T) {
	good := filepath.Join("..", "..", "..", "adapters", "tianjin", "testdata", "import-coal-thermal.xml")
	missing := filepath.Join(t.TempDir(), "missing.xml")
	var out, errOut bytes.Buffer
	err := runTranslate(context.Background(), []string{"--port", "tianjin", missing, good, "-"},
		strings.NewReader("<nope/>"), &out, &errOut)
	if exitStatus(err) != 1 {
		t.Fatalf("err %v, want exit status 1", err)
	}
	if n := bytes.Count(out.Bytes(), []byte(`id="offline"`)); n != 1 {
		t.Errorf("%d documents on stdout, want the good file's", n)
	}
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "missing.xml: no such file") || !strings.HasPrefix(lines[1], "{") {
		t.Errorf("stderr, in order, the missing file then stdin's problem:\n%s", errOut.String())
	}
}

func TestKeysCreatePrintsTheKeyAlone(t *testing.T) {
	clearEnv(t)
	t.Setenv("DATABASE_URL", pgtest.URL(t))
	var out bytes.Buffer
	if err := runKeysCreate(context.Background(), []string{"--role", "port", "--scope", "tianjin", "--name", "t"}, &out); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^gw_[a-z0-9]+\n$`).Match(out.Bytes()) {
		t.Errorf("stdout %q, want the key alone on one line", out.String())
	}
	for _, args := range [][]string{
		{"--role", "admin", "--scope", "tianjin"}, // admin takes no scope
		{"--role", "port"},                        // port needs one
		{"--role", "port", "--scope", "shanghai"}, // not a port
	} {
		out.Reset()
		err := runKeysCreate(context.Background(), args, &out)
		if exitStatus(err) != 2 || out.Len() != 0 {
			t.Errorf("%v: err %v, stdout %q; want bad usage and nothing printed", args, err, out.String())
		}
	}
}

// TestServeStopsGracefully is serve's SIGTERM: the context main cancels on
// the signal ends run with nil (exit 0); every declaration answered 201 is
// in the database, and a restarted gateway delivers them all, once.
func TestServeStopsGracefully(t *testing.T) {
	clearEnv(t)
	dbURL := pgtest.URL(t)
	rc := sim.New(sim.Config{NoValidate: true, Faults: sim.Faults{Latency: 20 * time.Millisecond}})
	defer rc.Close()
	rcSrv := httptest.NewServer(rc)
	defer rcSrv.Close()

	var keyOut bytes.Buffer
	if err := runKeysCreate(context.Background(), []string{"--database-url", dbURL, "--role", "port", "--scope", "hebei"}, &keyOut); err != nil {
		t.Fatal(err)
	}
	start := func(ctx context.Context) (url string, done <-chan error) {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		c := commonFlags(fs)
		cfg := serveConfig{databaseURL: dbURL, reviewCentre: rcSrv.URL, syncInterval: time.Minute, rates: "",
			seedSecret: "s", maxBody: 1 << 22, common: c, registries: map[string]string{}, tuning: map[string]string{"OUTBOX_POLL": "20ms"}}
		a, err := newApp(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ch := make(chan error, 1)
		go func() { ch <- a.serveOn(ctx, ln) }()
		return "http://" + ln.Addr().String(), ch
	}

	ctx, stop := context.WithCancel(context.Background())
	url, done := start(ctx)
	rep, err := runLoadWith(context.Background(), loadConfig{URL: url, Key: strings.TrimSpace(keyOut.String()),
		Port: customs.PortHebei, Count: 30, Concurrency: 4, Seed: 3, Tables: codes.MustEmbedded(), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	stop() // SIGTERM
	select {
	case err := <-done:
		if exitStatus(err) != 0 {
			t.Fatalf("serve ended with %v", err)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("serve did not stop")
	}
	if rep.ByStatus[201] != 30 {
		t.Fatalf("answers %v, want 30 × 201", rep.ByStatus)
	}
	db, err := sql.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(q string) int {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count(`SELECT count(*) FROM declaration`); n != 30 {
		t.Fatalf("%d declarations stored, want the 30 answered 201", n)
	}
	if n := count(`SELECT count(*) FROM outbox WHERE state = 'running'`); n != 0 {
		t.Errorf("%d deliveries left running after the stop", n)
	}

	ctx2, stop2 := context.WithCancel(context.Background())
	_, done2 := start(ctx2)
	deadline := time.Now().Add(20 * time.Second)
	for count(`SELECT count(*) FROM declaration WHERE delivery = 'delivered'`) < 30 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	stop2()
	if err := <-done2; err != nil {
		t.Fatal(err)
	}
	if n := count(`SELECT count(*) FROM declaration WHERE delivery = 'delivered'`); n != 30 {
		t.Errorf("%d of 30 delivered after a restart", n)
	}
	if st := rc.Stats(); st.Distinct != 30 {
		t.Errorf("review centre stats %+v, want 30 distinct", st)
	}
}

func TestLoggerWritesJSONLinesAtLevel(t *testing.T) {
	var buf bytes.Buffer
	log, err := newLogger(&buf, "WARN")
	if err != nil {
		t.Fatal(err)
	}
	log.Info("hidden")
	log.Warn("shown", "k", 1)
	if lines := strings.Split(strings.TrimSpace(buf.String()), "\n"); len(lines) != 1 ||
		!strings.HasPrefix(lines[0], "{") || !strings.Contains(lines[0], `"msg":"shown"`) {
		t.Errorf("log output %q, want one JSON line at warn", buf.String())
	}
	for _, bad := range []string{"", "verbose", "info+2"} {
		if _, err := newLogger(io.Discard, bad); exitStatus(err) != 2 {
			t.Errorf("LOG_LEVEL %q: %v, want bad usage", bad, err)
		}
	}
}
