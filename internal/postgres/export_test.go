package postgres

import (
	"context"
	"time"
)

// StmtCacheSize is the most statements a connection keeps prepared.
const StmtCacheSize = stmtCacheSize

// ConnectWithClock is Connect with the clock the statement cache reads.
func ConnectWithClock(ctx context.Context, cfg Config, now func() time.Time) (*DB, error) {
	return connect(ctx, cfg, now)
}

// IntakeStatements is how many shared intake statements db has run.
func IntakeStatements(db *DB) int64 { return db.intake.statements.Load() }

// WithoutIntakeGroups stops db's intake workers: each declaration then
// runs alone on the pool, as with a small pool.
func WithoutIntakeGroups(db *DB) {
	db.intake.close()
	db.intake = nil
}

// InsertGroup runs intake's statement for ns as one group.
func InsertGroup(ctx context.Context, db *DB, ns []*NewDeclaration) (map[string]bool, error) {
	rows, err := intakeRowsOf(ns)
	if err != nil {
		return nil, err
	}
	return db.insertDeclarations(ctx, db, rows)
}

// intakeRowsOf is ns as intake's statement takes them.
func intakeRowsOf(ns []*NewDeclaration) ([]intakeRow, error) {
	rows := make([]intakeRow, len(ns))
	for i, n := range ns {
		row, err := newIntakeRow(n)
		if err != nil {
			return nil, err
		}
		rows[i] = row
	}
	return rows, nil
}

// SetApplySplit makes db's ApplyStagedCredit write in two halves from n
// sampled staged rows on.
func SetApplySplit(db *DB, n int) { db.applySplit = n }
