package main

import (
	"context"
	"time"
)

// retentionEvery is how often rejection records past REJECTION_RETENTION
// are deleted: often enough that the table never holds much more than
// the retention, rarely enough to cost nothing.
const retentionEvery = time.Hour

// wireRetention deletes rejection records older than REJECTION_RETENTION,
// at start and then every hour. Every process does it; the deletes are
// idempotent, so several replicas doing it at once only repeat each other.
func (a *app) wireRetention(ctx context.Context, d *deps) error {
	keep := a.cfg.rejectionRetention
	if keep <= 0 {
		keep = 720 * time.Hour
	}
	a.workers = append(a.workers, func(ctx context.Context) {
		t := time.NewTicker(retentionEvery)
		defer t.Stop()
		for {
			n, err := a.db.DeleteRejectionsBefore(ctx, time.Now().Add(-keep))
			switch {
			case err != nil && ctx.Err() == nil:
				a.log.Warn("deleting old rejection records", "err", err)
			case n > 0:
				a.log.Info("old rejection records deleted", "count", n, "retention", keep.String())
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
	return nil
}
