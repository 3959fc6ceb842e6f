ALTER TABLE declaration RESET (fillfactor);
CREATE INDEX IF NOT EXISTS declaration_status ON declaration (status);
CREATE INDEX IF NOT EXISTS outbox_state ON outbox (state, id);
CREATE INDEX IF NOT EXISTS outbox_lease ON outbox (locked_until) WHERE state = 'running';
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (scheduled_at, id) WHERE state IN ('available', 'retryable');
