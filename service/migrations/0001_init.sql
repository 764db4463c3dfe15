-- qrseal-service schema, version 1. The SQL stays in the subset SQLite and PostgreSQL share:
-- BIGINT and TEXT columns only (binary values as base64 text), no autoincrement, upserts with
-- ON CONFLICT.

-- One row per enrolled holder: credential hash, current status, and the token signed last.
CREATE TABLE holders (
    -- Lower-case hex of the keyed subject hash.
    subject TEXT PRIMARY KEY,
    -- Lower-case hex of SHA-256 of the holder credential; the credential itself is never stored.
    credential_hash TEXT NOT NULL UNIQUE,
    display_hint TEXT,
    -- Index into the wire order of colours (0 green .. 3 dark red); NULL until the first status.
    colour BIGINT,
    test_result BIGINT,
    test_collected_at BIGINT,
    doses BIGINT,
    last_dose TEXT,
    -- Counts status updates; a stored token is current only for the version it was signed for.
    status_version BIGINT NOT NULL,
    -- Tokens are issued no earlier than this (unix seconds): the time of the last revocation.
    issue_not_before BIGINT NOT NULL,
    token_qr TEXT,
    token_url TEXT,
    token_issued_at BIGINT,
    token_expires_at BIGINT,
    token_refresh_at BIGINT,
    token_status_version BIGINT,
    enrolled_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Revocations queued by worsened colours, written in the same transaction as the status.
CREATE TABLE pending_revocations (
    subject TEXT NOT NULL,
    issued_before BIGINT NOT NULL,
    queued_at BIGINT NOT NULL,
    -- The list sequence that first carried it; NULL while waiting for the publisher.
    published_sequence BIGINT,
    PRIMARY KEY (subject, issued_before)
);
CREATE INDEX pending_revocations_unpublished ON pending_revocations (published_sequence);

-- Every revocation list published: the full list of that sequence and the delta leading to it.
CREATE TABLE revocation_lists (
    sequence BIGINT PRIMARY KEY,
    full_list TEXT NOT NULL,
    delta TEXT,
    issued_at BIGINT NOT NULL,
    entries BIGINT NOT NULL
);

-- One row (id 1): the sequence published last. Publishers lock it, so one publishes at a time.
CREATE TABLE publisher (
    id BIGINT PRIMARY KEY,
    sequence BIGINT NOT NULL,
    runs BIGINT NOT NULL
);
INSERT INTO publisher (id, sequence, runs) VALUES (1, 0, 0);
