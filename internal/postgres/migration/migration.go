// Package migration holds the gateway's versioned schema as numbered SQL
// files, embedded in the binary. NNNN_name.up.sql files are applied in order,
// each in its own transaction; .down.sql files document how to undo them.
package migration

import "embed"

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS
