import pg from "pg";

import type { Election } from "../../leader/leadership.js";
import { KEEPALIVES, LOCKS, LOCK_CLASS, withSessionLock } from "./pgStore.js";

/**
 * Leader election on PostgreSQL: the leader holds a session-level advisory
 * lock on a connection of its own. The lock lives exactly as long as that
 * connection: kill -9 of the leader closes it at once; a leader whose machine
 * vanishes is dropped by the server's TCP keepalive (about 10 s, set below).
 * Then another instance's next `acquire()` wins. Which instance holds the
 * lock is read from pg_locks (the connection's application_name names it),
 * so /readyz never shows a stale leader.
 */
export class PgElection implements Election {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;

  constructor(
    private readonly url: string,
    readonly instance: string,
    /** The store's pool, for reading who leads. */
    private readonly pool: pg.Pool,
  ) {}

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    this.connecting ??= (async () => {
      const client = new pg.Client({
        connectionString: this.url,
        application_name: `notary:${this.instance}`.slice(0, 63),
        keepAlive: true,
        keepAliveInitialDelayMillis: 1_000,
        connectionTimeoutMillis: 3_000,
        query_timeout: 3_000,
        // The server drops the connection of a leader that vanished (power cut, network) within about 5 + 2 × 2 s, releasing its lock.
        options: KEEPALIVES,
      });
      client.on("error", () => this.drop(client));
      client.on("end", () => this.drop(client));
      try {
        await client.connect();
      } catch (e) {
        await client.end().catch(() => {});
        throw e;
      }
      this.client = client;
      return client;
    })().finally(() => (this.connecting = null));
    return this.connecting;
  }

  /** Forgets a connection that failed: its lock (if any) is gone with it. */
  private drop(client: pg.Client): void {
    if (this.client === client) this.client = null;
    void client.end().catch(() => {});
  }

  async acquire(): Promise<boolean> {
    const client = await this.connection();
    try {
      const { rows } = await client.query("SELECT pg_try_advisory_lock($1, $2) AS ok", [LOCK_CLASS, LOCKS.leader]);
      return (rows[0] as { ok: boolean }).ok;
    } catch (e) {
      // Whatever went wrong (a timeout on a hanging connection too), the next round starts on a fresh connection.
      this.drop(client);
      throw e;
    }
  }

  async holds(): Promise<boolean> {
    const client = this.client;
    if (!client) return false;
    try {
      const { rows } = await client.query(
        `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND pid = pg_backend_pid() AND granted) AS held`,
        [LOCK_CLASS, LOCKS.leader],
      );
      return (rows[0] as { held: boolean }).held;
    } catch {
      this.drop(client);
      return false;
    }
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = null;
    // Ending the session releases its lock.
    if (client) await client.end().catch(() => {});
  }

  async leader(): Promise<string | null> {
    const { rows } = await this.pool.query(
      `SELECT a.application_name AS name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
       WHERE l.locktype = 'advisory' AND l.classid = $1 AND l.objid = $2 AND l.granted`,
      [LOCK_CLASS, LOCKS.leader],
    );
    const name = (rows[0] as { name: string | null } | undefined)?.name;
    return name ? name.replace(/^notary:/, "") : null;
  }

  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return withSessionLock(this.url, LOCKS.startup, `notary:${this.instance}`.slice(0, 63), fn);
  }

}
