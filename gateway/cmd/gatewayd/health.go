package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

const healthAbout = `Asks a running gateway (or simulator) whether it is ready: GET --url,
exit status 0 on a 2xx answer. It is the container health check of
deploy/compose.yaml, where the gateway's image has no curl or shell. The
default URL is /readyz at GATEWAY_ADDR's port on this machine.

Exit status: 0 when the answer is 2xx; 1 when it is not or none comes; 2 on
bad usage.`

// runHealth is `gatewayd health`.
func runHealth(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("health", "gatewayd health [--url URL] [--timeout D]", healthAbout)
	addr := envFlag(fs, "GATEWAY_ADDR", "127.0.0.1:8080", "the gateway's listen address, host:port, for the default --url")
	target := fs.String("url", "", "the URL to ask (default http://127.0.0.1:PORT/readyz, PORT from GATEWAY_ADDR)")
	timeout := fs.Duration("timeout", 3*time.Second, "time limit of the request")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("health takes no arguments, not %q", fs.Args())}
	}
	if *target == "" {
		_, port, err := net.SplitHostPort(*addr)
		if err != nil {
			return usageError{fmt.Sprintf("GATEWAY_ADDR %q is not host:port", *addr)}
		}
		*target = "http://127.0.0.1:" + port + "/readyz"
	}
	if *timeout <= 0 {
		return usageError{"--timeout must be positive"}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *target, nil)
	if err != nil {
		return usageError{fmt.Sprintf("--url %q: %v", *target, err)}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", *target, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s answered %s: %s", *target, resp.Status, body)
	}
	fmt.Fprintf(stdout, "%s %s\n", *target, resp.Status)
	return nil
}
