/**
 * Who runs the long-running duties (STYLE.md "Long-running duties have one
 * owner"): anchoring, revocations, RFC 3161 timestamps and retention run on
 * exactly one instance at a time, the leader; the others only serve HTTP.
 * The leader is elected through the database (an `Election`); when it dies or
 * loses its database connection, another instance wins the next election and
 * starts the duties. Every duty asks the chain before it acts (submitBatch.ts),
 * so work the old leader left half done is adopted, never done twice.
 */

/** How instances agree on one leader. */
export interface Election {
  /** This instance's name (INSTANCE_NAME), as /readyz and the logs show it. */
  readonly instance: string;
  /** Tries to become the leader; true when this instance leads (also when it already did). */
  acquire(): Promise<boolean>;
  /** Whether this instance still leads (its lock is held on a live connection). */
  holds(): Promise<boolean>;
  /** Gives up leadership (shutdown). */
  release(): Promise<void>;
  /** The instance that leads now; null while none does. */
  leader(): Promise<string | null>;
  /** Runs `fn` while no other instance runs its own (startup: deploying or checking the registry). */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
}

/** The embedded default (SQLite): one server per data directory, so it leads alone. */
export class SoleInstance implements Election {
  constructor(readonly instance: string) {}
  acquire = async () => true;
  holds = async () => true;
  release = async () => {};
  leader = async () => this.instance;
  exclusive = <T>(fn: () => Promise<T>) => fn();
}

export interface Duty {
  start(): void;
  /** Resolves when the pass in progress is done. */
  stop(): Promise<void>;
}

export interface LeadershipDeps {
  election: Election;
  duties: Duty[];
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void; error(o: object, msg: string): void };
  /** How often a follower tries to become leader and a leader checks it still is. @default 1000 */
  pollMs?: number;
  onChange?: (leading: boolean) => void;
}

export class Leadership {
  private timer: NodeJS.Timeout | undefined;
  private tick: Promise<void> | undefined;
  private stopped = true;
  private leadingNow = false;
  private lastError: string | null = null;
  private since: number | null = null;

  constructor(private readonly deps: LeadershipDeps) {}

  get leading(): boolean {
    return this.leadingNow;
  }

  /** For /readyz: this instance, whether it leads, and since when. */
  get state(): { instance: string; leading: boolean; since: string | null; lastError: string | null } {
    return { instance: this.deps.election.instance, leading: this.leadingNow, since: this.since === null ? null : new Date(this.since).toISOString(), lastError: this.lastError };
  }

  /** Runs the first election now, then keeps campaigning (follower) or checking (leader). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.round();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.round(), this.deps.pollMs ?? 1000);
  }

  private round(): Promise<void> {
    this.tick = (this.leadingNow ? this.check() : this.campaign()).finally(() => this.schedule());
    return this.tick;
  }

  private async campaign(): Promise<void> {
    const { election, duties, log } = this.deps;
    let won: boolean;
    try {
      won = await election.acquire();
      this.lastError = null;
    } catch (e) {
      const message = (e as Error).message;
      if (message !== this.lastError) log.warn({ err: e, instance: election.instance }, "leader election failed; trying again");
      this.lastError = message;
      return;
    }
    if (!won || this.stopped) {
      if (won) await election.release();
      return;
    }
    this.leadingNow = true;
    this.since = Date.now();
    log.info({ instance: election.instance }, "this instance is now the anchoring leader: anchoring, revocations, timestamps and retention run here");
    for (const duty of duties) duty.start();
    this.deps.onChange?.(true);
  }

  private async check(): Promise<void> {
    const { election, log } = this.deps;
    let holds: boolean;
    try {
      holds = await election.holds();
    } catch {
      holds = false;
    }
    if (holds) return;
    log.error({ instance: election.instance }, "this instance lost the leadership (its database connection or lock is gone): its duties stop; another instance takes over");
    await this.stepDown();
  }

  private async stepDown(): Promise<void> {
    this.leadingNow = false;
    this.since = null;
    await Promise.all(this.deps.duties.map((d) => d.stop()));
    this.deps.onChange?.(false);
  }

  /** Stops campaigning, stops the duties (the pass in progress finishes) and releases the leadership. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.tick;
    clearTimeout(this.timer);
    if (this.leadingNow) await this.stepDown();
    await this.deps.election.release().catch(() => {});
  }
}
