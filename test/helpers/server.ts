import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { BrowserProvider, type Eip1193Provider } from "ethers";

import { openStore } from "../../server/src/adapters/store/openStore.js";
import { type Config, loadConfig } from "../../server/src/config.js";
import type { Store } from "../../server/src/domain/ports.js";
import { addClerk } from "../../server/src/domain/clerks/clerkKeys.js";
import { type RunningServer, startServer } from "../../server/src/main.js";
import { TestPostgres } from "./postgres.js";
import { track } from "./teardown.js";

/**
 * `TEST_STORE=postgres`: test servers keep their state in PostgreSQL (a fresh
 * database each, in one server started for the run) instead of SQLite; `npm
 * test` runs the API suites once more this way (package.json "test:postgres").
 */
export const TEST_STORE = process.env.TEST_STORE === "postgres" ? "postgres" : "sqlite";
let sharedPostgres: Promise<TestPostgres> | undefined;

/** The run's PostgreSQL server (started on first use, stopped by the root hook at the end of the run). */
export const testPostgres = (): Promise<TestPostgres> => (sharedPostgres ??= TestPostgres.start());

/** Stops the run's PostgreSQL, if one was started. */
export async function stopTestPostgres(): Promise<void> {
  const pg = sharedPostgres;
  sharedPostgres = undefined;
  if (pg) await pg.then((p) => p.stop(), () => {});
}

/** In the PostgreSQL run a data directory's database is a database of its own, kept for a restart on the same directory. */
const databaseOf = new Map<string, string>();

async function storeEnv(env: Record<string, string>, dataDir: string): Promise<Record<string, string>> {
  if (TEST_STORE !== "postgres" || env.DATABASE_URL) return {};
  let url = databaseOf.get(dataDir);
  if (!url) databaseOf.set(dataDir, (url = await (await testPostgres()).database()));
  return { DATABASE_URL: url, MASTER_KEY: "0x" + "5a".repeat(32) };
}

/**
 * Skips a test in the PostgreSQL run that inspects what only the SQLite
 * default has (the database file, the data directory's key file), saying so
 * in its title; the same behaviour on PostgreSQL is covered by the store
 * contract suite (test/server/unit/store).
 */
export function sqliteOnly(ctx: Mocha.Context, why: string): void {
  if (TEST_STORE !== "postgres") return;
  ctx.test!.title += ` (skipped in the PostgreSQL run: ${why})`;
  ctx.skip();
}

export interface TestServer extends RunningServer {
  dataDir: string;
  config: Config;
  /** The server's database, opened as the CLI opens it (close it when done). */
  openStore(): Promise<Store>;
  provider: BrowserProvider;
  /** Adds a clerk as the CLI does (directly in the database) and returns its key. */
  clerkKey(name?: string, role?: "clerk" | "approver" | "admin"): Promise<string>;
  /** fetch against the server, with a clerk key when given. */
  api(pathname: string, init?: RequestInit & { key?: string }): Promise<Response>;
  stop(): Promise<void>;
}

/**
 * Starts the whole server (startServer, as `npm start` does) on port 0 with a
 * temporary data dir, against Hardhat's in-process network.
 */
export async function startTestServer(eip1193: Eip1193Provider, env: Record<string, string> = {}, dataDir?: string, opts: { signer?: number } = {}): Promise<TestServer> {
  const dir = dataDir ?? (await mkdtemp(path.join(tmpdir(), "notary-test-")));
  const provider = new BrowserProvider(eip1193, undefined, { cacheTimeout: -1, pollingInterval: 50 });
  // One signer per server on a chain: two servers sending from one account would race for nonces.
  const signer = await provider.getSigner(opts.signer ?? 0);
  const config = loadConfig({ DATA_DIR: dir, PORT: "0", BATCH_INTERVAL_MS: "100", LOG_LEVEL: "silent", RATE_LIMIT_PER_MINUTE: "1000000", ...(await storeEnv(env, dir)), ...env });
  let running: RunningServer;
  try {
    running = await startServer(config, { provider, signer });
  } catch (e) {
    if (!dataDir) await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const stop = async () => {
    untrack();
    await running.close();
    if (!dataDir) await rm(dir, { recursive: true, force: true });
  };
  const untrack = track(`test server ${running.url}`, stop);
  let n = 0;
  return {
    ...running,
    dataDir: dir,
    config,
    provider,
    openStore: async () => (await openStore(config)).store,
    async clerkKey(name = `clerk-${++n}`, role = "clerk") {
      const { store } = await openStore(config);
      try {
        return (await addClerk({ store, clock: { now: () => Date.now() } }, name, role)).key;
      } finally {
        await store.close();
      }
    },
    api(pathname, init = {}) {
      const { key, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (key) headers.set("authorization", `Bearer ${key}`);
      return fetch(running.url + pathname, { ...rest, headers });
    },
    stop,
  };
}

/** A test server's database as an attacker (or an administrator) with direct access sees it: raw SQL, no store in between. */
export interface RawDatabase {
  exec(sql: string): Promise<void>;
  all<T>(sql: string, params?: (string | number)[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function rawDatabase(server: Pick<TestServer, "config">): Promise<RawDatabase> {
  const url = server.config.DATABASE_URL;
  if (url) {
    const pg = (await import("pg")).default;
    const client = new pg.Client({ connectionString: url, types: { getTypeParser: ((oid: number, format?: "text" | "binary") => (oid === 20 ? Number : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser } });
    await client.connect();
    return {
      exec: async (sql) => void (await client.query(sql)),
      all: async <T>(sql: string, params: (string | number)[] = []) => (await client.query(sql.replace(/\?/g, ((n) => () => `$${++n}`)(0)), params)).rows as T[],
      close: () => client.end(),
    };
  }
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(path.join(server.config.dataDir, "notary.db"), { timeout: 5000 });
  return {
    exec: async (sql) => db.exec(sql),
    all: async <T>(sql: string, params: (string | number)[] = []) => db.prepare(sql).all(...params) as T[],
    close: async () => db.close(),
  };
}

/** Polls `fn` until it returns a truthy value or the time is up. */
export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A multipart body with one file part and optional fields. */
export function uploadForm(content: string | Uint8Array<ArrayBuffer>, fields: Record<string, string> = {}, filename = "document.pdf"): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append("file", new Blob([content], { type: "application/pdf" }), filename);
  return form;
}

/** The receipt of a document on a test server once it is anchored (its batch confirmed). */
export const anchoredReceipt = (server: TestServer, sha256: string, timeoutMs = 20_000) =>
  eventually(async () => {
    const res = await server.api(`/api/v1/receipts/${sha256}`);
    return res.status === 200 ? res.json() : null;
  }, timeoutMs, "the receipt");
