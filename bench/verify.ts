/**
 * Verification by hash over HTTP: our GET /api/v1/verify/{sha256} (store
 * lookup + chain reads, cached) against a bare Express route that returns a
 * constant JSON, in the same run; then p99 at half of our maximum rate; and
 * the same route with 1,000 and with 1,000,000 documents in the store. Each
 * figure is repeated (min / median / max). The load generator runs in a
 * worker thread, on loopback, bounded in time.
 */
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";

import autocannon from "autocannon";
import type { Eip1193Provider } from "ethers";
import express from "express";

import { startTestServer } from "../test/helpers/server.js";
import { repeat, spread } from "./stats.js";
import { heyAvailable, steadyLoad } from "./steadyLoad.js";

const DURATION_S = 6;
const REPEATS = 3;

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

async function load(url: string, opts: { rate?: number } = {}): Promise<LoadResult> {
  const r = await autocannon({ url, connections: 20, duration: DURATION_S, workers: 1, ...(opts.rate ? { overallRate: opts.rate } : {}) });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx + r.errors };
}

async function bareRoute(): Promise<{ url: string; close(): Promise<void> }> {
  const app = express();
  app.get("/verify/:sha256", (req, res) => {
    res.json({ sha256: req.params.sha256, status: "anchored" });
  });
  const server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/verify/${"ab".repeat(32)}`, close: () => new Promise((r) => server.close(() => r(undefined))) };
}

/** Adds `n` documents directly to the store (not anchored one by one), all in one confirmed batch. */
function fillStore(dataDir: string, n: number, batchId: number): void {
  const db = new DatabaseSync(path.join(dataDir, "notary.db"), { timeout: 5000 });
  db.exec("BEGIN");
  const insert = db.prepare(
    `INSERT INTO documents (sha256, salt, is_public, has_content, created_at, created_by, batch_id, leaf, leaf_index, proof)
     VALUES (?, ?, 0, 0, 0, 'bench', ?, ?, 0, '[]') ON CONFLICT DO NOTHING`,
  );
  for (let i = 0; i < n; i++) {
    const bytes = randomBytes(64);
    insert.run(bytes.subarray(0, 32).toString("hex"), "0x" + bytes.subarray(32).toString("hex"), batchId, "0x" + bytes.subarray(32).toString("hex"));
  }
  db.exec("COMMIT");
  db.close();
}

export async function verifyBenchmark(eip1193: Eip1193Provider) {
  const dataDir = await mkdtemp(path.join(tmpdir(), "notary-bench-verify-"));
  const server = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "100", LOG_LEVEL: "silent", RATE_LIMIT_PER_MINUTE: "1000000" }, dataDir);
  const bare = await bareRoute();
  try {
    const key = await server.clerkKey();
    const sha = randomBytes(32).toString("hex");
    await server.api("/api/v1/documents", { method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ sha256: sha }) });
    let doc: { batch: { id: number } | null; status: string } = { batch: null, status: "pending" };
    while (doc.status !== "anchored") {
      await new Promise((r) => setTimeout(r, 100));
      doc = await (await server.api(`/api/v1/documents/${sha}`, { key })).json();
    }
    const ours = `${server.url}/api/v1/verify/${sha}`;

    fillStore(dataDir, 999, doc.batch!.id);
    // Full load, alternating bare and ours, then p99 at half of our median full-load rate.
    const full = await repeat(REPEATS, async () => ({ bare: await load(bare.url), ours: await load(ours) }));
    const half = Math.max(1, Math.round(spread(full.map((r) => r.ours.rps)).median / 2));
    const steady = await heyAvailable();
    const atHalf = async (url: string): Promise<LoadResult> =>
      steady ? { ...(await steadyLoad(url, half, DURATION_S)), rps: half } : load(url, { rate: half });
    const halfLoad = await repeat(REPEATS, async () => ({ bare: await atHalf(bare.url), ours: await atHalf(ours) }));
    fillStore(dataDir, 999_000, doc.batch!.id);
    const at1m = await repeat(REPEATS, async () => ({ full: await load(ours), half: await atHalf(ours) }));
    const rps = (rs: LoadResult[]) => spread(rs.map((r) => r.rps));
    const p99 = (rs: LoadResult[]) => spread(rs.map((r) => r.p99));
    return {
      durationS: DURATION_S,
      repeats: REPEATS,
      halfRate: half,
      halfLoadTool: steady ? "hey (steady rate, its own process)" : "autocannon overallRate (bursty; install hey for a steady rate)",
      baseline: { rps: rps(full.map((r) => r.bare)), p99: p99(full.map((r) => r.bare)), p99Half: p99(halfLoad.map((r) => r.bare)) },
      at1k: { rps: rps(full.map((r) => r.ours)), p99: p99(full.map((r) => r.ours)), p50Half: spread(halfLoad.map((r) => r.ours.p50)), p99Half: p99(halfLoad.map((r) => r.ours)) },
      at1m: { rps: rps(at1m.map((r) => r.full)), p99: p99(at1m.map((r) => r.full)), p99Half: p99(at1m.map((r) => r.half)) },
      ratio: spread(full.map((r) => r.ours.rps / r.bare.rps)),
      non2xx: [...full.flatMap((r) => [r.ours]), ...halfLoad.map((r) => r.ours), ...at1m.flatMap((r) => [r.full, r.half])].reduce((n, r) => n + r.non2xx, 0),
    };
  } finally {
    await bare.close();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
