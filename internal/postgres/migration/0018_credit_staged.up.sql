-- A registry's pages are staged, then applied in bulk (credit.md;
-- internal/postgres/credit_stage.go): a page's records are written here
-- with its cursor, in one transaction, and a later flush keeps the newest
-- version of each enterprise and region, writes it over the stored record
-- in the primary key's order, and merges the enterprises it wrote. A first
-- sync thus writes each regional record and each merged record once, where
-- writing page by page rewrote a third of them.
--
-- No index: the flush reads every row committed when it starts, and
-- nothing else reads the table. id orders the rows of one registry as
-- they were read, so that of two equal versions the first read counts.
CREATE TABLE credit_staged (
    id              bigint GENERATED ALWAYS AS IDENTITY,
    region          text NOT NULL,
    uscc            text NOT NULL,
    name            text NOT NULL,
    published       text NOT NULL,
    rating          text NOT NULL,
    watch           boolean NOT NULL,
    reason          text NOT NULL,
    effective_from  date,
    expires_at      date,
    source_version  bigint NOT NULL,
    updated_at      timestamptz,
    deleted         boolean NOT NULL,
    synced_at       timestamptz NOT NULL
);

-- The record sequence number through which the merged records are up to
-- date: the merge after a flush takes the records numbered above it, in
-- chunks, and moves it in each chunk's transaction.
CREATE TABLE credit_merge_mark (
    one  boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq  bigint NOT NULL
);
INSERT INTO credit_merge_mark (seq) SELECT COALESCE(max(seq), 0) FROM credit_record;

-- Pages no longer read outside the credit lock, so nothing asks what was
-- written meanwhile.
DROP TABLE credit_written;
