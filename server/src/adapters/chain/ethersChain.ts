import { Contract, type ContractRunner, Interface, type Provider, type Signer, isError } from "ethers";

import { NotaryError } from "../../errors.js";
import type { Chain, MinedTx, OnChainAnchor, OnChainRevocation } from "../../domain/ports.js";
import type { Municipality } from "../../domain/types.js";
import { REGISTRY_ABI } from "./registryAbi.js";

/** Custom errors of the registry → domain error codes; anything else stays an error of the chain. */
const REVERTS: Record<string, "ALREADY_ANCHORED" | "ALREADY_REVOKED" | "INVALID_REQUEST" | "REGISTRY_MISMATCH"> = {
  NotaryRegistryAlreadyAnchored: "ALREADY_ANCHORED",
  NotaryRegistryAlreadyRevoked: "ALREADY_REVOKED",
  NotaryRegistryZeroRoot: "INVALID_REQUEST",
  NotaryRegistryZeroLeafCount: "INVALID_REQUEST",
  NotaryRegistryUnknownRoot: "REGISTRY_MISMATCH",
  NotaryRegistryInvalidProof: "REGISTRY_MISMATCH",
  NotaryRegistryInvalidReason: "INVALID_REQUEST",
  AccessControlUnauthorizedAccount: "REGISTRY_MISMATCH",
};

const REGISTRY = new Interface(REGISTRY_ABI);

/** The custom error of a revert: decoded by ethers, or from the revert data (a signer's gas estimate leaves it undecoded). */
function revertOf(e: unknown): { name: string; args: unknown[] } | null {
  if (!isError(e, "CALL_EXCEPTION")) return null;
  if (e.revert) return { name: e.revert.name, args: [...e.revert.args] };
  if (!e.data) return null;
  try {
    const parsed = REGISTRY.parseError(e.data);
    return parsed ? { name: parsed.name, args: [...parsed.args] } : null;
  } catch {
    return null;
  }
}

/** Turns a revert into a NotaryError by the custom error's name, and network failures into CHAIN_UNAVAILABLE. */
export function toDomainError(e: unknown): unknown {
  const revert = revertOf(e);
  if (revert && REVERTS[revert.name]) {
    const args = revert.args.map((a) => (typeof a === "bigint" ? Number(a) : a));
    return new NotaryError(REVERTS[revert.name]!, `registry reverted with ${revert.name}`, { revert: revert.name, args }, { cause: e });
  }
  if (isError(e, "NETWORK_ERROR") || isError(e, "TIMEOUT") || isError(e, "SERVER_ERROR") || (e as { code?: string })?.code === "ECONNREFUSED") {
    return new NotaryError("CHAIN_UNAVAILABLE", "the chain's JSON-RPC endpoint is not reachable", {}, { cause: e });
  }
  return e;
}

/** Runs a chain call, turning reverts and network failures into domain errors. */
export async function chainRead<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toDomainError(e);
  }
}

/**
 * The registry on an EVM chain through ethers v6. One instance is the single
 * writer of transactions: sends are serialised, so nonces never race.
 */
export class EthersChain implements Chain {
  private readonly reader: Contract;
  private readonly writer: Contract;
  private sendQueue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly provider: Provider,
    signer: Signer,
    readonly registry: string,
    readonly chainId: number,
    readonly genesisHash: string = "",
    /** How often waitMined asks for a receipt. */
    private readonly pollMs = 250,
  ) {
    this.reader = new Contract(registry, REGISTRY_ABI, provider as ContractRunner);
    this.writer = new Contract(registry, REGISTRY_ABI, signer);
  }

  private serialised<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.sendQueue.then(fn, fn);
    this.sendQueue = next.catch(() => undefined);
    return chainRead(() => next);
  }

  sendAnchor(root: string, leafCount: number): Promise<string> {
    return this.serialised(async () => (await this.writer.getFunction("anchor")(root, leafCount)).hash as string);
  }

  sendRevoke(root: string, leaf: string, proof: string[], reason: number): Promise<string> {
    return this.serialised(async () => (await this.writer.getFunction("revoke")(root, leaf, proof, reason)).hash as string);
  }

  /**
   * Polls for the transaction's receipt until it has `confirmations` blocks.
   * Not ethers' waitForTransaction: when the node is unreachable at the moment
   * it is called, that one rejects a promise nobody holds, and the process
   * ends with an unhandled rejection (ethers 6.17). Here an unreachable node
   * is CHAIN_UNAVAILABLE for the caller, who retries from what the chain says.
   */
  waitMined(transactionHash: string, confirmations: number): Promise<MinedTx> {
    return chainRead(async () => {
      let receipt = await this.provider.getTransactionReceipt(transactionHash);
      while (confirmations > 0 && (!receipt || (await this.provider.getBlockNumber()) - receipt.blockNumber + 1 < confirmations)) {
        await new Promise((r) => setTimeout(r, this.pollMs));
        receipt = await this.provider.getTransactionReceipt(transactionHash);
      }
      if (!receipt) throw new NotaryError("CHAIN_UNAVAILABLE", "transaction not found", { transactionHash });
      if (receipt.status !== 1) throw new NotaryError("REGISTRY_MISMATCH", "transaction reverted", { transactionHash });
      const block = await this.provider.getBlock(receipt.blockNumber);
      return { transactionHash, blockNumber: receipt.blockNumber, blockHash: receipt.blockHash, timestamp: block!.timestamp };
    });
  }

  anchorOf(root: string): Promise<OnChainAnchor | null> {
    return chainRead(async () => {
      const a = await this.reader.getFunction("anchorOf")(root);
      if (a.issuer === "0x0000000000000000000000000000000000000000") return null;
      return { issuer: a.issuer, timestamp: Number(a.timestamp), blockNumber: Number(a.blockNumber), leafCount: Number(a.leafCount) };
    });
  }

  revocationOf(leaf: string): Promise<OnChainRevocation | null> {
    return chainRead(async () => {
      const r = await this.reader.getFunction("revocationOf")(leaf);
      if (r.revoker === "0x0000000000000000000000000000000000000000") return null;
      return { revoker: r.revoker, timestamp: Number(r.timestamp), reason: Number(r.reason) };
    });
  }

  transactionKnown(transactionHash: string): Promise<boolean> {
    return chainRead(async () => (await this.provider.getTransaction(transactionHash)) !== null);
  }

  findAnchorTransaction(root: string, blockNumber: number): Promise<MinedTx> {
    return chainRead(async () => {
      const [event] = await this.reader.queryFilter(this.reader.filters.Anchored!(root), blockNumber, blockNumber);
      if (!event) throw new NotaryError("REGISTRY_MISMATCH", "no Anchored event for root", { root, blockNumber });
      const block = await this.provider.getBlock(blockNumber);
      return { transactionHash: event.transactionHash, blockNumber, blockHash: event.blockHash, timestamp: block!.timestamp };
    });
  }

  blockHash(blockNumber: number): Promise<string | null> {
    return chainRead(async () => (await this.provider.getBlock(blockNumber))?.hash ?? null);
  }

  municipality(): Promise<Municipality> {
    return chainRead(async () => {
      const [name, ags] = await this.reader.getFunction("municipality")();
      return { name, ags };
    });
  }

  version(): Promise<string> {
    return chainRead(() => this.reader.getFunction("version")());
  }

  blockNumber(): Promise<number> {
    return chainRead(() => this.provider.getBlockNumber());
  }
}
