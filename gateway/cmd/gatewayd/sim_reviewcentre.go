package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"time"

	"github.com/jjj/gateway/internal/reviewcentre/sim"
	"github.com/jjj/gateway/schemas/xmllint"
)

const simReviewCentreAbout = `A review centre for tests, demos and load (partners.md), at the paths
the gateway calls under REVIEW_CENTRE_URL: POST /declarations answers 201
with a receipt and a new entry id, a repeated Idempotency-Key 409 with the
same receipt, a body that does not validate against the canonical XSD 422;
PUT /declarations/{id}/route takes a route amendment. Rates are fractions
0-1 of requests answered 503, 429 with Retry-After, or with an unparsable
body (after processing: a lost answer). GET /stats answers
{"received", "distinct", "duplicates", "refused"}; GET /entries the entry
ids given. It logs its URL on standard error and runs until SIGTERM or
Ctrl-C.

Entry ids count from 1 in each run: when restarting it against a database
that already holds entry ids, give --first-serial past the largest serial
(the last 9 digits of an entry id), or deliveries stall on a duplicate.

Exit status: 0 after a stop; 1 when it cannot listen; 2 on bad usage.`

// runSimReviewCentre runs the review centre simulator (operations.md) until
// ctx ends.
func runSimReviewCentre(ctx context.Context, args []string) error {
	fs := newFlagSet("sim review-centre", "gatewayd sim review-centre [--addr A] [--fail-rate F] [--throttle-rate F] [--garbage-rate F] [--latency D] [--down-for D]", simReviewCentreAbout)
	addr := fs.String("addr", "127.0.0.1:8091", "listen address")
	var f sim.Faults
	fs.Var(&fractionValue{&f.FailRate}, "fail-rate", "fraction of requests answered 503")
	fs.Var(&fractionValue{&f.ThrottleRate}, "throttle-rate", "fraction of requests answered 429 with Retry-After")
	fs.Var(&fractionValue{&f.GarbageRate}, "garbage-rate", "fraction of requests processed, then answered with an unparsable body")
	latency := fs.Duration("latency", 0, "added to every answer")
	downFor := fs.Duration("down-for", 0, "drop every connection for this long after starting")
	retryAfter := fs.Duration("retry-after", time.Second, "the Retry-After of a 429")
	noValidate := fs.Bool("no-validate", false, "do not validate bodies against the canonical XSD (validating needs xmllint)")
	firstSerial := fs.Int64("first-serial", 1, "serial of the first entry id given (1 to 999999999)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("sim review-centre takes no arguments, not %q", fs.Args())}
	}
	if *firstSerial < 1 || *firstSerial > 999999999 {
		return usageError{"--first-serial must be from 1 to 999999999"}
	}
	if f.FailRate+f.ThrottleRate+f.GarbageRate > 1 {
		return usageError{"--fail-rate, --throttle-rate and --garbage-rate add up to more than 1"}
	}
	if *latency < 0 || *downFor < 0 || *retryAfter < 0 {
		return usageError{"durations must not be negative"}
	}
	f.Latency, f.RetryAfter = *latency, *retryAfter
	if !*noValidate {
		// Without xmllint every message would be refused: say so now.
		if _, err := exec.LookPath(xmllint.Command); err != nil {
			return errors.New("xmllint is not installed (Debian: apt-get install libxml2-utils); or run with --no-validate")
		}
	}
	s := sim.New(sim.Config{Faults: f, DownFor: *downFor, NoValidate: *noValidate, FirstSerial: *firstSerial})
	defer s.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("review centre simulator listening", "addr", ln.Addr().String(), "url", "http://"+ln.Addr().String())
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(shut)
	st := s.Stats()
	log.Info("review centre simulator stopped", "received", st.Received, "distinct", st.Distinct, "duplicates", st.Duplicates, "refused", st.Refused)
	return nil
}
