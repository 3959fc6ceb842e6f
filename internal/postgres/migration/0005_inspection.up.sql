-- Risk alerts (routing.md risk.alert), kept after deletion for the audit.
CREATE TABLE risk_alert (
    id          text PRIMARY KEY,
    hs_prefix   text,
    origin      text,
    uscc        text,
    port        text,
    action      text NOT NULL,              -- port_inspection | destination_inspection
    reason      text NOT NULL DEFAULT '',
    expires_at  timestamptz,
    created_at  timestamptz NOT NULL,
    created_by  text NOT NULL,
    deleted_at  timestamptz
);
CREATE INDEX risk_alert_active ON risk_alert (created_at) WHERE deleted_at IS NULL;
