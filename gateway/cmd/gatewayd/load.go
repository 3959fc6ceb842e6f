package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jjj/gateway/internal/codes"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/loadgen"
)

// loadConfig is what `gatewayd load` runs with.
type loadConfig struct {
	URL, Key    string
	Port        customs.Port
	Rate        float64       // requests per second in all; 0: as fast as the workers go
	Duration    time.Duration // 0: no time limit (Count must be set)
	Count       int64         // 0: no count limit (Duration must be set)
	Concurrency int
	Seed        uint64
	Timeout     time.Duration
	Tables      *codes.Tables
	// Client is the HTTP client; nil means one sized for Concurrency.
	Client *http.Client
	// NowFunc: nil means time.Now.
	NowFunc func() time.Time
	// Corpus, if not nil, is sent instead of generated messages: each
	// message once, in order, and the run ends when it is used up. A
	// benchmark sends a corpus made beforehand (--out) so that the client
	// does not generate messages on the cores it measures.
	Corpus []loadgen.Message
}

// loadReport is what a run measured.
type loadReport struct {
	Port      customs.Port
	Sent      int64
	Bytes     int64
	Elapsed   time.Duration
	Latencies []time.Duration // sorted
	// ByStatus counts answers by HTTP status; 0 counts requests that got no
	// answer (connection refused, timeout).
	ByStatus map[int]int64
	// ByKind counts the declarations sent by kind.
	ByKind map[loadgen.Kind]int64
	// FirstError is the first transport error or non-2xx answer, for the
	// message that says what went wrong.
	FirstError string
}

const loadAbout = `Sends generated, valid declarations of the port's dialect to
POST URL/v1/ports/PORT/declarations and reports on standard output the
throughput, the latency percentiles (p50, p90, p99, max) and the answers by
status. Each declaration has a new portRef, so every one should be answered
201. It stops after --count declarations, after --duration (10s when
neither is given), or on Ctrl-C, whichever comes first.

--out DIR writes --count generated declarations to DIR instead of sending
them, one file each, named NNNNNN-KIND.xml; --corpus DIR sends such files
(each once, in name order, read into memory before the clock starts)
instead of generating messages. --report json prints the report as one
JSON object, for scripts (deploy/bench.sh).

Exit status: 0 when every answer was 2xx; 1 when any was not (or none
came); 2 on bad usage.`

func runLoad(ctx context.Context, args []string) error {
	fs := newFlagSet("load", "gatewayd load --url URL --key KEY --port PORT [--rate N] [--duration D] [--concurrency C] [--count N]", loadAbout)
	codesDir := envFlag(fs, "CODES_DIR", "", "folder of code tables the gateway uses, if not the embedded ones")
	url := fs.String("url", "", "the gateway's base URL, e.g. http://127.0.0.1:8080 (required)")
	key := fs.String("key", "", "a port key of the port (required)")
	port := fs.String("port", "", "the port dialect to send: tianjin, hebei or beijing (required)")
	rate := fs.Float64("rate", 0, "requests per second in all; 0 sends as fast as the workers go")
	duration := fs.Duration("duration", 0, "how long to send (default 10s when --count is not given)")
	count := fs.Int64("count", 0, "how many declarations to send; with --duration, whichever ends first")
	conc := fs.Int("concurrency", 4, "requests in flight at once")
	seed := fs.Uint64("seed", 0, "seed of the generated declarations (default: from the clock)")
	timeout := fs.Duration("timeout", 30*time.Second, "time limit of one request")
	out := fs.String("out", "", "write --count generated declarations to this folder instead of sending them")
	corpusDir := fs.String("corpus", "", "send the declarations of this folder (written by --out) instead of generated ones")
	report := fs.String("report", "text", "text or json")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out != "" {
		return writeCorpus(fs, *codesDir, *out, *port, *count, *seed)
	}
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Sprintf("load takes no arguments, not %q", fs.Args())}
	case *report != "text" && *report != "json":
		return usageError{fmt.Sprintf("--report must be text or json, not %q", *report)}
	case *url == "":
		return usageError{"--url is required"}
	case *key == "":
		return usageError{"--key is required"}
	case *port == "":
		return usageError{"--port is required"}
	case *conc < 1:
		return usageError{"--concurrency must be at least 1"}
	case *rate < 0 || *count < 0 || *duration < 0:
		return usageError{"--rate, --count and --duration must not be negative"}
	}
	if *count == 0 && *duration == 0 {
		*duration = 10 * time.Second
	}
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	tables, err := loadTables(*codesDir)
	if err != nil {
		return err
	}
	cfg := loadConfig{URL: *url, Key: *key, Port: customs.Port(*port), Rate: *rate, Duration: *duration,
		Count: *count, Concurrency: *conc, Seed: *seed, Timeout: *timeout, Tables: tables}
	if _, err := loadgen.New(loadgen.Config{Port: cfg.Port, Tables: tables}); err != nil {
		return usageError{fmt.Sprintf("--port %q: %v", *port, err)}
	}
	if *corpusDir != "" {
		if cfg.Corpus, err = readCorpus(*corpusDir, cfg.Port); err != nil {
			return err
		}
	}
	rep, err := runLoadWith(ctx, cfg)
	if err != nil {
		return err
	}
	if *report == "json" {
		err = rep.writeJSON(os.Stdout)
	} else {
		rep.write(os.Stdout)
	}
	if err != nil {
		return err
	}
	if bad := rep.notOK(); bad > 0 {
		return fmt.Errorf("%d of %d requests were not answered 2xx (first: %s)", bad, rep.Sent, rep.FirstError)
	}
	return nil
}

// runLoadWith sends declarations with cfg.Concurrency workers until the
// count is reached, the duration is over or ctx ends. With a rate, request
// i is not sent before start + i/rate: the schedule is fixed up front, so a
// slow answer does not lower the rate asked for while workers are free.
func runLoadWith(ctx context.Context, cfg loadConfig) (*loadReport, error) {
	now := cfg.NowFunc
	if now == nil {
		now = time.Now
	}
	client := cfg.Client
	if client == nil {
		client = &http.Client{
			Timeout: cfg.Timeout,
			Transport: &http.Transport{
				MaxIdleConns:        cfg.Concurrency,
				MaxIdleConnsPerHost: cfg.Concurrency,
				IdleConnTimeout:     90 * time.Second,
			},
		}
	}
	target := strings.TrimRight(cfg.URL, "/") + "/v1/ports/" + string(cfg.Port) + "/declarations"
	// A run id in every portRef keeps runs against the same database apart.
	runID := strconv.FormatInt(now().UnixMilli()%1e10, 36)
	start := now()
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, start.Add(cfg.Duration))
		defer cancel()
	}
	var ticket atomic.Int64
	type result struct {
		lat      []time.Duration
		byStatus map[int]int64
		byKind   map[loadgen.Kind]int64
		bytes    int64
		firstErr string
	}
	results := make([]result, cfg.Concurrency)
	// Every generator is made before any worker starts, so that a failure
	// leaves no worker running.
	gens := make([]*loadgen.Generator, cfg.Concurrency)
	for w := range gens {
		gen, err := loadgen.New(loadgen.Config{Port: cfg.Port, Tables: cfg.Tables, Seed: cfg.Seed + uint64(w),
			RefPrefix: runID + "W" + strconv.Itoa(w) + "N", Date: start.In(customs.Beijing)})
		if err != nil {
			return nil, err
		}
		gens[w] = gen
	}
	var wg sync.WaitGroup
	for w, gen := range gens {
		res := &results[w]
		res.byStatus, res.byKind = map[int]int64{}, map[loadgen.Kind]int64{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := ticket.Add(1) - 1
				if cfg.Count > 0 && i >= cfg.Count {
					return
				}
				var m loadgen.Message
				if cfg.Corpus != nil {
					if i >= int64(len(cfg.Corpus)) {
						return
					}
					m = cfg.Corpus[i]
				} else {
					m = gen.Next()
				}
				if cfg.Rate > 0 {
					at := start.Add(time.Duration(float64(i) / cfg.Rate * float64(time.Second)))
					if d := at.Sub(now()); d > 0 {
						select {
						case <-ctx.Done():
							return
						case <-time.After(d):
						}
					}
				}
				status, lat, errText := send(ctx, client, target, cfg.Key, m.Body, now)
				if status < 0 {
					return // the run ended while the request was in flight: not counted
				}
				res.lat = append(res.lat, lat)
				res.byStatus[status]++
				res.byKind[m.Kind]++
				res.bytes += int64(len(m.Body))
				if (status < 200 || status > 299) && res.firstErr == "" {
					res.firstErr = errText
				}
			}
		}()
	}
	wg.Wait()
	rep := &loadReport{Port: cfg.Port, Elapsed: now().Sub(start), ByStatus: map[int]int64{}, ByKind: map[loadgen.Kind]int64{}}
	for _, r := range results {
		rep.Latencies = append(rep.Latencies, r.lat...)
		for k, v := range r.byStatus {
			rep.ByStatus[k] += v
		}
		for k, v := range r.byKind {
			rep.ByKind[k] += v
		}
		rep.Bytes += r.bytes
		if rep.FirstError == "" {
			rep.FirstError = r.firstErr
		}
	}
	rep.Sent = int64(len(rep.Latencies))
	slices.Sort(rep.Latencies)
	return rep, nil
}

// send posts one declaration. status is the HTTP status, 0 when no answer
// came, and -1 when ctx ended the request (the run is over; it does not
// count). The answer is read to the end so that the connection is reused.
func send(ctx context.Context, c *http.Client, url, key string, body []byte, now func() time.Time) (status int, lat time.Duration, errText string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/xml")
	req.Header.Set("Authorization", "Bearer "+key)
	t0 := now()
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			return -1, 0, ""
		}
		return 0, now().Sub(t0), err.Error()
	}
	var snippet []byte
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		snippet, _ = io.ReadAll(io.LimitReader(resp.Body, 300))
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	lat = now().Sub(t0)
	if snippet != nil {
		errText = resp.Status + ": " + strings.TrimSpace(string(snippet))
	}
	return resp.StatusCode, lat, errText
}

func (r *loadReport) notOK() int64 {
	var n int64
	for s, c := range r.ByStatus {
		if s < 200 || s > 299 {
			n += c
		}
	}
	return n
}

// percentile is the nearest-rank percentile of the sorted latencies.
func (r *loadReport) percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	i := int(p/100*float64(len(r.Latencies))+0.999999) - 1
	i = max(0, min(i, len(r.Latencies)-1))
	return r.Latencies[i]
}

func (r *loadReport) write(w io.Writer) {
	secs := r.Elapsed.Seconds()
	if secs <= 0 {
		secs = 1e-9
	}
	ok := r.Sent - r.notOK()
	fmt.Fprintf(w, "port %s: %d requests in %.2fs: %.1f/s, %.1f 2xx/s, %.2f MB/s sent\n",
		r.Port, r.Sent, r.Elapsed.Seconds(), float64(r.Sent)/secs, float64(ok)/secs, float64(r.Bytes)/secs/1e6)
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) + "ms" }
	fmt.Fprintf(w, "latency: p50 %s  p90 %s  p99 %s  max %s\n",
		ms(r.percentile(50)), ms(r.percentile(90)), ms(r.percentile(99)), ms(r.percentile(100)))
	statuses := make([]int, 0, len(r.ByStatus))
	for s := range r.ByStatus {
		statuses = append(statuses, s)
	}
	slices.Sort(statuses)
	for _, s := range statuses {
		label := strconv.Itoa(s)
		if s == 0 {
			label = "no answer"
		}
		fmt.Fprintf(w, "status %s: %d\n", label, r.ByStatus[s])
	}
	parts := make([]string, 0, len(r.ByKind))
	for _, k := range loadgen.Kinds {
		if n := r.ByKind[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", k, n))
		}
	}
	fmt.Fprintf(w, "sent by kind: %s\n", strings.Join(parts, ", "))
	if r.FirstError != "" {
		fmt.Fprintf(w, "first failure: %s\n", r.FirstError)
	}
}
