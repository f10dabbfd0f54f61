import { mkdirSync } from "node:fs";
import path from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";

import type { LeafAssignment, NewDocument, Store } from "../../domain/ports.js";
import type { ReceiptVersion } from "../../domain/receipts/receiptVersions.js";
import { AUDIT_GENESIS, auditEntryHash } from "../../domain/audit/auditChain.js";
import type { AnchorFacts, AuditCommitment, AuditEntry, BatchRecord, Clerk, ClerkRole, CoAnchor, DocumentRecord, NewAuditEntry } from "../../domain/types.js";
import { GroupCommit } from "./groupCommit.js";
import { MIGRATIONS } from "./schema.js";

type Row = Record<string, SQLInputValue>;

const toDocument = (r: Row): DocumentRecord => ({
  seq: Number(r.seq),
  sha256: r.sha256 as string,
  salt: r.salt as string,
  validFrom: Number(r.valid_from ?? 0),
  validUntil: Number(r.valid_until ?? 0),
  reference: (r.reference as string | null) ?? null,
  title: (r.title as string | null) ?? null,
  public: r.is_public === 1,
  size: r.size === null ? null : Number(r.size),
  mediaType: (r.media_type as string | null) ?? null,
  hasContent: r.has_content === 1,
  cid: (r.cid as string | null) ?? null,
  content: r.content_ref === null ? null : { ref: r.content_ref as string, key: (r.content_key as string | null) ?? null },
  erasure: r.erased_at === null ? null : { at: Number(r.erased_at), by: r.erased_by as string },
  createdAt: Number(r.created_at),
  createdBy: (r.created_by as string | null) ?? null,
  supersedes: (r.supersedes as string | null) ?? null,
  retainUntil: r.retain_until === null || r.retain_until === undefined ? null : Number(r.retain_until),
  approval:
    r.approval_state === null || r.approval_state === undefined
      ? null
      : {
          state: r.approval_state as "awaiting" | "approved" | "rejected",
          by: (r.approval_by as string | null) ?? null,
          at: r.approval_at === null ? null : Number(r.approval_at),
          reason: (r.approval_reason as string | null) ?? null,
        },
  batchId: r.batch_id === null ? null : Number(r.batch_id),
  leaf: (r.leaf as string | null) ?? null,
  leafIndex: r.leaf_index === null ? null : Number(r.leaf_index),
  proof: r.proof === null ? null : (JSON.parse(r.proof as string) as string[]),
  revocation:
    r.revocation_state === null
      ? null
      : {
          reason: Number(r.revocation_reason),
          note: (r.revocation_note as string | null) ?? null,
          requestedAt: Number(r.revocation_at),
          requestedBy: (r.revocation_by as string | null) ?? null,
          state: r.revocation_state as "requested" | "confirmed",
          transactionHash: (r.revocation_tx as string | null) ?? null,
          timestamp: r.revocation_time === null ? null : Number(r.revocation_time),
        },
});

const toBatch = (r: Row): BatchRecord => ({
  id: Number(r.id),
  root: r.root as string,
  leafCount: Number(r.leaf_count),
  leafVersion: Number(r.leaf_version) === 2 ? 2 : 1,
  state: r.state as BatchRecord["state"],
  transactionHash: (r.transaction_hash as string | null) ?? null,
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
          genesisHash: (r.genesis_hash as string | null) ?? null,
        }
      : null,
  audit:
    r.audit_id === null || r.audit_id === undefined
      ? null
      : { auditId: Number(r.audit_id), head: r.audit_head as string, leaf: r.audit_leaf as string, proof: JSON.parse(r.audit_proof as string) as string[] },
});

/** A string as SQLite stores it: every lone surrogate replaced by U+FFFD. */
const wellFormed = (text: string) => text.replace(/\p{Cs}/gu, "\uFFFD");

const toAudit = (r: Row): AuditEntry => ({
  id: Number(r.id),
  at: Number(r.at),
  clerk: r.clerk as string,
  action: r.action as AuditEntry["action"],
  sha256: r.sha256 as string,
  detail: (r.detail as string | null) ?? null,
  hash: r.hash as string,
});

const toClerk = (r: Row): Clerk => ({
  id: Number(r.id),
  name: r.name as string,
  role: ((r.role as string | null) ?? "clerk") as ClerkRole,
  createdAt: Number(r.created_at),
  removedAt: r.removed_at === null ? null : Number(r.removed_at),
});

/**
 * The Store on a SQLite file (`node:sqlite`): WAL journal with
 * `synchronous=FULL`, so a committed row survives a crash or power loss.
 * Several processes may open the same file (the CLI adds clerks while the
 * server runs); writes wait up to 5 s for the lock.
 */
export class SqliteStore implements Store {
  private readonly db: DatabaseSync;
  /** Prepared statements by SQL text: preparing is the costly part of a small query. */
  private readonly statements = new Map<string, StatementSync>();
  /** Document inserts of concurrent uploads share one commit (one fsync). */
  private readonly group: GroupCommit;

  constructor(file: string) {
    mkdirSync(path.dirname(file), { recursive: true });
    this.db = new DatabaseSync(file, { timeout: 5000, enableForeignKeyConstraints: true });
    this.db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;");
    this.migrate();
    this.chainUnchainedAudit();
    this.group = new GroupCommit(this.db);
  }

  /** Entries written before the audit log was chained (by an earlier version) get their hashes, in id order, once. */
  private chainUnchainedAudit(): void {
    if (this.one("SELECT 1 AS x FROM audit WHERE hash IS NULL LIMIT 1")) this.transaction(() => this.chainFromFirstUnchained());
  }

  /** Chains every entry from the first one without a hash on, from the hash of the entry before it; inside a write transaction. */
  private chainFromFirstUnchained(): void {
    const first = Number(this.one("SELECT MIN(id) AS id FROM audit WHERE hash IS NULL")!.id);
    let previous = (this.one("SELECT hash FROM audit WHERE id < ? ORDER BY id DESC LIMIT 1", first)?.hash as string | undefined) ?? AUDIT_GENESIS;
    const set = this.db.prepare("UPDATE audit SET hash = ? WHERE id = ?");
    for (const row of this.all("SELECT * FROM audit WHERE id >= ? ORDER BY id", first)) {
      previous = auditEntryHash(previous, toAudit(row));
      set.run(previous, Number(row.id));
    }
  }

  private migrate(): void {
    this.db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    const row = this.db.prepare("SELECT MAX(version) AS v FROM schema_version").get() as { v: number | null };
    for (let v = (row.v ?? 0) + 1; v <= MIGRATIONS.length; v++) {
      this.transaction(() => {
        this.db.exec(MIGRATIONS[v - 1]!);
        this.db.prepare("INSERT INTO schema_version (version) VALUES (?)").run(v);
      });
    }
  }

  private transaction<T>(fn: () => T): T {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const result = fn();
      this.db.exec("COMMIT");
      return result;
    } catch (e) {
      this.db.exec("ROLLBACK");
      throw e;
    }
  }

  private statement(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private one(sql: string, ...params: SQLInputValue[]): Row | undefined {
    return this.statement(sql).get(...params) as Row | undefined;
  }

  private all(sql: string, ...params: SQLInputValue[]): Row[] {
    return this.statement(sql).all(...params) as Row[];
  }

  private run(sql: string, ...params: SQLInputValue[]): number {
    return Number(this.statement(sql).run(...params).changes);
  }

  insertDocument(doc: NewDocument, audit?: Omit<NewAuditEntry, "sha256">) {
    return this.group.run(() => {
      const changes = this.run(
        `INSERT INTO documents (sha256, salt, valid_from, valid_until, reference, title, is_public, size, media_type, has_content, cid, content_ref, content_key, created_at, created_by, supersedes, retain_until, approval_state)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING`,
        doc.sha256, doc.salt, doc.validFrom ?? 0, doc.validUntil ?? 0, doc.reference, doc.title, doc.public ? 1 : 0, doc.size, doc.mediaType,
        doc.hasContent ? 1 : 0, doc.cid, doc.content?.ref ?? null, doc.content?.key ?? null, doc.createdAt, doc.createdBy, doc.supersedes ?? null, doc.retainUntil ?? null, doc.awaitsApproval ? "awaiting" : null,
      );
      if (changes === 1 && audit) this.audit({ ...audit, sha256: doc.sha256 });
      return { inserted: changes === 1, record: this.document(doc.sha256)! };
    });
  }

  private document(sha256: string): DocumentRecord | null {
    const row = this.one("SELECT * FROM documents WHERE sha256 = ?", sha256);
    return row ? toDocument(row) : null;
  }

  async getDocument(sha256: string) {
    return this.document(sha256);
  }

  async listDocuments(q: { state?: "pending" | "anchored" | "revoked" | "awaiting-approval" | "rejected"; limit: number; beforeSeq?: number }) {
    const where: string[] = ["d.seq < ?"];
    const params: SQLInputValue[] = [q.beforeSeq ?? Number.MAX_SAFE_INTEGER];
    if (q.state === "pending") where.push("(b.state IS NULL OR b.state <> 'confirmed') AND (d.approval_state IS NULL OR d.approval_state <> 'rejected')");
    if (q.state === "anchored") where.push("b.state = 'confirmed' AND (d.revocation_state IS NULL OR d.revocation_state <> 'confirmed')");
    if (q.state === "revoked") where.push("b.state = 'confirmed' AND d.revocation_state = 'confirmed'");
    if (q.state === "awaiting-approval") where.push("d.approval_state = 'awaiting'");
    if (q.state === "rejected") where.push("d.approval_state = 'rejected'");
    const rows = this.all(
      `SELECT d.* FROM documents d LEFT JOIN batches b ON b.id = d.batch_id
       WHERE ${where.join(" AND ")} ORDER BY d.seq DESC LIMIT ?`,
      ...params, q.limit,
    );
    return rows.map(toDocument);
  }

  async unbatchedDocuments(limit: number) {
    return this.all(
      "SELECT * FROM documents WHERE batch_id IS NULL AND (approval_state IS NULL OR approval_state = 'approved') ORDER BY seq LIMIT ?",
      limit,
    ).map(toDocument);
  }

  async countUnbatched() {
    return Number(this.one("SELECT COUNT(*) AS n FROM documents WHERE batch_id IS NULL AND (approval_state IS NULL OR approval_state = 'approved')")!.n);
  }

  async createBatch(batch: { root: string; createdAt: number; leafVersion: ReceiptVersion }, leaves: LeafAssignment[], audit: AuditCommitment | null = null) {
    const id = this.transaction(() => {
      const result = this.db
        .prepare(
          `INSERT INTO batches (root, leaf_count, state, created_at, leaf_version, audit_id, audit_head, audit_leaf, audit_proof)
           VALUES (?, ?, 'built', ?, ?, ?, ?, ?, ?)`,
        )
        .run(batch.root, leaves.length, batch.createdAt, batch.leafVersion, audit?.auditId ?? null, audit?.head ?? null, audit?.leaf ?? null, audit ? JSON.stringify(audit.proof) : null);
      const batchId = Number(result.lastInsertRowid);
      const assign = this.db.prepare(
        "UPDATE documents SET batch_id = ?, leaf = ?, leaf_index = ?, proof = ? WHERE sha256 = ? AND batch_id IS NULL",
      );
      for (const l of leaves) {
        const changed = assign.run(batchId, l.leaf, l.leafIndex, JSON.stringify(l.proof), l.sha256).changes;
        if (Number(changed) !== 1) throw new Error(`document ${l.sha256} is already in a batch`);
      }
      return batchId;
    });
    return (await this.getBatch(id))!;
  }

  async getBatch(id: number) {
    const row = this.one("SELECT * FROM batches WHERE id = ?", id);
    return row ? toBatch(row) : null;
  }

  async lastConfirmedBatch() {
    const row = this.one("SELECT * FROM batches WHERE state = 'confirmed' ORDER BY id DESC LIMIT 1");
    return row ? toBatch(row) : null;
  }

  async batchesAwaitingCoAnchor(type: CoAnchor["type"], limit: number) {
    return this.all(
      `SELECT b.* FROM batches b WHERE b.state = 'confirmed'
         AND NOT EXISTS (SELECT 1 FROM co_anchors c WHERE c.batch_id = b.id AND c.type = ?) ORDER BY b.id LIMIT ?`,
      type, limit,
    ).map(toBatch);
  }

  async countAwaitingCoAnchor(type: CoAnchor["type"]) {
    return Number(
      this.one("SELECT COUNT(*) AS n FROM batches b WHERE b.state = 'confirmed' AND NOT EXISTS (SELECT 1 FROM co_anchors c WHERE c.batch_id = b.id AND c.type = ?)", type)!.n,
    );
  }

  async addCoAnchor(batchId: number, c: CoAnchor, at: number) {
    this.run(
      `INSERT INTO co_anchors (batch_id, type, tsa, token, gen_time, certificates, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (batch_id, type) DO NOTHING`,
      batchId, c.type, c.tsa, c.token, c.genTime, JSON.stringify(c.certificates), at,
    );
  }

  async coAnchorsOf(batchId: number) {
    return this.all("SELECT * FROM co_anchors WHERE batch_id = ? ORDER BY id", batchId).map(
      (r): CoAnchor => ({
        type: r.type as CoAnchor["type"],
        imprint: { algorithm: "sha256", of: "root" },
        token: r.token as string,
        tsa: r.tsa as string,
        genTime: r.gen_time as string,
        certificates: JSON.parse(r.certificates as string) as string[],
      }),
    );
  }

  async openBatches() {
    return this.all("SELECT * FROM batches WHERE state IN ('built', 'submitted') ORDER BY id").map(toBatch);
  }

  async markBatchSubmitted(id: number, transactionHash: string) {
    this.run("UPDATE batches SET state = 'submitted', transaction_hash = ? WHERE id = ? AND state <> 'confirmed'", transactionHash, id);
  }

  async markBatchConfirmed(id: number, a: AnchorFacts, confirmedAt: number) {
    this.run(
      `UPDATE batches SET state = 'confirmed', transaction_hash = ?, chain_id = ?, registry = ?, block_number = ?,
         block_hash = ?, anchored_at = ?, issuer = ?, genesis_hash = ?, confirmed_at = ? WHERE id = ?`,
      a.transactionHash, a.chainId, a.registry, a.blockNumber, a.blockHash, a.timestamp, a.issuer, a.genesisHash, confirmedAt, id,
    );
  }

  async documentsOfBatch(id: number) {
    return this.all("SELECT * FROM documents WHERE batch_id = ? ORDER BY leaf_index", id).map(toDocument);
  }

  /** Records a revocation request unless the document has one; 1 when recorded, 0 otherwise. */
  private markRevocationRequested(sha256: string, r: { reason: number; note: string | null; at: number; by: string | null }): number {
    return this.run(
      `UPDATE documents SET revocation_reason = ?, revocation_note = ?, revocation_at = ?, revocation_by = ?,
         revocation_state = 'requested' WHERE sha256 = ? AND revocation_state IS NULL`,
      r.reason, r.note, r.at, r.by, sha256,
    );
  }

  async requestRevocation(sha256: string, r: { reason: number; note: string | null; at: number; by: string | null }, audit?: Omit<NewAuditEntry, "sha256">) {
    this.transaction(() => {
      if (this.markRevocationRequested(sha256, r) === 1 && audit) this.audit({ ...audit, sha256 });
    });
  }

  async pendingRevocations() {
    return this.all(
      `SELECT d.* FROM documents d JOIN batches b ON b.id = d.batch_id
       WHERE d.revocation_state = 'requested' AND b.state = 'confirmed' ORDER BY d.revocation_at`,
    ).map(toDocument);
  }

  async supersessionsDue(limit: number) {
    return this.all(
      `SELECT s.* FROM documents s JOIN batches b ON b.id = s.batch_id JOIN documents p ON p.sha256 = s.supersedes
       WHERE b.state = 'confirmed' AND p.revocation_state IS NULL AND (p.approval_state IS NULL OR p.approval_state <> 'rejected')
       ORDER BY s.seq LIMIT ?`,
      limit,
    ).map(toDocument);
  }

  async requestSupersession(successor: DocumentRecord, at: number) {
    const earlier = successor.supersedes;
    if (!earlier) return;
    this.transaction(() => {
      const note = `superseded by ${successor.sha256}`;
      const changed = this.markRevocationRequested(earlier, { reason: 3, note, at, by: successor.createdBy });
      if (changed === 1) this.audit({ at, clerk: successor.createdBy ?? "system", action: "supersede", sha256: earlier, detail: note });
    });
  }

  async decideApproval(sha256: string, d: { state: "approved" | "rejected"; by: string; at: number; reason: string | null }) {
    return this.transaction(() => {
      // A rejected successor supersedes nothing: its link is dropped, so that a corrected one can take its place (the audit keeps it).
      const changed = this.run(
        `UPDATE documents SET approval_state = ?, approval_by = ?, approval_at = ?, approval_reason = ?,
           supersedes = CASE WHEN ? = 'rejected' THEN NULL ELSE supersedes END WHERE sha256 = ? AND approval_state = 'awaiting'`,
        d.state, d.by, d.at, d.reason, d.state, sha256,
      );
      if (changed === 1) this.audit({ at: d.at, clerk: d.by, action: d.state === "approved" ? "approve" : "reject", sha256, detail: d.reason });
      return changed === 1;
    });
  }

  async awaitingApproval(limit: number) {
    return this.all("SELECT * FROM documents WHERE approval_state = 'awaiting' ORDER BY seq LIMIT ?", limit).map(toDocument);
  }

  async retentionEnded(now: number, limit: number) {
    return this.all(
      "SELECT * FROM documents WHERE retain_until IS NOT NULL AND content_ref IS NOT NULL AND retain_until <= ? ORDER BY retain_until LIMIT ?",
      now, limit,
    ).map(toDocument);
  }

  async supersededBy(sha256: string) {
    return (this.one("SELECT sha256 FROM documents WHERE supersedes = ? ORDER BY seq LIMIT 1", sha256)?.sha256 as string | undefined) ?? null;
  }

  async confirmRevocation(sha256: string, r: { transactionHash: string | null; timestamp: number }) {
    this.run(
      "UPDATE documents SET revocation_state = 'confirmed', revocation_tx = ?, revocation_time = ? WHERE sha256 = ?",
      r.transactionHash, r.timestamp, sha256,
    );
  }

  async requeueAll() {
    return this.transaction(() => {
      const documents = this.run(
        `UPDATE documents SET batch_id = NULL, leaf = NULL, leaf_index = NULL, proof = NULL,
           revocation_state = CASE WHEN revocation_state IS NULL THEN NULL ELSE 'requested' END,
           revocation_tx = NULL, revocation_time = NULL`,
      );
      const batches = this.run("UPDATE batches SET state = 'stale' WHERE state <> 'stale'");
      return { documents, batches };
    });
  }

  async setContent(sha256: string, c: { ref: string; key: string | null; cid: string | null }) {
    this.run(
      "UPDATE documents SET has_content = 1, cid = ?, content_ref = ?, content_key = ?, erased_at = NULL, erased_by = NULL WHERE sha256 = ?",
      c.cid, c.ref, c.key, sha256,
    );
  }

  async eraseContent(sha256: string, e: { at: number; by: string }) {
    this.run(
      "UPDATE documents SET has_content = 0, cid = NULL, content_ref = NULL, content_key = NULL, erased_at = ?, erased_by = ? WHERE sha256 = ?",
      e.at, e.by, sha256,
    );
    // secure_delete zeroes the freed bytes of the key; the checkpoint moves them out of the WAL.
    this.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }

  async getMeta(key: string) {
    const row = this.one("SELECT value FROM meta WHERE key = ?", key);
    return row ? (row.value as string) : null;
  }

  async setMeta(key: string, value: string) {
    this.run("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }

  async addClerk(name: string, keyHash: string, at: number, role: ClerkRole = "clerk") {
    const result = this.db.prepare("INSERT INTO clerks (name, key_hash, created_at, role) VALUES (?, ?, ?, ?)").run(name, keyHash, at, role);
    return toClerk(this.one("SELECT * FROM clerks WHERE id = ?", Number(result.lastInsertRowid))!);
  }

  async listClerks() {
    return this.all("SELECT * FROM clerks ORDER BY id").map(toClerk);
  }

  async removeClerk(name: string, at: number) {
    return this.run("UPDATE clerks SET removed_at = ? WHERE name = ? AND removed_at IS NULL", at, name) > 0;
  }

  async setClerkRole(name: string, role: ClerkRole) {
    return this.run("UPDATE clerks SET role = ? WHERE name = ? AND removed_at IS NULL", role, name) > 0;
  }

  async clerkByKeyHash(keyHash: string) {
    const row = this.one("SELECT * FROM clerks WHERE key_hash = ? AND removed_at IS NULL", keyHash);
    return row ? toClerk(row) : null;
  }

  /** Appends an entry chained to the newest one; only inside a write transaction, which keeps the two steps one. */
  private audit(entry: NewAuditEntry): void {
    let last = this.one("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
    if (last && last.hash === null) {
      // A process of an earlier version wrote to this file after it was opened here.
      this.chainFromFirstUnchained();
      last = this.one("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
    }
    // What is hashed is what is stored: SQLite would store a lone surrogate as U+FFFD.
    const e = { ...entry, clerk: wellFormed(entry.clerk), detail: entry.detail === null ? null : wellFormed(entry.detail) };
    const id = last ? Number(last.id) + 1 : 1;
    const hash = auditEntryHash(last ? (last.hash as string) : AUDIT_GENESIS, { id, ...e });
    this.run("INSERT INTO audit (id, at, clerk, action, sha256, detail, hash) VALUES (?, ?, ?, ?, ?, ?, ?)", id, e.at, e.clerk, e.action, e.sha256, e.detail, hash);
  }

  async appendAudit(e: NewAuditEntry) {
    await this.group.run(() => this.audit(e));
  }

  async listAudit(limit: number) {
    return this.all("SELECT * FROM audit ORDER BY id DESC LIMIT ?", limit).map(toAudit);
  }

  async auditHead() {
    const row = this.one("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1");
    return row ? { id: Number(row.id), hash: row.hash as string } : null;
  }

  async auditIdRange(from: number | null, to: number | null) {
    const first = this.one("SELECT MIN(id) AS id FROM audit WHERE at >= ?", from ?? Number.MIN_SAFE_INTEGER)?.id;
    const last = this.one("SELECT MAX(id) AS id FROM audit WHERE at <= ?", to ?? Number.MAX_SAFE_INTEGER)?.id;
    if (first === null || first === undefined || last === null || last === undefined || Number(first) > Number(last)) return null;
    return { first: Number(first), last: Number(last) };
  }

  async auditEntries(first: number, last: number) {
    return this.all("SELECT * FROM audit WHERE id BETWEEN ? AND ? ORDER BY id", first, last).map(toAudit);
  }

  async auditCommitments(limit: number) {
    return this.all("SELECT * FROM batches WHERE state = 'confirmed' AND audit_id IS NOT NULL ORDER BY id LIMIT ?", limit).map(toBatch);
  }

  async uncommittedAudit() {
    const committed = Number(this.one("SELECT COALESCE(MAX(audit_id), 0) AS id FROM batches WHERE state <> 'stale'")!.id);
    const row = this.one("SELECT COUNT(*) AS n, MIN(at) AS oldest FROM audit WHERE id > ?", committed)!;
    return { count: Number(row.n), oldestAt: row.oldest === null ? null : Number(row.oldest) };
  }

  async ping() {
    this.one("SELECT 1 AS ok");
  }

  async close() {
    await this.group.settled();
    if (this.db.isOpen) this.db.close();
  }
}
