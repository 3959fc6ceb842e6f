package main

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/jjj/gateway/internal/postgres"
)

const migrateAbout = `Manages the database schema: the numbered migrations built into this
binary, applied in order, each in one transaction, under an advisory
lock, so two processes migrating at once wait for each other.

  up (or nothing)  applies the pending migrations and exits, naming each on
                   standard error; running it again applies nothing. Use it
                   with 'serve --no-migrate' when several gateway processes
                   share one database.
  status           prints each migration, applied or pending, and the
                   database's version on standard output.
  down             undoes the last migration applied, one step; with --all,
                   every one (the gateway's tables and all their data go).
                   One step at a time is the default because a step back is
                   how a release is rolled back, and all of it never is.
  force VERSION    records VERSION as applied and clears the "dirty" mark
                   that a failed migration leaves, running nothing. Each
                   migration runs in one transaction, so after a failure the
                   schema is as it was before it: force the version before.
                   0 means none.

A database made by earlier releases (bookkeeping table schema_migration) is
carried over at its version the first time.

Exit status: 0 when done; 1 when the database fails (or is dirty); 2 on bad
usage (unknown flag or action, no DATABASE_URL).`

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", "gatewayd migrate [up|status|down [--all]|force VERSION] [--database-url URL]", migrateAbout)
	dbURL := secretFlag(fs, "DATABASE_URL", "PostgreSQL connection string (required)")
	all := fs.Bool("all", false, "down: undo every migration, not only the last")
	// The action and its argument may come before, between or after the
	// flags.
	var pos []string
	for {
		if err := parse(fs, args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos, args = append(pos, fs.Arg(0)), fs.Args()[1:]
	}
	action := "up"
	if len(pos) > 0 {
		action, pos = pos[0], pos[1:]
	}
	var force int
	switch action {
	case "up", "status", "down":
		if len(pos) > 0 {
			return usageError{fmt.Sprintf("migrate %s takes no arguments, not %q", action, pos)}
		}
	case "force":
		if len(pos) != 1 {
			return usageError{"usage: gatewayd migrate force VERSION (a migration's number; 0 for none)"}
		}
		n, err := strconv.Atoi(pos[0])
		if err != nil || n < 0 {
			return usageError{"usage: gatewayd migrate force VERSION (a migration's number; 0 for none)"}
		}
		force = n
	default:
		return usageError{fmt.Sprintf("migrate: unknown action %q (up, status, down or force)", action)}
	}
	if *all && action != "down" {
		return usageError{"--all goes with migrate down only"}
	}
	if *dbURL == "" {
		return usageError{"DATABASE_URL is required (or --database-url)"}
	}
	db, err := postgres.Open(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	switch action {
	case "status":
		st, err := db.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		writeMigrationStatus(stdout, st)
		return nil
	case "force":
		if err := db.ForceMigrationVersion(ctx, force); err != nil {
			return err
		}
		fmt.Fprintln(stderr, "version set to", force)
		return nil
	case "down":
		undone, err := db.MigrateDown(ctx, *all)
		for _, n := range undone {
			fmt.Fprintln(stderr, "undone", n)
		}
		if err == nil && len(undone) == 0 {
			fmt.Fprintln(stderr, "nothing to undo")
		}
		return err
	}
	applied, err := db.Migrate(ctx)
	for _, n := range applied {
		fmt.Fprintln(stderr, "applied", n)
	}
	if err == nil && len(applied) == 0 {
		fmt.Fprintln(stderr, "nothing to apply")
	}
	return err
}

// writeMigrationStatus prints one line per migration, then the version:
//
//	applied  0001_core
//	pending  0008_domain_doc
//	version 7 of 8
func writeMigrationStatus(w io.Writer, st postgres.MigrationStatus) {
	for _, m := range st.Migrations {
		state := "pending"
		switch {
		case st.Dirty && m.Version == st.Version:
			state = "dirty"
		case m.Applied:
			state = "applied"
		}
		fmt.Fprintf(w, "%-8s %s\n", state, m.Name)
	}
	fmt.Fprintf(w, "version %d of %d", st.Version, st.Latest)
	switch {
	case st.Dirty:
		fmt.Fprintf(w, ", dirty: migration %d failed or was interrupted; see 'gatewayd migrate --help' (force)", st.Version)
	case st.Version > st.Latest:
		fmt.Fprint(w, ", ahead of this binary (a newer release migrated it)")
	}
	fmt.Fprintln(w)
}
