-- The enterprises each credit write touched, in the order of the writes:
-- a page that read without the credit lock asks, once it holds it, which
-- of its enterprises were written since it read, from these few rows
-- instead of the regional and merged rows written meanwhile (a range scan
-- of freshly written rows, under the lock, was a fifth of a page's time
-- there). Written under the credit lock, so id is a committed prefix like
-- the record and merged numbers; the oldest rows are pruned.
CREATE TABLE credit_written (
    id     bigserial PRIMARY KEY,
    usccs  text[] NOT NULL
);
