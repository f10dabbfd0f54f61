import { createHash } from "node:crypto";

import { type LeafInput, keccakBytes } from "../receipts/receiptVersions.js";
import type { AuditEntry } from "../types.js";

/**
 * The audit log as a hash chain (README "Audit log"): every entry's hash
 * covers the hash of the entry before it, so no entry can be changed, left
 * out or inserted without changing every hash after it. The newest hash, the
 * head, is one more leaf of every batch's tree and so anchored on chain with
 * the documents: an entry cannot be rewritten after the first batch that
 * committed a head at or after it.
 */

/** The "previous hash" of the first entry. */
export const AUDIT_GENESIS = "0".repeat(64);

/**
 * The salt of the leaf that commits an audit head: a fixed value no upload
 * can have (salts are random), keccak256 of "NotaryAuditHead/v1".
 */
export const AUDIT_MARKER = "0x" + Buffer.from(keccakBytes(Buffer.from("NotaryAuditHead/v1"))).toString("hex");

/**
 * The root a registry anchors once, before its first batch with an audit
 * leaf (keccak256 of "NotaryAuditEpoch/v1"): every root it anchors after that
 * block commits an audit head, so an export that leaves one out is caught.
 */
export const AUDIT_EPOCH_ROOT = "0x" + Buffer.from(keccakBytes(Buffer.from("NotaryAuditEpoch/v1"))).toString("hex");

/** The fields an entry's hash covers, in this order. */
export type ChainedFields = Pick<AuditEntry, "id" | "at" | "clerk" | "sha256" | "detail"> & { action: string };

/** What is hashed after the previous hash: UTF-8 JSON of `[id, at, clerk, action, sha256, detail]`. */
export const canonicalEntry = (e: ChainedFields): string => JSON.stringify([e.id, e.at, e.clerk, e.action, e.sha256, e.detail]);

/** An entry's hash: SHA-256 of the previous hash (32 bytes) followed by the canonical entry; hex, no 0x. */
export function auditEntryHash(previousHash: string, e: ChainedFields): string {
  return createHash("sha256").update(Buffer.from(previousHash, "hex")).update(canonicalEntry(e), "utf8").digest("hex");
}

/**
 * The leaf that commits the audit head `head`, the hash of entry `auditId`, in
 * a batch (receipt v2 encoding): `[head, AUDIT_MARKER, auditId + 2, 1]`. The
 * id is committed too, and the "validity" ends before it begins, a period no
 * upload can have: even a verifier that knows nothing of audit leaves answers
 * "expired" for a receipt made from one, never "valid".
 */
export const auditLeafInput = (head: string, auditId: number): Required<LeafInput> => ({ sha256: head, salt: AUDIT_MARKER, validFrom: auditId + 2, validUntil: 1 });

/** Whether a leaf's salt marks an audit head rather than a document. */
export const isAuditMarker = (salt: string): boolean => salt.toLowerCase() === AUDIT_MARKER;

export type ChainBreak = { id: number; problem: "hash" | "sequence" };

/**
 * Recomputes the chain over `entries` (consecutive ids, oldest first) from
 * `previousHash`; the first entry whose stated hash or id does not follow, or
 * null when every one does.
 */
export function findChainBreak(previousHash: string, entries: (ChainedFields & { hash: string })[]): ChainBreak | null {
  let previous = previousHash;
  let expectedId: number | null = null;
  for (const e of entries) {
    if (expectedId !== null && e.id !== expectedId) return { id: e.id, problem: "sequence" };
    if (auditEntryHash(previous, e) !== e.hash.toLowerCase()) return { id: e.id, problem: "hash" };
    previous = e.hash.toLowerCase();
    expectedId = e.id + 1;
  }
  return null;
}
