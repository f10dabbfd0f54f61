import { NotaryError, isNotaryError } from "../../errors.js";
import type { Clock, ContentStore, Store } from "../ports.js";
import { PeriodicDuty } from "../periodicDuty.js";
import { eraseContent } from "./eraseContent.js";
import { instant } from "./validity.js";

const DAY_MS = 86_400_000;
/** Who the audit log names for erasures at the end of a retention period. */
export const RETENTION_ACTOR = "retention";

/**
 * When a new document's original is to be erased (ms since the epoch): the
 * clerk's `retainUntil` (a date: until the end of that day in
 * Europe/Berlin; a date-time with offset), else `RETENTION_DAYS` after
 * `now`, else never (null). A date in the past is refused: a typo must not
 * erase an original at once.
 */
export function retainUntilOf(value: string | undefined, now: number, retentionDays: number | undefined): number | null {
  const given = instant(value, "retainUntil", "end");
  if (given !== 0) {
    if (given * 1000 <= now) throw new NotaryError("INVALID_REQUEST", `retainUntil: "${value}" lies in the past; the original would be erased at once`, { field: "retainUntil" });
    return given * 1000;
  }
  return retentionDays === undefined ? null : now + retentionDays * DAY_MS;
}

export interface RetentionDeps {
  store: Store;
  content: ContentStore;
  clock: Clock;
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
  /** How often to look for ended retention periods. */
  intervalMs: number;
}

const PER_PASS = 50;

/**
 * A leader duty: erases the originals whose retention period has ended, by
 * crypto-shredding as a clerk's erase does (the key first, then the blocks),
 * with an audit entry naming "retention". The anchor and the receipt stay
 * valid. Derived from stored state each pass, so a crash only delays it; an
 * original erased already is skipped.
 */
export class RetentionDuty extends PeriodicDuty {
  constructor(private readonly deps: RetentionDeps) {
    super({ intervalMs: deps.intervalMs, maxBackoffMs: 5 * 60_000, unref: true });
  }

  protected failed(e: unknown): void {
    this.deps.log.warn({ err: (e as Error).message, failures: this.failures }, "erasing originals whose retention ended failed; retrying with backoff");
  }

  /** One pass; public for tests. */
  async runOnce(): Promise<void> {
    const { store, clock } = this.deps;
    for (const doc of await store.retentionEnded(clock.now(), PER_PASS)) {
      if (this.stopping) return;
      try {
        await eraseContent(this.deps, { sha256: doc.sha256, by: RETENTION_ACTOR, detail: `retention ended ${new Date(doc.retainUntil!).toISOString()}` });
      } catch (e) {
        if (isNotaryError(e, "CONTENT_NOT_AVAILABLE")) continue; // a clerk erased it a moment ago
        throw e;
      }
      this.deps.log.info({ sha256: doc.sha256, retainUntil: new Date(doc.retainUntil!).toISOString() }, "original erased: its retention period ended");
    }
  }
}
