/**
 * `npm run bench`: runs the benchmarks, prints a markdown table, and writes
 * bench/results/<date>.json. Not part of `npm test`.
 */
import { mkdirSync, writeFileSync } from "node:fs";

import { network } from "hardhat";

import { journalingCostBenchmark, replayBenchmark } from "./durableChain.js";
import { BATCH_SIZES, gasBenchmark } from "./gas.js";
import { show, type Spread } from "./stats.js";
import { largeUploadBenchmark } from "./largeUpload.js";
import { postgresBenchmark } from "./postgres.js";
import { throughputBenchmark } from "./throughput.js";
import { treeBenchmark } from "./tree.js";
import { verifyBenchmark } from "./verify.js";
import { verifyTrustBenchmark } from "./verifyTrust.js";

const { ethers, provider } = await network.create();
// The upload benchmarks get chains of their own: one mining every transaction at once, one mining at intervals.
const [second, third] = [await network.create(), await network.create()];
const started = new Date();
/** `BENCH_ONLY=chain,tree npm run bench` runs only those parts (gas, tree, throughput, large, verify, trust, chain, postgres). */
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(",")) : null;
const runs = (part: string) => only === null || only.has(part);
const skipped = Promise.resolve(null);

const say = (part: string, what: string) => runs(part) && console.error(what);
say("gas", "gas: Notary vs EAS vs one hash per transaction …");
const gas = runs("gas") ? await gasBenchmark(ethers) : null;
say("tree", "tree: 65,536 leaves …");
const tree = runs("tree") ? treeBenchmark(65_536, 3) : null;
say("throughput", "throughput: 100 kB uploads, bare Express + multer vs one transaction per document vs Notary …");
const tp = runs("throughput") ? await throughputBenchmark(second, third) : await skipped;
say("large", "large upload: 1 GiB to the server as npm start runs it …");
const large = runs("large") ? await largeUploadBenchmark() : await skipped;
say("verify", "verify: GET /api/v1/verify/{sha256} vs a bare Express route, at 1,000 and 1,000,000 documents …");
const verify = runs("verify") ? await verifyBenchmark(provider) : await skipped;
say("trust", "trust: verifying a receipt with identity and RFC 3161 checks vs without …");
const trust = runs("trust") ? await verifyTrustBenchmark(provider) : await skipped;
say("chain", "durable chain: replay of a 100,000-block journal; uploads with and without the journal …");
const replay = runs("chain") ? await replayBenchmark() : await skipped;
const journaling = runs("chain") ? await journalingCostBenchmark() : await skipped;
say("postgres", "postgres: one instance on PostgreSQL vs SQLite, two instances vs one, failover after kill -9 of the leader …");
const pg = runs("postgres") ? await postgresBenchmark() : await skipped;

const pct = (s: Spread) => `${(100 * s.median).toFixed(0)} % (${(100 * s.min).toFixed(0)}–${(100 * s.max).toFixed(0)} %)`;
const at1024 = (design: string) => gas!.rows.find((r) => r.design === design && r.batchSize === 1024)!.gasPerDocument;
const ours = gas ? at1024("Notary anchor (one root)") : 0;
type Check = { what: string; figure: string; target: string; pass: boolean };
const checks: Check[] = [
  ...(gas
    ? [
        { what: "gas per document, batch of 1,024", figure: `${ours.toFixed(1)} gas`, target: "≤ 50 gas", pass: ours <= 50 },
        {
          what: "anchor vs one-storage-slot minimum",
          figure: `${gas.anchorMinimumRatio.toFixed(3)}×`,
          target: "≤ 1.15×",
          pass: gas.anchorMinimumRatio <= 1.15,
        },
      ]
    : []),
  ...(tree
    ? [
        {
          what: "65,536-leaf batch: tree and all proofs",
          figure: `${tree.median.toFixed(2)} s (min ${tree.min.toFixed(2)}, max ${tree.max.toFixed(2)})`,
          target: "≤ 3 s",
          pass: tree.max <= 3,
        },
      ]
    : []),
  ...(tp
    ? [
        {
          what: "notarisation throughput vs bare Express + multer (hash + fsync), median of runs",
          figure: `${show(tp.ours)} vs ${show(tp.bare)} docs/s = ${pct(tp.oursVsBare)}`,
          target: "≥ 60 %",
          pass: tp.oursVsBare.median >= 0.6,
        },
        {
          what: `notarisation throughput vs one transaction per document (chain mining every ${tp.blockS} s)`,
          figure: `${show(tp.oursInterval)} vs ${show(tp.oneTx, 1)} docs/s = ${show(tp.oursVsOneTx, 1)}×`,
          target: "≥ 20×",
          pass: tp.oursVsOneTx.median >= 20,
        },
        {
          what: `time from 202 to anchored under that load (window ${tp.batchWindowS} s, ${tp.anchored.documents.toLocaleString("en")} documents)`,
          figure: `p50 ${tp.anchored.p50.toFixed(2)} s, p99 ${tp.anchored.p99.toFixed(2)} s (${(tp.anchored.p99 / tp.anchored.p50).toFixed(2)} × p50)`,
          target: "p50 ≤ window + 1 s, p99 ≤ 2 × p50",
          pass: tp.anchored.p50 <= tp.batchWindowS + 1 && tp.anchored.p99 <= 2 * tp.anchored.p50,
        },
      ]
    : []),
  ...(large
    ? [
        {
          what: "1 GiB upload: peak RSS of the server",
          figure: `${large.rssAfterUploadMB.toFixed(0)} MB (after start: ${large.rssAfterStartMB.toFixed(0)} MB)`,
          target: "≤ 200 MB",
          pass: large.status === 202 && large.rssAfterUploadMB <= 200,
        },
        {
          what: "1 GiB: streamed SHA-256 as the upload path hashes, vs sha256sum",
          figure: `${large.streamedHashS.toFixed(1)} s vs ${large.sha256sumS.toFixed(1)} s = ${((100 * large.sha256sumS) / large.streamedHashS).toFixed(0)} % of sha256sum's speed`,
          target: "≥ 70 %",
          pass: large.sha256sumS / large.streamedHashS >= 0.7,
        },
        {
          what: "1 GiB upload end to end (hash, encrypt, IPFS, fsync) vs sha256sum",
          figure: `${large.uploadS.toFixed(1)} s vs ${large.sha256sumS.toFixed(1)} s = ${((100 * large.sha256sumS) / large.uploadS).toFixed(0)} %`,
          target: "(no target)",
          pass: large.status === 202,
        },
      ]
    : []),
  ...(verify
    ? [
        {
          what: "verify by hash: req/s vs a bare Express route, median of runs",
          figure: `${show(verify.at1k.rps)} vs ${show(verify.baseline.rps)} req/s = ${pct(verify.ratio)}`,
          target: "≥ 50 %",
          pass: verify.ratio.median >= 0.5,
        },
        {
          what: `verify by hash: p99 at half of max load (${verify.halfRate} req/s, ${verify.halfLoadTool})`,
          figure: `${show(verify.at1k.p99Half)} ms (bare route at the same rate: ${show(verify.baseline.p99Half)} ms)`,
          target: "≤ 10 ms",
          pass: verify.at1k.p99Half.median <= 10,
        },
        {
          what: "verify p99 with 1,000,000 documents vs 1,000 (half load)",
          figure: `${show(verify.at1m.p99Half)} ms vs ${show(verify.at1k.p99Half)} ms`,
          target: "≤ 1.5×",
          pass: verify.at1m.p99Half.median <= 1.5 * Math.max(1, verify.at1k.p99Half.median),
        },
      ]
    : []),
  ...(trust
    ? [
        {
          what: "verify a receipt with identity and RFC 3161 checks vs without: p99, one request at a time",
          figure: `${show(trust.one.with.p99, 1)} ms vs ${show(trust.one.without.p99, 1)} ms = ${show(trust.p99RatioOne, 2)}×`,
          target: "≤ 1.5×",
          pass: trust.p99RatioOne.median <= 1.5,
        },
        {
          what: `verify a receipt with identity and RFC 3161 checks vs without: p99 at ${trust.halfRate} req/s (half the checking server's maximum)`,
          figure: `${show(trust.half.with, 1)} ms vs ${show(trust.half.without, 1)} ms = ${show(trust.p99RatioHalf, 2)}×`,
          target: "≤ 1.5×",
          pass: trust.p99RatioHalf.median <= 1.5,
        },
      ]
    : []),
  ...(replay && journaling
    ? [
        {
          what: `durable chain: replay of a ${replay.blocks.toLocaleString("en")}-block journal of anchor transactions (${replay.journalMB.toFixed(0)} MB), every block hash checked`,
          figure: `${replay.replayS.toFixed(1)} s = ${replay.blocksPerSecond.toFixed(0)} blocks/s (mining the same transactions afresh: ${replay.freshBlocksPerSecond.toFixed(0)} blocks/s)`,
          target: "≥ 1,000 blocks/s; 100,000 blocks ≤ 2 min",
          pass: replay.blocksPerSecond >= 1000 && replay.replayS <= 120,
        },
        {
          what: `durable chain: upload throughput with the block journal vs a plain hardhat node (${journaling.repeats} runs, ${journaling.blocksJournaled} blocks journaled)`,
          figure: `${show(journaling.durable)} vs ${show(journaling.plain)} docs/s = ${pct(journaling.ratio)}`,
          target: "≥ 95 %",
          pass: journaling.ratio.median >= 0.95,
        },
      ]
    : []),
  ...(pg
    ? [
        {
          what: "uploads: one instance on PostgreSQL vs one on SQLite (100 kB documents, same chain, originals off)",
          figure: `${show(pg.postgres)} vs ${show(pg.sqlite)} docs/s = ${pct(pg.pgVsSqlite)}`,
          target: "≥ 80 %",
          pass: pg.pgVsSqlite.median >= 0.8,
        },
        {
          what: "uploads: two instances on one PostgreSQL vs one (5 + 5 vs 10 connections, one machine of 2 cores)",
          figure: `${show(pg.two)} vs ${show(pg.one)} docs/s = ${show(pg.twoVsOne, 2)}×`,
          target: "≥ 1.6× where cores allow",
          pass: pg.twoVsOne.median >= 1.6,
        },
        {
          what: `failover: kill -9 of the leader until the other instance leads (${pg.failoverLeaderMs.runs.length} kills)`,
          figure: `${show(pg.failoverLeaderMs)} ms`,
          target: "≤ 10 s",
          pass: pg.failoverLeaderMs.max <= 10_000,
        },
        {
          what: `failover: kill -9 of the leader until a document uploaded after it is anchored (batch window ${pg.batchIntervalMs / 1000} s)`,
          figure: `${show(pg.failoverAnchoredMs)} ms`,
          target: "≤ 10 s",
          pass: pg.failoverAnchoredMs.max <= 10_000,
        },
      ]
    : []),
];

const designs = gas ? [...new Set(gas.rows.map((r) => r.design))] : [];
const lines = [
  `Benchmarks, ${started.toISOString()} (\`npm run bench\`, Hardhat in-process chain, solc 0.8.37, optimizer 10,000 runs)`,
  "",
  "| what | figure | target | pass |",
  "|---|---|---|---|",
  ...checks.map((c) => `| ${c.what} | ${c.figure} | ${c.target} | ${c.pass ? "yes" : "NO"} |`),
  "",
  ...(tp
    ? [
        `Uploads (autocannon in a worker thread, 10 connections, ${tp.repeats} runs of ${tp.durationS} s each, median (min–max), distinct ${tp.docBytes / 1000} kB documents, embedded IPFS, encrypted): ` +
          `bare ${show(tp.bare)}/s (p99 ${show(tp.p99.bare)} ms), Notary ${show(tp.ours)}/s (p99 ${show(tp.p99.ours)} ms) on the instant-mining chain; ` +
          `one tx per document ${show(tp.oneTx, 1)}/s (p99 ${show(tp.p99.oneTx)} ms), Notary ${show(tp.oursInterval)}/s on the chain mining every ${tp.blockS} s; non-2xx: ${tp.non2xx}.`,
        "",
      ]
    : []),
  ...(verify
    ? [
        `Verification (autocannon in a worker thread, 20 connections, ${verify.repeats} runs of ${verify.durationS} s each, median (min–max), loopback): bare Express ${show(verify.baseline.rps)} req/s (p99 ${show(verify.baseline.p99)} ms); ` +
          `ours at 1,000 documents ${show(verify.at1k.rps)} req/s (p99 ${show(verify.at1k.p99)} ms; at half load p50 ${show(verify.at1k.p50Half)} ms), at 1,000,000 ${show(verify.at1m.rps)} req/s (p99 ${show(verify.at1m.p99)} ms); ` +
          `non-2xx answers: ${verify.non2xx}.`,
        "",
      ]
    : []),
  ...(trust
    ? [
        `Receipt verification (POST /api/v1/verify, autocannon in a worker thread, ${trust.repeats} runs of ${trust.durationS} s each, median (min–max)): with identity and RFC 3161 checks ${show(trust.full.with)} req/s at most ` +
          `(one at a time p50 ${show(trust.one.with.p50, 1)} ms), without ${show(trust.full.without)} req/s (p50 ${show(trust.one.without.p50, 1)} ms); non-2xx answers: ${trust.non2xx}. ` +
          `A token never checked before (checkToken in process, ${trust.coldCheckMs.tokens} fresh tokens): median ${trust.coldCheckMs.median.toFixed(1)} ms (${trust.coldCheckMs.min.toFixed(1)}–${trust.coldCheckMs.max.toFixed(1)}).`,
        "",
      ]
    : []),
  ...(gas
    ? [
        `Gas per document (transactions needed in brackets; EAS batches are split at the 16.7M gas cap). revoke: ${gas.revokeGas} gas.`,
        "",
        `| design | ${BATCH_SIZES.map((n) => `batch ${n.toLocaleString("en")}`).join(" | ")} | ours vs it at 1,024 |`,
        `|---|${BATCH_SIZES.map(() => "---").join("|")}|---|`,
      ]
    : []),
  ...designs.map((d) => {
    const cells = BATCH_SIZES.map((n) => {
      const r = gas!.rows.find((x) => x.design === d && x.batchSize === n)!;
      return `${Math.round(r.gasPerDocument).toLocaleString("en")} (${r.transactions})`;
    });
    const ratio = d === "Notary anchor (one root)" ? "–" : `${(at1024(d) / ours).toFixed(0)}× cheaper`;
    return `| ${d} | ${cells.join(" | ")} | ${ratio} |`;
  }),
];
console.log(lines.join("\n"));

mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
const suffix = only ? `-${[...only].sort().join("-")}` : "";
const file = new URL(`./results/${started.toISOString().slice(0, 10)}${suffix}.json`, import.meta.url);
const command = only ? `BENCH_ONLY=${[...only].join(",")} npm run bench` : "npm run bench";
writeFileSync(
  file,
  JSON.stringify(
    { startedAt: started.toISOString(), command, checks, gas, tree, throughput: tp, largeUpload: large, verify, verifyTrust: trust, durableChain: { replay, journaling }, postgres: pg },
    null,
    2,
  ) + "\n",
);
console.error(`written to ${file.pathname}`);
if (checks.some((c) => !c.pass)) process.exitCode = 1;
