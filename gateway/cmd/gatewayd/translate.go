package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/jjj/gateway/gateway"
	"github.com/jjj/gateway/internal/canonical"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/routing"
	"github.com/jjj/gateway/internal/translate"
)

// offlineReceivedAt is the receivedAt of offline translations, fixed so that
// the output of a file is the same whenever it is translated.
var offlineReceivedAt = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

const translateAbout = `Offline, with no database: translates and validates each FILE (standard
input when none is given, or for "-") and prints, per file in order, its
canonical XML with the route the rules give without credit, alerts or draw
(id="offline", receivedAt 1970-01-01T00:00:00Z, so the same file always
gives the same bytes). Each supporting document a file cites is a warning
document_not_checked: only the gateway checks it against the register. For a file that does not validate, the problem
object of the HTTP API is printed as one JSON line on standard error; a file
that cannot be read is reported there as "gatewayd: FILE: reason". Every
file is tried.

Exit status: 0 when every file translated; 1 when any did not; 2 on bad
usage (unknown flag or port, no --port, a malformed limit).`

func runTranslate(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("translate", "gatewayd translate --port PORT [FILE...]", translateAbout)
	c := commonFlags(fs)
	port := fs.String("port", "", "the port dialect of the files: tianjin, hebei or beijing (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *port == "" {
		return usageError{"--port is required"}
	}
	tables, err := c.tables()
	if err != nil {
		return err
	}
	lim, err := c.limits()
	if err != nil {
		return err
	}
	reg, err := registry(tables, lim)
	if err != nil {
		return err
	}
	if _, ok := reg.Get(customs.Port(*port)); !ok {
		return usageError{fmt.Sprintf("unknown port %q", *port)}
	}
	engine, err := routing.New(routing.Config{Tables: tables, Rates: map[customs.Rating]float64{}})
	if err != nil {
		return err
	}
	tr := &translate.Translator{Adapters: reg, Engine: engine}
	type input struct {
		name string
		read func() ([]byte, error)
	}
	var inputs []input
	names := fs.Args()
	if len(names) == 0 {
		names = []string{"-"}
	}
	for _, name := range names {
		if name == "-" {
			inputs = append(inputs, input{name, func() ([]byte, error) { return io.ReadAll(stdin) }})
		} else {
			inputs = append(inputs, input{name, func() ([]byte, error) { return os.ReadFile(name) }})
		}
	}
	failed := false
	for _, in := range inputs {
		raw, err := in.read()
		if err != nil {
			// Not a problem object: there is no declaration to speak of.
			failed = true
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			fmt.Fprintf(stderr, "gatewayd: %s: %v\n", in.name, err)
			continue
		}
		out, err := translateOne(tr, customs.Port(*port), raw)
		if err != nil {
			failed = true
			b, _ := json.Marshal(offlineProblem(customs.Port(*port), in.name, tr, raw, err))
			fmt.Fprintf(stderr, "%s\n", b)
			continue
		}
		stdout.Write(out)
		fmt.Fprintln(stdout)
	}
	if failed {
		return errQuiet
	}
	return nil
}

// translateOne gives the canonical XML with the route the rules give
// without credit, alerts or draw.
func translateOne(tr *translate.Translator, port customs.Port, raw []byte) ([]byte, error) {
	d, err := tr.Decode(port, raw)
	if err != nil {
		return nil, err
	}
	d.ID = "offline"
	d.Source.ReceivedAt = offlineReceivedAt
	translate.NotChecked(d)
	r, err := tr.Engine.Decide(d, routing.Facts{})
	if err != nil {
		return nil, err
	}
	d.Route = r
	return canonical.Marshal(d), nil
}

// offlineProblem is the problem object of api.md for a file.
func offlineProblem(port customs.Port, file string, tr *translate.Translator, raw []byte, err error) gateway.Problem {
	code := customs.ErrorCodeOf(err)
	p := gateway.Problem{Type: "https://jjj-gateway.example/problems/invalid-declaration", Title: "declaration does not validate",
		Status: gateway.StatusOf(code), Port: string(port), Detail: file}
	if code != customs.CodeInvalid {
		p.Type = gateway.ProblemType(code)
		p.Title = customs.ErrorMessage(err)
	}
	if a, ok := tr.Adapters.Get(port); ok && code == customs.CodeInvalid {
		if d, _ := a.Decode(raw); d != nil && d.Source.PortRef != "" {
			ref := d.Source.PortRef
			p.PortRef = &ref
		}
	}
	for _, pr := range customs.ProblemsOf(err) {
		pe := gateway.ProblemError{Code: pr.Code, Message: pr.Message}
		if pr.Path != "" {
			path := pr.Path
			pe.Path = &path
		}
		p.Errors = append(p.Errors, pe)
	}
	if len(p.Errors) == 0 {
		p.Errors = []gateway.ProblemError{{Code: string(code), Message: err.Error()}}
	}
	return p
}
