/**
 * What identity and RFC 3161 checks cost a receipt's verification: the same
 * version 2 receipt (with its TSA token) sent to POST /api/v1/verify of two
 * servers on one chain, one that trusts a directory and the TSA's CA (identity
 * and timestamp checked) and one that trusts neither (both reported as not
 * checked). Latency one request at a time (nothing queued) and at a fixed
 * rate of half the slower server's maximum, plus maximum req/s; each figure
 * repeated (min / median / max), the two servers alternating. And the cost
 * of checking a token not seen before (what a verifier pays for every new
 * token, and what a client sending ever new forged tokens costs it): checkToken
 * on distinct fresh tokens, in process; a figure without a target.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import autocannon from "autocannon";
import type { Eip1193Provider } from "ethers";

import { checkToken, pemCertificates, rootBytes } from "../server/src/adapters/timestamps/rfc3161.js";
import { TsaClient } from "../server/src/adapters/timestamps/tsaClient.js";
import { createTrialTsa, startTrialTsa } from "../scripts/trialTsa.js";
import { type TestServer, startTestServer } from "../test/helpers/server.js";
import { repeat, spread } from "./stats.js";

const DURATION_S = 6;
const REPEATS = 3;
const COLD_TOKENS = 40;

interface Load {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
}

async function post(url: string, body: string, opts: { connections: number; rate?: number }): Promise<Load> {
  const r = await autocannon({
    url, method: "POST", headers: { "content-type": "application/json" }, body,
    connections: opts.connections, duration: DURATION_S, workers: 1, ...(opts.rate ? { overallRate: opts.rate } : {}),
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx + r.errors };
}

async function receiptWithToken(server: TestServer): Promise<Record<string, unknown>> {
  const key = await server.clerkKey();
  const sha = randomBytes(32).toString("hex");
  await server.api("/api/v1/documents", { method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ sha256: sha }) });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const res = await server.api(`/api/v1/receipts/${sha}`);
    if (res.status === 200) {
      const receipt = await res.json();
      if (receipt.coAnchors.length > 0) return receipt;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("no receipt with a TSA token within 60 s");
}

/** Milliseconds per check of tokens never checked before: one token per fresh root, each checked once. */
async function coldChecks(tsaUrl: string, caFile: string): Promise<number[]> {
  const roots = pemCertificates(await readFile(caFile, "utf8"));
  const client = new TsaClient([tsaUrl], roots);
  const tokens: { root: string; token: Buffer }[] = [];
  for (let i = 0; i < COLD_TOKENS; i++) {
    const root = `0x${randomBytes(32).toString("hex")}`;
    tokens.push({ root, token: Buffer.from((await client.stamp(root)).token, "base64") });
  }
  const times: number[] = [];
  for (const { root, token } of tokens) {
    const started = performance.now();
    const check = await checkToken(token, { data: rootBytes(root), roots });
    times.push(performance.now() - started);
    if (!check.ok) throw new Error(`a fresh token did not verify: ${check.reason}`);
  }
  return times;
}

export async function verifyTrustBenchmark(eip1193: Eip1193Provider) {
  const dir = await mkdtemp(path.join(tmpdir(), "notary-bench-trust-"));
  const { caFile } = await createTrialTsa(dir);
  const tsa = await startTrialTsa(dir, 0);
  const noTrust = path.join(dir, "no-trust.json");
  await writeFile(noTrust, "[]\n");
  let checked: TestServer | undefined;
  let unchecked: TestServer | undefined;
  try {
    checked = await startTestServer(eip1193, { TSA_URL: tsa.url, TSA_CA_FILE: caFile });
    unchecked = await startTestServer(eip1193, { TRUST_FILE: noTrust }, undefined, { signer: 1 });
    const receipt = await receiptWithToken(checked);
    const body = JSON.stringify(receipt);
    const url = (s: TestServer) => `${s.url}/api/v1/verify`;
    // Both servers must give the verdicts this comparison is about, or the figures mean nothing.
    const verdict = async (s: TestServer) => (await s.api("/api/v1/verify", { method: "POST", headers: { "content-type": "application/json" }, body })).json();
    const [v1, v2] = [await verdict(checked), await verdict(unchecked)];
    if (v1.status !== "anchored" || v1.timestamps?.[0]?.ok !== true || v1.timestamps[0].unverified || v1.reliable !== true) {
      throw new Error(`the checking server did not check identity and time: ${JSON.stringify(v1)}`);
    }
    if (v2.status !== "anchored" || v2.timestamps?.[0]?.unverified !== true || v2.reliable !== false) throw new Error(`the other server checked the token: ${JSON.stringify(v2)}`);

    const one = await repeat(REPEATS, async () => ({ with: await post(url(checked!), body, { connections: 1 }), without: await post(url(unchecked!), body, { connections: 1 }) }));
    const full = await repeat(REPEATS, async () => ({ with: await post(url(checked!), body, { connections: 20 }), without: await post(url(unchecked!), body, { connections: 20 }) }));
    const rate = Math.max(1, Math.round(spread(full.map((r) => r.with.rps)).median / 2));
    // autocannon paces each connection; more connections than requests per second would send in bursts.
    const paced = Math.min(20, rate);
    const half = await repeat(REPEATS, async () => ({ with: await post(url(checked!), body, { connections: paced, rate }), without: await post(url(unchecked!), body, { connections: paced, rate }) }));
    const of = (rs: { with: Load; without: Load }[], side: "with" | "without", f: keyof Load) => spread(rs.map((r) => r[side][f]));
    const cold = await coldChecks(tsa.url, caFile);
    return {
      coldCheckMs: { ...spread(cold), tokens: COLD_TOKENS },
      durationS: DURATION_S,
      repeats: REPEATS,
      halfRate: rate,
      one: { with: { p50: of(one, "with", "p50"), p99: of(one, "with", "p99") }, without: { p50: of(one, "without", "p50"), p99: of(one, "without", "p99") } },
      full: { with: of(full, "with", "rps"), without: of(full, "without", "rps") },
      half: { with: of(half, "with", "p99"), without: of(half, "without", "p99") },
      p99RatioOne: spread(one.map((r) => r.with.p99 / Math.max(1, r.without.p99))),
      p99RatioHalf: spread(half.map((r) => r.with.p99 / Math.max(1, r.without.p99))),
      non2xx: [...one, ...full, ...half].reduce((n, r) => n + r.with.non2xx + r.without.non2xx, 0),
    };
  } finally {
    await unchecked?.stop();
    await checked?.stop();
    await tsa.close();
    await rm(dir, { recursive: true, force: true });
  }
}
