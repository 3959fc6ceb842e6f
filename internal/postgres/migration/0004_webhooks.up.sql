-- Enterprises: webhooks with their event queue, and the tracking page's
-- sign-in sessions.

CREATE TABLE webhook (
    id               text PRIMARY KEY,
    enterprise       text NOT NULL,             -- the USCC of the key that registered it: its scope
    url              text NOT NULL,
    secret           text NOT NULL,             -- signs the bodies (HMAC-SHA256); needed in clear, never shown
    state            text NOT NULL,             -- active | suspended | deleted
    failures         int NOT NULL DEFAULT 0,    -- failed attempts since the last success
    retry_at         timestamptz,               -- no attempt before this (backoff after a failure)
    last_error       text,
    last_attempt_at  timestamptz,
    last_success_at  timestamptz,
    suspended_at     timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX webhook_enterprise ON webhook (enterprise) WHERE state <> 'deleted';
CREATE INDEX webhook_state ON webhook (state, id);

-- One row per status change and webhook, written in the status change's own
-- statement (postgres.ChangeStatus, InsertDeclaration): a change that
-- commits has its events, one that rolls back has none.
CREATE TABLE webhook_event (
    id              bigserial PRIMARY KEY,      -- creation order: the order of delivery per declaration
    webhook_id      text NOT NULL REFERENCES webhook (id),
    declaration_id  text NOT NULL REFERENCES declaration (id),
    status          text NOT NULL,
    previous        text,
    at              timestamptz NOT NULL,
    route           jsonb,                      -- the route as it stood at the change
    state           text NOT NULL DEFAULT 'pending', -- pending | running | delivered | discarded
    attempts        int NOT NULL DEFAULT 0,
    locked_until    timestamptz,                -- end of a running delivery's lease
    lease           bigint NOT NULL DEFAULT 0,  -- claim number: only the current claimer may end the claim
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz
);
CREATE INDEX webhook_event_due ON webhook_event (id) WHERE state IN ('pending', 'running');
CREATE INDEX webhook_event_pair ON webhook_event (webhook_id, declaration_id, id) WHERE state IN ('pending', 'running');

CREATE TABLE track_session (
    hash        bytea PRIMARY KEY,              -- SHA-256 of the session id; the id itself is only in the cookie
    key_id      text NOT NULL REFERENCES api_key (id),
    enterprise  text NOT NULL,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX track_session_expires ON track_session (expires_at);

-- Listing a port's declarations newest first.
CREATE INDEX declaration_port_seq ON declaration (port, seq);
