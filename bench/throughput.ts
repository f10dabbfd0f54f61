/**
 * Notarisation throughput: concurrent clients upload distinct 100 kB
 * documents over HTTP (autocannon in a worker thread of its own, loopback,
 * bounded in time) to (a) a bare Express + multer endpoint that only hashes
 * and fsyncs, (b) a one-transaction-per-document server (hash, then send and
 * wait for one transaction per upload), and (c) Notary, all in the same run,
 * repeated; then the exact time from 202 to anchored of every document.
 */
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";

import autocannon from "autocannon";
import { BrowserProvider, type Eip1193Provider } from "ethers";
import express, { type Express } from "express";
import multer from "multer";

import { type TestServer, startTestServer } from "../test/helpers/server.js";
import { quantile, repeat, spread } from "./stats.js";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";

const DURATION_S = 8;
const REPEATS = 3;
/** Block time of the interval-mining chain: Besu QBFT's default block period, a consortium chain's typical pace. */
const BLOCK_S = 2;
const BATCH_WINDOW_S = 2;
const DOC_BYTES = 100_000; // bench/uploadRequest.cjs builds the bodies
const BOUNDARY = "benchboundary";
const SETUP_REQUEST = fileURLToPath(new URL("./uploadRequest.cjs", import.meta.url));

/**
 * Uploads from a worker thread (autocannon's workers mode), so the load
 * generator has its own event loop and core instead of sharing the server's.
 */
export async function uploads(url: string, key?: string, connections = 10) {
  const r = await autocannon({
    url,
    connections,
    duration: DURATION_S,
    workers: 1,
    method: "POST",
    headers: { "content-type": `multipart/form-data; boundary=${BOUNDARY}`, ...(key ? { authorization: `Bearer ${key}` } : {}) },
    requests: [{ setupRequest: SETUP_REQUEST as unknown as autocannon.Request["setupRequest"] }],
  });
  return { rps: r.requests.average, p99: r.latency.p99, ok: r["2xx"], non2xx: r.non2xx + r.errors };
}

/** Hashes the file while writing it to disk with fsync, like the upload path, and nothing else. */
function hashingDiskStorage(dir: string, onHash?: (sha256: string) => Promise<void>): multer.StorageEngine {
  let n = 0;
  return {
    _handleFile(_req, file, cb) {
      const hash = createHash("sha256");
      const tap = new Transform({ transform: (c, _e, done) => (hash.update(c), done(null, c)) });
      pipeline(file.stream, tap, createWriteStream(path.join(dir, `${n++}`), { flush: true }))
        .then(async () => {
          const sha256 = hash.digest("hex");
          await onHash?.(sha256);
          cb(null, { filename: sha256 } as Partial<Express.Multer.File>);
        })
        .catch(cb);
    },
    _removeFile: (_req, _file, cb) => cb(null),
  };
}

async function listen(app: Express) {
  const server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`, close: () => new Promise((r) => server.close(r)) };
}

/** Exact time from acceptance (the row's insert, just before the 202) to the confirmed anchor, per document, from the store. */
function anchorLatencies(dataDir: string): number[] {
  const db = new DatabaseSync(path.join(dataDir, "notary.db"), { readOnly: true });
  try {
    const rows = db.prepare("SELECT (b.confirmed_at - d.created_at) AS ms FROM documents d JOIN batches b ON b.id = d.batch_id WHERE b.confirmed_at IS NOT NULL").all() as { ms: number }[];
    return rows.map((r) => r.ms / 1000);
  } finally {
    db.close();
  }
}

/** Waits until every accepted document is anchored (its batch confirmed), read from the store. */
async function drained(server: TestServer): Promise<void> {
  const db = new DatabaseSync(path.join(server.dataDir, "notary.db"), { readOnly: true, timeout: 5000 });
  try {
    const open = db.prepare("SELECT COUNT(*) AS n FROM documents d LEFT JOIN batches b ON b.id = d.batch_id WHERE b.confirmed_at IS NULL");
    const until = Date.now() + 60_000;
    while (Date.now() < until && (open.get() as { n: number }).n > 0) await new Promise((r) => setTimeout(r, 200));
  } finally {
    db.close();
  }
}

/** The bare endpoint and the one-transaction-per-document server, as Express apps. */
function baselines(dir: string, writer: { getFunction(name: string): (...args: unknown[]) => Promise<{ wait(): Promise<unknown> }> }) {
  const bareApp = express();
  bareApp.post("/upload", multer({ storage: hashingDiskStorage(dir) }).single("file"), (req, res) => {
    res.status(202).json({ sha256: req.file!.filename });
  });
  const oneTxApp = express();
  oneTxApp.post(
    "/upload",
    multer({ storage: hashingDiskStorage(dir, async (sha) => void (await (await writer.getFunction("register")("0x" + sha)).wait())) }).single("file"),
    (req, res) => {
      res.status(202).json({ sha256: req.file!.filename });
    },
  );
  return { bareApp, oneTxApp };
}

export interface Chain {
  provider: Eip1193Provider;
  ethers: HardhatEthers;
}

/**
 * Two chains: one that mines every transaction at once (the embedded chain of
 * `npm start`) for Notary against the bare endpoint and for time to
 * anchored, and one that mines a block every BLOCK_S seconds, as every real
 * chain does, for Notary against one transaction per document. Each pair runs
 * REPEATS times, alternating.
 */
export async function throughputBenchmark(automine: Chain, interval: Chain) {
  const dir = await mkdtemp(path.join(tmpdir(), "notary-bench-upload-"));
  try {
    await interval.provider.request({ method: "evm_setAutomine", params: [false] });
    await interval.provider.request({ method: "evm_setIntervalMining", params: [BLOCK_S * 1000] });
    const registry = await interval.ethers.deployContract("OneHashPerTxRegistry");
    await registry.waitForDeployment();
    const signer = await new BrowserProvider(interval.provider, undefined, { cacheTimeout: -1, pollingInterval: 50 }).getSigner(1);
    const { bareApp, oneTxApp } = baselines(dir, registry.connect(signer) as never);

    const serverEnv = { BATCH_INTERVAL_MS: String(BATCH_WINDOW_S * 1000), MAX_UPLOAD_BYTES: String(1024 * 1024), RATE_LIMIT_PER_MINUTE: "1000000" };
    const ours = await startTestServer(automine.provider, serverEnv);
    const oursOnInterval = await startTestServer(interval.provider, serverEnv);
    try {
      const [key, keyInterval] = [await ours.clerkKey(), await oursOnInterval.clerkKey()];
      const runs = await repeat(REPEATS, async () => {
        const bare = await listen(bareApp);
        const bareRun = await uploads(bare.url);
        await bare.close();
        const oursRun = await uploads(`${ours.url}/api/v1/documents`, key);
        const oneTx = await listen(oneTxApp);
        const oneTxRun = await uploads(oneTx.url);
        await oneTx.close();
        const oursIntervalRun = await uploads(`${oursOnInterval.url}/api/v1/documents`, keyInterval);
        return { bare: bareRun, ours: oursRun, oneTx: oneTxRun, oursInterval: oursIntervalRun };
      });
      await drained(ours);
      const latencies = anchorLatencies(ours.dataDir);
      const ratio = (a: { rps: number }[], b: { rps: number }[]) => spread(a.map((x, i) => x.rps / b[i]!.rps));
      const col = (k: keyof (typeof runs)[number]) => runs.map((r) => r[k]);
      return {
        docBytes: DOC_BYTES,
        durationS: DURATION_S,
        repeats: REPEATS,
        blockS: BLOCK_S,
        batchWindowS: BATCH_WINDOW_S,
        bare: spread(col("bare").map((r) => r.rps)),
        ours: spread(col("ours").map((r) => r.rps)),
        oneTx: spread(col("oneTx").map((r) => r.rps)),
        oursInterval: spread(col("oursInterval").map((r) => r.rps)),
        oursVsBare: ratio(col("ours"), col("bare")),
        oursVsOneTx: ratio(col("oursInterval"), col("oneTx")),
        p99: { bare: spread(col("bare").map((r) => r.p99)), ours: spread(col("ours").map((r) => r.p99)), oneTx: spread(col("oneTx").map((r) => r.p99)) },
        non2xx: runs.reduce((n, r) => n + r.bare.non2xx + r.ours.non2xx + r.oneTx.non2xx + r.oursInterval.non2xx, 0),
        anchored: { documents: latencies.length, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: Math.max(...latencies) },
      };
    } finally {
      await ours.stop();
      await oursOnInterval.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
