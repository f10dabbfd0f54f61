import type { ReceiptVersion } from "./receipts/receiptVersions.js";
import type { AnchorFacts, AuditCommitment, AuditEntry, BatchRecord, Clerk, ClerkRole, CoAnchor, DocumentRecord, Municipality, NewAuditEntry } from "./types.js";

/** A new document as the upload path hands it over (validity defaults to unbounded). */
export type NewDocument = Omit<DocumentRecord, "seq" | "batchId" | "leaf" | "leafIndex" | "proof" | "revocation" | "erasure" | "validFrom" | "validUntil" | "supersedes" | "retainUntil" | "approval"> &
  Partial<Pick<DocumentRecord, "validFrom" | "validUntil" | "supersedes" | "retainUntil">> & {
    /** Four-eyes issuance: the document waits for a second clerk's approval before it is batched. */
    awaitsApproval?: boolean;
  };

export interface LeafAssignment {
  sha256: string;
  leaf: string;
  leafIndex: number;
  proof: string[];
}

/**
 * Durable state. SQLite now; a PostgreSQL adapter can implement the same port
 * for several API instances with one anchoring leader (the single writer).
 */
export interface Store {
  /**
   * Inserts a document unless its hash is known, with the audit entry of the
   * insert in the same commit (writes of concurrent requests may share it).
   */
  insertDocument(doc: NewDocument, audit?: Omit<NewAuditEntry, "sha256">): Promise<{ inserted: boolean; record: DocumentRecord }>;
  getDocument(sha256: string): Promise<DocumentRecord | null>;
  listDocuments(q: { state?: "pending" | "anchored" | "revoked" | "awaiting-approval" | "rejected"; limit: number; beforeSeq?: number }): Promise<DocumentRecord[]>;
  unbatchedDocuments(limit: number): Promise<DocumentRecord[]>;
  countUnbatched(): Promise<number>;
  /** Persists a built batch: its documents' leaves and, when it commits one, the audit head (one more leaf). */
  createBatch(batch: { root: string; createdAt: number; leafVersion: ReceiptVersion }, leaves: LeafAssignment[], audit?: AuditCommitment | null): Promise<BatchRecord>;
  getBatch(id: number): Promise<BatchRecord | null>;
  openBatches(): Promise<BatchRecord[]>;
  /** The batch confirmed last, or null. */
  lastConfirmedBatch(): Promise<BatchRecord | null>;
  /** Confirmed batches that have no co-anchor of `type` yet, oldest first. */
  batchesAwaitingCoAnchor(type: CoAnchor["type"], limit: number): Promise<BatchRecord[]>;
  countAwaitingCoAnchor(type: CoAnchor["type"]): Promise<number>;
  /** Keeps a co-anchor of a batch (a second one of the same type is ignored). */
  addCoAnchor(batchId: number, coAnchor: CoAnchor, at: number): Promise<void>;
  coAnchorsOf(batchId: number): Promise<CoAnchor[]>;
  markBatchSubmitted(id: number, transactionHash: string): Promise<void>;
  markBatchConfirmed(id: number, anchor: AnchorFacts, confirmedAt: number): Promise<void>;
  documentsOfBatch(id: number): Promise<DocumentRecord[]>;
  /** Records a revocation request unless the document has one, with its audit entry in the same commit. */
  requestRevocation(sha256: string, r: { reason: number; note: string | null; at: number; by: string | null }, audit?: Omit<NewAuditEntry, "sha256">): Promise<void>;
  /** Revocations requested for documents whose batch is confirmed. */
  pendingRevocations(): Promise<DocumentRecord[]>;
  /** Anchored successors whose superseded document has no revocation yet, oldest first. */
  supersessionsDue(limit: number): Promise<DocumentRecord[]>;
  /**
   * Requests the revocation (reason 3, superseded) of the document `successor`
   * supersedes, with its audit entry, in one commit; nothing when it already
   * has a revocation.
   */
  requestSupersession(successor: DocumentRecord, at: number): Promise<void>;
  /** The document that supersedes `sha256`, or null. */
  supersededBy(sha256: string): Promise<string | null>;
  /**
   * Decides a document awaiting approval, with its audit entry, in one commit.
   * False when it is not awaiting approval (decided already, by someone else a moment ago).
   */
  decideApproval(sha256: string, d: { state: "approved" | "rejected"; by: string; at: number; reason: string | null }): Promise<boolean>;
  /** Documents awaiting approval, oldest first. */
  awaitingApproval(limit: number): Promise<DocumentRecord[]>;
  /** Documents whose original is still kept although their retention ended at or before `now` (ms), oldest first. */
  retentionEnded(now: number, limit: number): Promise<DocumentRecord[]>;
  confirmRevocation(sha256: string, r: { transactionHash: string | null; timestamp: number }): Promise<void>;
  /** After a chain reset: every batch is forgotten and every document queued again (salts kept). */
  requeueAll(): Promise<{ documents: number; batches: number }>;
  setContent(sha256: string, c: StoredContent & { cid: string | null }): Promise<void>;
  /** Forgets an original: its ref and key are deleted from the database (securely) and the erasure recorded. */
  eraseContent(sha256: string, e: { at: number; by: string }): Promise<void>;
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;
  addClerk(name: string, keyHash: string, at: number, role?: ClerkRole): Promise<Clerk>;
  listClerks(): Promise<Clerk[]>;
  removeClerk(name: string, at: number): Promise<boolean>;
  /** Gives an active clerk another role; false when there is none of that name. */
  setClerkRole(name: string, role: ClerkRole): Promise<boolean>;
  clerkByKeyHash(keyHash: string): Promise<Clerk | null>;
  /** Appends an entry to the audit chain (its hash covers the previous entry's), in its own commit. */
  appendAudit(e: NewAuditEntry): Promise<void>;
  listAudit(limit: number): Promise<AuditEntry[]>;
  /** The newest audit entry's id and hash, or null while the log is empty. */
  auditHead(): Promise<{ id: number; hash: string } | null>;
  /** The ids of the first entry at or after `from` and the last at or before `to` (ms; null: open), or null when none lies between. */
  auditIdRange(from: number | null, to: number | null): Promise<{ first: number; last: number } | null>;
  /** Audit entries with ids from `first` to `last`, oldest first. */
  auditEntries(first: number, last: number): Promise<AuditEntry[]>;
  /** Confirmed batches that commit an audit head, in the order they were anchored; at most `limit`. */
  auditCommitments(limit: number): Promise<BatchRecord[]>;
  /** Entries no batch commits yet (built or anchored): how many, and when the oldest was written. */
  uncommittedAudit(): Promise<{ count: number; oldestAt: number | null }>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OnChainAnchor {
  issuer: string;
  timestamp: number;
  blockNumber: number;
  leafCount: number;
}

export interface OnChainRevocation {
  revoker: string;
  timestamp: number;
  reason: number;
}

export interface MinedTx {
  transactionHash: string;
  blockNumber: number;
  blockHash: string;
  timestamp: number;
}

/** One registry on one chain. Reverts surface as NotaryErrors (e.g. ALREADY_ANCHORED). */
export interface Chain {
  readonly chainId: number;
  /** The chain's genesis block hash: with chainId, it names the chain (every local chain is 31337). */
  readonly genesisHash: string;
  readonly registry: string;
  /** Broadcasts `anchor(root, count)`; resolves with the transaction hash once sent. */
  sendAnchor(root: string, leafCount: number): Promise<string>;
  sendRevoke(root: string, leaf: string, proof: string[], reason: number): Promise<string>;
  /** Waits until the transaction has `confirmations` blocks; throws if it reverted. */
  waitMined(transactionHash: string, confirmations: number): Promise<MinedTx>;
  anchorOf(root: string): Promise<OnChainAnchor | null>;
  revocationOf(leaf: string): Promise<OnChainRevocation | null>;
  /** Whether the node knows the transaction (mined or waiting in its pool). */
  transactionKnown(transactionHash: string): Promise<boolean>;
  /** The transaction that anchored `root` (from the Anchored event in its block). */
  findAnchorTransaction(root: string, blockNumber: number): Promise<MinedTx>;
  blockHash(blockNumber: number): Promise<string | null>;
  municipality(): Promise<Municipality>;
  version(): Promise<string>;
  blockNumber(): Promise<number>;
}

/** A mined transaction as a verifier checks it: where it is, whether it succeeded, what it called and which roots it anchored. */
export interface MinedTransaction {
  status: number;
  blockNumber: number;
  blockHash: string;
  /** The contract it called (null for a deployment). */
  to: string | null;
  /** The `Anchored(root, issuer, …)` events it emitted, with the contract that emitted each. */
  anchored: { emitter: string; root: string; issuer: string }[];
}

/** A registry's listing in a municipal directory (contracts/IMunicipalDirectory.sol). */
export interface Listing {
  ags: string;
  name: string;
  domain: string;
  activeFrom: number;
  activeUntil: number;
  revokedFrom: number;
}

/**
 * Read-only access to one chain, for verification: any registry, any
 * directory, blocks and transactions. Nothing here signs or sends.
 */
export interface ChainReader {
  readonly chainId: number;
  /** Where it reads from, for messages (an RPC URL, or "in-process"). */
  readonly source: string;
  genesisHash(): Promise<string>;
  blockHash(blockNumber: number): Promise<string | null>;
  transaction(transactionHash: string): Promise<MinedTransaction | null>;
  anchorOf(registry: string, root: string): Promise<OnChainAnchor | null>;
  revocationOf(registry: string, leaf: string): Promise<OnChainRevocation | null>;
  /** The registry's own claim; null when there is no registry at the address. */
  municipalityOf(registry: string): Promise<Municipality | null>;
  /** The directory's listing of a registry; null when it is not listed. */
  listingOf(directory: string, registry: string): Promise<Listing | null>;
  /** The newest block's number. */
  latestBlock(): Promise<number>;
  /** The first block from `fromBlock` on whose timestamp is at or after `timestamp` (unix seconds); the next block's number when none is yet. */
  firstBlockAtOrAfter(timestamp: number, fromBlock: number): Promise<number>;
  /** Every root the registry anchored in blocks `fromBlock` to `toBlock` (its Anchored events), in chain order. */
  anchoredRoots(registry: string, fromBlock: number, toBlock: number): Promise<{ root: string; blockNumber: number }[]>;
}

/** A kept original: where it is (`local:<sha256>` or a CID) and its wrapped key (null when public). */
export interface StoredContent {
  ref: string;
  key: string | null;
}

/** Where originals live: encrypted, in the data dir or IPFS (adapters/content/originals.ts). */
export interface ContentStore {
  readonly mode: "off" | "embedded" | "kubo";
  /** A path for a temporary upload file (same filesystem as the originals). */
  tempPath(): string;
  /** Deletes a temporary upload file that is not needed (a duplicate, an aborted upload). */
  discard(tempPath: string): Promise<void>;
  /** Keeps a fully written temporary upload as an original; durable when it resolves, the temporary file gone. */
  keep(tempPath: string, sha256: string, opts: { public: boolean }): Promise<StoredContent>;
  /** The original, decrypted; the stream fails with CONTENT_CORRUPTED if it was tampered with. */
  open(stored: StoredContent): Promise<NodeJS.ReadableStream>;
  /** Unpins and deletes the original's blocks or file. */
  erase(stored: StoredContent): Promise<void>;
  ready(): Promise<void>;
  close(): Promise<void>;
}

export interface Clock {
  now(): number;
}
