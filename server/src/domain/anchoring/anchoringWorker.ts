import { isNotaryError } from "../../errors.js";
import { AUDIT_EPOCH_ROOT, auditLeafInput, isAuditMarker } from "../audit/auditChain.js";
import type { Chain, Clock, Store } from "../ports.js";
import type { AuditCommitment, BatchRecord, DocumentRecord } from "../types.js";
import { CURRENT_VERSION } from "../receipts/receiptVersions.js";
import { buildBatch } from "./buildBatch.js";
import { revokeOnChain } from "./revokePending.js";
import { submitBatch } from "./submitBatch.js";
import { PeriodicDuty } from "../periodicDuty.js";

export interface WorkerDeps {
  store: Store;
  chain: Chain;
  clock: Clock;
  confirmations: number;
  batchIntervalMs: number;
  batchMax: number;
  /** The longest an audit entry waits for a batch: after it, a batch of the audit head alone is anchored. @default 1 hour */
  auditCommitIntervalMs?: number;
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void; error(o: object, msg: string): void };
  onBatchConfirmed?: (batch: BatchRecord, documentCreatedAt: number[]) => void;
}

const MAX_BACKOFF_MS = 30_000;
const AUDIT_COMMIT_INTERVAL_MS = 3_600_000;

/**
 * The single writer: every batch window it finishes open batches, closes the
 * queue into new batches (at most `batchMax` documents each), requests the
 * revocation of documents whose successors are anchored, and sends pending
 * revocations. Failures (an RPC outage) are retried with exponential
 * backoff; every step is idempotent, so a crash at any point loses nothing.
 */
export class AnchoringWorker extends PeriodicDuty {
  private auditEpochAnchored = false;

  constructor(private readonly deps: WorkerDeps) {
    super({ intervalMs: deps.batchIntervalMs, maxBackoffMs: MAX_BACKOFF_MS });
  }

  /** Runs a pass now instead of at the end of the window (e.g. when a batch is full). */
  nudge(): void {
    if (!this.stopped && !this.running && this.failures === 0) this.schedule(0);
  }

  protected failed(e: unknown): void {
    this.deps.log.warn({ err: e, failures: this.failures }, "anchoring failed; retrying with backoff");
  }

  /** One full pass; public for tests that drive the worker step by step. */
  async runOnce(): Promise<void> {
    const { store } = this.deps;
    for (const batch of await store.openBatches()) await this.finish(batch);
    for (;;) {
      if (this.stopping) break;
      const docs = await store.unbatchedDocuments(this.deps.batchMax);
      if (docs.length === 0 && !(await this.auditWaitedTooLong())) break;
      const batch = await this.build(docs);
      this.deps.log.info({ batch: batch.id, documents: batch.leafCount, auditHead: batch.audit?.auditId }, "batch built");
      await this.finish(batch);
      if (docs.length < this.deps.batchMax) break;
    }
    // A successor anchored: its predecessor's revocation (reason 3) is requested, once; derived from stored state, so a crash in between only delays it.
    for (const successor of await store.supersessionsDue(100)) {
      await store.requestSupersession(successor, this.deps.clock.now());
      this.deps.log.info({ superseded: successor.supersedes, by: successor.sha256 }, "superseded document to be revoked");
    }
    for (const doc of await store.pendingRevocations()) {
      await revokeOnChain(this.deps, doc);
      this.deps.log.info({ batch: doc.batchId }, "revocation confirmed");
    }
  }

  /** Builds and persists a batch of `docs` whose tree also commits the audit head (README "Audit log"). */
  private async build(queued: DocumentRecord[]): Promise<BatchRecord> {
    const { store, clock } = this.deps;
    // A row with the audit marker as its salt was not made by an upload (salts are random): it would be a second audit leaf.
    const docs = queued.filter((d) => !isAuditMarker(d.salt));
    if (docs.length < queued.length) throw new Error(`refusing to anchor: the queue holds a document whose salt is the audit marker (${queued.find((d) => isAuditMarker(d.salt))!.sha256}), which no upload makes`);
    const head = await store.auditHead();
    if (head) await this.ensureAuditEpoch();
    const inputs = head ? [...docs, auditLeafInput(head.hash, head.id)] : docs;
    const { root, leaves } = buildBatch(inputs, CURRENT_VERSION);
    const auditLeaf = head ? leaves[docs.length]! : null;
    const audit: AuditCommitment | null = head && auditLeaf ? { auditId: head.id, head: head.hash, leaf: auditLeaf.leaf, proof: auditLeaf.proof } : null;
    return store.createBatch({ root, createdAt: clock.now(), leafVersion: CURRENT_VERSION }, leaves.slice(0, docs.length), audit);
  }

  /** Anchors the audit epoch root once, before the registry's first batch with an audit leaf (domain/audit/auditChain.ts). */
  private async ensureAuditEpoch(): Promise<void> {
    if (this.auditEpochAnchored) return;
    const { chain, confirmations } = this.deps;
    if (!(await chain.anchorOf(AUDIT_EPOCH_ROOT))) {
      try {
        await chain.waitMined(await chain.sendAnchor(AUDIT_EPOCH_ROOT, 1), confirmations);
        this.deps.log.info({ root: AUDIT_EPOCH_ROOT }, "audit epoch anchored: from here on every batch commits the audit log's head");
      } catch (e) {
        if (!isNotaryError(e, "ALREADY_ANCHORED")) throw e;
      }
    }
    this.auditEpochAnchored = true;
  }

  /** Whether audit entries no batch commits have waited longer than the audit commit interval (no documents came to carry them). */
  private async auditWaitedTooLong(): Promise<boolean> {
    const { count, oldestAt } = await this.deps.store.uncommittedAudit();
    return count > 0 && oldestAt !== null && this.deps.clock.now() - oldestAt >= (this.deps.auditCommitIntervalMs ?? AUDIT_COMMIT_INTERVAL_MS);
  }

  private async finish(batch: BatchRecord): Promise<void> {
    const confirmed = await submitBatch(this.deps, batch);
    const docs = await this.deps.store.documentsOfBatch(batch.id);
    this.deps.log.info(
      { batch: batch.id, documents: confirmed.leafCount, tx: confirmed.anchor?.transactionHash, block: confirmed.anchor?.blockNumber },
      "batch anchored",
    );
    this.deps.onBatchConfirmed?.(confirmed, docs.map((d) => d.createdAt));
  }
}
