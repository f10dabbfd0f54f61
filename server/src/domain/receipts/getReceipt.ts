import { NotaryError } from "../../errors.js";
import type { Store } from "../ports.js";
import { type DocumentRecord, type DocumentView, type Municipality, statusOf } from "../types.js";
import { type Receipt, type ReceiptExtras, buildReceipt } from "./receipt.js";

/**
 * A stored document with its batch and derived status. Which document
 * supersedes it is looked up for clerks only (`forClerks`); public answers
 * never show it, so verification does not pay for the lookup.
 */
export async function viewOf(store: Store, doc: DocumentRecord, forClerks = true): Promise<DocumentView> {
  const batch = doc.batchId === null ? null : await store.getBatch(doc.batchId);
  return { ...doc, batch, status: statusOf(doc, batch), supersededBy: forClerks ? await store.supersededBy(doc.sha256) : null };
}

/** A document with its batch and derived status, or null. */
export async function findDocument(store: Store, sha256: string): Promise<DocumentView | null> {
  const doc = await store.getDocument(sha256);
  return doc ? viewOf(store, doc) : null;
}

const notFound = (sha256: string) => new NotaryError("DOCUMENT_NOT_FOUND", "No document with this SHA-256 has been notarised here", { sha256 });

/**
 * A document as the public may know it: a document rejected under four-eyes
 * issuance was never issued, so to the public it does not exist (null).
 */
export async function findIssuedDocument(store: Store, sha256: string): Promise<DocumentView | null> {
  const doc = await store.getDocument(sha256);
  return !doc || doc.approval?.state === "rejected" ? null : viewOf(store, doc, false);
}

/** A document with its batch and derived status, or DOCUMENT_NOT_FOUND. */
export async function getDocument(store: Store, sha256: string): Promise<DocumentView> {
  const view = await findDocument(store, sha256);
  if (!view) throw notFound(sha256);
  return view;
}

export type ReceiptResult = { state: "pending"; document: DocumentView } | { state: "ready"; receipt: Receipt; document: DocumentView };

/** The receipt of a document once its batch is anchored; `pending` before. */
export async function getReceipt(
  store: Store,
  municipality: Municipality,
  sha256: string,
  extras: (batchId: number) => Promise<ReceiptExtras> = async () => ({}),
): Promise<ReceiptResult> {
  const document = await findIssuedDocument(store, sha256);
  if (!document) throw notFound(sha256);
  if (document.status === "pending" || !document.batch) return { state: "pending", document };
  return { state: "ready", receipt: buildReceipt(document, document.batch, municipality, await extras(document.batch.id)), document };
}
