-- pgbench transaction equal to the rows one accepted declaration writes at
-- intake (issue 14): its declaration row with the stored document (jsonb)
-- and the canonical XML (bytea), its first timeline row and its outbox row,
-- in one statement as internal/postgres/declarations.go writes them. The
-- gateway's statement also inserts the route's tasks and one webhook event
-- per webhook of the enterprises; the yardstick leaves both out (a third
-- of the corpus has tasks; the bench registers no webhooks).
--
-- Run by deploy/bench.sh with pgbench -M prepared (the gateway prepares the
-- statements its connections run again: internal/postgres/stmtcache.go), so that the variables
-- (doc, canonical, tldata, enterprises, digest) travel as bind parameters in text form, as lib/pq sends the
-- gateway's: doc (the stored document, compact JSON), canonical (the
-- canonical XML as bytea hex, \x...), tldata (the timeline entry's data),
-- enterprises (a text[] literal) and digest, all taken from a
-- declaration the gateway stored in the same run. The ids are new for
-- every transaction (client id and a random number), so that every
-- transaction inserts, never conflicts. The actor 'port:tianjin' is
-- written E'port\072tianjin': pgbench would take :tianjin for a variable.
\set n random(1, 9000000000000000000)
WITH d AS (
    INSERT INTO declaration (id, port, port_ref, digest, direction, status, received_at, updated_at,
                             port_office, enterprises, lane, doc, canonical, draw)
    VALUES ('d_pgb' || :client_id || 'x' || :n, 'tianjin', 'pgb' || :client_id || 'x' || :n, :digest, 'import',
            'accepted', now(), now(), '0202', :enterprises, 'release', :doc, :canonical, NULL)
    ON CONFLICT (port, port_ref) DO NOTHING
    RETURNING id
), tl AS (
    INSERT INTO timeline (declaration_id, at, status, actor, note, data)
    SELECT id, now(), 'accepted', E'port\072tianjin', 'accepted and routed: release', :tldata FROM d
), ob AS (
    INSERT INTO outbox (declaration_id, kind, idempotency_key, port, state, scheduled_at, created_at, updated_at)
    SELECT id, 'declaration', id, 'tianjin', 'available', now(), now(), now() FROM d
)
SELECT id FROM d;
