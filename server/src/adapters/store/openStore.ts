import { hostname } from "node:os";
import path from "node:path";

import type { Store } from "../../domain/ports.js";
import { isNotaryError } from "../../errors.js";
import { type Election, SoleInstance } from "../../leader/leadership.js";

export interface StoreSettings {
  dataDir: string;
  DATABASE_URL?: string | undefined;
  DATABASE_POOL_SIZE?: number;
  INSTANCE_NAME?: string | undefined;
}

/** The note a server on PostgreSQL leaves in its data directory, so that `npx notary clerk …` there asks for DATABASE_URL instead of making a SQLite file. */
export const POSTGRES_MARKER = "DATABASE_IS_POSTGRESQL";

/** This instance's name: INSTANCE_NAME, else `<hostname>-<pid>`. */
export const instanceName = (s: Pick<StoreSettings, "INSTANCE_NAME">) => s.INSTANCE_NAME ?? `${hostname()}-${process.pid}`.slice(0, 50);

/**
 * The store factory: PostgreSQL when DATABASE_URL is set (several instances,
 * one elected leader), else SQLite in the data directory (one instance, which
 * leads alone). The adapters are loaded only when used: node:sqlite needs
 * Node 22, and a PostgreSQL deployment never opens a SQLite file.
 */
export async function openStore(
  s: StoreSettings,
  o: { onError?: (e: Error) => void; /** How long to wait for an unreachable database (an instance that boots before it). @default 0 */ waitMs?: number; onWait?: () => void } = {},
): Promise<{ store: Store; election: Election }> {
  const instance = instanceName(s);
  if (s.DATABASE_URL) {
    const { PgStore } = await import("./pgStore.js");
    const { PgElection } = await import("./pgElection.js");
    const deadline = Date.now() + (o.waitMs ?? 0);
    for (;;) {
      try {
        const store = await PgStore.open(s.DATABASE_URL, { poolSize: s.DATABASE_POOL_SIZE, onError: o.onError, applicationName: `notary:${instance}`.slice(0, 63) });
        return { store, election: new PgElection(s.DATABASE_URL, instance, store.pool) };
      } catch (e) {
        if (!isNotaryError(e, "STORE_UNAVAILABLE") || Date.now() >= deadline) throw e;
        o.onWait?.();
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
  const { SqliteStore } = await import("./sqliteStore.js");
  return { store: new SqliteStore(path.join(s.dataDir, "notary.db")), election: new SoleInstance(instance) };
}
