DROP INDEX outbox_dead, outbox_declaration, outbox_lease, outbox_unsent;
ALTER TABLE outbox DROP COLUMN lease;
