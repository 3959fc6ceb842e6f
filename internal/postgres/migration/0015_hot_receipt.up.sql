-- The review centre's entry ids in a table of their own (issue 14). The
-- receipt sets a declaration's delivery and entry id; while entry_id
-- carried a unique index, that update was never HOT: it added an entry to
-- each of the declaration's six indexes and its GIN, for every declaration
-- delivered. Now the update touches no indexed column, and the entry's
-- uniqueness and its lookup (a decision names the entry) are this table's.
CREATE TABLE declaration_entry (
    entry_id        text PRIMARY KEY,
    declaration_id  text NOT NULL REFERENCES declaration (id) ON DELETE CASCADE
);

INSERT INTO declaration_entry (entry_id, declaration_id)
SELECT entry_id, id FROM declaration WHERE entry_id IS NOT NULL;

ALTER TABLE declaration DROP CONSTRAINT declaration_entry_id_key;

-- A declaration row is about 2 kB (its document and canonical XML
-- compressed inline), and a delivered one is updated twice (the receipt,
-- then its status): at fillfactor 75 a page had room for one new version
-- only, and 59 % of those updates were not HOT in deploy/bench.sh (each
-- then added an entry to every index). Half the page is kept free for
-- them; the table is larger by about a third.
ALTER TABLE declaration SET (fillfactor = 50);

-- Every version of every outbox row had an entry in outbox_declaration
-- (its insert, its claim, its end: none of them is HOT, since state is in
-- the partial indexes' predicates), though only route amendments are
-- looked up by their declaration; a declaration's own message is found by
-- its idempotency key, which is the declaration's id.
CREATE INDEX outbox_route ON outbox (declaration_id, id) WHERE kind = 'route';
DROP INDEX outbox_declaration;
