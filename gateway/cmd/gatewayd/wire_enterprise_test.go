package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/postgres/pgtest"
)

// The two webhook settings are true/false; anything else is bad usage,
// found before the database is reached (exit 2, not 1).
func TestWebhookTargetSettingsAreChecked(t *testing.T) {
	const noDB = "postgres://postgres@127.0.0.1:1/none?sslmode=disable&connect_timeout=2"
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want int
	}{
		{"allow http true", map[string]string{"WEBHOOK_ALLOW_HTTP": "true"}, nil, 1},
		{"allow private by flag", nil, []string{"--webhook-allow-private=true"}, 1},
		{"allow http maybe", map[string]string{"WEBHOOK_ALLOW_HTTP": "maybe"}, nil, 2},
		{"allow private yes", nil, []string{"--webhook-allow-private", "yes"}, 2},
		{"bad concurrency", map[string]string{"WEBHOOK_CONCURRENCY": "0"}, nil, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearEnv(t)
			t.Setenv("WEBHOOK_ALLOW_HTTP", "")
			t.Setenv("WEBHOOK_ALLOW_PRIVATE", "")
			for k, v := range map[string]string{"DATABASE_URL": noDB, "REVIEW_CENTRE_URL": "http://127.0.0.1:1", "RANDOM_SEED_SECRET": "s"} {
				t.Setenv(k, v)
			}
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := run(ctx, append([]string{"serve"}, tc.args...))
			if got := exitStatus(err); got != tc.want {
				t.Errorf("exit status %d (err %v), want %d", got, err, tc.want)
			}
		})
	}
}

// serve hands the settings to registration: by default a webhook must be
// https and public; with both set, a local http receiver is accepted.
func TestServeWiresWebhookTargets(t *testing.T) {
	clearEnv(t)
	dbURL := pgtest.URL(t)
	const uscc = "91130802MA0D2KR498"
	var keyOut bytes.Buffer
	if err := runKeysCreate(context.Background(), []string{"--database-url", dbURL, "--role", "enterprise", "--scope", uscc}, &keyOut); err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(keyOut.String())
	register := func(base, url string) (int, string) {
		body := `{"url":"` + url + `","secret":"0123456789abcdef-secret"}`
		req, _ := http.NewRequest(http.MethodPost, base+"/v1/webhooks", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var p struct {
			Errors []struct{ Code, Path string } `json:"errors"`
		}
		b, _ := io.ReadAll(resp.Body)
		json.Unmarshal(b, &p)
		var codes []string
		for _, e := range p.Errors {
			codes = append(codes, e.Path+" "+e.Code)
		}
		return resp.StatusCode, strings.Join(codes, ",")
	}
	for _, tc := range []struct {
		allowHTTP, allowPrivate bool
		url                     string
		status                  int
		codes                   string
	}{
		{false, false, "http://127.0.0.1:9/hook", 422, "/url invalid_url"},
		{false, false, "https://127.0.0.1/hook", 422, "/url forbidden_target"},
		{false, false, "https://169.254.169.254/latest/meta-data/", 422, "/url forbidden_target"},
		{false, true, "https://127.0.0.1/hook", 201, ""},
		{true, true, "http://127.0.0.1:9/hook", 201, ""},
	} {
		fs := flag.NewFlagSet("x", flag.ContinueOnError)
		cfg := serveConfig{databaseURL: dbURL, reviewCentre: "http://127.0.0.1:1", syncInterval: time.Minute,
			seedSecret: "s", maxBody: 1 << 22, common: commonFlags(fs), registries: map[string]string{}, tuning: map[string]string{},
			webhookAllowHTTP: tc.allowHTTP, webhookAllowPrivate: tc.allowPrivate}
		ctx, stop := context.WithCancel(context.Background())
		a, err := newApp(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- a.serveOn(ctx, ln) }()
		status, codes := register("http://"+ln.Addr().String(), tc.url)
		stop()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if status != tc.status || codes != tc.codes {
			t.Errorf("allow http %v, private %v: register %s: %d %q, want %d %q", tc.allowHTTP, tc.allowPrivate, tc.url, status, codes, tc.status, tc.codes)
		}
	}
}
