/**
 * `npm run bench`: runs the benchmarks, prints a markdown table, and writes
 * bench/results/<date>.json. Not part of `npm test`.
 */
import { mkdirSync, writeFileSync } from "node:fs";

import { network } from "hardhat";

import { BATCH_SIZES, gasBenchmark } from "./gas.js";
import { treeBenchmark } from "./tree.js";

const { ethers } = await network.create();
const started = new Date();

console.error("gas: Notary vs EAS vs one hash per transaction …");
const gas = await gasBenchmark(ethers);
console.error("tree: 65,536 leaves …");
const tree = treeBenchmark(65_536, 3);

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
];

const designs = [...new Set(gas.rows.map((r) => r.design))];
const lines = [
  `Benchmarks, ${started.toISOString()} (\`npm run bench\`, Hardhat in-process chain, solc 0.8.37, optimizer 10,000 runs)`,
  "",
  "| what | figure | target | pass |",
  "|---|---|---|---|",
  ...checks.map((c) => `| ${c.what} | ${c.figure} | ${c.target} | ${c.pass ? "yes" : "NO"} |`),
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
writeFileSync(file, JSON.stringify({ startedAt: started.toISOString(), command: "npm run bench", checks, gas, tree }, null, 2) + "\n");
console.error(`written to ${file.pathname}`);
if (checks.some((c) => !c.pass)) process.exitCode = 1;
