/**
 * A duty the leader runs every interval (anchoring, timestamping): one pass
 * at a time; after a failed pass it waits twice as long each time (up to
 * `maxBackoffMs`) and reports the last error as its health until a pass
 * succeeds. `stop()` resolves when the pass in progress is done.
 */
export abstract class PeriodicDuty {
  private timer: NodeJS.Timeout | undefined;
  protected running: Promise<void> | undefined;
  protected stopped = true;
  /** stop() was called: a pass in progress ends after its current step. */
  protected stopping = false;
  protected failures = 0;
  protected lastError: string | null = null;

  constructor(private readonly timing: { intervalMs: number; maxBackoffMs: number; unref?: boolean }) {}

  /** One pass; public for tests that drive a duty step by step. */
  abstract runOnce(): Promise<void>;

  /** Reports a failed pass (it is retried with backoff). */
  protected abstract failed(error: unknown): void;

  start(): void {
    this.stopped = false;
    this.stopping = false;
    this.schedule(0);
  }

  /** Stops after the step in progress; resolves when it is done. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** The last failure, while the duty is backing off; null when healthy. */
  get health(): { ok: boolean; lastError: string | null; failures: number } {
    return { ok: this.failures === 0, lastError: this.lastError, failures: this.failures };
  }

  protected schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.pass().finally(() => (this.running = undefined));
    }, ms);
    if (this.timing.unref) this.timer.unref();
  }

  private async pass(): Promise<void> {
    try {
      await this.runOnce();
      this.failures = 0;
      this.lastError = null;
    } catch (e) {
      this.failures += 1;
      this.lastError = (e as Error).message;
      this.failed(e);
    }
    if (this.stopped) return;
    const { intervalMs, maxBackoffMs } = this.timing;
    this.schedule(this.failures > 0 ? Math.min(maxBackoffMs, intervalMs * 2 ** this.failures) : intervalMs);
  }
}
