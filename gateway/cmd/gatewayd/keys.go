package main

import (
	"context"
	"fmt"
	"os"

	"github.com/jjj/gateway/internal/apikey"
	"github.com/jjj/gateway/internal/postgres"
)

func runKeysCreate(ctx context.Context, args []string) error {
	fs := newFlagSet("keys create")
	c := commonFlags(fs)
	dbURL := envFlag(fs, "DATABASE_URL", "", "PostgreSQL connection string (required)")
	role := fs.String("role", "", "port, bureau, enterprise, reviewcentre, registry or admin (required)")
	scope := fs.String("scope", "", "the role's scope: port id, bureau code, USCC or region")
	name := fs.String("name", "", "a name to tell the key by")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dbURL == "" {
		return usageError{"DATABASE_URL is required"}
	}
	if *role == "" {
		return usageError{"--role is required"}
	}
	tables, err := c.tables()
	if err != nil {
		return err
	}
	db, err := postgres.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	keys := &apikey.Keys{Store: db, ValidScope: apikey.ScopeChecker(tables)}
	k, err := keys.Create(ctx, apikey.NewKey{Role: apikey.Role(*role), Scope: *scope, Name: *name})
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stdout, k.Key)
	return nil
}
