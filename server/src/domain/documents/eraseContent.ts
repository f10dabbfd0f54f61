import { NotaryError } from "../../errors.js";
import type { Clock, ContentStore, Store } from "../ports.js";
import { getDocument } from "../receipts/getReceipt.js";

/**
 * Erases a document's original (GDPR Art. 17): the blocks or file are
 * unpinned and deleted, and the document key is deleted (crypto-shredding),
 * so no copy anywhere can be decrypted again. The anchor and the receipt stay
 * valid as proof that the document existed.
 */
export async function eraseContent(deps: { store: Store; content: ContentStore; clock: Clock }, input: { sha256: string; by: string; detail?: string }) {
  const { store, content, clock } = deps;
  const doc = await getDocument(store, input.sha256);
  if (!doc.content) {
    throw new NotaryError("CONTENT_NOT_AVAILABLE", doc.erasure ? "The original was already erased" : "No original is stored for this document", { sha256: input.sha256 });
  }
  const at = clock.now();
  await store.appendAudit({ at, clerk: input.by, action: "erase", sha256: input.sha256, detail: input.detail ?? null });
  // The key goes first (crypto-shredding): if the process stops before the blocks are removed,
  // what is left can no longer be decrypted by anyone.
  await store.eraseContent(input.sha256, { at, by: input.by });
  await content.erase(doc.content);
  return getDocument(store, input.sha256);
}
