import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

import { Signature, Transaction, keccak256 } from "ethers";
import { createHardhatRuntimeEnvironment } from "hardhat/hre";

import { BlockJournal, type JournalBlock, type JournalHeader } from "./blockJournal.js";
import { acquireLock } from "./lock.js";
import { replayJournal } from "./replay.js";
import { classify } from "./rpcPolicy.js";

/** Hardhat's well-known development mnemonic: its keys are public, so this chain stays on 127.0.0.1. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** An EIP-1193 request function: Hardhat's in-process network. */
export interface Requester {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

/** A JSON-RPC error as the chain answers it (code, message, data), for the HTTP layer to pass on. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

/**
 * The genesis of a new local chain, with every setting the genesis block
 * depends on written out (not left to Hardhat's defaults, which a later
 * version may change). `initialDate` is the moment of the first start.
 */
export function newGenesis(now: Date): Record<string, unknown> {
  return {
    chainId: 31337,
    networkId: 31337,
    chainType: "l1",
    hardfork: "osaka",
    initialDate: new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString(),
    blockGasLimit: "60000000",
    coinbase: "0xc014ba5ec014ba5ec014ba5ec014ba5ec014ba5e",
    accounts: { mnemonic: DEV_MNEMONIC, count: 20, path: "m/44'/60'/0'/0", initialIndex: 0, accountsBalance: "10000000000000000000000" },
  };
}

/** Hardhat's in-process network (EDR) with exactly this genesis, automining one block per transaction. */
export async function createNetwork(genesis: Record<string, unknown>): Promise<{ provider: Requester; close(): Promise<void> }> {
  const g = genesis as { blockGasLimit: string; accounts: Record<string, unknown> & { accountsBalance: string } };
  const hre = await createHardhatRuntimeEnvironment({
    networks: {
      durable: {
        type: "edr-simulated",
        ...(genesis as object),
        blockGasLimit: BigInt(g.blockGasLimit),
        accounts: { ...g.accounts, accountsBalance: BigInt(g.accounts.accountsBalance) },
        mining: { auto: true, interval: 0 },
      },
    },
  } as Parameters<typeof createHardhatRuntimeEnvironment>[0]);
  const connection = await hre.network.create("durable");
  return { provider: connection.provider, close: () => connection.close() };
}

interface RpcBlock {
  number: string;
  timestamp: string;
  hash: string;
  transactions: Record<string, string | null | undefined | object>[];
}

type RpcAuthorization = { chainId: string; address: string; nonce: string; yParity: string; r: string; s: string };

/** A mined transaction as raw signed bytes, checked against its hash (a mismatch would make the journal useless). */
function rawTransaction(t: Record<string, unknown>): string {
  const authorizations = t.authorizationList as RpcAuthorization[] | undefined;
  const tx = Transaction.from({
    type: Number(t.type),
    to: (t.to as string | null) ?? null,
    nonce: Number(t.nonce),
    gasLimit: t.gas as string,
    gasPrice: t.type === "0x2" || t.type === "0x4" ? null : (t.gasPrice as string),
    maxFeePerGas: (t.maxFeePerGas as string | undefined) ?? null,
    maxPriorityFeePerGas: (t.maxPriorityFeePerGas as string | undefined) ?? null,
    data: t.input as string,
    value: t.value as string,
    chainId: (t.chainId as string | undefined) ?? 0,
    accessList: (t.accessList as never) ?? null,
    authorizationList: authorizations
      ? authorizations.map((a) => ({ address: a.address, nonce: BigInt(a.nonce), chainId: BigInt(a.chainId), signature: Signature.from({ r: a.r, s: a.s, yParity: Number(a.yParity) as 0 | 1 }) }))
      : null,
    signature: { r: t.r as string, s: t.s as string, v: t.v as string, yParity: t.yParity as never },
  });
  const raw = tx.serialized;
  if (keccak256(raw) !== t.hash) throw new Error(`cannot serialise transaction ${String(t.hash)} for the journal (type ${String(t.type)})`);
  return raw;
}

/**
 * Blocks `from`..`to` as the journal keeps them. Transactions sent raw are
 * journaled byte for byte as they were sent (`sentRaw`, by hash); those the
 * node signed itself are serialised again from the block and checked against
 * their hash.
 */
export async function readBlocks(provider: Requester, from: number, to: number, sentRaw: Map<string, string> = new Map()): Promise<JournalBlock[]> {
  const blocks: JournalBlock[] = [];
  for (let n = from; n <= to; n++) {
    const b = (await provider.request({ method: "eth_getBlockByNumber", params: [`0x${n.toString(16)}`, true] })) as RpcBlock;
    const raws = b.transactions.map((t) => sentRaw.get((t.hash as string).toLowerCase()) ?? rawTransaction(t as Record<string, unknown>));
    blocks.push({ number: Number(b.number), timestamp: Number(b.timestamp), hash: b.hash, transactions: raws });
  }
  return blocks;
}

export type ChainEvent =
  | { event: "created"; genesisHash: string; journal: string }
  | { event: "replaying"; done: number; total: number }
  | { event: "replayed"; blocks: number; ms: number; blocksPerSecond: number }
  | { event: "torn-record-dropped"; bytes: number }
  | { event: "hardhat-version-changed"; journal: string; running: string };

/** The Hardhat version running the chain (written into a new journal's header). */
export const HARDHAT_VERSION: string = (createRequire(import.meta.url)("hardhat/package.json") as { version: string }).version;

const blockNumberOf = async (provider: Requester) => Number(await provider.request({ method: "eth_blockNumber" }));

/**
 * A local Hardhat chain that keeps its history: every block is written to a
 * journal (fsync) before any answer that could reveal it, and on start the
 * journal is replayed into a chain with the same genesis, each block with its
 * own timestamp and every block hash compared (DESIGN.md "The local chain
 * keeps its history"). Requests are served one at a time.
 */
export class DurableChain {
  private queue: Promise<unknown> = Promise.resolve();
  private failure: Error | null = null;
  /** Raw transactions as clients sent them, by hash, until their block is journaled. */
  private readonly sentRaw = new Map<string, string>();

  private constructor(
    private readonly network: { provider: Requester; close(): Promise<void> },
    private readonly journal: BlockJournal,
    private readonly unlock: () => Promise<void>,
    readonly chainId: number,
    readonly genesisHash: string,
    /** Called when a block could not be journaled: the chain must stop (a restart replays what is on disk). */
    private readonly onFatal: (e: Error) => void,
  ) {}

  /** Opens (replaying) or creates the chain kept in `dir`. */
  static async open(
    dir: string,
    opts: { onEvent?: (e: ChainEvent) => void; onFatal?: (e: Error) => void; now?: () => Date; lockWaitMs?: number } = {},
  ): Promise<DurableChain> {
    const emit = opts.onEvent ?? (() => {});
    const now = opts.now ?? (() => new Date());
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const unlock = await acquireLock(dir, "chain", opts.lockWaitMs);
    const file = path.join(dir, "blocks.journal");
    let network: { provider: Requester; close(): Promise<void> } | undefined;
    try {
      const opened = await BlockJournal.open(file);
      let journal: BlockJournal;
      let header: JournalHeader;
      if (!opened) {
        const genesis = newGenesis(now());
        network = await createNetwork(genesis);
        const genesisHash = (await readBlocks(network.provider, 0, 0))[0]!.hash;
        header = { format: "notary-chain-journal", version: 1, createdAt: now().toISOString(), genesis, genesisHash, hardhat: HARDHAT_VERSION };
        journal = await BlockJournal.create(file, header);
        emit({ event: "created", genesisHash, journal: file });
      } else {
        ({ journal, header } = opened);
        if (opened.droppedBytes > 0) emit({ event: "torn-record-dropped", bytes: opened.droppedBytes });
        if (header.hardhat !== HARDHAT_VERSION) emit({ event: "hardhat-version-changed", journal: header.hardhat, running: HARDHAT_VERSION });
        network = await createNetwork(header.genesis);
        const started = performance.now();
        try {
          await replayJournal(network.provider, header, opened.blocks, (done, total) => emit({ event: "replaying", done, total }));
        } catch (e) {
          await journal.close();
          throw e;
        }
        const ms = Math.round(performance.now() - started);
        emit({ event: "replayed", blocks: opened.blocks.length, ms, blocksPerSecond: Math.round((opened.blocks.length / Math.max(ms, 1)) * 1000) });
        // The chain's clock continues from wall time, not from the last replayed block.
        const last = opened.blocks.at(-1)?.timestamp ?? Math.floor(new Date(header.genesis.initialDate as string).getTime() / 1000);
        const behind = Math.floor(now().getTime() / 1000) - last;
        if (behind > 0) await network.provider.request({ method: "evm_increaseTime", params: [behind] });
      }
      const chainId = Number(await network.provider.request({ method: "eth_chainId" }));
      return new DurableChain(network, journal, unlock, chainId, header.genesisHash, opts.onFatal ?? (() => {}));
    } catch (e) {
      await network?.close();
      await unlock();
      throw e;
    }
  }

  /** The number of blocks on the chain (all journaled). */
  get blocks(): number {
    return this.journal.lastBlock;
  }

  /** One JSON-RPC request; requests run one after the other, and blocks they mine are on disk before the answer. */
  request(method: string, params: unknown[] = []): Promise<unknown> {
    const run = () => this.handle(method, params);
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async handle(method: string, params: unknown[]): Promise<unknown> {
    if (this.failure) throw new RpcError(-32603, `the durable chain stopped: ${this.failure.message}`);
    const kind = classify(method);
    if (kind === "unreplayable") {
      throw new RpcError(-32601, `${method} is not available on the durable local chain: its effect could not be replayed from the block journal`);
    }
    if (kind === "unsupported") throw new RpcError(-32601, `${method} is not supported by the durable local chain`);
    if (method === "eth_sendRawTransaction" && typeof params[0] === "string" && /^0x[0-9a-fA-F]+$/.test(params[0])) {
      this.sentRaw.set(keccak256(params[0]).toLowerCase(), params[0].toLowerCase());
    }
    let result: unknown;
    let error: unknown;
    try {
      result = await this.network.provider.request({ method, params });
    } catch (e) {
      error = e;
    }
    if (kind === "mines") await this.journalNewBlocks();
    if (error !== undefined) throw error;
    return result;
  }

  /** Writes every block the journal does not have yet; a failure stops the chain (its blocks were never handed out). */
  private async journalNewBlocks(): Promise<void> {
    try {
      const latest = await blockNumberOf(this.network.provider);
      if (latest > this.journal.lastBlock) await this.journal.append(await readBlocks(this.network.provider, this.journal.lastBlock + 1, latest, this.sentRaw));
      this.sentRaw.clear();
    } catch (e) {
      this.failure = e as Error;
      this.onFatal(this.failure);
      throw new RpcError(-32603, `the block could not be written to the journal; the chain stops: ${(e as Error).message}`);
    }
  }

  async close(): Promise<void> {
    await this.queue;
    await this.journal.close();
    await this.network.close();
    await this.unlock();
  }
}

