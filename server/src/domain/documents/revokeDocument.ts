import { NotaryError } from "../../errors.js";
import type { Clock, Store } from "../ports.js";
import type { Clerk } from "../types.js";
import { getDocument } from "../receipts/getReceipt.js";

export interface RevokeInput {
  sha256: string;
  reason: number;
  note: string | null;
  clerk: Clerk;
}

/**
 * Records a clerk's revocation; the anchoring worker sends it on chain (after
 * the document's batch is anchored, if it is still pending). A document is
 * revoked once only.
 */
export async function revokeDocument(deps: { store: Store; clock: Clock; onRequested?: () => void }, input: RevokeInput) {
  const { store, clock } = deps;
  const doc = await getDocument(store, input.sha256);
  if (doc.approval?.state === "rejected") {
    throw new NotaryError("INVALID_REQUEST", "This document was rejected and is never anchored: there is nothing to revoke", { sha256: input.sha256 });
  }
  if (doc.revocation) {
    throw new NotaryError("ALREADY_REVOKED", "This document is already revoked", {
      sha256: input.sha256,
      reason: doc.revocation.reason,
      requestedAt: doc.revocation.requestedAt,
    });
  }
  const at = clock.now();
  // The note stays with the document (it may name people); the audit chain, which can never be edited, keeps the reason only.
  await store.requestRevocation(input.sha256, { reason: input.reason, note: input.note, at, by: input.clerk.name }, { at, clerk: input.clerk.name, action: "revoke", detail: `reason ${input.reason}` });
  deps.onRequested?.();
  return getDocument(store, input.sha256);
}
