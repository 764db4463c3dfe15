-- qrseal-service schema, version 2: collection sites and the tubes they upload. Same SQL
-- subset as version 1.

-- One row per enrolled collection site.
CREATE TABLE sites (
    -- 1-64 characters of [A-Za-z0-9._-].
    site TEXT PRIMARY KEY,
    -- Lower-case hex of SHA-256 of the site credential; the credential itself is never stored.
    credential_hash TEXT NOT NULL UNIQUE,
    enrolled_at BIGINT NOT NULL,
    -- When the current credential was issued (re-enrolment rotates it).
    rotated_at BIGINT NOT NULL
);

-- One row per uploaded tube. The two unique keys decide between concurrent uploads: a batch
-- key is stored once, and a tube belongs to one batch.
CREATE TABLE sample_batches (
    -- `<journal id, 32 lower-case hex>-<tube sequence number>`: the idempotency key.
    batch TEXT PRIMARY KEY,
    site TEXT NOT NULL,
    device TEXT NOT NULL,
    tube TEXT NOT NULL UNIQUE,
    -- Unix seconds, as the scanner's clock gave them.
    opened_at BIGINT NOT NULL,
    sealed_at BIGINT NOT NULL,
    samples BIGINT NOT NULL,
    -- Lower-case hex of SHA-256 of the upload's canonical JSON: a replay must match it.
    content_hash TEXT NOT NULL,
    stored_at BIGINT NOT NULL
);

-- The people in each tube, in upload order. Written in the same transaction as their batch.
CREATE TABLE samples (
    batch TEXT NOT NULL,
    position BIGINT NOT NULL,
    -- Lower-case hex of the keyed subject hash, as in holders.subject.
    subject TEXT NOT NULL,
    -- Lower-case hex of the issuer key id of the token scanned.
    kid TEXT NOT NULL,
    -- The colour's stable name: green, yellow, red or dark-red.
    colour TEXT NOT NULL,
    scanned_at BIGINT NOT NULL,
    PRIMARY KEY (batch, position)
);
