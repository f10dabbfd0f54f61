import { AUDIT_GENESIS, auditEntryHash } from "../../domain/audit/auditChain.js";
import type { NewDocument } from "../../domain/ports.js";
import type { AuditEntry, BatchRecord, Clerk, ClerkRole, CoAnchor, DocumentRecord, NewAuditEntry } from "../../domain/types.js";

/**
 * The queries both stores run (SQLite and PostgreSQL), written once in the
 * SQL the two share: `?` placeholders (the PostgreSQL adapter numbers them),
 * `ON CONFLICT`, `RETURNING`, no dialect functions. Status rules that both
 * need (what "pending" means) live here once too.
 */
export const SQL = {
  insertDocument: `INSERT INTO documents (sha256, salt, valid_from, valid_until, reference, title, is_public, size, media_type, has_content, cid, content_ref, content_key, created_at, created_by, supersedes, retain_until, approval_state)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING RETURNING *`,
  document: "SELECT * FROM documents WHERE sha256 = ?",
  unbatched: "SELECT * FROM documents WHERE batch_id IS NULL AND (approval_state IS NULL OR approval_state = 'approved') ORDER BY seq LIMIT ?",
  countUnbatched: "SELECT COUNT(*) AS n FROM documents WHERE batch_id IS NULL AND (approval_state IS NULL OR approval_state = 'approved')",
  insertBatch: `INSERT INTO batches (root, leaf_count, state, created_at, leaf_version, audit_id, audit_head, audit_leaf, audit_proof)
    VALUES (?, ?, 'built', ?, ?, ?, ?, ?, ?) RETURNING id`,
  assignLeaf: "UPDATE documents SET batch_id = ?, leaf = ?, leaf_index = ?, proof = ? WHERE sha256 = ? AND batch_id IS NULL",
  batch: "SELECT * FROM batches WHERE id = ?",
  lastConfirmedBatch: "SELECT * FROM batches WHERE state = 'confirmed' ORDER BY id DESC LIMIT 1",
  awaitingCoAnchor: `SELECT b.* FROM batches b WHERE b.state = 'confirmed'
    AND NOT EXISTS (SELECT 1 FROM co_anchors c WHERE c.batch_id = b.id AND c.type = ?) ORDER BY b.id LIMIT ?`,
  countAwaitingCoAnchor: "SELECT COUNT(*) AS n FROM batches b WHERE b.state = 'confirmed' AND NOT EXISTS (SELECT 1 FROM co_anchors c WHERE c.batch_id = b.id AND c.type = ?)",
  addCoAnchor: `INSERT INTO co_anchors (batch_id, type, tsa, token, gen_time, certificates, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (batch_id, type) DO NOTHING`,
  coAnchorsOf: "SELECT * FROM co_anchors WHERE batch_id = ? ORDER BY id",
  openBatches: "SELECT * FROM batches WHERE state IN ('built', 'submitted') ORDER BY id",
  markSubmitted: "UPDATE batches SET state = 'submitted', transaction_hash = ? WHERE id = ? AND state <> 'confirmed'",
  markConfirmed: `UPDATE batches SET state = 'confirmed', transaction_hash = ?, chain_id = ?, registry = ?, block_number = ?,
    block_hash = ?, anchored_at = ?, issuer = ?, genesis_hash = ?, confirmed_at = ? WHERE id = ?`,
  documentsOfBatch: "SELECT * FROM documents WHERE batch_id = ? ORDER BY leaf_index",
  requestRevocation: `UPDATE documents SET revocation_reason = ?, revocation_note = ?, revocation_at = ?, revocation_by = ?,
    revocation_state = 'requested' WHERE sha256 = ? AND revocation_state IS NULL`,
  pendingRevocations: `SELECT d.* FROM documents d JOIN batches b ON b.id = d.batch_id
    WHERE d.revocation_state = 'requested' AND b.state = 'confirmed' ORDER BY d.revocation_at`,
  supersessionsDue: `SELECT s.* FROM documents s JOIN batches b ON b.id = s.batch_id JOIN documents p ON p.sha256 = s.supersedes
    WHERE b.state = 'confirmed' AND p.revocation_state IS NULL AND (p.approval_state IS NULL OR p.approval_state <> 'rejected')
    ORDER BY s.seq LIMIT ?`,
  // A rejected successor supersedes nothing: its link is dropped, so that a corrected one can take its place (the audit keeps it).
  decideApproval: `UPDATE documents SET approval_state = ?, approval_by = ?, approval_at = ?, approval_reason = ?,
    supersedes = CASE WHEN ? = 'rejected' THEN NULL ELSE supersedes END WHERE sha256 = ? AND approval_state = 'awaiting'`,
  awaitingApproval: "SELECT * FROM documents WHERE approval_state = 'awaiting' ORDER BY seq LIMIT ?",
  retentionEnded: "SELECT * FROM documents WHERE retain_until IS NOT NULL AND content_ref IS NOT NULL AND retain_until <= ? ORDER BY retain_until LIMIT ?",
  supersededBy: "SELECT sha256 FROM documents WHERE supersedes = ? ORDER BY seq LIMIT 1",
  confirmRevocation: "UPDATE documents SET revocation_state = 'confirmed', revocation_tx = ?, revocation_time = ? WHERE sha256 = ?",
  requeueDocuments: `UPDATE documents SET batch_id = NULL, leaf = NULL, leaf_index = NULL, proof = NULL,
    revocation_state = CASE WHEN revocation_state IS NULL THEN NULL ELSE 'requested' END,
    revocation_tx = NULL, revocation_time = NULL`,
  staleBatches: "UPDATE batches SET state = 'stale' WHERE state <> 'stale'",
  setContent: "UPDATE documents SET has_content = 1, cid = ?, content_ref = ?, content_key = ?, erased_at = NULL, erased_by = NULL WHERE sha256 = ?",
  eraseContent: "UPDATE documents SET has_content = 0, cid = NULL, content_ref = NULL, content_key = NULL, erased_at = ?, erased_by = ? WHERE sha256 = ?",
  getMeta: "SELECT value FROM meta WHERE key = ?",
  setMeta: "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  addClerk: "INSERT INTO clerks (name, key_hash, created_at, role) VALUES (?, ?, ?, ?) RETURNING *",
  listClerks: "SELECT * FROM clerks ORDER BY id",
  removeClerk: "UPDATE clerks SET removed_at = ? WHERE name = ? AND removed_at IS NULL",
  setClerkRole: "UPDATE clerks SET role = ? WHERE name = ? AND removed_at IS NULL",
  clerkByKeyHash: "SELECT * FROM clerks WHERE key_hash = ? AND removed_at IS NULL",
  auditHead: "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1",
  insertAudit: "INSERT INTO audit (id, at, clerk, action, sha256, detail, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
  listAudit: "SELECT * FROM audit ORDER BY id DESC LIMIT ?",
  auditFirstFrom: "SELECT MIN(id) AS id FROM audit WHERE at >= ?",
  auditLastUntil: "SELECT MAX(id) AS id FROM audit WHERE at <= ?",
  auditEntries: "SELECT * FROM audit WHERE id BETWEEN ? AND ? ORDER BY id",
  auditCommitments: "SELECT * FROM batches WHERE state = 'confirmed' AND audit_id IS NOT NULL ORDER BY id LIMIT ?",
  committedAuditId: "SELECT COALESCE(MAX(audit_id), 0) AS id FROM batches WHERE state <> 'stale'",
  uncommittedAudit: "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM audit WHERE id > ?",
  ping: "SELECT 1 AS ok",
} as const;

export type DocumentState = "pending" | "anchored" | "revoked" | "awaiting-approval" | "rejected";

/** The document list of the clerk page: newest first, by state, paged by `seq`. */
export function listDocumentsQuery(q: { state?: DocumentState; limit: number; beforeSeq?: number }): { sql: string; params: (string | number)[] } {
  const where: string[] = ["d.seq < ?"];
  if (q.state === "pending") where.push("(b.state IS NULL OR b.state <> 'confirmed') AND (d.approval_state IS NULL OR d.approval_state <> 'rejected')");
  if (q.state === "anchored") where.push("b.state = 'confirmed' AND (d.revocation_state IS NULL OR d.revocation_state <> 'confirmed')");
  if (q.state === "revoked") where.push("b.state = 'confirmed' AND d.revocation_state = 'confirmed'");
  if (q.state === "awaiting-approval") where.push("d.approval_state = 'awaiting'");
  if (q.state === "rejected") where.push("d.approval_state = 'rejected'");
  return {
    sql: `SELECT d.* FROM documents d LEFT JOIN batches b ON b.id = d.batch_id WHERE ${where.join(" AND ")} ORDER BY d.seq DESC LIMIT ?`,
    params: [q.beforeSeq ?? Number.MAX_SAFE_INTEGER, q.limit],
  };
}

/** A row as either driver returns it (integers as numbers: the PostgreSQL adapter parses BIGINT). */
export type Row = Record<string, unknown>;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : (v as string));

export const toDocument = (r: Row): DocumentRecord => ({
  seq: Number(r.seq),
  sha256: r.sha256 as string,
  salt: r.salt as string,
  validFrom: Number(r.valid_from ?? 0),
  validUntil: Number(r.valid_until ?? 0),
  reference: str(r.reference),
  title: str(r.title),
  public: Number(r.is_public) === 1,
  size: num(r.size),
  mediaType: str(r.media_type),
  hasContent: Number(r.has_content) === 1,
  cid: str(r.cid),
  content: r.content_ref === null ? null : { ref: r.content_ref as string, key: str(r.content_key) },
  erasure: r.erased_at === null ? null : { at: Number(r.erased_at), by: r.erased_by as string },
  createdAt: Number(r.created_at),
  createdBy: str(r.created_by),
  supersedes: str(r.supersedes),
  retainUntil: num(r.retain_until),
  approval:
    r.approval_state === null || r.approval_state === undefined
      ? null
      : { state: r.approval_state as "awaiting" | "approved" | "rejected", by: str(r.approval_by), at: num(r.approval_at), reason: str(r.approval_reason) },
  batchId: num(r.batch_id),
  leaf: str(r.leaf),
  leafIndex: num(r.leaf_index),
  proof: r.proof === null ? null : (JSON.parse(r.proof as string) as string[]),
  revocation:
    r.revocation_state === null
      ? null
      : {
          reason: Number(r.revocation_reason),
          note: str(r.revocation_note),
          requestedAt: Number(r.revocation_at),
          requestedBy: str(r.revocation_by),
          state: r.revocation_state as "requested" | "confirmed",
          transactionHash: str(r.revocation_tx),
          timestamp: num(r.revocation_time),
        },
});

export const toBatch = (r: Row): BatchRecord => ({
  id: Number(r.id),
  root: r.root as string,
  leafCount: Number(r.leaf_count),
  leafVersion: Number(r.leaf_version) === 2 ? 2 : 1,
  state: r.state as BatchRecord["state"],
  transactionHash: str(r.transaction_hash),
  createdAt: Number(r.created_at),
  anchor:
    r.state === "confirmed"
      ? {
          chainId: Number(r.chain_id),
          registry: r.registry as string,
          transactionHash: r.transaction_hash as string,
          blockNumber: Number(r.block_number),
          blockHash: r.block_hash as string,
          timestamp: Number(r.anchored_at),
          issuer: r.issuer as string,
          genesisHash: str(r.genesis_hash),
        }
      : null,
  audit:
    r.audit_id === null || r.audit_id === undefined
      ? null
      : { auditId: Number(r.audit_id), head: r.audit_head as string, leaf: r.audit_leaf as string, proof: JSON.parse(r.audit_proof as string) as string[] },
});

export const toAudit = (r: Row): AuditEntry => ({
  id: Number(r.id),
  at: Number(r.at),
  clerk: r.clerk as string,
  action: r.action as AuditEntry["action"],
  sha256: r.sha256 as string,
  detail: str(r.detail),
  hash: r.hash as string,
});

export const toClerk = (r: Row): Clerk => ({
  id: Number(r.id),
  name: r.name as string,
  role: (str(r.role) ?? "clerk") as ClerkRole,
  createdAt: Number(r.created_at),
  removedAt: num(r.removed_at),
});

export const toCoAnchor = (r: Row): CoAnchor => ({
  type: r.type as CoAnchor["type"],
  imprint: { algorithm: "sha256", of: "root" },
  token: r.token as string,
  tsa: r.tsa as string,
  genTime: r.gen_time as string,
  certificates: JSON.parse(r.certificates as string) as string[],
});

/** A string as both databases store it: every lone surrogate replaced by U+FFFD (UTF-8 cannot hold one). */
export const wellFormed = (text: string) => text.replace(/\p{Cs}/gu, "\uFFFD");

/** The parameters of `SQL.insertDocument`. */
export function documentParams(doc: NewDocument): (string | number | null)[] {
  return [
    doc.sha256, doc.salt, doc.validFrom ?? 0, doc.validUntil ?? 0, doc.reference, doc.title, doc.public ? 1 : 0, doc.size, doc.mediaType,
    doc.hasContent ? 1 : 0, doc.cid, doc.content?.ref ?? null, doc.content?.key ?? null, doc.createdAt, doc.createdBy, doc.supersedes ?? null,
    doc.retainUntil ?? null, doc.awaitsApproval ? "awaiting" : null,
  ];
}

/** The parameters of `SQL.insertBatch`. */
export function batchParams(
  batch: { root: string; createdAt: number; leafVersion: number },
  leafCount: number,
  audit: { auditId: number; head: string; leaf: string; proof: string[] } | null,
): (string | number | null)[] {
  return [batch.root, leafCount, batch.createdAt, batch.leafVersion, audit?.auditId ?? null, audit?.head ?? null, audit?.leaf ?? null, audit ? JSON.stringify(audit.proof) : null];
}

/**
 * The parameters of `SQL.insertAudit` for an entry after `last` (the newest
 * entry, null while the log is empty): the next id and the hash chained to
 * `last`'s. What is hashed is what is stored (see `wellFormed`).
 */
export function auditParams(last: { id: number; hash: string } | null, entry: NewAuditEntry): (string | number | null)[] {
  const e = { ...entry, clerk: wellFormed(entry.clerk), detail: entry.detail === null ? null : wellFormed(entry.detail) };
  const id = last ? last.id + 1 : 1;
  const hash = auditEntryHash(last ? last.hash : AUDIT_GENESIS, { id, ...e });
  return [id, e.at, e.clerk, e.action, e.sha256, e.detail, hash];
}
