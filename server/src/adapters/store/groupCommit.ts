import type { DatabaseSync } from "node:sqlite";

interface Write {
  fn: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** What each write of a group came to, in order. */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** After the group's commit: each write resolves or rejects with its own outcome. */
export function settle(group: { resolve: (value: unknown) => void; reject: (error: unknown) => void }[], outcomes: Outcome[]): void {
  group.forEach((write, i) => {
    const outcome = outcomes[i]!;
    if (outcome.ok) write.resolve(outcome.value);
    else write.reject(outcome.error);
  });
}

/**
 * Group commit for a SQLite database with `synchronous = FULL`: writes that
 * arrive in the same turn of the event loop share one transaction, so one
 * fsync makes all of them durable. node:sqlite commits synchronously, so an
 * fsync per write would stall every request for its duration; under load the
 * writes of concurrent requests gather while a commit runs. Each write runs
 * in its own savepoint: one that throws is rolled back alone and rejects
 * alone. Nothing resolves before the commit returns.
 */
export class GroupCommit {
  private queue: Write[] = [];
  private scheduled: Promise<void> | null = null;

  constructor(private readonly db: DatabaseSync) {}

  /** Runs `fn` (synchronous SQL) in the next group transaction; resolves with its result once committed. */
  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      this.scheduled ??= new Promise((done) =>
        setImmediate(() => {
          this.commit();
          done();
        }),
      );
    });
  }

  /** Resolves once every write queued so far is committed (or failed): call before closing the database. */
  async settled(): Promise<void> {
    while (this.scheduled) await this.scheduled;
  }

  private commit(): void {
    this.scheduled = null;
    const group = this.queue;
    this.queue = [];
    if (!this.db.isOpen) {
      const closed = new Error("the database was closed before this write was committed");
      for (const write of group) write.reject(closed);
      return;
    }
    const outcomes: Outcome[] = [];
    try {
      this.db.exec("BEGIN IMMEDIATE");
      for (const write of group) {
        this.db.exec("SAVEPOINT write");
        try {
          outcomes.push({ ok: true, value: write.fn() });
          this.db.exec("RELEASE write");
        } catch (error) {
          this.db.exec("ROLLBACK TO write");
          this.db.exec("RELEASE write");
          outcomes.push({ ok: false, error });
        }
      }
      this.db.exec("COMMIT");
    } catch (error) {
      if (this.db.isTransaction) this.db.exec("ROLLBACK");
      for (const write of group) write.reject(error);
      return;
    }
    settle(group, outcomes);
  }
}
