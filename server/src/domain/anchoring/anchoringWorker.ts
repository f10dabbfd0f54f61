import type { Chain, Clock, Store } from "../ports.js";
import type { BatchRecord } from "../types.js";
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
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void; error(o: object, msg: string): void };
  onBatchConfirmed?: (batch: BatchRecord, documentCreatedAt: number[]) => void;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * The single writer: every batch window it finishes open batches, closes the
 * queue into new batches (at most `batchMax` documents each), requests the
 * revocation of documents whose successors are anchored, and sends pending
 * revocations. Failures (an RPC outage) are retried with exponential
 * backoff; every step is idempotent, so a crash at any point loses nothing.
 */
export class AnchoringWorker extends PeriodicDuty {
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
      if (docs.length === 0) break;
      const { root, leaves } = buildBatch(docs, CURRENT_VERSION);
      const batch = await store.createBatch({ root, createdAt: this.deps.clock.now(), leafVersion: CURRENT_VERSION }, leaves);
      this.deps.log.info({ batch: batch.id, documents: batch.leafCount }, "batch built");
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
