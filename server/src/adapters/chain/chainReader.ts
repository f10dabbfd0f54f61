import { Contract, Interface, type Provider, ZeroAddress, isError } from "ethers";

import type { ChainReader, Listing, MinedTransaction, OnChainAnchor, OnChainRevocation } from "../../domain/ports.js";
import type { Clock } from "../../domain/ports.js";
import type { Municipality } from "../../domain/types.js";
import { NotaryError } from "../../errors.js";
import { DIRECTORY_ABI } from "./directoryAbi.js";
import { chainRead } from "./ethersChain.js";
import { REGISTRY_ABI } from "./registryAbi.js";

const REGISTRY = new Interface(REGISTRY_ABI);
const ANCHORED = REGISTRY.getEvent("Anchored")!;

/**
 * A contract read that answers null where the contract is not (no code, or
 * another contract: nothing decodable comes back); network failures become
 * CHAIN_UNAVAILABLE.
 */
const readOrNull = <T>(fn: () => Promise<T | null>): Promise<T | null> =>
  chainRead(async () => {
    try {
      return await fn();
    } catch (e) {
      if (isError(e, "BAD_DATA") || isError(e, "CALL_EXCEPTION")) return null;
      throw e;
    }
  });

/** Blocks per eth_getLogs request, and requests at a time. */
const LOG_SPAN = 10_000;
const LOG_PARALLEL = 4;

/** Any registry and directory on one chain, read with ethers; nothing is signed or sent. */
export class EthersChainReader implements ChainReader {
  constructor(
    private readonly provider: Provider,
    readonly chainId: number,
    readonly source: string,
  ) {}

  genesisHash(): Promise<string> {
    return chainRead(async () => (await this.provider.getBlock(0))!.hash!);
  }

  blockHash(blockNumber: number): Promise<string | null> {
    return chainRead(async () => (await this.provider.getBlock(blockNumber))?.hash ?? null);
  }

  transaction(transactionHash: string): Promise<MinedTransaction | null> {
    return chainRead(async () => {
      const receipt = await this.provider.getTransactionReceipt(transactionHash);
      if (!receipt) return null;
      const anchored = receipt.logs
        .filter((log) => log.topics[0] === ANCHORED.topicHash)
        .map((log) => {
          const parsed = REGISTRY.parseLog(log)!;
          return { emitter: log.address, root: parsed.args.root as string, issuer: parsed.args.issuer as string };
        });
      return { status: receipt.status ?? 0, blockNumber: receipt.blockNumber, blockHash: receipt.blockHash, to: receipt.to, anchored };
    });
  }

  anchorOf(registry: string, root: string): Promise<OnChainAnchor | null> {
    return readOrNull(async () => {
      const a = await new Contract(registry, REGISTRY_ABI, this.provider).getFunction("anchorOf")(root);
      if (a.issuer === ZeroAddress) return null;
      return { issuer: a.issuer, timestamp: Number(a.timestamp), blockNumber: Number(a.blockNumber), leafCount: Number(a.leafCount) };
    });
  }

  revocationOf(registry: string, leaf: string): Promise<OnChainRevocation | null> {
    return readOrNull(async () => {
      const r = await new Contract(registry, REGISTRY_ABI, this.provider).getFunction("revocationOf")(leaf);
      if (r.revoker === ZeroAddress) return null;
      return { revoker: r.revoker, timestamp: Number(r.timestamp), reason: Number(r.reason) };
    });
  }

  municipalityOf(registry: string): Promise<Municipality | null> {
    return readOrNull(async () => {
      const [name, ags] = await new Contract(registry, REGISTRY_ABI, this.provider).getFunction("municipality")();
      return { name, ags };
    });
  }

  listingOf(directory: string, registry: string): Promise<Listing | null> {
    // null too when there is no directory at that address on this chain
    return readOrNull(async () => {
      const l = await new Contract(directory, DIRECTORY_ABI, this.provider).getFunction("listingOf")(registry);
      if (l.ags === "") return null;
      return { ags: l.ags, name: l.name, domain: l.domain, activeFrom: Number(l.activeFrom), activeUntil: Number(l.activeUntil), revokedFrom: Number(l.revokedFrom) };
    });
  }

  latestBlock(): Promise<number> {
    return chainRead(() => this.provider.getBlockNumber());
  }

  firstBlockAtOrAfter(timestamp: number, fromBlock: number): Promise<number> {
    return chainRead(async () => {
      const timeOf = async (n: number) => {
        const block = await this.provider.getBlock(n);
        if (!block) throw new NotaryError("CHAIN_UNAVAILABLE", `the node does not serve block ${n} (yet)`);
        return block.timestamp;
      };
      let [lo, hi] = [fromBlock, await this.provider.getBlockNumber()];
      if (hi < lo || (await timeOf(hi)) < timestamp) return Math.max(lo, hi + 1);
      while (lo < hi) {
        const mid = Math.floor((lo + hi) / 2);
        if ((await timeOf(mid)) < timestamp) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    });
  }

  anchoredRoots(registry: string, fromBlock: number, toBlock: number): Promise<{ root: string; blockNumber: number }[]> {
    return chainRead(async () => {
      // In spans of LOG_SPAN blocks (many nodes refuse eth_getLogs over longer ranges), a few at a time.
      const spans: [number, number][] = [];
      for (let from = fromBlock; from <= toBlock; from += LOG_SPAN) spans.push([from, Math.min(toBlock, from + LOG_SPAN - 1)]);
      const found: { root: string; blockNumber: number }[][] = [];
      for (let i = 0; i < spans.length; i += LOG_PARALLEL) {
        found.push(
          ...(await Promise.all(
            spans.slice(i, i + LOG_PARALLEL).map(async ([from, to]) =>
              (await this.provider.getLogs({ address: registry, topics: [ANCHORED.topicHash], fromBlock: from, toBlock: to })).map((log) => ({
                root: log.topics[1]!.toLowerCase(),
                blockNumber: log.blockNumber,
              })),
            ),
          )),
        );
      }
      return found.flat();
    });
  }
}

interface Entry<T> {
  value: Promise<T>;
  expires: number;
}

/**
 * Caches what a verifier reads. Facts that never change once they exist
 * (the genesis, a block's hash, a mined transaction, an anchor, a registry's
 * name) are kept; revocations for a couple of seconds, directory listings for
 * a minute (rotations and revocations change them). Concurrent misses share
 * one read; failed reads are not kept.
 */
export class CachingChainReader implements ChainReader {
  private readonly entries = new Map<string, Entry<unknown>>();

  constructor(
    private readonly inner: ChainReader,
    private readonly clock: Clock,
    private readonly ttl = { revocationMs: 2000, listingMs: 60_000 },
    private readonly maxEntries = 50_000,
  ) {}

  get chainId() {
    return this.inner.chainId;
  }

  get source() {
    return this.inner.source;
  }

  private cached<T>(key: string, ttlMs: number, read: () => Promise<T>, keep: (v: T) => boolean = () => true): Promise<T> {
    const now = this.clock.now();
    const hit = this.entries.get(key) as Entry<T> | undefined;
    if (hit && hit.expires > now) return hit.value;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const value = read();
    this.entries.set(key, { value, expires: now + ttlMs });
    value.then(
      (v) => {
        if (!keep(v)) this.entries.delete(key);
      },
      () => this.entries.delete(key),
    );
    return value;
  }

  /** Forgets a revocation read (after this server revoked the leaf). */
  forgetRevocation(registry: string, leaf: string): void {
    this.entries.delete(`revocation:${registry.toLowerCase()}:${leaf}`);
  }

  genesisHash() {
    return this.cached("genesis", Infinity, () => this.inner.genesisHash());
  }

  blockHash(n: number) {
    return this.cached(`block:${n}`, Infinity, () => this.inner.blockHash(n), (h) => h !== null);
  }

  transaction(hash: string) {
    return this.cached(`tx:${hash.toLowerCase()}`, Infinity, () => this.inner.transaction(hash), (t) => t !== null);
  }

  anchorOf(registry: string, root: string) {
    return this.cached(`anchor:${registry.toLowerCase()}:${root.toLowerCase()}`, Infinity, () => this.inner.anchorOf(registry, root), (a) => a !== null);
  }

  revocationOf(registry: string, leaf: string) {
    return this.cached(`revocation:${registry.toLowerCase()}:${leaf}`, this.ttl.revocationMs, () => this.inner.revocationOf(registry, leaf));
  }

  municipalityOf(registry: string) {
    return this.cached(`municipality:${registry.toLowerCase()}`, Infinity, () => this.inner.municipalityOf(registry), (m) => m !== null);
  }

  listingOf(directory: string, registry: string) {
    return this.cached(`listing:${directory.toLowerCase()}:${registry.toLowerCase()}`, this.ttl.listingMs, () => this.inner.listingOf(directory, registry));
  }

  latestBlock() {
    return this.inner.latestBlock();
  }

  firstBlockAtOrAfter(timestamp: number, fromBlock: number) {
    return this.inner.firstBlockAtOrAfter(timestamp, fromBlock);
  }

  /** Not cached: an audit check reads each span once. */
  anchoredRoots(registry: string, fromBlock: number, toBlock: number) {
    return this.inner.anchoredRoots(registry, fromBlock, toBlock);
  }
}
