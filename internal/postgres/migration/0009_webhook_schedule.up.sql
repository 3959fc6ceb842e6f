-- Webhooks on their own schedules: at most one call in flight per webhook,
-- so a receiver that hangs holds up only its own events.
--
-- busy_until is the lease of the one event being sent to the webhook: set
-- by the claim together with the event's locked_until, cleared when the
-- call ends. A claim takes only webhooks that are not busy (or whose
-- worker died: busy_until passed), one event each, the oldest waiting.
ALTER TABLE webhook ADD COLUMN busy_until timestamptz;

-- The next event of a webhook: the oldest it has waiting.
CREATE INDEX webhook_event_next ON webhook_event (webhook_id, id) WHERE state IN ('pending', 'running');

-- last_error is a class from now on (timeout, refused, tls, status 503,
-- forbidden_target, ...), never a receiver's own words: the text stored
-- before (an error message quoting the receiver's reason phrase, or
-- "connection refused" from an inner port) becomes its class.
CREATE FUNCTION pg_temp.webhook_error_class(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN t IS NULL THEN NULL
        WHEN t ~ 'answered [0-9]{3}' THEN 'status ' || substring(t FROM 'answered ([0-9]{3})')
        WHEN t ~* 'timeout|deadline exceeded' THEN 'timeout'
        WHEN t ~* 'connection refused' THEN 'refused'
        WHEN t ~* 'tls:|x509:' THEN 'tls'
        WHEN t ~* 'no such host|server misbehaving' THEN 'dns'
        WHEN t ~* 'unreachable' THEN 'unreachable'
        WHEN t ~* 'reset by peer|broken pipe|EOF' THEN 'closed'
        ELSE 'error'
    END
$$;
UPDATE webhook SET last_error = pg_temp.webhook_error_class(last_error) WHERE last_error IS NOT NULL;
UPDATE webhook_event SET last_error = pg_temp.webhook_error_class(last_error) WHERE last_error IS NOT NULL;
DROP FUNCTION pg_temp.webhook_error_class(text);
