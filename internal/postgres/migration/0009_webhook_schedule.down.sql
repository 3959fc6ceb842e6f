-- The error classes stay: the texts they replaced are gone.
DROP INDEX webhook_event_next;
ALTER TABLE webhook DROP COLUMN busy_until;
