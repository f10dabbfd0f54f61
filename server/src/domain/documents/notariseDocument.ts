import { randomBytes } from "node:crypto";

import type { Clock, ContentStore, Store, StoredContent } from "../ports.js";
import type { Clerk, DocumentRecord } from "../types.js";
import { NotaryError } from "../../errors.js";

export interface NotariseInput {
  sha256: string;
  reference: string | null;
  title: string | null;
  public: boolean;
  /** The validity period committed in the leaf (unix seconds, 0 = unbounded); none given: unbounded. */
  validity?: { validFrom: number; validUntil: number };
  /** The SHA-256 of an earlier document of this server that this one replaces (revoked with reason 3 once this one is anchored). */
  supersedes?: string | null;
  /** When the original is erased by itself (ms); null or absent: kept until a clerk erases it. */
  retainUntil?: number | null;
  /** The clerk gave retainUntil (rather than RETENTION_DAYS filling it in): a repeated upload says when it was not applied. */
  retainUntilGiven?: boolean;
  /** Four-eyes issuance: the document waits for a second clerk's approval before it is batched. */
  awaitsApproval?: boolean;
  /** The upload, fully written and fsynced to a temporary file; absent for hash-only notarisation. */
  upload?: { tempPath: string; size: number; mediaType: string | null };
  clerk: Clerk;
}

export interface NotariseDeps {
  store: Store;
  content: ContentStore;
  clock: Clock;
  /** Called when a new document is durable, e.g. to wake the batcher. */
  onAccepted?: (doc: DocumentRecord) => void;
}

/** The IPFS CID of kept content; null when it is kept in the data dir. */
const cidOf = (kept: StoredContent | null): string | null => (kept && !kept.ref.startsWith("local:") ? kept.ref : null);

/** A fresh random 32-byte salt: the leaf of a document cannot be guessed from its hash. */
export const newSalt = (): string => "0x" + randomBytes(32).toString("hex");

/** What happened to a second registration of a document that is already registered. */
export interface Duplicate {
  /** Fields of this request that differ from the record and were not applied: a document is registered once. */
  ignored: ("reference" | "title" | "validFrom" | "validUntil" | "supersedes" | "retainUntil")[];
  /** The original was added to a record that had only the hash. */
  contentAdded: boolean;
}

/** Which of the request's fields differ from the existing record. */
const ignoredFields = (existing: DocumentRecord, input: NotariseInput): Duplicate["ignored"] => [
  ...(["reference", "title"] as const).filter((f) => input[f] !== null && input[f] !== existing[f]),
  ...(["validFrom", "validUntil"] as const).filter((f) => input.validity !== undefined && input.validity[f] !== existing[f]),
  ...(input.supersedes && input.supersedes !== existing.supersedes ? (["supersedes"] as const) : []),
  ...(input.retainUntilGiven && input.retainUntil !== existing.retainUntil ? (["retainUntil"] as const) : []),
];

const alreadySuperseded = (earlier: string, successor: string) =>
  new NotaryError("ALREADY_SUPERSEDED", `The document to supersede is already superseded by ${successor}`, { supersedes: earlier, supersededBy: successor });

/**
 * The earlier document a successor may supersede: registered here, not the
 * successor itself, not revoked, and not superseded by another successor.
 */
async function checkSupersedable(store: Store, earlier: string, successor: string): Promise<void> {
  if (earlier === successor) throw new NotaryError("INVALID_REQUEST", "A document cannot supersede itself", { supersedes: earlier });
  const doc = await store.getDocument(earlier);
  if (!doc) throw new NotaryError("DOCUMENT_NOT_FOUND", `The document to supersede (${earlier}) is not registered here`, { supersedes: earlier });
  const other = await store.supersededBy(earlier);
  if (other) throw alreadySuperseded(earlier, other);
  if (doc.revocation) throw new NotaryError("ALREADY_SUPERSEDED", "The document to supersede is already revoked", { supersedes: earlier, reason: doc.revocation.reason });
  if (doc.approval?.state === "rejected") {
    throw new NotaryError("ALREADY_SUPERSEDED", "The document to supersede was rejected and never anchored: supersede the document it was meant to replace", { supersedes: earlier });
  }
}

/**
 * Notarises a document: keeps its original (if uploaded), records it with a
 * fresh salt, and leaves it queued for the next batch. Resolves only once the
 * original and the row are durable. The same document again returns the
 * existing record (`created: false`) with what was not applied, and is never
 * anchored twice.
 */
export async function notariseDocument(deps: NotariseDeps, input: NotariseInput): Promise<{ created: boolean; document: DocumentRecord; duplicate?: Duplicate }> {
  const { store, content, clock } = deps;
  const existing = await store.getDocument(input.sha256);
  if (existing) {
    const contentAdded = await keepContentOfDuplicate(deps, existing, input);
    return { created: false, document: (await store.getDocument(input.sha256))!, duplicate: { ignored: ignoredFields(existing, input), contentAdded } };
  }
  if (input.supersedes) await checkSupersedable(store, input.supersedes, input.sha256);
  const kept = input.upload ? await content.keep(input.upload.tempPath, input.sha256, { public: input.public }) : null;
  const at = clock.now();
  const { inserted, record } = await insertOrRaceLost(deps, kept, input, () => store.insertDocument(
    {
      sha256: input.sha256,
      salt: newSalt(),
      reference: input.reference,
      title: input.title,
      public: input.public,
      validFrom: input.validity?.validFrom ?? 0,
      validUntil: input.validity?.validUntil ?? 0,
      size: input.upload?.size ?? null,
      mediaType: input.upload?.mediaType ?? null,
      hasContent: kept !== null,
      cid: cidOf(kept),
      content: kept,
      createdAt: at,
      createdBy: input.clerk.name,
      supersedes: input.supersedes ?? null,
      retainUntil: input.retainUntil ?? null,
      awaitsApproval: input.awaitsApproval ?? false,
    },
    { at, clerk: input.clerk.name, action: "notarise", detail: input.supersedes ? `${input.reference ?? ""} (supersedes ${input.supersedes})`.trim() : input.reference },
  ));
  if (inserted) {
    deps.onAccepted?.(record);
  } else if (kept) {
    // The same document arrived twice at once and the other upload won: drop this copy.
    await content.erase(kept);
  }
  return { created: inserted, document: record };
}

/**
 * Inserts the record; when another successor of the same earlier document
 * was inserted a moment before (the store allows one), the kept copy is
 * dropped and the clerk told which one won.
 */
async function insertOrRaceLost<T>(deps: NotariseDeps, kept: StoredContent | null, input: NotariseInput, insert: () => Promise<T>): Promise<T> {
  try {
    return await insert();
  } catch (e) {
    const other = input.supersedes ? await deps.store.supersededBy(input.supersedes) : null;
    if (kept && (other || !(await deps.store.getDocument(input.sha256)))) await deps.content.erase(kept);
    if (other) throw alreadySuperseded(input.supersedes!, other);
    throw e;
  }
}

/** A duplicate upload completes a hash-only record with its original (true); otherwise the copy is dropped. */
async function keepContentOfDuplicate(deps: NotariseDeps, existing: DocumentRecord, input: NotariseInput): Promise<boolean> {
  if (!input.upload) return false;
  if (existing.hasContent) {
    await deps.content.discard(input.upload.tempPath);
    return false;
  }
  const kept = await deps.content.keep(input.upload.tempPath, input.sha256, { public: input.public || existing.public });
  await deps.store.setContent(input.sha256, { ...kept, cid: cidOf(kept) });
  return true;
}
