-- The audit trail: one row per state-changing call (who, when, with which
-- request id, what and how it ended). Append-only, twice over:
--
--   * Grants. Where the gateway connects as its own role "gateway" (the
--     deployment's choice; deploy/ makes it), that role may only INSERT
--     and SELECT here. The table should be owned by the role that runs
--     migrations, not by "gateway": an owner can grant itself back what is
--     revoked. Without such a role (tests, a single-role install) nothing
--     is granted and the trigger alone holds.
--   * A trigger that refuses UPDATE, DELETE and TRUNCATE for everyone,
--     the owner and superusers included (they can drop the trigger, which
--     is itself a schema change, visible and deliberate).
CREATE TABLE audit (
    id         bigserial   PRIMARY KEY,
    at         timestamptz NOT NULL DEFAULT now(),
    key_id     text        NOT NULL DEFAULT '',
    role       text        NOT NULL DEFAULT '',
    actor      text        NOT NULL DEFAULT '',
    request_id text        NOT NULL DEFAULT '',
    action     text        NOT NULL,
    target     text        NOT NULL DEFAULT '',
    outcome    text        NOT NULL,
    status     integer     NOT NULL
);

-- The listing: newest first (by id, the order of insertion), filtered by
-- time, actor or action.
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_actor ON audit (key_id, id);
CREATE INDEX audit_action ON audit (action, id);

CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gateway') THEN
        REVOKE ALL ON audit FROM gateway;
        GRANT SELECT, INSERT ON audit TO gateway;
        GRANT USAGE ON SEQUENCE audit_id_seq TO gateway;
    END IF;
END
$$;
