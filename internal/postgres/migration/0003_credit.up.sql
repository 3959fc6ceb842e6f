-- Shared enterprise credit (credit.md): each registry's newest record per
-- enterprise, the merged view numbered by one global sequence, the sync
-- cursors and the records skipped.

-- credit_record_seq numbers every write of credit_record. Writers hold the
-- credit advisory lock from the first nextval to commit, so the committed
-- values are always a prefix: the ratings cache follows them without gaps.
CREATE SEQUENCE credit_record_seq;

-- One row per enterprise and region: that region's newest version. An older
-- version never overwrites it (the upsert's WHERE).
CREATE TABLE credit_record (
    uscc            text NOT NULL,
    region          text NOT NULL,
    name            text NOT NULL DEFAULT '',
    published       text NOT NULL,              -- the rating as the registry wrote it (Hebei AA..D included)
    rating          text NOT NULL,              -- mapped to the 2021 categories; '' on a deletion with an unknown rating
    watch           boolean NOT NULL DEFAULT false,
    reason          text NOT NULL DEFAULT '',
    effective_from  date,
    expires_at      date,
    source_version  bigint NOT NULL,
    updated_at      timestamptz,
    deleted         boolean NOT NULL DEFAULT false,
    synced_at       timestamptz NOT NULL,
    seq             bigint NOT NULL,
    PRIMARY KEY (uscc, region)
);
CREATE INDEX credit_record_seq_idx ON credit_record (seq);

-- credit_merged_seq is the shared view's global change number (api.md).
CREATE SEQUENCE credit_merged_seq;

-- The merged record of each enterprise, as it was last evaluated.
CREATE TABLE credit_merged (
    uscc          text PRIMARY KEY,
    name          text NOT NULL DEFAULT '',
    rating        text NOT NULL,                -- effective rating on evaluated_on; general when nothing is active
    watch         boolean NOT NULL DEFAULT false,
    sources       jsonb NOT NULL,               -- the active regional records behind it, as api.md shows them
    version       bigint NOT NULL UNIQUE,       -- from credit_merged_seq, renewed at every change
    evaluated_on  date NOT NULL,                -- the Beijing day it was evaluated for
    next_change   date,                         -- the first later day on which a record starts or expires
    changed_at    timestamptz NOT NULL
);
CREATE INDEX credit_merged_next_change ON credit_merged (next_change) WHERE next_change IS NOT NULL;

-- Each registry's sync state: the cursor to ask from and the counts.
CREATE TABLE credit_cursor (
    region           text PRIMARY KEY,
    cursor           text NOT NULL DEFAULT '',
    last_success     timestamptz,
    last_error       text,
    last_error_at    timestamptz,
    applied          bigint NOT NULL DEFAULT 0,
    skipped          bigint NOT NULL DEFAULT 0,
    skipped_reasons  jsonb NOT NULL DEFAULT '{}'
);

-- Records skipped (invalid USCC, unknown rating, malformed date or record),
-- once per registry, record and reason, so a page read twice counts once.
CREATE TABLE credit_skipped (
    id        bigserial PRIMARY KEY,
    region    text NOT NULL,
    uscc      text NOT NULL,
    version   bigint NOT NULL,
    reason    text NOT NULL,
    detail    text NOT NULL DEFAULT '',
    at        timestamptz NOT NULL,
    UNIQUE (region, uscc, version, reason)
);
CREATE INDEX credit_skipped_region ON credit_skipped (region, id);
