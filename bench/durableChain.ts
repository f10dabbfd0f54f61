/**
 * The durable local chain: (a) replay of a 100,000-block journal of real
 * `anchor` transactions, against mining the same transactions afresh in the
 * same run; (b) what journaling costs uploads: Notary's upload throughput on
 * the durable chain (`npx notary chain`) against the same server on a plain
 * `hardhat node`, alternating, in the same run.
 */
import { randomBytes } from "node:crypto";
import { cp, mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { BrowserProvider, type Eip1193Provider, Interface } from "ethers";

import { deployRegistry } from "../server/src/adapters/chain/deployRegistry.js";
import { BlockJournal } from "../server/src/adapters/chain/durable/blockJournal.js";
import { DurableChain, HARDHAT_VERSION, createNetwork, newGenesis, readBlocks } from "../server/src/adapters/chain/durable/durableChain.js";
import { REGISTRY_ABI } from "../server/src/adapters/chain/registryAbi.js";
import { EMBEDDED_DEV_KEY, loadConfig } from "../server/src/config.js";
import { startServer } from "../server/src/main.js";
import { addClerk } from "../server/src/domain/clerks/clerkKeys.js";
import { SqliteStore } from "../server/src/adapters/store/sqliteStore.js";
import { startHardhatNode, startNotaryChain } from "../test/helpers/processes.js";
import { repeat, spread } from "./stats.js";
import { uploads } from "./throughput.js";

const BLOCKS = 100_000;
const FRESH_SAMPLE = 5_000;
const CACHE = new URL("./.cache/", import.meta.url).pathname;
const REPEATS = 3;

/** The same genesis every time, so a generated journal can be kept between runs. */
const GENESIS = newGenesis(new Date("2026-01-01T00:00:00Z"));

/** A chain of `blocks` blocks, each one `anchor(root, 1024)` as the server sends it, written as a journal (kept in bench/.cache). */
async function generatedJournal(blocks: number): Promise<{ dir: string; raws: string[][] }> {
  const dir = path.join(CACHE, `journal-${blocks}`);
  const file = path.join(dir, "blocks.journal");
  const cached = await BlockJournal.open(file).catch(() => null);
  if (cached && cached.blocks.length === blocks) {
    await cached.journal.close();
    return { dir, raws: cached.blocks.map((b) => b.transactions) };
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  console.error(`  generating a ${blocks.toLocaleString("en")}-block journal (once; kept in bench/.cache) …`);
  const network = await createNetwork(GENESIS);
  const signer = await new BrowserProvider(network.provider as Eip1193Provider, undefined, { cacheTimeout: -1 }).getSigner(0);
  const { address } = await deployRegistry(signer, "Stadt Musterstadt", "05334002");
  const anchor = new Interface(REGISTRY_ABI);
  const from = await signer.getAddress();
  let height = Number(await network.provider.request({ method: "eth_blockNumber" }));
  while (height < blocks) {
    const data = anchor.encodeFunctionData("anchor", [`0x${randomBytes(32).toString("hex")}`, 1024]);
    await network.provider.request({ method: "eth_sendTransaction", params: [{ from, to: address, data, gas: "0x30000" }] });
    height += 1;
  }
  const genesisHash = (await readBlocks(network.provider, 0, 0))[0]!.hash;
  const journal = await BlockJournal.create(file, { format: "notary-chain-journal", version: 1, createdAt: new Date().toISOString(), genesis: GENESIS, genesisHash, hardhat: HARDHAT_VERSION });
  const raws: string[][] = [];
  for (let n = 1; n <= blocks; n += 1000) {
    const chunk = await readBlocks(network.provider, n, Math.min(blocks, n + 999));
    await journal.append(chunk);
    raws.push(...chunk.map((b) => b.transactions));
  }
  await journal.close();
  await network.close();
  return { dir, raws };
}

/** Replays the journal as a start of the chain does, and mines a sample of the same transactions afresh (no timestamps, no checks) for comparison. */
export async function replayBenchmark(blocks = BLOCKS) {
  const { dir, raws } = await generatedJournal(blocks);
  const work = await mkdtemp(path.join(tmpdir(), "notary-bench-replay-"));
  try {
    await cp(path.join(dir, "blocks.journal"), path.join(work, "blocks.journal"));
    const journalMB = (await stat(path.join(work, "blocks.journal"))).size / 1e6;
    const started = performance.now();
    const chain = await DurableChain.open(work, { onEvent: (e) => e.event === "replaying" && e.done % 20_000 === 0 && console.error(`  replayed ${e.done.toLocaleString("en")} …`) });
    const replayS = (performance.now() - started) / 1000;
    await chain.close();

    const fresh = await createNetwork(GENESIS);
    const sample = raws.slice(0, FRESH_SAMPLE);
    const freshStarted = performance.now();
    for (const txs of sample) for (const raw of txs) await fresh.provider.request({ method: "eth_sendRawTransaction", params: [raw] });
    const freshS = (performance.now() - freshStarted) / 1000;
    await fresh.close();
    return {
      blocks,
      journalMB,
      replayS,
      blocksPerSecond: blocks / replayS,
      freshSample: sample.length,
      freshBlocksPerSecond: sample.length / freshS,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A server (in this process) on a chain at `rpcUrl`, with a clerk key. */
async function serverOn(rpcUrl: string, dataDir: string) {
  const config = loadConfig({
    DATA_DIR: dataDir, PORT: "0", RPC_URL: rpcUrl, SIGNER_KEY: EMBEDDED_DEV_KEY, BATCH_INTERVAL_MS: "2000",
    MAX_UPLOAD_BYTES: String(1024 * 1024), RATE_LIMIT_PER_MINUTE: "1000000", LOG_LEVEL: "silent",
  });
  const running = await startServer(config);
  const store = new SqliteStore(path.join(dataDir, "notary.db"));
  const { key } = await addClerk({ store, clock: { now: () => Date.now() } }, "bench");
  await store.close();
  return { running, key };
}

/** Upload throughput on the durable chain vs on a plain hardhat node (no journal), alternating, same server code. */
export async function journalingCostBenchmark() {
  const dir = await mkdtemp(path.join(tmpdir(), "notary-bench-journal-"));
  const durable = await startNotaryChain(path.join(dir, "chain"));
  const plain = await startHardhatNode();
  try {
    const onDurable = await serverOn(durable.url, path.join(dir, "durable"));
    const onPlain = await serverOn(plain.url, path.join(dir, "plain"));
    try {
      const runs = await repeat(REPEATS, async () => ({
        plain: await uploads(`${onPlain.running.url}/api/v1/documents`, onPlain.key),
        durable: await uploads(`${onDurable.running.url}/api/v1/documents`, onDurable.key),
      }));
      return {
        repeats: REPEATS,
        plain: spread(runs.map((r) => r.plain.rps)),
        durable: spread(runs.map((r) => r.durable.rps)),
        ratio: spread(runs.map((r) => r.durable.rps / r.plain.rps)),
        non2xx: runs.reduce((n, r) => n + r.plain.non2xx + r.durable.non2xx, 0),
        blocksJournaled: Number(await (await fetch(durable.url, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber" }) })).json().then((r) => r.result)),
      };
    } finally {
      await onDurable.running.close();
      await onPlain.running.close();
    }
  } finally {
    await durable.stop();
    await plain.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

