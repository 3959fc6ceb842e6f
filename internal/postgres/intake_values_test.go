package postgres_test

import (
	"bytes"
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/jjj/gateway/internal/postgres"
	"github.com/jjj/gateway/internal/postgres/pgtest"
)

// TestIntakeStoresValuesAsSent: what intake's arrays carry (binary
// arrays, intake_args.go) reaches the tables byte for byte: quotes,
// backslashes, braces, commas and non-ASCII text; canonical XML with
// every byte value; a NULL draw next to a declaration with one. Also over
// a connection whose URL turns binary_parameters off (the arrays are then
// literals).
func TestIntakeStoresValuesAsSent(t *testing.T) {
	for _, mode := range []string{"binary", "text"} {
		t.Run(mode, func(t *testing.T) {
			u, err := url.Parse(pgtest.URL(t))
			if err != nil {
				t.Fatal(err)
			}
			if mode == "text" {
				q := u.Query()
				q.Set("binary_parameters", "no")
				u.RawQuery = q.Encode()
			}
			db, err := postgres.Open(context.Background(), u.String())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			testIntakeValues(t, db)
		})
	}
}

func testIntakeValues(t *testing.T, db *postgres.DB) {
	ctx := context.Background()
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC)
	tricky := `{"a","b"} \ "quoted", NULL, 天津 ` + "\t\u00e9"
	allBytes := make([]byte, 256)
	for i := range allBytes {
		allBytes[i] = byte(i)
	}
	a, b := newIntake("d_vals_a", `REF-"{a,b}"\`, at), newIntake("d_vals_b", "REF-B", at)
	a.Note, a.Actor, a.Canonical = tricky, "port:"+tricky, allBytes
	a.Draw = []byte(`{"note":"` + `\"\\ 天津"}`)
	a.Audit.RequestID = `req,"}{\`
	b.Route = nil
	if _, _, created, err := db.InsertDeclaration(ctx, a); err != nil || !created {
		t.Fatalf("insert a: created %v, %v", created, err)
	}
	if _, _, created, err := db.InsertDeclaration(ctx, b); err != nil || !created {
		t.Fatalf("insert b: created %v, %v", created, err)
	}
	var ref, note, actor, draw, reqID string
	var canon []byte
	err := db.QueryRowContext(ctx, `SELECT d.port_ref, d.canonical, d.draw::text, t.note, t.actor, au.request_id
		FROM declaration d JOIN timeline t ON t.declaration_id = d.id JOIN audit au ON au.target = d.id WHERE d.id = 'd_vals_a'`).
		Scan(&ref, &canon, &draw, &note, &actor, &reqID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, got, want string }{
		{"port_ref", ref, a.PortRef}, {"note", note, tricky}, {"actor", actor, a.Actor},
		{"draw", draw, `{"note": "\"\\ 天津"}`}, {"request_id", reqID, a.Audit.RequestID},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	if !bytes.Equal(canon, allBytes) {
		t.Errorf("canonical: got %x, want %x", canon, allBytes)
	}
	var drawNull, routeNull bool
	if err := db.QueryRowContext(ctx, `SELECT draw IS NULL, route IS NULL FROM declaration WHERE id = 'd_vals_b'`).Scan(&drawNull, &routeNull); err != nil {
		t.Fatal(err)
	}
	if !drawNull || !routeNull {
		t.Errorf("d_vals_b: draw NULL %v, route NULL %v; want both NULL", drawNull, routeNull)
	}
}
