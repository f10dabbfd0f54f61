import type { Duplicate } from "../domain/documents/notariseDocument.js";
import { reasonText } from "../domain/verification/revocationReasons.js";
import type { DocumentView } from "../domain/types.js";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A document as clerks see it. Salts and leaves stay in receipts; CIDs only here, never in public responses. */
export function documentJson(doc: DocumentView, receiptUrl: string) {
  return {
    sha256: doc.sha256,
    status: doc.status,
    reference: doc.reference,
    title: doc.title,
    public: doc.public,
    validFrom: doc.validFrom ? new Date(doc.validFrom * 1000).toISOString() : null,
    validUntil: doc.validUntil ? new Date(doc.validUntil * 1000).toISOString() : null,
    size: doc.size,
    mediaType: doc.mediaType,
    hasContent: doc.hasContent,
    cid: doc.cid,
    storage: doc.content ? (doc.content.key ? "encrypted" : "public") : null,
    erasure: doc.erasure && { at: iso(doc.erasure.at), by: doc.erasure.by },
    createdAt: iso(doc.createdAt),
    createdBy: doc.createdBy,
    supersedes: doc.supersedes,
    supersededBy: doc.supersededBy,
    retainUntil: iso(doc.retainUntil),
    approval: doc.approval && { state: doc.approval.state, by: doc.approval.by, at: iso(doc.approval.at), reason: doc.approval.reason },
    batch: doc.batch && {
      id: doc.batch.id,
      root: doc.batch.root,
      leafCount: doc.batch.leafCount,
      state: doc.batch.state,
      transactionHash: doc.batch.transactionHash,
      anchor: doc.batch.anchor,
    },
    revocation: doc.revocation && {
      reason: doc.revocation.reason,
      note: doc.revocation.note,
      requestedAt: iso(doc.revocation.requestedAt),
      requestedBy: doc.revocation.requestedBy,
      state: doc.revocation.state,
      transactionHash: doc.revocation.transactionHash,
      timestamp: doc.revocation.timestamp,
    },
    receiptUrl,
  };
}

/**
 * What a second registration of a registered document did and did not do,
 * in words a clerk can act on: which new fields were not applied and why, and
 * whether the document is revoked (registering it again does not restore it).
 */
export function duplicateJson(doc: DocumentView, d: Duplicate) {
  const notes = [`already registered on ${iso(doc.createdAt)}${doc.createdBy ? ` by ${doc.createdBy}` : ""}`];
  if (d.ignored.length > 0) {
    notes.push(`the new ${d.ignored.join(" and ")} ${d.ignored.length === 1 ? "was" : "were"} not applied: a document is registered once, and its record keeps what it was first registered with`);
  }
  if (d.contentAdded) notes.push("its original, which was missing (hash only), is now stored");
  const revoked = doc.revocation !== null;
  if (revoked) notes.push(`it is ${doc.revocation!.state === "confirmed" ? "revoked" : "being revoked"} (${reasonText(doc.revocation!.reason)}): registering it again does not restore it; register a corrected version as a new document`);
  return { ignored: d.ignored, contentAdded: d.contentAdded, revoked, detail: notes.join("; ") };
}
