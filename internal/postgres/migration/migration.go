// Package migration holds the gateway's versioned schema as numbered SQL
// files, embedded in the binary and applied by golang-migrate (see
// internal/postgres/migrate.go). Each change is a pair
// NNNN_name.up.sql / NNNN_name.down.sql with the next free NNNN; the up
// file is applied once, in order, as one transaction (so no BEGIN/COMMIT
// and no CREATE INDEX CONCURRENTLY in it), and the down file undoes it
// exactly, for `gatewayd migrate down`.
package migration

import "embed"

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS
