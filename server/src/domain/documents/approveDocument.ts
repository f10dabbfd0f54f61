import { NotaryError } from "../../errors.js";
import type { Clock, Store } from "../ports.js";
import type { Clerk } from "../types.js";
import { getDocument } from "../receipts/getReceipt.js";

export interface ApprovalInput {
  sha256: string;
  decision: "approve" | "reject";
  /** Why it is rejected (required then); shown to clerks and in the audit log. */
  reason: string | null;
  clerk: Clerk;
}

/** NOT_AWAITING_APPROVAL naming who decided first. */
const decidedAlready = (sha256: string, approval: { state: string; by: string | null } | null, when: string) =>
  new NotaryError("NOT_AWAITING_APPROVAL", `This document was ${approval?.state} ${when}, by ${approval?.by}`, { sha256, state: approval?.state, by: approval?.by });

/**
 * Four-eyes issuance: a second clerk with the approver (or admin) role
 * approves a document awaiting approval, which is then batched, or rejects
 * it with a reason, and it is never anchored. The uploader never decides
 * their own document; a decision is taken once (the store arbitrates
 * between two approvers at the same moment).
 */
export async function decideApproval(deps: { store: Store; clock: Clock; onApproved?: () => void }, input: ApprovalInput) {
  const { store, clock } = deps;
  if (input.clerk.role !== "approver" && input.clerk.role !== "admin") {
    throw new NotaryError("FORBIDDEN", `Only clerks with the approver role approve documents; "${input.clerk.name}" is a ${input.clerk.role} (an administrator gives the role: npx notary clerk role "<name>" approver)`, { role: input.clerk.role });
  }
  const doc = await getDocument(store, input.sha256);
  if (!doc.approval) throw new NotaryError("NOT_AWAITING_APPROVAL", "This document needs no approval: it was registered without four-eyes issuance", { sha256: input.sha256 });
  if (doc.approval.state !== "awaiting") throw decidedAlready(input.sha256, doc.approval, "already");
  if (doc.createdBy === input.clerk.name) {
    throw new NotaryError("FORBIDDEN", "The clerk who registered a document cannot approve or reject it: a second person decides (four-eyes issuance)", { sha256: input.sha256 });
  }
  if (input.decision === "reject" && !input.reason) throw new NotaryError("INVALID_REQUEST", "A rejection needs a reason", { sha256: input.sha256 });
  const decided = await store.decideApproval(input.sha256, {
    state: input.decision === "approve" ? "approved" : "rejected",
    by: input.clerk.name,
    at: clock.now(),
    reason: input.reason,
  });
  if (!decided) throw decidedAlready(input.sha256, (await getDocument(store, input.sha256)).approval, "a moment ago");
  if (input.decision === "approve") deps.onApproved?.();
  return getDocument(store, input.sha256);
}
