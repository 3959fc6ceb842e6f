package main

import (
	"context"
	"fmt"
	"io"

	"github.com/jjj/gateway/internal/postgres"
)

const migrateAbout = `Applies the database migrations that are pending and exits, naming each
on standard error. Running it again applies nothing. Use it with
'serve --no-migrate' when several gateway processes share one database.

Exit status: 0 when the database is up to date; 1 when the database fails;
2 on bad usage (unknown flag, no DATABASE_URL).`

func runMigrate(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlagSet("migrate", "gatewayd migrate [--database-url URL]", migrateAbout)
	dbURL := envFlag(fs, "DATABASE_URL", "", "PostgreSQL connection string (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Sprintf("migrate takes no arguments, not %q", fs.Args())}
	case *dbURL == "":
		return usageError{"DATABASE_URL is required (or --database-url)"}
	}
	db, err := postgres.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	for _, n := range applied {
		fmt.Fprintln(stderr, "applied", n)
	}
	if len(applied) == 0 {
		fmt.Fprintln(stderr, "nothing to apply")
	}
	return nil
}
