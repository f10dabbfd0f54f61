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
    size: doc.size,
    mediaType: doc.mediaType,
    hasContent: doc.hasContent,
    cid: doc.cid,
    storage: doc.content ? (doc.content.key ? "encrypted" : "public") : null,
    erasure: doc.erasure && { at: iso(doc.erasure.at), by: doc.erasure.by },
    createdAt: iso(doc.createdAt),
    createdBy: doc.createdBy,
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
