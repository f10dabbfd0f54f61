/**
 * `npm run bench`: runs the benchmarks, prints a markdown table, and writes
 * bench/results/<date>.json. Not part of `npm test`.
 */
import { mkdirSync, writeFileSync } from "node:fs";

import { network } from "hardhat";

import { BATCH_SIZES, gasBenchmark } from "./gas.js";
import { show, type Spread } from "./stats.js";
import { largeUploadBenchmark } from "./largeUpload.js";
import { throughputBenchmark } from "./throughput.js";
import { treeBenchmark } from "./tree.js";
import { verifyBenchmark } from "./verify.js";

const { ethers, provider } = await network.create();
// The upload benchmarks get chains of their own: one mining every transaction at once, one mining at intervals.
const [second, third] = [await network.create(), await network.create()];
const started = new Date();

console.error("gas: Notary vs EAS vs one hash per transaction …");
const gas = await gasBenchmark(ethers);
console.error("tree: 65,536 leaves …");
const tree = treeBenchmark(65_536, 3);
console.error("throughput: 100 kB uploads, bare Express + multer vs one transaction per document vs Notary …");
const tp = await throughputBenchmark(second, third);
console.error("large upload: 1 GiB to the server as npm start runs it …");
const large = await largeUploadBenchmark();
console.error("verify: GET /api/v1/verify/{sha256} vs a bare Express route, at 1,000 and 1,000,000 documents …");
const verify = await verifyBenchmark(provider);

const pct = (s: Spread) => `${(100 * s.median).toFixed(0)} % (${(100 * s.min).toFixed(0)}–${(100 * s.max).toFixed(0)} %)`;
const at1024 = (design: string) => gas.rows.find((r) => r.design === design && r.batchSize === 1024)!.gasPerDocument;
const ours = at1024("Notary anchor (one root)");
const checks = [
  { what: "gas per document, batch of 1,024", figure: `${ours.toFixed(1)} gas`, target: "≤ 50 gas", pass: ours <= 50 },
  { what: "anchor vs one-storage-slot minimum", figure: `${gas.anchorMinimumRatio.toFixed(3)}×`, target: "≤ 1.15×", pass: gas.anchorMinimumRatio <= 1.15 },
  {
    what: "65,536-leaf batch: tree and all proofs",
    figure: `${tree.median.toFixed(2)} s (min ${tree.min.toFixed(2)}, max ${tree.max.toFixed(2)})`,
    target: "≤ 3 s",
    pass: tree.max <= 3,
  },
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
];

const designs = [...new Set(gas.rows.map((r) => r.design))];
const lines = [
  `Benchmarks, ${started.toISOString()} (\`npm run bench\`, Hardhat in-process chain, solc 0.8.37, optimizer 10,000 runs)`,
  "",
  "| what | figure | target | pass |",
  "|---|---|---|---|",
  ...checks.map((c) => `| ${c.what} | ${c.figure} | ${c.target} | ${c.pass ? "yes" : "NO"} |`),
  "",
  `Uploads (autocannon in a worker thread, 10 connections, ${tp.repeats} runs of ${tp.durationS} s each, median (min–max), distinct ${tp.docBytes / 1000} kB documents, embedded IPFS, encrypted): ` +
    `bare ${show(tp.bare)}/s (p99 ${show(tp.p99.bare)} ms), Notary ${show(tp.ours)}/s (p99 ${show(tp.p99.ours)} ms) on the instant-mining chain; ` +
    `one tx per document ${show(tp.oneTx, 1)}/s (p99 ${show(tp.p99.oneTx)} ms), Notary ${show(tp.oursInterval)}/s on the chain mining every ${tp.blockS} s; non-2xx: ${tp.non2xx}.`,
  "",
  `Verification (autocannon in a worker thread, 20 connections, ${verify.repeats} runs of ${verify.durationS} s each, median (min–max), loopback): bare Express ${show(verify.baseline.rps)} req/s (p99 ${show(verify.baseline.p99)} ms); ` +
    `ours at 1,000 documents ${show(verify.at1k.rps)} req/s (p99 ${show(verify.at1k.p99)} ms; at half load p50 ${show(verify.at1k.p50Half)} ms), at 1,000,000 ${show(verify.at1m.rps)} req/s (p99 ${show(verify.at1m.p99)} ms); ` +
    `non-2xx answers: ${verify.non2xx}.`,
  "",
  `Gas per document (transactions needed in brackets; EAS batches are split at the 16.7M gas cap). revoke: ${gas.revokeGas} gas.`,
  "",
  `| design | ${BATCH_SIZES.map((n) => `batch ${n.toLocaleString("en")}`).join(" | ")} | ours vs it at 1,024 |`,
  `|---|${BATCH_SIZES.map(() => "---").join("|")}|---|`,
  ...designs.map((d) => {
    const cells = BATCH_SIZES.map((n) => {
      const r = gas.rows.find((x) => x.design === d && x.batchSize === n)!;
      return `${Math.round(r.gasPerDocument).toLocaleString("en")} (${r.transactions})`;
    });
    const ratio = d === "Notary anchor (one root)" ? "–" : `${(at1024(d) / ours).toFixed(0)}× cheaper`;
    return `| ${d} | ${cells.join(" | ")} | ${ratio} |`;
  }),
];
console.log(lines.join("\n"));

mkdirSync(new URL("./results/", import.meta.url), { recursive: true });
const file = new URL(`./results/${started.toISOString().slice(0, 10)}.json`, import.meta.url);
writeFileSync(file, JSON.stringify({ startedAt: started.toISOString(), command: "npm run bench", checks, gas, tree, throughput: tp, largeUpload: large, verify }, null, 2) + "\n");
console.error(`written to ${file.pathname}`);
if (checks.some((c) => !c.pass)) process.exitCode = 1;
