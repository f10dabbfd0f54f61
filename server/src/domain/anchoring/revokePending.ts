import { isNotaryError } from "../../errors.js";
import type { Chain, Store } from "../ports.js";
import type { DocumentRecord } from "../types.js";

/**
 * Sends the revocation of one document whose batch is anchored, and records
 * it once mined. A revocation already on chain (sent before a crash) is
 * adopted with its on-chain time.
 */
export async function revokeOnChain(deps: { store: Store; chain: Chain; confirmations: number }, doc: DocumentRecord): Promise<void> {
  const { store, chain, confirmations } = deps;
  const batch = doc.batchId === null ? null : await store.getBatch(doc.batchId);
  if (!batch || !doc.leaf || !doc.proof || !doc.revocation) throw new Error(`document ${doc.sha256} is not ready for revocation`);
  const existing = await chain.revocationOf(doc.leaf);
  if (existing) {
    await store.confirmRevocation(doc.sha256, { transactionHash: null, timestamp: existing.timestamp });
    return;
  }
  try {
    const transactionHash = await chain.sendRevoke(batch.root, doc.leaf, doc.proof, doc.revocation.reason);
    await chain.waitMined(transactionHash, confirmations);
    const onChain = await chain.revocationOf(doc.leaf);
    await store.confirmRevocation(doc.sha256, { transactionHash, timestamp: onChain!.timestamp });
  } catch (e) {
    if (!isNotaryError(e, "ALREADY_REVOKED")) throw e;
    const onChain = await chain.revocationOf(doc.leaf);
    await store.confirmRevocation(doc.sha256, { transactionHash: null, timestamp: onChain!.timestamp });
  }
}
