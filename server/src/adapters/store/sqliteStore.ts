import { mkdirSync } from "node:fs";
import path from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";

import type { LeafAssignment, NewDocument, Store } from "../../domain/ports.js";
import type { ReceiptVersion } from "../../domain/receipts/receiptVersions.js";
import { AUDIT_GENESIS, auditEntryHash } from "../../domain/audit/auditChain.js";
import type { AnchorFacts, AuditCommitment, ClerkRole, CoAnchor, DocumentRecord, NewAuditEntry } from "../../domain/types.js";
import { GroupCommit } from "./groupCommit.js";
import {
  type DocumentState, type Row, SQL, auditParams, batchParams, documentParams, listDocumentsQuery, toAudit, toBatch, toClerk, toCoAnchor, toDocument,
} from "./queries.js";
import { MIGRATIONS } from "./schema.js";

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
      const inserted = this.one(SQL.insertDocument, ...documentParams(doc));
      if (inserted && audit) this.audit({ ...audit, sha256: doc.sha256 });
      return { inserted: inserted !== undefined, record: inserted ? toDocument(inserted) : this.document(doc.sha256)! };
    });
  }

  private document(sha256: string): DocumentRecord | null {
    const row = this.one(SQL.document, sha256);
    return row ? toDocument(row) : null;
  }

  async getDocument(sha256: string) {
    return this.document(sha256);
  }

  async listDocuments(q: { state?: DocumentState; limit: number; beforeSeq?: number }) {
    const { sql, params } = listDocumentsQuery(q);
    return this.all(sql, ...params).map(toDocument);
  }

  async unbatchedDocuments(limit: number) {
    return this.all(SQL.unbatched, limit).map(toDocument);
  }

  async countUnbatched() {
    return Number(this.one(SQL.countUnbatched)!.n);
  }

  async createBatch(batch: { root: string; createdAt: number; leafVersion: ReceiptVersion }, leaves: LeafAssignment[], audit: AuditCommitment | null = null) {
    const id = this.transaction(() => {
      const batchId = Number(this.one(SQL.insertBatch, ...batchParams(batch, leaves.length, audit))!.id);
      for (const l of leaves) {
        const changed = this.run(SQL.assignLeaf, batchId, l.leaf, l.leafIndex, JSON.stringify(l.proof), l.sha256);
        if (changed !== 1) throw new Error(`document ${l.sha256} is already in a batch`);
      }
      return batchId;
    });
    return (await this.getBatch(id))!;
  }

  async getBatch(id: number) {
    const row = this.one(SQL.batch, id);
    return row ? toBatch(row) : null;
  }

  async lastConfirmedBatch() {
    const row = this.one(SQL.lastConfirmedBatch);
    return row ? toBatch(row) : null;
  }

  async batchesAwaitingCoAnchor(type: CoAnchor["type"], limit: number) {
    return this.all(SQL.awaitingCoAnchor, type, limit).map(toBatch);
  }

  async countAwaitingCoAnchor(type: CoAnchor["type"]) {
    return Number(this.one(SQL.countAwaitingCoAnchor, type)!.n);
  }

  async addCoAnchor(batchId: number, c: CoAnchor, at: number) {
    this.run(SQL.addCoAnchor, batchId, c.type, c.tsa, c.token, c.genTime, JSON.stringify(c.certificates), at);
  }

  async coAnchorsOf(batchId: number) {
    return this.all(SQL.coAnchorsOf, batchId).map(toCoAnchor);
  }

  async openBatches() {
    return this.all(SQL.openBatches).map(toBatch);
  }

  async markBatchSubmitted(id: number, transactionHash: string) {
    this.run(SQL.markSubmitted, transactionHash, id);
  }

  async markBatchConfirmed(id: number, a: AnchorFacts, confirmedAt: number) {
    this.run(SQL.markConfirmed, a.transactionHash, a.chainId, a.registry, a.blockNumber, a.blockHash, a.timestamp, a.issuer, a.genesisHash, confirmedAt, id);
  }

  async documentsOfBatch(id: number) {
    return this.all(SQL.documentsOfBatch, id).map(toDocument);
  }

  /** Records a revocation request unless the document has one; 1 when recorded, 0 otherwise. */
  private markRevocationRequested(sha256: string, r: { reason: number; note: string | null; at: number; by: string | null }): number {
    return this.run(SQL.requestRevocation, r.reason, r.note, r.at, r.by, sha256);
  }

  async requestRevocation(sha256: string, r: { reason: number; note: string | null; at: number; by: string | null }, audit?: Omit<NewAuditEntry, "sha256">) {
    this.transaction(() => {
      if (this.markRevocationRequested(sha256, r) === 1 && audit) this.audit({ ...audit, sha256 });
    });
  }

  async pendingRevocations() {
    return this.all(SQL.pendingRevocations).map(toDocument);
  }

  async supersessionsDue(limit: number) {
    return this.all(SQL.supersessionsDue, limit).map(toDocument);
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
      const changed = this.run(SQL.decideApproval, d.state, d.by, d.at, d.reason, d.state, sha256);
      if (changed === 1) this.audit({ at: d.at, clerk: d.by, action: d.state === "approved" ? "approve" : "reject", sha256, detail: d.reason });
      return changed === 1;
    });
  }

  async awaitingApproval(limit: number) {
    return this.all(SQL.awaitingApproval, limit).map(toDocument);
  }

  async retentionEnded(now: number, limit: number) {
    return this.all(SQL.retentionEnded, now, limit).map(toDocument);
  }

  async supersededBy(sha256: string) {
    return (this.one(SQL.supersededBy, sha256)?.sha256 as string | undefined) ?? null;
  }

  async confirmRevocation(sha256: string, r: { transactionHash: string | null; timestamp: number }) {
    this.run(SQL.confirmRevocation, r.transactionHash, r.timestamp, sha256);
  }

  async requeueAll() {
    return this.transaction(() => {
      const documents = this.run(SQL.requeueDocuments);
      const batches = this.run(SQL.staleBatches);
      return { documents, batches };
    });
  }

  async setContent(sha256: string, c: { ref: string; key: string | null; cid: string | null }) {
    this.run(SQL.setContent, c.cid, c.ref, c.key, sha256);
  }

  async eraseContent(sha256: string, e: { at: number; by: string }) {
    this.run(SQL.eraseContent, e.at, e.by, sha256);
    // secure_delete zeroes the freed bytes of the key; the checkpoint moves them out of the WAL.
    this.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  }

  async getMeta(key: string) {
    const row = this.one(SQL.getMeta, key);
    return row ? (row.value as string) : null;
  }

  async setMeta(key: string, value: string) {
    this.run(SQL.setMeta, key, value);
  }

  async addClerk(name: string, keyHash: string, at: number, role: ClerkRole = "clerk") {
    return toClerk(this.one(SQL.addClerk, name, keyHash, at, role)!);
  }

  async listClerks() {
    return this.all(SQL.listClerks).map(toClerk);
  }

  async removeClerk(name: string, at: number) {
    return this.run(SQL.removeClerk, at, name) > 0;
  }

  async setClerkRole(name: string, role: ClerkRole) {
    return this.run(SQL.setClerkRole, role, name) > 0;
  }

  async clerkByKeyHash(keyHash: string) {
    const row = this.one(SQL.clerkByKeyHash, keyHash);
    return row ? toClerk(row) : null;
  }

  /** Appends an entry chained to the newest one; only inside a write transaction, which keeps the two steps one. */
  private audit(entry: NewAuditEntry): void {
    let last = this.one(SQL.auditHead);
    if (last && last.hash === null) {
      // A process of an earlier version wrote to this file after it was opened here.
      this.chainFromFirstUnchained();
      last = this.one(SQL.auditHead);
    }
    this.run(SQL.insertAudit, ...auditParams(last ? { id: Number(last.id), hash: last.hash as string } : null, entry));
  }

  async appendAudit(e: NewAuditEntry) {
    await this.group.run(() => this.audit(e));
  }

  async listAudit(limit: number) {
    return this.all(SQL.listAudit, limit).map(toAudit);
  }

  async auditHead() {
    const row = this.one(SQL.auditHead);
    return row ? { id: Number(row.id), hash: row.hash as string } : null;
  }

  async auditIdRange(from: number | null, to: number | null) {
    const first = this.one(SQL.auditFirstFrom, from ?? Number.MIN_SAFE_INTEGER)?.id;
    const last = this.one(SQL.auditLastUntil, to ?? Number.MAX_SAFE_INTEGER)?.id;
    if (first === null || first === undefined || last === null || last === undefined || Number(first) > Number(last)) return null;
    return { first: Number(first), last: Number(last) };
  }

  async auditEntries(first: number, last: number) {
    return this.all(SQL.auditEntries, first, last).map(toAudit);
  }

  async auditCommitments(limit: number) {
    return this.all(SQL.auditCommitments, limit).map(toBatch);
  }

  async uncommittedAudit() {
    const committed = Number(this.one(SQL.committedAuditId)!.id);
    const row = this.one(SQL.uncommittedAudit, committed)!;
    return { count: Number(row.n), oldestAt: row.oldest === null ? null : Number(row.oldest) };
  }

  async ping() {
    this.one(SQL.ping);
  }

  async close() {
    await this.group.settled();
    if (this.db.isOpen) this.db.close();
  }
}
