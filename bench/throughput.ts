/**
 * Notarisation throughput: concurrent clients upload distinct 100 kB
 * documents over HTTP (autocannon, loopback, bounded in time) to (a) a bare
 * Express + multer endpoint that only hashes and fsyncs, (b) a
 * one-transaction-per-document server (hash, then send and wait for one
 * transaction per upload), and (c) Notary, all in the same run; then the
 * time from 202 to anchored for Notary, from its own histogram.
 */
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform } from "node:stream";

import autocannon from "autocannon";
import { BrowserProvider, type Eip1193Provider } from "ethers";
import express, { type Express } from "express";
import multer from "multer";

import { startTestServer } from "../test/helpers/server.js";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";

const DURATION_S = 10;
const DOC_BYTES = 100_000;
const BOUNDARY = "benchboundary";

function multipartBody(): Buffer {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="doc.pdf"\r\nContent-Type: application/pdf\r\n\r\n`),
    randomBytes(DOC_BYTES),
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

async function uploads(url: string, key?: string) {
  const r = await autocannon({
    url,
    connections: 10,
    duration: DURATION_S,
    requests: [
      {
        method: "POST",
        setupRequest: (req) => ({
          ...req,
          headers: { "content-type": `multipart/form-data; boundary=${BOUNDARY}`, ...(key ? { authorization: `Bearer ${key}` } : {}) },
          body: multipartBody(),
        }),
      },
    ],
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

/** p-quantile from a Prometheus histogram (linear within the bucket). */
function quantile(metrics: string, name: string, q: number): number {
  const buckets = [...metrics.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)`, "gm"))].map((m) => [m[1] === "+Inf" ? Infinity : Number(m[1]), Number(m[2])] as const);
  const total = buckets.at(-1)![1];
  const rank = q * total;
  let [prevLe, prevCount] = [0, 0];
  for (const [le, count] of buckets) {
    if (count >= rank) return le === Infinity ? prevLe : prevLe + ((le - prevLe) * (rank - prevCount)) / Math.max(1, count - prevCount);
    [prevLe, prevCount] = [le, count];
  }
  return NaN;
}

export async function throughputBenchmark(eip1193: Eip1193Provider, ethers: HardhatEthers) {
  const dir = await mkdtemp(path.join(tmpdir(), "notary-bench-upload-"));
  try {
    const bareApp = express();
    bareApp.post("/upload", multer({ storage: hashingDiskStorage(dir) }).single("file"), (req, res) => {
      res.status(202).json({ sha256: req.file!.filename });
    });
    const bare = await listen(bareApp);
    const bareResult = await uploads(bare.url);
    await bare.close();

    const registry = await ethers.deployContract("OneHashPerTxRegistry");
    const signer = await new BrowserProvider(eip1193, undefined, { cacheTimeout: -1, pollingInterval: 20 }).getSigner(1);
    const writer = registry.connect(signer);
    const oneTxApp = express();
    oneTxApp.post(
      "/upload",
      multer({ storage: hashingDiskStorage(dir, async (sha) => void (await (await writer.getFunction("register")("0x" + sha)).wait())) }).single("file"),
      (req, res) => {
        res.status(202).json({ sha256: req.file!.filename });
      },
    );
    const oneTx = await listen(oneTxApp);
    const oneTxResult = await uploads(oneTx.url);
    await oneTx.close();

    const server = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "2000", MAX_UPLOAD_BYTES: String(1024 * 1024), RATE_LIMIT_PER_MINUTE: "1000000" });
    try {
      const key = await server.clerkKey();
      const ours = await uploads(`${server.url}/api/v1/documents`, key);
      // Let the last batch out, then read the 202 → anchored histogram.
      const until = Date.now() + 30_000;
      while (Date.now() < until && !/^notary_queue_depth 0$/m.test(await (await server.api("/metrics")).text())) await new Promise((r) => setTimeout(r, 200));
      await new Promise((r) => setTimeout(r, 3000));
      const metrics = await (await server.api("/metrics")).text();
      const anchored = { p50: quantile(metrics, "notary_anchor_latency_seconds", 0.5), p99: quantile(metrics, "notary_anchor_latency_seconds", 0.99) };
      return { docBytes: DOC_BYTES, durationS: DURATION_S, bare: bareResult, oneTx: oneTxResult, ours, anchored, batchWindowS: 2 };
    } finally {
      await server.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
