-- Rejection records are deleted after REJECTION_RETENTION: the periodic
-- delete finds them by their time.
CREATE INDEX rejection_received_at ON rejection (received_at);
