/**
 * Latency at a steady request rate, from `hey` (Debian package `hey`) in a
 * process of its own: each of its workers sends at a fixed pace, unlike
 * autocannon's rate limit, which fires a second's budget in a burst and then
 * waits (so its "half load" is full load half the time).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

import { quantile } from "./stats.js";

const exec = promisify(execFile);
const WORKERS = 10;

export interface SteadyResult {
  rate: number;
  requests: number;
  p50: number;
  p99: number;
  non2xx: number;
}

/** Whether `hey` is installed (`apt-get install hey`). */
export const heyAvailable = () => exec("hey", ["-n", "1", "-c", "1", "http://127.0.0.1:9/"]).then(() => true, () => false);

/** GET `url` at `rate` requests/s for `seconds`; latencies in ms from hey's per-request CSV. */
export async function steadyLoad(url: string, rate: number, seconds: number): Promise<SteadyResult> {
  const perWorker = Math.max(1, Math.round(rate / WORKERS));
  const { stdout } = await exec("hey", ["-z", `${seconds}s`, "-c", String(WORKERS), "-q", String(perWorker), "-o", "csv", url], { maxBuffer: 256 * 1024 ** 2 });
  // response-time,DNS+dialup,DNS,Request-write,Response-delay,Response-read,status-code,offset
  const rows = stdout.trim().split("\n").slice(1).map((line) => line.split(","));
  const latencies = rows.map((r) => Number(r[0]) * 1000);
  return {
    rate: perWorker * WORKERS,
    requests: rows.length,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    non2xx: rows.filter((r) => !r[6]?.startsWith("2")).length,
  };
}
