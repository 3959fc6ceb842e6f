-- The region's register of supporting documents (documents.md) and the
-- write-offs declarations make against them. Quantities are numeric
-- (exact); remaining is kept on the row, so that a write-off is one
-- conditional UPDATE that PostgreSQL serialises on the row: the CHECK on
-- remaining is what refuses a write-off that would take more than is
-- left, failing the whole intake statement.
CREATE TABLE document (
    kind           text NOT NULL,
    number         text NOT NULL,
    seq            bigserial NOT NULL UNIQUE,
    issuer         text NOT NULL,
    holder         text NOT NULL,
    valid_from     date NOT NULL,
    valid_until    date NOT NULL,
    quantity       numeric NOT NULL CHECK (quantity > 0),
    unit           text NOT NULL,
    remaining      numeric NOT NULL,
    un             text NOT NULL DEFAULT '',
    packing_group  text NOT NULL DEFAULT '',
    packaging      text NOT NULL DEFAULT '',
    level          text NOT NULL DEFAULT '',
    origin         text NOT NULL DEFAULT '',
    entry_customs  text NOT NULL DEFAULT '',
    hs_prefix      text NOT NULL DEFAULT '',
    revoked_at     timestamptz,
    revoked_by     text,
    revoke_reason  text,
    created_at     timestamptz NOT NULL,
    created_by     text NOT NULL,
    PRIMARY KEY (kind, number),
    CONSTRAINT document_remaining_check CHECK (remaining >= 0 AND remaining <= quantity)
);
CREATE INDEX document_holder ON document (holder, seq);
CREATE INDEX document_issuer ON document (issuer, seq);

CREATE TABLE document_write_off (
    id              bigserial PRIMARY KEY,
    kind            text NOT NULL,
    number          text NOT NULL,
    declaration_id  text NOT NULL REFERENCES declaration (id) ON DELETE CASCADE,
    port            text NOT NULL,
    port_ref        text NOT NULL,
    item            int NOT NULL,
    quantity        numeric NOT NULL,
    at              timestamptz NOT NULL,
    returned_at     timestamptz,
    FOREIGN KEY (kind, number) REFERENCES document (kind, number)
);
CREATE INDEX document_write_off_document ON document_write_off (kind, number, id);
CREATE INDEX document_write_off_declaration ON document_write_off (declaration_id);
