DROP INDEX declaration_port_seq;
DROP TABLE track_session, webhook_event, webhook;
