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
	"syscall"
)

// usageError is bad usage: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:])
	var ue usageError
	switch {
	case err == nil, errors.Is(err, errHelpShown):
	case errors.As(err, &ue):
		fmt.Fprintln(os.Stderr, "gatewayd:", err)
		os.Exit(2)
	case errors.Is(err, errQuiet):
		os.Exit(1)
	default:
		fmt.Fprintln(os.Stderr, "gatewayd:", err)
		os.Exit(1)
	}
}

// errQuiet is a failure already reported to the user.
var errQuiet = errors.New("failed")

const usage = `usage: gatewayd <command> [flags]

commands:
  serve                 run the gateway (HTTP API, outbox dispatcher, credit sync)
  migrate               apply database migrations and exit
  keys create           make an API key and print it
  translate             translate port messages offline
  sim review-centre     run a review-centre simulator
  sim registry          run a credit-registry simulator
  load                  send generated declarations and report throughput

'gatewayd <command> --help' says more.`

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return usageError{usage}
	}
	switch args[0] {
	case "serve":
		return runServe(ctx, args[1:])
	case "migrate":
		return runMigrate(ctx, args[1:])
	case "keys":
		if len(args) < 2 || args[1] != "create" {
			return usageError{"usage: gatewayd keys create --role ROLE [--scope SCOPE] [--name NAME]"}
		}
		return runKeysCreate(ctx, args[2:])
	case "translate":
		return runTranslate(ctx, args[1:], os.Stdin, os.Stdout, os.Stderr)
	case "sim":
		if len(args) < 2 {
			return usageError{"usage: gatewayd sim review-centre|registry [flags]"}
		}
		return runSim(ctx, args[1], args[2:])
	case "load":
		return runLoad(ctx, args[1:])
	case "-h", "--help", "help":
		fmt.Println(usage)
		return nil
	}
	return usageError{fmt.Sprintf("unknown command %q\n%s", args[0], usage)}
}
