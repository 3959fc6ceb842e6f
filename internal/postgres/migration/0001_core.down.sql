DROP TABLE rejection, delivery_attempt, outbox, task, timeline, declaration, api_key;
-- The bookkeeping of the runner that preceded golang-migrate, if this
-- database was made by it: with the schema gone it would only mislead.
DROP TABLE IF EXISTS schema_migration;
