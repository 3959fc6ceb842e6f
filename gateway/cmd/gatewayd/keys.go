package main

import (
	"context"
	"fmt"
	"io"

	"github.com/jjj/gateway/internal/apikey"
	"github.com/jjj/gateway/internal/customs"
	"github.com/jjj/gateway/internal/postgres"
)

const keysAbout = `Makes an API key and prints it, alone, on standard output (it is shown
this once; the database keeps only its hash). Applies pending migrations
first, so that it works on a new database.

Scopes: port → tianjin, hebei or beijing; bureau → a bureau code;
enterprise → a USCC; registry → BJ, TJ or HE; reviewcentre and admin take
none.

Exit status: 0 with the key printed; 1 when the database fails; 2 on bad
usage (unknown flag, no DATABASE_URL, unknown role, a scope the role does
not take).`

func runKeysCreate(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("keys create", "gatewayd keys create --role ROLE [--scope SCOPE] [--name NAME]", keysAbout)
	codesDir := codesDirFlag(fs)
	dbURL := secretFlag(fs, "DATABASE_URL", "PostgreSQL connection string (required)")
	role := fs.String("role", "", "port, bureau, enterprise, reviewcentre, registry or admin (required)")
	scope := fs.String("scope", "", "the role's scope: port id, bureau code, USCC or region")
	name := fs.String("name", "", "a name to tell the key by")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return usageError{fmt.Sprintf("keys create takes no arguments, not %q", fs.Args())}
	case *dbURL == "":
		return usageError{"DATABASE_URL is required (or --database-url)"}
	case *role == "":
		return usageError{"--role is required"}
	}
	switch customs.CallerRole(*role) {
	case customs.CallerPort, customs.CallerBureau, customs.CallerEnterprise, customs.CallerReviewCentre, customs.CallerRegistry, customs.CallerAdmin:
	default:
		return usageError{fmt.Sprintf("--role %q is not port, bureau, enterprise, reviewcentre, registry or admin", *role)}
	}
	tables, err := loadTables(*codesDir)
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
	k, err := keys.Create(ctx, apikey.NewKey{Role: customs.CallerRole(*role), Scope: *scope, Name: *name})
	if err != nil {
		if customs.ErrorCodeOf(err) == customs.CodeInvalid {
			// The request itself is wrong (a scope the role does not take).
			return usageError{err.Error()}
		}
		return err
	}
	fmt.Fprintln(stdout, k.Key)
	return nil
}
