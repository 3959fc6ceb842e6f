DROP TABLE audit;
DROP FUNCTION audit_append_only();
