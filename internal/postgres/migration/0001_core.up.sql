-- Core tables: keys, declarations with their timeline and tasks, the outbox
-- to the review centre with its attempts, and rejection records.

CREATE TABLE api_key (
    id          text PRIMARY KEY,
    hash        bytea NOT NULL UNIQUE,          -- SHA-256 of the key; the key itself is never stored
    hint        text NOT NULL,                  -- the key's first characters, to tell keys apart
    role        text NOT NULL,
    scope       text NOT NULL DEFAULT '',
    name        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz,
    revoked_at  timestamptz
);

CREATE TABLE declaration (
    seq          bigserial UNIQUE,              -- arrival order: stable cursors, oldest-first delivery
    id           text PRIMARY KEY,
    port         text NOT NULL,
    port_ref     text NOT NULL,
    digest       text NOT NULL,
    direction    text NOT NULL,
    status       text NOT NULL,
    entry_id     text UNIQUE,
    decision     text,                          -- the review centre's decision: released | inspection_required | rejected
    decision_reason text,
    delivery     text NOT NULL DEFAULT 'pending', -- pending | delivered | failed: the declaration's own delivery
    received_at  timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    port_office  text NOT NULL DEFAULT '',     -- bureau owning port-side work (codes/customs.csv office)
    enterprises  text[] NOT NULL,               -- USCCs of consignee/consignor, owner, declarant: enterprise scope
    lane         text NOT NULL,
    route_version int NOT NULL DEFAULT 1,
    doc          jsonb NOT NULL,                -- the declaration as api.md shows it, less status, tasks' state and timeline
    canonical    bytea NOT NULL,                -- the canonical XML as sent (or to be sent) to the review centre
    draw         jsonb,                         -- the random draw (routing.md), kept across re-routes
    UNIQUE (port, port_ref)
);
CREATE INDEX declaration_enterprises ON declaration USING gin (enterprises);
CREATE INDEX declaration_status ON declaration (status);

CREATE TABLE timeline (
    id              bigserial PRIMARY KEY,
    declaration_id  text NOT NULL REFERENCES declaration (id),
    at              timestamptz NOT NULL,
    status          text NOT NULL,
    actor           text NOT NULL,
    note            text NOT NULL DEFAULT '',
    data            jsonb
);
CREATE INDEX timeline_declaration ON timeline (declaration_id, id);

CREATE TABLE task (
    id              text PRIMARY KEY,
    declaration_id  text NOT NULL REFERENCES declaration (id),
    workflow        text NOT NULL,
    bureau          text,                       -- the route's bureau; NULL for work at the port
    owner           text NOT NULL,              -- the bureau that works it: bureau, or the port's office
    items           int[] NOT NULL,
    status          text NOT NULL,
    inspector       text,
    claimed_by      text,
    claimed_at      timestamptz,
    created_at      timestamptz NOT NULL,
    done_at         timestamptz,
    outcome         text,
    result          jsonb
);
CREATE INDEX task_owner ON task (owner, status, created_at);
CREATE INDEX task_declaration ON task (declaration_id);

CREATE TABLE outbox (
    id               bigserial PRIMARY KEY,    -- creation order: oldest first
    declaration_id   text NOT NULL REFERENCES declaration (id),
    kind             text NOT NULL,            -- declaration | route
    idempotency_key  text NOT NULL UNIQUE,
    body             bytea,                    -- NULL: the declaration's canonical XML
    port             text NOT NULL,
    state            text NOT NULL,            -- available | running | retryable | completed | discarded
    attempts         int NOT NULL DEFAULT 0,
    scheduled_at     timestamptz NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    locked_until     timestamptz,
    last_error       text,
    reason           text
);
CREATE INDEX outbox_due ON outbox (scheduled_at, id) WHERE state IN ('available', 'retryable');
CREATE INDEX outbox_state ON outbox (state, id);

CREATE TABLE delivery_attempt (
    id           bigserial PRIMARY KEY,
    outbox_id    bigint NOT NULL REFERENCES outbox (id),
    at           timestamptz NOT NULL,
    status_code  int,
    latency_ms   double precision NOT NULL,
    outcome      text NOT NULL,               -- accepted | rejected | transient
    error        text
);
CREATE INDEX delivery_attempt_outbox ON delivery_attempt (outbox_id, id);

CREATE TABLE rejection (
    id           bigserial PRIMARY KEY,
    port         text NOT NULL,
    port_ref     text,
    received_at  timestamptz NOT NULL,
    status       int NOT NULL,
    digest       text NOT NULL,
    errors       jsonb NOT NULL
);
