package outbox_test

import (
	"cmp"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/reviewcentre/sim"
)

// pgProgram finds one of PostgreSQL's server programs (pg_ctl, initdb) as
// the machine has it: in PATH first, else in Debian's
// /usr/lib/postgresql/<major>/bin, the newest major first (Debian keeps
// them out of PATH, and the major differs from machine to machine). The
// test fails, naming where it looked, when there is none.
func pgProgram(t *testing.T, name string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	if p := newestPGBin(dirs, name, func(p string) bool { _, err := os.Stat(p); return err == nil }); p != "" {
		return p
	}
	t.Fatalf("%s is neither in PATH nor in /usr/lib/postgresql/*/bin (install the PostgreSQL server)", name)
	return ""
}

// newestPGBin returns name in the dir of dirs (…/postgresql/<major>/bin)
// with the highest major that has it; majors compare as numbers (10 > 9).
func newestPGBin(dirs []string, name string, exists func(string) bool) string {
	major := func(dir string) float64 {
		v, err := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
		if err != nil {
			return -1
		}
		return v
	}
	sorted := slices.Clone(dirs)
	slices.SortStableFunc(sorted, func(a, b string) int { return cmp.Compare(major(b), major(a)) })
	for _, d := range sorted {
		if p := filepath.Join(d, name); exists(p) {
			return p
		}
	}
	return ""
}

// cluster is a private PostgreSQL server the test starts and stops itself,
// never the shared one.
type cluster struct {
	t    *testing.T
	dir  string
	port int
	as   []string          // runuser prefix when running as root (initdb refuses root)
	bin  map[string]string // pg_ctl and initdb, found by pgProgram
}

func (c *cluster) cmd(name string, args ...string) *exec.Cmd {
	full := append(append([]string{}, c.as...), append([]string{c.bin[name]}, args...)...)
	return exec.Command(full[0], full[1:]...)
}

func (c *cluster) run(name string, args ...string) {
	c.t.Helper()
	if out, err := c.cmd(name, args...).CombinedOutput(); err != nil {
		c.t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir, err := os.MkdirTemp("", "outbox-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, dir: dir, port: port,
		bin: map[string]string{"pg_ctl": pgProgram(t, "pg_ctl"), "initdb": pgProgram(t, "initdb")}}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs a postgres user for initdb: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		c.as = []string{"runuser", "-u", "postgres", "--"}
	}
	t.Cleanup(func() {
		c.cmd("pg_ctl", "-D", c.data(), "stop", "-m", "immediate").Run()
		os.RemoveAll(dir)
	})
	c.run("initdb", "-D", c.data(), "-A", "trust", "-U", "postgres", "--no-sync")
	c.start()
	return c
}

func (c *cluster) data() string { return filepath.Join(c.dir, "data") }

func (c *cluster) start() {
	c.t.Helper()
	c.run("pg_ctl", "-D", c.data(), "-l", filepath.Join(c.dir, "log"), "-w", "start",
		"-o", fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", c.port, c.dir))
}

func (c *cluster) stop() {
	c.t.Helper()
	c.run("pg_ctl", "-D", c.data(), "-w", "stop", "-m", "fast")
}

func (c *cluster) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// TestFaultPostgresRestart: (d) PostgreSQL is restarted while the
// dispatcher runs, with messages in flight: it recovers without a restart
// of its own, and nothing is lost.
func TestFaultPostgresRestart(t *testing.T) {
	t.Parallel()
	const before, after = 400, 200
	c := startCluster(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, c.url())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	b := setup(t, sim.Config{Faults: sim.Faults{Latency: 10 * time.Millisecond}}, nil)
	b.db = db
	ids := insert(t, db, before, declOpt{})
	cfg := testConfig()
	cfg.Concurrency = 4
	b.run(t, cfg)
	waitFor(t, 20*time.Second, "sending to be under way", func() bool { return b.sim.Stats().Received >= 50 })

	c.stop()
	stoppedAt := b.sim.Stats()
	time.Sleep(1500 * time.Millisecond) // the database is away; answers in hand wait
	c.start()
	restarted := time.Now()

	// The gateway's own pool recovers too: new declarations are accepted.
	waitFor(t, 10*time.Second, "the database", func() bool { return db.PingContext(ctx) == nil })
	ids = append(ids, insert(t, db, after, declOpt{})...)
	waitFor(t, 45*time.Second, "every delivery", func() bool { return count(t, db).Delivered == before+after })
	checkExactlyOnce(t, db, b.sim, ids)
	st := b.sim.Stats()
	cnt := count(t, db)
	t.Logf("(d) PostgreSQL stopped for 1.5s after %d sends, then restarted: %d accepted, %d delivered %s after the restart; review centre received %d, distinct %d, duplicates %d; unrecorded outcomes %.0f, attempts %d",
		stoppedAt.Received, before+after, cnt.Delivered, time.Since(restarted).Round(time.Millisecond), st.Received, st.Distinct, st.Duplicates, counter(b, "unrecorded"), cnt.Attempts)
}

func TestNewestPGBin(t *testing.T) {
	t.Parallel()
	dirs := []string{"/usr/lib/postgresql/9.6/bin", "/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/10/bin", "/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/x/bin"}
	has := map[string]bool{
		"/usr/lib/postgresql/9.6/bin/pg_ctl": true, "/usr/lib/postgresql/15/bin/pg_ctl": true, "/usr/lib/postgresql/10/bin/pg_ctl": true,
		"/usr/lib/postgresql/17/bin/initdb": true, // 17 has initdb here, no pg_ctl
		"/usr/lib/postgresql/x/bin/pg_ctl":  true,
	}
	exists := func(p string) bool { return has[p] }
	for name, want := range map[string]string{
		"pg_ctl": "/usr/lib/postgresql/15/bin/pg_ctl", // 15 > 10 > 9.6, though 10 sorts after 15 as text
		"initdb": "/usr/lib/postgresql/17/bin/initdb",
		"psql":   "",
	} {
		if got := newestPGBin(dirs, name, exists); got != want {
			t.Errorf("newestPGBin(%s) = %q, want %q", name, got, want)
		}
	}
}
