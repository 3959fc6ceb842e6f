CREATE INDEX outbox_declaration ON outbox (declaration_id, id);
DROP INDEX outbox_route;
ALTER TABLE declaration SET (fillfactor = 75);
ALTER TABLE declaration ADD CONSTRAINT declaration_entry_id_key UNIQUE (entry_id);
DROP TABLE declaration_entry;
