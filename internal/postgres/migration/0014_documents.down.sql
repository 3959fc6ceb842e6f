DROP TABLE document_write_off;
DROP TABLE document;
