DROP TABLE IF EXISTS credit_skipped;
DROP TABLE IF EXISTS credit_cursor;
DROP TABLE IF EXISTS credit_merged;
DROP SEQUENCE IF EXISTS credit_merged_seq;
DROP TABLE IF EXISTS credit_record;
DROP SEQUENCE IF EXISTS credit_record_seq;
