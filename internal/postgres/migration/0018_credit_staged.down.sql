DROP TABLE credit_merge_mark;
DROP TABLE credit_staged;
CREATE TABLE credit_written (
    id     bigserial PRIMARY KEY,
    usccs  text[] NOT NULL
);
