import { NotaryError } from "../../errors.js";
import type { Store } from "../ports.js";
import type { Municipality } from "../types.js";

/** What startup needs to know about the chain; implemented in adapters/chain/chainProbe.ts. */
export interface ChainProbe {
  chainId(): Promise<number>;
  genesisHash(): Promise<string>;
  hasCode(address: string): Promise<boolean>;
  /** Whether `account` holds ISSUER_ROLE and REVOKER_ROLE on the registry. */
  canIssueAndRevoke(registry: string, account: string): Promise<boolean>;
  deploy(municipality: Municipality): Promise<{ address: string; blockNumber: number }>;
  /** The hash of the block holding a transaction; null when the chain does not know it. */
  blockHashOf(transactionHash: string): Promise<string | null>;
}

export interface ConnectDeps {
  store: Store;
  probe: ChainProbe;
  signer: string;
  municipality: Municipality;
  /** REGISTRY_ADDRESS; unset: reuse the registry this data dir used, or deploy one. */
  configured?: string;
  /** REANCHOR: when the chain lost blocks receipts depend on, re-anchor everything instead of refusing to start. */
  reanchor?: boolean;
  log: { info(o: object, msg: string): void; error(o: object, msg: string): void };
}

/**
 * Finds the registry to anchor to at startup. A Hardhat node forgets its chain
 * on restart: when the chain or registry is not the one this data directory
 * anchored to, a registry is deployed if none is configured, and every
 * document is queued again (same salts) to be re-anchored, with new receipts.
 */
export async function connectRegistry(deps: ConnectDeps): Promise<{ registry: string; chainId: number; genesisHash: string; requeued: number }> {
  const { store, probe, log } = deps;
  const [chainId, genesis] = await Promise.all([probe.chainId(), probe.genesisHash()]);
  const previous = {
    registry: await store.getMeta("registry"),
    chainId: await store.getMeta("chainId"),
    genesis: await store.getMeta("genesisHash"),
  };
  const sameChain = previous.chainId === String(chainId) && previous.genesis === genesis;

  let registry: string;
  if (deps.configured) {
    if (!(await probe.hasCode(deps.configured))) {
      throw new NotaryError("REGISTRY_MISMATCH", `No contract at REGISTRY_ADDRESS ${deps.configured} on chain ${chainId}`, { chainId });
    }
    registry = deps.configured;
  } else if (sameChain && previous.registry && (await probe.hasCode(previous.registry))) {
    registry = previous.registry;
  } else {
    const deployed = await probe.deploy(deps.municipality);
    registry = deployed.address;
    log.info({ registry, chainId, block: deployed.blockNumber, municipality: deps.municipality }, "registry deployed");
  }
  if (!(await probe.canIssueAndRevoke(registry, deps.signer))) {
    throw new NotaryError("REGISTRY_MISMATCH", `The signer ${deps.signer} lacks ISSUER_ROLE or REVOKER_ROLE on ${registry}; grant both with the registry's admin account`, { registry });
  }

  let requeued = 0;
  let moved = previous.registry !== null && !(sameChain && previous.registry.toLowerCase() === registry.toLowerCase());
  // The same chain must still hold what receipts were handed out for: the last confirmed batch's transaction, in its block.
  const last = moved ? null : await store.lastConfirmedBatch();
  if (last?.anchor && (await probe.blockHashOf(last.anchor.transactionHash)) !== last.anchor.blockHash) {
    const details = { batch: last.id, transactionHash: last.anchor.transactionHash, blockNumber: last.anchor.blockNumber };
    if (!deps.reanchor) {
      throw new NotaryError(
        "CHAIN_HISTORY_LOST",
        `The chain no longer holds block ${last.anchor.blockNumber} with the transaction ${last.anchor.transactionHash} of batch ${last.id}: it lost blocks that receipts depend on (is its journal or data older than notary.db?). Restore the chain from the same backup as the database. Only if those receipts may be given up, start once with REANCHOR=true to anchor every document again.`,
        details,
      );
    }
    log.error(details, "REANCHOR=true: the chain lost blocks that receipts depend on; every document is anchored again");
    moved = true;
  }
  if (moved) {
    const { documents, batches } = await store.requeueAll();
    requeued = documents;
    if (documents > 0) {
      log.error(
        { previous, now: { registry, chainId, genesis }, documents, batches },
        "CHAIN RESET OR NEW REGISTRY: the chain or registry this data directory anchored to is gone. Every document is queued again and will be re-anchored; earlier receipts no longer verify, new receipts are issued.",
      );
    }
  }
  await store.setMeta("registry", registry);
  await store.setMeta("chainId", String(chainId));
  await store.setMeta("genesisHash", genesis);
  return { registry, chainId, genesisHash: genesis, requeued };
}
