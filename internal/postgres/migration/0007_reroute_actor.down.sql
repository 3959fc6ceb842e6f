ALTER TABLE reroute_request DROP COLUMN actor;
