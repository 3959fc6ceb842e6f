package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jjj/gateway/internal/credit/sim"
	"github.com/jjj/gateway/internal/customs"
)

const simRegistryAbout = `A regional credit registry for tests, demos and load (partners.md):
GET /records?after=CURSOR&limit=N pages through --records generated records
(the same --seed gives the same feed), --fail-rate of requests answered 503;
GET /stats gives its counts. With --grow it appends records over time. It logs its URL on
standard error and runs until SIGTERM or Ctrl-C.

Exit status: 0 after a stop; 1 when it cannot listen or read --pages; 2 on
bad usage.`

// runSimRegistry runs a credit registry simulator (operations.md,
// partners.md) until ctx ends.
func runSimRegistry(ctx context.Context, args []string) error {
	fs := newFlagSet("sim registry", "gatewayd sim registry --region R [--addr A] [--records N] [--seed S] [--fail-rate F]", simRegistryAbout)
	region := fs.String("region", "", "the registry's region: BJ, TJ or HE (required)")
	addr := fs.String("addr", "127.0.0.1:8092", "listen address")
	records := fs.Int("records", 1000, "how many records to generate at start")
	seed := fs.Uint64("seed", 1, "seed of the generated records (the same seed gives the same feed)")
	var failRate float64
	fs.Var(&fractionValue{&failRate}, "fail-rate", "fraction of requests answered 503")
	latency := fs.Duration("latency", 0, "added to every answer")
	grow := fs.Int("grow", 0, "records appended to the feed every --grow-every (changes over time)")
	growEvery := fs.Duration("grow-every", time.Minute, "how often --grow records are appended")
	pages := fs.String("pages", "", "serve the sample pages <region>-page-N.json of this folder instead of generated records")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("sim registry takes no arguments, not %q", fs.Args())}
	}
	r := customs.Region(strings.ToUpper(*region))
	switch r {
	case customs.RegionBJ, customs.RegionTJ, customs.RegionHE:
	default:
		return usageError{"--region must be BJ, TJ or HE"}
	}
	if *records < 0 || *grow < 0 || *latency < 0 || *growEvery <= 0 {
		return usageError{"--records and --grow must not be negative, --latency not negative, --grow-every positive"}
	}
	cfg := sim.Config{Region: r, Records: *records, Seed: *seed, FailRate: failRate, Latency: *latency}
	var err error
	if *pages != "" {
		if cfg.Pages, err = readPages(*pages, r); err != nil {
			return err
		}
	}
	reg, err := sim.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	srv := &http.Server{Handler: reg, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("registry simulator listening", "region", r, "records", reg.Len(), "addr", ln.Addr().String(), "url", "http://"+ln.Addr().String())
	var tick <-chan time.Time
	if *grow > 0 && cfg.Pages == nil {
		t := time.NewTicker(*growEvery)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.Shutdown(shut)
			st := reg.Stats()
			log.Info("registry simulator stopped", "requests", st.Requests, "failed", st.Failed, "records", st.Records)
			return nil
		case err := <-errc:
			if !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		case <-tick:
			reg.Append(*grow)
			log.Info("records appended", "added", *grow, "records", reg.Len())
		}
	}
}

// readPages reads dir/<region>-page-N.json in the order of N.
func readPages(dir string, r customs.Region) ([][]byte, error) {
	names, err := filepath.Glob(filepath.Join(dir, strings.ToLower(string(r))+"-page-*.json"))
	if err != nil || len(names) == 0 {
		return nil, fmt.Errorf("--pages %s: no %s-page-N.json files", dir, strings.ToLower(string(r)))
	}
	num := func(n string) int {
		s := strings.TrimSuffix(filepath.Base(n), ".json")
		i, _ := strconv.Atoi(s[strings.LastIndexByte(s, '-')+1:])
		return i
	}
	sort.Slice(names, func(i, j int) bool { return num(names[i]) < num(names[j]) })
	var out [][]byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}
