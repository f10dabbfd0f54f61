/**
 * The database schema, in portable SQL (SQLite now, PostgreSQL later): plain
 * types, no SQLite-only functions in queries. Migrations are numbered and
 * applied in order; `meta.schema_version` records the last one.
 */
export const MIGRATIONS: string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  CREATE TABLE batches (
    id               INTEGER PRIMARY KEY,
    root             TEXT NOT NULL,
    leaf_count       INTEGER NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('built', 'submitted', 'confirmed', 'stale')),
    transaction_hash TEXT,
    created_at       INTEGER NOT NULL,
    chain_id         INTEGER,
    registry         TEXT,
    block_number     INTEGER,
    block_hash       TEXT,
    anchored_at      INTEGER,
    issuer           TEXT,
    confirmed_at     INTEGER
  );
  CREATE INDEX batches_open ON batches (state);

  CREATE TABLE documents (
    seq                 INTEGER PRIMARY KEY,
    sha256              TEXT NOT NULL UNIQUE,
    salt                TEXT NOT NULL,
    reference           TEXT,
    title               TEXT,
    is_public           INTEGER NOT NULL,
    size                INTEGER,
    media_type          TEXT,
    has_content         INTEGER NOT NULL,
    cid                 TEXT,
    created_at          INTEGER NOT NULL,
    created_by          TEXT,
    batch_id            INTEGER REFERENCES batches (id),
    leaf                TEXT,
    leaf_index          INTEGER,
    proof               TEXT,
    revocation_reason   INTEGER,
    revocation_note     TEXT,
    revocation_at       INTEGER,
    revocation_by       TEXT,
    revocation_state    TEXT CHECK (revocation_state IN ('requested', 'confirmed')),
    revocation_tx       TEXT,
    revocation_time     INTEGER
  );
  CREATE INDEX documents_batch ON documents (batch_id);
  CREATE INDEX documents_revocation ON documents (revocation_state);

  CREATE TABLE clerks (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    key_hash   TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    removed_at INTEGER
  );

  CREATE TABLE audit (
    id     INTEGER PRIMARY KEY,
    at     INTEGER NOT NULL,
    clerk  TEXT NOT NULL,
    action TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    detail TEXT
  );
  `,
  `
  ALTER TABLE documents ADD COLUMN content_ref TEXT;
  ALTER TABLE documents ADD COLUMN content_key TEXT;
  ALTER TABLE documents ADD COLUMN erased_at INTEGER;
  ALTER TABLE documents ADD COLUMN erased_by TEXT;
  `,
  // Receipt v2: the leaf commits to a validity period, batches record their leaf encoding (existing ones are v1)
  // and the genesis of the chain they were anchored on.
  `
  ALTER TABLE documents ADD COLUMN valid_from INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE documents ADD COLUMN valid_until INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE batches ADD COLUMN leaf_version INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE batches ADD COLUMN genesis_hash TEXT;
  `,
  // Co-anchors of batch roots: RFC 3161 timestamp tokens, added when they arrive (after the anchor).
  `
  CREATE TABLE co_anchors (
    id           INTEGER PRIMARY KEY,
    batch_id     INTEGER NOT NULL REFERENCES batches (id),
    type         TEXT NOT NULL,
    tsa          TEXT NOT NULL,
    token        TEXT NOT NULL,
    gen_time     TEXT NOT NULL,
    certificates TEXT NOT NULL,
    added_at     INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX co_anchors_batch_type ON co_anchors (batch_id, type);
  `,
  // Permit lifecycle: a successor names the document it supersedes (revoked with reason 3 once the successor is anchored).
  `
  ALTER TABLE documents ADD COLUMN supersedes TEXT;
  CREATE UNIQUE INDEX documents_supersedes ON documents (supersedes) WHERE supersedes IS NOT NULL;
  `,
  // Retention: the time (ms) after which the original is erased by itself; null: kept until a clerk erases it.
  `
  ALTER TABLE documents ADD COLUMN retain_until INTEGER;
  CREATE INDEX documents_retention ON documents (retain_until) WHERE retain_until IS NOT NULL AND content_ref IS NOT NULL;
  `,
  // Four-eyes issuance: clerk roles, and a document's approval (null: none needed; it was uploaded without FOUR_EYES).
  `
  ALTER TABLE clerks ADD COLUMN role TEXT NOT NULL DEFAULT 'clerk';
  ALTER TABLE documents ADD COLUMN approval_state TEXT;
  ALTER TABLE documents ADD COLUMN approval_by TEXT;
  ALTER TABLE documents ADD COLUMN approval_at INTEGER;
  ALTER TABLE documents ADD COLUMN approval_reason TEXT;
  CREATE INDEX documents_awaiting ON documents (seq) WHERE approval_state = 'awaiting';
  `,
  // Tamper-evident audit: each entry's hash chains to the previous one (filled in, in id order, when the store opens),
  // and every batch commits the head as one more leaf of its tree.
  `
  ALTER TABLE audit ADD COLUMN hash TEXT;
  ALTER TABLE batches ADD COLUMN audit_id INTEGER;
  ALTER TABLE batches ADD COLUMN audit_head TEXT;
  ALTER TABLE batches ADD COLUMN audit_leaf TEXT;
  ALTER TABLE batches ADD COLUMN audit_proof TEXT;
  CREATE INDEX batches_audit ON batches (audit_id) WHERE audit_id IS NOT NULL;
  CREATE INDEX audit_at ON audit (at);
  `,
];
