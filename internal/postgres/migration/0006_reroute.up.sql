-- Enterprises whose effective credit rating changed, written in the same
-- transaction as the change, so the re-routing of their pending
-- declarations (routing.md) survives a crash between the two.
CREATE TABLE reroute_request (
    id          bigserial PRIMARY KEY,
    uscc        text NOT NULL,
    reason      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
