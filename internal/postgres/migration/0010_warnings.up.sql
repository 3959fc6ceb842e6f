-- Regional warnings (warnings.md): one region warns, the two others owe an
-- acknowledgement by a deadline. state is active or lifted; "expired" is
-- read from expires_at, so nothing has to run at the expiry.
CREATE TABLE warning (
    seq          bigserial UNIQUE,               -- issue order: the list's stable cursor
    id           text PRIMARY KEY,
    kind         text NOT NULL,                  -- public_health | quality_risk | plant_animal
    title        text NOT NULL,
    reason       text NOT NULL,
    hs_prefix    text,
    origin       text,
    uscc         text,
    port         text,
    action       text NOT NULL,                  -- notify | port_inspection | destination_inspection
    expires_at   timestamptz NOT NULL,
    issuer       text NOT NULL,                  -- the issuing bureau (codes/bureaus.csv)
    region       text NOT NULL,                  -- its region: BJ | TJ | HE
    issued_at    timestamptz NOT NULL,
    issued_by    text NOT NULL,                  -- the key's actor
    state        text NOT NULL DEFAULT 'active', -- active | lifted
    lifted_at    timestamptz,
    lifted_by    text,
    lift_reason  text
);
CREATE INDEX warning_newest ON warning (issued_at DESC, seq DESC);
-- The warnings that act on goods, read by every intake's alert cache.
CREATE INDEX warning_acting ON warning (expires_at) WHERE state = 'active' AND action <> 'notify';

CREATE TABLE warning_ack (
    warning_id       text NOT NULL REFERENCES warning (id),
    region           text NOT NULL,
    due              timestamptz NOT NULL,
    at               timestamptz,
    bureau           text,
    measures         text,
    late             boolean NOT NULL DEFAULT false,
    overdue_noted_at timestamptz,                -- when the overdue watch logged it (once)
    PRIMARY KEY (warning_id, region)
);
CREATE INDEX warning_ack_open ON warning_ack (due) WHERE at IS NULL;

-- Every trace call, with its criteria (warnings.md: "each trace call is
-- recorded in the audit log"). Until a general audit log exists this
-- table is that record.
CREATE TABLE trace_audit (
    id        bigserial PRIMARY KEY,
    at        timestamptz NOT NULL,
    key_id    text NOT NULL,
    role      text NOT NULL,
    scope     text NOT NULL DEFAULT '',
    criteria  jsonb NOT NULL,
    results   int NOT NULL,
    format    text NOT NULL                      -- json | csv
);

-- The trace's narrow side tables: one row per goods item and per
-- container, written by a trigger on the declaration insert (the intake
-- statement itself is left alone), so that a trace over a year of
-- declarations reads two small indexes instead of every document.
-- hs_code is in the "C" collation so that a prefix is an index range.
CREATE TABLE trace_item (
    declaration_seq  bigint NOT NULL,
    received_at      timestamptz NOT NULL,
    seq              int NOT NULL,
    hs_code          text COLLATE "C" NOT NULL,
    origin           text NOT NULL,
    district         text NOT NULL,
    quantity         text NOT NULL,
    unit             text NOT NULL,
    PRIMARY KEY (declaration_seq, seq)
);
CREATE INDEX trace_item_origin_hs ON trace_item (origin, hs_code, received_at);
CREATE INDEX trace_item_hs ON trace_item (hs_code, received_at);

CREATE TABLE trace_container (
    declaration_seq  bigint NOT NULL,
    received_at      timestamptz NOT NULL,
    container        text NOT NULL,
    PRIMARY KEY (declaration_seq, container)
);
CREATE INDEX trace_container_id ON trace_container (container, received_at);

CREATE FUNCTION trace_index_declaration() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO trace_item (declaration_seq, received_at, seq, hs_code, origin, district, quantity, unit)
    SELECT NEW.seq, NEW.received_at, (g->>'Seq')::int, COALESCE(g->>'HSCode', ''), COALESCE(g->>'Origin', ''),
           COALESCE(g->>'DestinationDistrict', ''), COALESCE(g->>'Quantity', ''), COALESCE(g->>'Unit', '')
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(NEW.doc->'declaration'->'Goods') = 'array' THEN NEW.doc->'declaration'->'Goods' ELSE '[]'::jsonb END) AS g
    ON CONFLICT DO NOTHING;
    INSERT INTO trace_container (declaration_seq, received_at, container)
    SELECT DISTINCT NEW.seq, NEW.received_at, u->>'ID'
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(NEW.doc->'declaration'->'Equipment') = 'array' THEN NEW.doc->'declaration'->'Equipment' ELSE '[]'::jsonb END) AS u
    WHERE COALESCE(u->>'ID', '') <> ''
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER declaration_trace AFTER INSERT ON declaration
    FOR EACH ROW EXECUTE FUNCTION trace_index_declaration();

-- The declarations stored before this migration.
INSERT INTO trace_item (declaration_seq, received_at, seq, hs_code, origin, district, quantity, unit)
SELECT d.seq, d.received_at, (g->>'Seq')::int, COALESCE(g->>'HSCode', ''), COALESCE(g->>'Origin', ''),
       COALESCE(g->>'DestinationDistrict', ''), COALESCE(g->>'Quantity', ''), COALESCE(g->>'Unit', '')
FROM declaration d, jsonb_array_elements(CASE WHEN jsonb_typeof(d.doc->'declaration'->'Goods') = 'array' THEN d.doc->'declaration'->'Goods' ELSE '[]'::jsonb END) AS g
ON CONFLICT DO NOTHING;
INSERT INTO trace_container (declaration_seq, received_at, container)
SELECT DISTINCT d.seq, d.received_at, u->>'ID'
FROM declaration d, jsonb_array_elements(CASE WHEN jsonb_typeof(d.doc->'declaration'->'Equipment') = 'array' THEN d.doc->'declaration'->'Equipment' ELSE '[]'::jsonb END) AS u
WHERE COALESCE(u->>'ID', '') <> ''
ON CONFLICT DO NOTHING;
