// Command gatewayd is the Jing-Jin-Ji single-window gateway (operations.md):
// the HTTP service, its migrations and keys, offline translation, and the
// simulators and load tool used in tests and demos.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
)

// usageError is bad usage: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:])
	code := exitStatus(err)
	if code != 0 && !errors.Is(err, errQuiet) {
		fmt.Fprintln(os.Stderr, "gatewayd:", err)
	}
	os.Exit(code)
}

// exitStatus is operations.md's: 0 on success (and after --help), 2 on bad
// usage, 1 on any other failure.
func exitStatus(err error) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, errHelpShown):
		return 0
	case errors.As(err, &ue):
		return 2
	}
	return 1
}

// errQuiet is a failure already reported to the user.
var errQuiet = errors.New("failed")

const usage = `usage: gatewayd <command> [flags]
       gatewayd --version

commands:
  serve                 run the gateway (HTTP API, outbox dispatcher, credit sync)
  migrate               apply database migrations and exit (also: status, down, force)
  keys create           make an API key and print it
  translate             translate port messages offline
  sim review-centre     run a review-centre simulator
  sim registry          run a credit-registry simulator
  load                  send generated declarations and report throughput
  health                ask a running gateway whether it is ready (container health checks)

'gatewayd <command> --help' says more. Settings are environment variables,
each with a flag named after it (DATABASE_URL → --database-url); flags win.
Exit status: 0 on success, 1 on a failure (the message says what), 2 on bad
usage.`

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageError{usage}
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:])
	case "migrate":
		return runMigrate(ctx, args[1:], os.Stdout, os.Stderr)
	case "keys":
		const keysUsage = "usage: gatewayd keys create --role ROLE [--scope SCOPE] [--name NAME]"
		if len(args) >= 2 && isHelp(args[1]) {
			fmt.Println(keysUsage)
			return nil
		}
		if len(args) < 2 || args[1] != "create" {
			return usageError{keysUsage}
		}
		return runKeysCreate(ctx, args[2:], os.Stdout)
	case "translate":
		return runTranslate(ctx, args[1:], os.Stdin, os.Stdout, os.Stderr)
	case "sim":
		const simUsage = "usage: gatewayd sim review-centre|registry [flags]"
		if len(args) >= 2 && isHelp(args[1]) {
			fmt.Println(simUsage)
			return nil
		}
		if len(args) < 2 {
			return usageError{simUsage}
		}
		return runSim(ctx, args[1], args[2:])
	case "load":
		return runLoad(ctx, args[1:])
	case "health":
		return runHealth(ctx, args[1:], os.Stdout)
	case "-h", "-help", "--help", "help":
		fmt.Println(usage)
		return nil
	case "-version", "--version", "version":
		bi, _ := debug.ReadBuildInfo()
		fmt.Println(versionString(bi))
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q\n%s", args[0], usage)}
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

// buildCommit is the commit the binary was built from, for builds that
// carry no version control information (a Docker build without .git):
// -ldflags "-X main.buildCommit=$(git rev-parse HEAD)".
var buildCommit string

// versionString is --version's line: the module's version, the commit
// (with "+modified" for uncommitted changes) and its time, and the Go
// release, from the build information Go records in the binary.
func versionString(bi *debug.BuildInfo) string {
	if bi == nil {
		return "gatewayd (no build information)"
	}
	v := bi.Main.Version
	if v == "" {
		v = "(devel)"
	}
	var rev, at, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+modified"
			}
		}
	}
	if rev == "" {
		rev = buildCommit
	}
	parts := []string{"gatewayd " + v}
	if rev != "" {
		parts = append(parts, "commit "+rev+modified)
	} else {
		parts = append(parts, "commit unknown")
	}
	if at != "" {
		parts = append(parts, at)
	}
	parts = append(parts, bi.GoVersion)
	return strings.Join(parts, ", ")
}
