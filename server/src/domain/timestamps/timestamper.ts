import type { Clock, Store } from "../ports.js";
import type { CoAnchor } from "../types.js";
import { PeriodicDuty } from "../periodicDuty.js";

/** A Time-Stamping Authority (adapters/timestamps/tsaClient.ts): a token over a root, checked on arrival. */
export interface TimestampAuthority {
  /** Asks the TSAs in order for a token over the root; resolves with the first one that verifies. `signal` gives up at once. */
  stamp(root: string, signal?: AbortSignal): Promise<CoAnchor>;
}

export interface TimestamperDeps {
  store: Store;
  tsa: TimestampAuthority;
  clock: Clock;
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
  /** How often to look for batches without a token. @default 2000 */
  intervalMs?: number;
  onResult?: (ok: boolean) => void;
}

const MAX_BACKOFF_MS = 5 * 60_000;
const PER_PASS = 20;

/**
 * A leader duty beside the anchoring worker, never on the upload path: every
 * confirmed batch root gets an RFC 3161 token. A TSA that is down, slow or
 * answering garbage is retried with exponential backoff; anchoring goes on
 * regardless, and receipts gain their token when it arrives (DESIGN.md
 * "Time is witnessed by a third party").
 */
export class Timestamper extends PeriodicDuty {
  /** Ends a TSA request in flight when the duty stops (a shutdown does not wait for a TSA's timeout). */
  private abort = new AbortController();

  constructor(private readonly deps: TimestamperDeps) {
    super({ intervalMs: deps.intervalMs ?? 2000, maxBackoffMs: MAX_BACKOFF_MS, unref: true });
  }

  override start(): void {
    this.abort = new AbortController();
    super.start();
  }

  override async stop(): Promise<void> {
    this.abort.abort(new Error("timestamping stopped"));
    await super.stop();
  }

  protected failed(e: unknown): void {
    this.deps.log.warn({ err: (e as Error).message, failures: this.failures }, "timestamping failed; anchoring is not affected, retrying with backoff");
  }

  /** One pass: a token for each confirmed batch that has none (at most PER_PASS). Public for tests. */
  async runOnce(): Promise<void> {
    const { store, tsa, clock } = this.deps;
    for (const batch of await store.batchesAwaitingCoAnchor("rfc3161", PER_PASS)) {
      if (this.stopping) return;
      let coAnchor: CoAnchor;
      try {
        coAnchor = await tsa.stamp(batch.root, this.abort.signal);
      } catch (e) {
        if (this.stopping) return;
        this.deps.onResult?.(false);
        throw e;
      }
      this.deps.onResult?.(true);
      await store.addCoAnchor(batch.id, coAnchor, clock.now());
      this.deps.log.info({ batch: batch.id, tsa: coAnchor.tsa, genTime: coAnchor.genTime }, "batch root timestamped");
    }
  }
}
