// Package pgtest gives tests a real, migrated PostgreSQL database of their
// own. Each test package migrates one template database once; each call to
// New then creates a fresh database from that template (fast, isolated) and
// drops it when the test ends. It reads TEST_DATABASE_URL (default: the
// local server as postgres) and fails, never skips, when it cannot connect.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"

	_ "github.com/lib/pq"

	"github.com/jjj/gateway/internal/postgres"
)

// BaseURL is the server tests connect to.
func BaseURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// URLFor returns BaseURL with the database name replaced.
func URLFor(dbname string) string {
	u, err := url.Parse(BaseURL())
	if err != nil {
		panic(err)
	}
	u.Path = "/" + dbname
	return u.String()
}

func randomName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func admin() (*sql.DB, error) {
	db, err := sql.Open("postgres", BaseURL())
	if err != nil {
		return nil, err
	}
	return db, db.Ping()
}

func makeTemplate() (string, error) {
	a, err := admin()
	if err != nil {
		return "", fmt.Errorf("pgtest: connect %s: %w (is PostgreSQL running?)", BaseURL(), err)
	}
	defer a.Close()
	name := randomName("gwtpl_")
	if _, err := a.Exec(`CREATE DATABASE ` + name); err != nil {
		return "", fmt.Errorf("pgtest: create template: %w", err)
	}
	db, err := postgres.Open(context.Background(), URLFor(name))
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.Migrate(context.Background()); err != nil {
		return "", fmt.Errorf("pgtest: migrate template: %w", err)
	}
	return name, nil
}

// URL creates a fresh migrated database for t and returns its URL; the
// database is dropped when t ends.
func URL(t testing.TB) string {
	t.Helper()
	templateOnce.Do(func() { templateName, templateErr = makeTemplate() })
	if templateErr != nil {
		t.Fatal(templateErr)
	}
	a, err := admin()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	name := randomName("gwtest_")
	if _, err := a.Exec(fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, templateName)); err != nil {
		a.Close()
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		defer a.Close()
		if _, err := a.Exec(fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name)); err != nil {
			t.Errorf("pgtest: drop %s: %v", name, err)
		}
	})
	return URLFor(name)
}

// EmptyURL creates a database with no schema at all for t (for tests of
// the migrations themselves) and returns its URL; it is dropped when t
// ends.
func EmptyURL(t testing.TB) string {
	t.Helper()
	a, err := admin()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	name := randomName("gwempty_")
	if _, err := a.Exec(`CREATE DATABASE ` + name); err != nil {
		a.Close()
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		defer a.Close()
		if _, err := a.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			t.Errorf("pgtest: drop %s: %v", name, err)
		}
	})
	return URLFor(name)
}

// New returns an open handle on a fresh migrated database for t.
func New(t testing.TB) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Main runs a test package's tests and drops its template database
// afterwards. Use it from TestMain: os.Exit(pgtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if templateName != "" {
		if a, err := admin(); err == nil {
			a.Exec(`DROP DATABASE IF EXISTS ` + templateName + ` WITH (FORCE)`)
			a.Close()
		}
	}
	return code
}
