import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { BrowserProvider, type Eip1193Provider } from "ethers";

import { SqliteStore } from "../../server/src/adapters/store/sqliteStore.js";
import { loadConfig } from "../../server/src/config.js";
import { addClerk } from "../../server/src/domain/clerks/clerkKeys.js";
import { type RunningServer, startServer } from "../../server/src/main.js";
import { track } from "./teardown.js";

export interface TestServer extends RunningServer {
  dataDir: string;
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
  const config = loadConfig({ DATA_DIR: dir, PORT: "0", BATCH_INTERVAL_MS: "100", LOG_LEVEL: "silent", RATE_LIMIT_PER_MINUTE: "1000000", ...env });
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
    provider,
    async clerkKey(name = `clerk-${++n}`, role = "clerk") {
      const store = new SqliteStore(path.join(dir, "notary.db"));
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
