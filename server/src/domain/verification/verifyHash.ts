import type { ChainReader, Clock, Store } from "../ports.js";
import { findIssuedDocument } from "../receipts/getReceipt.js";
import { type ReceiptExtras, buildReceipt } from "../receipts/receipt.js";
import type { AnchorFacts, Municipality } from "../types.js";
import type { TrustedDirectory } from "./identity.js";
import { type ReceiptVerdict, type TimestampVerifier, verifyReceipt } from "./verifyReceipt.js";

/** The answer to "is this hash registered here?": the receipt's verdict for a known document, or pending / unknown. */
export type HashVerdict = {
  sha256: string;
  /** The registry's own claim; `identity` says whether a trusted directory confirms it. */
  municipality: Municipality;
} & (
  | ({ status: ReceiptVerdict["status"]; anchor: Omit<AnchorFacts, "blockHash"> } & Omit<ReceiptVerdict, "status">)
  | { status: "pending" | "unknown"; authentic: false; reliable: false; identity: null; checks: [] }
);

export interface HashVerifierDeps {
  store: Store;
  /** This server's chain, cached (adapters/chain/chainReader.ts). */
  reader: ChainReader;
  clock: Clock;
  municipality: Municipality;
  trust: TrustedDirectory[];
  /** The directory hint and co-anchors a receipt of this server carries. */
  receiptExtras: (batchId: number) => Promise<ReceiptExtras>;
  timestamps?: TimestampVerifier;
}

/**
 * Answers "is a document with this hash registered here?" from the database,
 * then checks it against the chain at request time with the same declared
 * list of checks as any receipt (the receipt is built from the stored record).
 */
export class HashVerifier {
  constructor(private readonly deps: HashVerifierDeps) {}

  async verify(sha256: string): Promise<HashVerdict> {
    const { store, municipality } = this.deps;
    const doc = await findIssuedDocument(store, sha256);
    const none = (status: "pending" | "unknown"): HashVerdict => ({ sha256, status, municipality, authentic: false, reliable: false, identity: null, checks: [] });
    if (!doc) return none("unknown");
    const batch = doc.batch;
    if (doc.status === "pending" || !batch?.anchor) return none("pending");
    const receipt = buildReceipt(doc, batch, municipality, await this.deps.receiptExtras(batch.id));
    const verdict = await verifyReceipt(receipt, this.deps.reader, {
      now: Math.floor(this.deps.clock.now() / 1000),
      trust: this.deps.trust,
      timestamps: this.deps.timestamps,
    });
    const { blockHash: _omit, ...anchor } = batch.anchor;
    return { sha256, municipality, anchor, ...verdict };
  }
}
