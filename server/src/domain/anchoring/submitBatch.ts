import { isNotaryError } from "../../errors.js";
import type { Chain, Clock, MinedTx, Store } from "../ports.js";
import type { BatchRecord } from "../types.js";

export interface SubmitDeps {
  store: Store;
  chain: Chain;
  clock: Clock;
  confirmations: number;
  /** Says when a batch is adopted rather than sent (after a restart or a change of leader). */
  log?: { info(o: object, msg: string): void };
}

/**
 * Anchors a persisted batch, exactly once. A previous run may have sent the
 * transaction before it stopped, so the chain is asked first: a root already
 * anchored is adopted, a transaction still known to the node is awaited, and
 * only otherwise is `anchor` sent (a race lost to an earlier send surfaces as
 * ALREADY_ANCHORED and is adopted too).
 */
export async function submitBatch(deps: SubmitDeps, batch: BatchRecord): Promise<BatchRecord> {
  const { store, chain, clock } = deps;
  const mined = await anchorOnce(deps, batch);
  const onChain = await chain.anchorOf(batch.root);
  if (!onChain) throw new Error(`root ${batch.root} not anchored after transaction ${mined.transactionHash}`);
  await store.markBatchConfirmed(
    batch.id,
    {
      chainId: chain.chainId,
      registry: chain.registry,
      transactionHash: mined.transactionHash,
      blockNumber: mined.blockNumber,
      blockHash: mined.blockHash,
      timestamp: onChain.timestamp,
      issuer: onChain.issuer,
      genesisHash: chain.genesisHash,
    },
    clock.now(),
  );
  return (await store.getBatch(batch.id))!;
}

async function anchorOnce(deps: SubmitDeps, batch: BatchRecord): Promise<MinedTx> {
  const { store, chain, confirmations } = deps;
  const existing = await chain.anchorOf(batch.root);
  if (existing) {
    deps.log?.info({ batch: batch.id, block: existing.blockNumber }, "batch adopted: its root was already anchored (by an earlier run or the previous leader); nothing sent");
    return chain.findAnchorTransaction(batch.root, existing.blockNumber);
  }
  if (batch.state === "submitted" && batch.transactionHash && (await chain.transactionKnown(batch.transactionHash))) {
    deps.log?.info({ batch: batch.id, transaction: batch.transactionHash }, "batch adopted: awaiting the transaction an earlier run (or the previous leader) sent; nothing sent");
    return chain.waitMined(batch.transactionHash, confirmations);
  }
  let transactionHash: string;
  try {
    transactionHash = await chain.sendAnchor(batch.root, batch.leafCount + (batch.audit ? 1 : 0));
  } catch (e) {
    if (!isNotaryError(e, "ALREADY_ANCHORED")) throw e;
    deps.log?.info({ batch: batch.id }, "batch adopted: another run anchored its root first");
    const anchor = await chain.anchorOf(batch.root);
    return chain.findAnchorTransaction(batch.root, anchor!.blockNumber);
  }
  await store.markBatchSubmitted(batch.id, transactionHash);
  return chain.waitMined(transactionHash, confirmations);
}
