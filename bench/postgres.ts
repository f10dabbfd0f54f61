/**
 * Scale-out (issue #15): the compiled server as `npm start` runs it, against
 * one durable local chain (`npx notary chain`), measured in one run:
 * (a) upload throughput of one instance on PostgreSQL vs one on SQLite,
 * (b) two instances on one PostgreSQL database vs one (the same total number
 *     of client connections, split between them),
 * (c) failover: kill -9 of the anchoring leader until the other instance
 *     leads, and until it has anchored a document uploaded after the kill.
 * Originals are off (IPFS_MODE=off) so that the figures compare the stores.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { openStore } from "../server/src/adapters/store/openStore.js";
import { addClerk } from "../server/src/domain/clerks/clerkKeys.js";
import { TestPostgres } from "../test/helpers/postgres.js";
import { freePort, startNotaryChain } from "../test/helpers/processes.js";
import { eventually } from "../test/helpers/server.js";
import { ServerProcess } from "../test/helpers/serverProcess.js";
import { teardownAll } from "../test/helpers/teardown.js";
import { repeat, spread } from "./stats.js";
import { uploads } from "./throughput.js";

const REPEATS = 3;
const FAILOVERS = 5;
const SIGNER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

export async function postgresBenchmark() {
  const dir = await mkdtemp(path.join(tmpdir(), "notary-bench-pg-"));
  const pg = await TestPostgres.start();
  const chain = await startNotaryChain(path.join(dir, "chain"));
  const masterKey = "0x" + randomBytes(32).toString("hex");
  const base = { RPC_URL: chain.url, SIGNER_KEY, MASTER_KEY: masterKey, IPFS_MODE: "off", BATCH_INTERVAL_MS: "1000", LOG_LEVEL: "warn", RATE_LIMIT_PER_MINUTE: "1000000" };
  const server = async (name: string, env: Record<string, string>) => {
    const port = await freePort();
    const s = new ServerProcess({ ...base, DATA_DIR: path.join(dir, name), PORT: String(port), INSTANCE_NAME: name, ...env }, `http://127.0.0.1:${port}`);
    await s.start();
    return s;
  };
  const clerk = async (settings: { dataDir: string; DATABASE_URL?: string }) => {
    const { store } = await openStore(settings);
    try {
      return (await addClerk({ store, clock: { now: () => Date.now() } }, `bench-${randomBytes(4).toString("hex")}`)).key;
    } finally {
      await store.close();
    }
  };
  const endpoint = (s: ServerProcess) => `${s.base}/api/v1/documents`;
  try {
    // (a) one instance each, run in turns so that both see the same machine.
    const sqliteServer = await server("sqlite", {});
    const sqliteKey = await clerk({ dataDir: path.join(dir, "sqlite") });
    const pgUrl = await pg.database();
    const single = await server("pg-1", { DATABASE_URL: pgUrl });
    const pgKey = await clerk({ dataDir: dir, DATABASE_URL: pgUrl });
    const sqliteRuns: number[] = [];
    const pgRuns: number[] = [];
    let non2xx = 0;
    await repeat(REPEATS, async () => {
      const s = await uploads(endpoint(sqliteServer), sqliteKey);
      const p = await uploads(endpoint(single), pgKey);
      sqliteRuns.push(s.rps);
      pgRuns.push(p.rps);
      non2xx += s.non2xx + p.non2xx;
    });
    await sqliteServer.kill("SIGTERM");

    // (b) a second instance on the same database: 5 + 5 connections vs 10 to one.
    const second = await server("pg-2", { DATABASE_URL: pgUrl });
    const oneRuns: number[] = [];
    const twoRuns: number[] = [];
    await repeat(REPEATS, async () => {
      const one = await uploads(endpoint(single), pgKey, 10);
      const [a, b] = await Promise.all([uploads(endpoint(single), pgKey, 5), uploads(endpoint(second), pgKey, 5)]);
      oneRuns.push(one.rps);
      twoRuns.push(a.rps + b.rps);
      non2xx += one.non2xx + a.non2xx + b.non2xx;
    });

    // (c) failover after kill -9 of the leader (the killed one comes back as a follower each time).
    const instances = [single, second];
    const readyz = async (s: ServerProcess) =>
      (await fetch(`${s.base}/readyz`).then((r) => r.json(), () => null)) as { checks?: { leader?: { leading: boolean } } } | null;
    const leads = async (s: ServerProcess) => (await readyz(s))?.checks?.leader?.leading === true;
    const leaderMs: number[] = [];
    const anchoredMs: number[] = [];
    for (let i = 0; i < FAILOVERS; i++) {
      await eventually(async () => (await Promise.all(instances.map(leads))).some(Boolean), 20_000, "a leader");
      const leader = (await leads(instances[0]!)) ? instances[0]! : instances[1]!;
      const survivor = instances.find((s) => s !== leader)!;
      const killed = Date.now();
      await leader.kill("SIGKILL");
      await eventually(() => leads(survivor), 30_000, "the survivor to lead");
      leaderMs.push(Date.now() - killed);
      const sha256 = randomBytes(32).toString("hex");
      const res = await fetch(endpoint(survivor), { method: "POST", headers: { authorization: `Bearer ${pgKey}`, "content-type": "application/json" }, body: JSON.stringify({ sha256 }) });
      if (res.status !== 202) throw new Error(`upload after the kill: ${res.status}`);
      await eventually(async () => (await fetch(`${survivor.base}/api/v1/receipts/${sha256}`)).status === 200, 30_000, "the anchor");
      anchoredMs.push(Date.now() - killed);
      await leader.start();
    }
    return {
      repeats: REPEATS,
      sqlite: spread(sqliteRuns),
      postgres: spread(pgRuns),
      pgVsSqlite: spread(pgRuns.map((v, i) => v / sqliteRuns[i]!)),
      one: spread(oneRuns),
      two: spread(twoRuns),
      twoVsOne: spread(twoRuns.map((v, i) => v / oneRuns[i]!)),
      failoverLeaderMs: spread(leaderMs),
      failoverAnchoredMs: spread(anchoredMs),
      batchIntervalMs: Number(base.BATCH_INTERVAL_MS),
      non2xx,
    };
  } finally {
    await teardownAll();
    await rm(dir, { recursive: true, force: true });
  }
}
