package main

import (
	"context"
	"fmt"
	"os"

	"github.com/jjj/gateway/internal/postgres"
)

func runMigrate(ctx context.Context, args []string) error {
	fs := newFlagSet("migrate")
	dbURL := envFlag(fs, "DATABASE_URL", "", "PostgreSQL connection string (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dbURL == "" {
		return usageError{"DATABASE_URL is required"}
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
		fmt.Fprintln(os.Stderr, "applied", n)
	}
	if len(applied) == 0 {
		fmt.Fprintln(os.Stderr, "nothing to apply")
	}
	return nil
}
