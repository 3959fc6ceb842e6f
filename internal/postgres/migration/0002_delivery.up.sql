-- Delivery to the review centre: what the outbox dispatcher needs beyond
-- 0001's tables.
--
-- lease counts the claims of a row: a claim takes the next number and every
-- write that ends the claim names it, so a sender whose lease ran out (a
-- process paused or cut off from the database) cannot overwrite the result
-- of the process that claimed the row after it.
ALTER TABLE outbox ADD COLUMN lease bigint NOT NULL DEFAULT 0;

-- The claim reads rows due now in id order (oldest first); a partial index
-- on id over the rows still to send keeps a large backlog cheap to scan.
CREATE INDEX outbox_unsent ON outbox (id) WHERE state IN ('available', 'retryable', 'running');
-- Rows whose claimer died: running with a lease that ran out.
CREATE INDEX outbox_lease ON outbox (locked_until) WHERE state = 'running';
-- A route amendment waits for the earlier messages of its declaration.
CREATE INDEX outbox_declaration ON outbox (declaration_id, id);
-- Dead deliveries are replayed by port and time range.
CREATE INDEX outbox_dead ON outbox (port, created_at) WHERE state = 'discarded';
