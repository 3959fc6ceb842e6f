DROP TABLE credit_written;
