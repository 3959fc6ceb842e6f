DROP INDEX rejection_received_at;
