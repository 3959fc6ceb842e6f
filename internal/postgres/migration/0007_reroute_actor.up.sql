-- Who asked for a re-route: the credit sync, or the operator who added a
-- risk alert (whose request names no enterprise: uscc '*' means every
-- pending declaration).
ALTER TABLE reroute_request ADD COLUMN actor text NOT NULL DEFAULT 'system:credit';
