/** Plain values the domain works with; no framework types. */
import type { ReceiptVersion } from "./receipts/receiptVersions.js";

export type DocumentStatus = "pending" | "anchored" | "revoked";

export interface RevocationRequest {
  reason: number;
  note: string | null;
  requestedAt: number;
  requestedBy: string | null;
  /** `requested` until the revocation is confirmed on chain. */
  state: "requested" | "confirmed";
  transactionHash: string | null;
  timestamp: number | null;
}

export interface DocumentRecord {
  seq: number;
  sha256: string;
  salt: string;
  /** Validity committed in the leaf (receipt v2), unix seconds; 0 = unbounded. */
  validFrom: number;
  validUntil: number;
  reference: string | null;
  title: string | null;
  public: boolean;
  size: number | null;
  mediaType: string | null;
  hasContent: boolean;
  /** IPFS CID of the (encrypted) original; null in the data dir, for hash-only documents, or after erasure. */
  cid: string | null;
  /** Where the original is kept and its wrapped key; never leaves the server. */
  content: { ref: string; key: string | null } | null;
  erasure: { at: number; by: string } | null;
  createdAt: number;
  createdBy: string | null;
  /** The SHA-256 of the earlier document this one supersedes, or null. */
  supersedes: string | null;
  /** Four-eyes issuance: null when none was needed; a document awaiting approval is never batched, a rejected one never. */
  approval: { state: "awaiting" | "approved" | "rejected"; by: string | null; at: number | null; reason: string | null } | null;
  /** When the original is erased by itself (ms since the epoch, end of its retention period); null: kept until erased by a clerk. */
  retainUntil: number | null;
  batchId: number | null;
  leaf: string | null;
  leafIndex: number | null;
  proof: string[] | null;
  revocation: RevocationRequest | null;
}

export type BatchState = "built" | "submitted" | "confirmed";

export interface AnchorFacts {
  chainId: number;
  registry: string;
  transactionHash: string;
  blockNumber: number;
  blockHash: string;
  timestamp: number;
  issuer: string;
  /** The genesis hash of the chain (names the chain together with chainId); null for batches anchored before it was recorded. */
  genesisHash: string | null;
}

export interface BatchRecord {
  id: number;
  root: string;
  leafCount: number;
  /** The receipt version whose leaf encoding the batch's tree uses. */
  leafVersion: ReceiptVersion;
  state: BatchState;
  transactionHash: string | null;
  createdAt: number;
  anchor: AnchorFacts | null;
  /** The audit head this batch commits as one more leaf of its tree (null: the audit log was empty, or the batch predates audit commitments). */
  audit: AuditCommitment | null;
}

/** An audit head committed in a batch: the id of the newest entry it covers, its hash, and the leaf and proof of that leaf in the batch's tree. */
export interface AuditCommitment {
  auditId: number;
  head: string;
  leaf: string;
  proof: string[];
}

/** An RFC 3161 timestamp of a batch root (DESIGN.md "Receipt (version 2)": `coAnchors`). */
export interface CoAnchor {
  type: "rfc3161";
  imprint: { algorithm: "sha256"; of: "root" };
  /** The whole TimeStampToken (CMS SignedData), base64 DER. */
  token: string;
  /** The TSA endpoint it came from. */
  tsa: string;
  /** The time the token states (ISO 8601). */
  genTime: string;
  /** The TSA's certificates as the token carries them, base64 DER. */
  certificates: string[];
}

/** A document with the batch it is in, as use cases and HTTP see it. */
export interface DocumentView extends DocumentRecord {
  status: DocumentStatus;
  batch: BatchRecord | null;
  /** The document that supersedes this one (clerks only: public answers never name it). */
  supersededBy: string | null;
}

export interface Municipality {
  name: string;
  ags: string;
}

/** What a clerk may do: every clerk registers, revokes and erases; approvers (and admins) also approve others' documents. */
export type ClerkRole = "clerk" | "approver" | "admin";
export const CLERK_ROLES: readonly ClerkRole[] = ["clerk", "approver", "admin"];

export interface Clerk {
  id: number;
  name: string;
  role: ClerkRole;
  createdAt: number;
  removedAt: number | null;
}

export interface AuditEntry {
  id: number;
  at: number;
  clerk: string;
  action: "notarise" | "revoke" | "erase" | "read-content" | "supersede" | "approve" | "reject";
  sha256: string;
  detail: string | null;
  /** SHA-256 over the previous entry's hash and this entry (domain/audit/auditChain.ts), hex. */
  hash: string;
}

/** A new audit entry: the store gives it its id and chains its hash. */
export type NewAuditEntry = Omit<AuditEntry, "id" | "hash">;

/** What a status derives from: a confirmed batch and a confirmed revocation. */
export function statusOf(doc: DocumentRecord, batch: BatchRecord | null): DocumentStatus {
  if (!batch || batch.state !== "confirmed") return "pending";
  return doc.revocation?.state === "confirmed" ? "revoked" : "anchored";
}
