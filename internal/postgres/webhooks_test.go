package postgres_test

import (
	"context"
	"testing"

	"github.com/jjj/gateway/internal/postgres/pgtest"
)

// Migration 0009 turns the failure texts stored before it into their
// classes, so that no list shows a receiver's words or an inner port's
// answer once it is applied; undone and applied again, it works on a
// database that has rows.
func TestWebhookScheduleMigrationKeepsOnlyClasses(t *testing.T) {
	ctx := context.Background()
	db := pgtest.New(t)
	if err := db.MigrateTo(ctx, 8); err != nil {
		t.Fatalf("down to 8: %v", err)
	}
	texts := map[string]string{
		"wh_1": "webhook wh_1: the receiver answered 401 Unauthorized",
		"wh_2": `post to webhook wh_2: Post "http://127.0.0.1:6379/": dial tcp 127.0.0.1:6379: connect: connection refused`,
		"wh_3": `post to webhook wh_3: Post "https://x.example/": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
		"wh_4": `post to webhook wh_4: Post "https://x.example/": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
		"wh_5": `post to webhook wh_5: Post "https://gone.example/": dial tcp: lookup gone.example: no such host`,
		"wh_6": `post to webhook wh_6: Post "https://x.example/": EOF`,
		"wh_7": "webhook wh_7: the receiver answered 500 \uFFFD\uFFFD redis NOAUTH",
		"wh_8": "something no one foresaw",
	}
	want := map[string]string{"wh_1": "status 401", "wh_2": "refused", "wh_3": "timeout", "wh_4": "tls", "wh_5": "dns",
		"wh_6": "closed", "wh_7": "status 500", "wh_8": "error"}
	for id, text := range texts {
		if _, err := db.ExecContext(ctx, `INSERT INTO webhook (id, enterprise, url, secret, state, failures, last_error, created_at, updated_at)
			VALUES ($1, '91130802MA0D2KR498', 'https://x.example/', 'a-secret-of-16-bytes', 'active', 1, $2, now(), now())`, id, text); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.MigrateTo(ctx, 9); err != nil {
		t.Fatalf("up to 9: %v", err)
	}
	for id, w := range want {
		var got string
		if err := db.GetContext(ctx, &got, `SELECT last_error FROM webhook WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if got != w {
			t.Errorf("%s: %q became %q, want %q", id, texts[id], got, w)
		}
	}
	var busy int
	if err := db.GetContext(ctx, &busy, `SELECT count(*) FROM webhook WHERE busy_until IS NULL`); err != nil || busy != len(want) {
		t.Errorf("busy_until: %d free of %d (%v)", busy, len(want), err)
	}
}
