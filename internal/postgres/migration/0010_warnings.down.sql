DROP TRIGGER IF EXISTS declaration_trace ON declaration;
DROP FUNCTION IF EXISTS trace_index_declaration();
DROP TABLE IF EXISTS trace_container;
DROP TABLE IF EXISTS trace_item;
DROP TABLE IF EXISTS trace_audit;
DROP TABLE IF EXISTS warning_ack;
DROP TABLE IF EXISTS warning;
