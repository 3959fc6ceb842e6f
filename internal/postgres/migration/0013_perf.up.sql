-- Issue 14: fewer index entries per declaration, and status changes that
-- can stay on their page (HOT).
--
-- Every write of a row maintains every index of its table, and an update
-- that changes an indexed column (or a column in a partial index's
-- predicate) cannot be a HOT update, so it writes a new entry into every
-- index. The indexes dropped here were maintained by every intake and
-- every delivery but served no query the gateway runs:
--
-- outbox_due and outbox_lease: the claim reads outbox_unsent in id order
-- (oldest first, LIMIT) and checks schedule and lease on the few rows it
-- meets; with these two the planner preferred a bitmap OR of both, which
-- then had to sort every due row to take the first.
-- outbox_state: the operator's listing by state pages on id (the primary
-- key); dead rows have outbox_dead, unsent ones outbox_unsent.
-- declaration_status: the listings filter on status while paging on seq
-- (newest first, LIMIT), which the seq index serves; with the status
-- indexed, every status change rewrote every index entry of the row.
DROP INDEX IF EXISTS outbox_due;
DROP INDEX IF EXISTS outbox_lease;
DROP INDEX IF EXISTS outbox_state;
DROP INDEX IF EXISTS declaration_status;

-- Room on each page for the new versions of a declaration's status
-- changes, so that they are HOT (no index entry written). New pages only;
-- existing rows keep their pages until they are rewritten.
ALTER TABLE declaration SET (fillfactor = 75);
