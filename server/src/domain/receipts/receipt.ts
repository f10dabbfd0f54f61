import { z } from "zod";

import { NotaryError } from "../../errors.js";
import type { BatchRecord, CoAnchor, DocumentRecord, Municipality } from "../types.js";
import { LEAF_ENCODINGS, type ReceiptVersion } from "./receiptVersions.js";

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "0x and 64 hex digits");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an address 0x…");
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits");

const anchorV1 = {
  chainId: count,
  registry: address,
  transactionHash: hex32,
  blockNumber: count,
  blockHash: hex32,
  timestamp: count,
  issuer: address,
};

/** An RFC 3161 co-anchor (DESIGN.md "Receipt (version 2)"); unknown co-anchor types are kept and reported, not trusted. */
const coAnchor = z.looseObject({ type: z.string().max(64) });

/**
 * Receipts v1 and v2 (DESIGN.md). Unknown fields are kept at every level, so
 * later versions can add parts without breaking this verifier.
 */
const receiptV1 = z.looseObject({
  type: z.literal("NotaryReceipt"),
  version: z.literal(1),
  document: z.looseObject({ sha256, salt: hex32 }),
  leaf: hex32,
  proof: z.array(hex32).max(64),
  root: hex32,
  anchor: z.looseObject(anchorV1),
  municipality: z.looseObject({ name: z.string().max(500), ags: z.string().max(32) }),
});

const receiptV2 = z.looseObject({
  type: z.literal("NotaryReceipt"),
  version: z.literal(2),
  document: z.looseObject({ sha256, salt: hex32, validFrom: count, validUntil: count }),
  leafEncoding: z.array(z.string()).refine((e) => JSON.stringify(e) === JSON.stringify(LEAF_ENCODINGS[2]), "the version 2 leaf encoding"),
  leaf: hex32,
  proof: z.array(hex32).max(64),
  root: hex32,
  anchor: z.looseObject({ ...anchorV1, genesisHash: hex32 }),
  municipality: z.looseObject({ name: z.string().max(500), ags: z.string().max(32) }),
  directory: z.looseObject({ chainId: count, address }).optional(),
  coAnchors: z.array(coAnchor).max(16).optional(),
});

export const receiptSchema = z.discriminatedUnion("version", [receiptV1, receiptV2]);

export type ReceiptV1 = z.infer<typeof receiptV1>;
export type ReceiptV2 = z.infer<typeof receiptV2>;
export type Receipt = ReceiptV1 | ReceiptV2;

/** Parses a receipt (v1 or v2), or throws INVALID_RECEIPT listing what is wrong. */
export function parseReceipt(value: unknown): Receipt {
  const parsed = receiptSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 20).map((i) => `${i.path.join(".") || "(receipt)"}: ${i.message}`);
  throw new NotaryError("INVALID_RECEIPT", `Not a NotaryReceipt (version 1 or 2): ${problems.join("; ")}`, { problems });
}

/** What a receipt commits to in its leaf, whatever its version. */
export const validityOf = (r: Receipt): { validFrom: number; validUntil: number } =>
  r.version === 2 ? { validFrom: r.document.validFrom, validUntil: r.document.validUntil } : { validFrom: 0, validUntil: 0 };

/** The chain a receipt names: v1 receipts name only the chain id. */
export const chainOf = (r: Receipt): { chainId: number; genesisHash: string | null } => ({
  chainId: r.anchor.chainId,
  genesisHash: r.version === 2 ? r.anchor.genesisHash : null,
});

export interface ReceiptExtras {
  /** The directory this registry is listed in: a hint for verifiers, never trusted by itself. */
  directory?: { chainId: number; address: string } | null;
  /** Co-anchors of the batch root (RFC 3161 tokens), as they arrived. */
  coAnchors?: CoAnchor[];
}

/** What a receipt states of its leaf: a document's, or the audit head a batch commits. */
export type LeafRecord = Pick<DocumentRecord, "sha256" | "salt" | "validFrom" | "validUntil" | "leaf" | "proof">;

const withoutChainId = <T extends { chainId: number }>({ chainId: _chainId, ...rest }: T) => rest;

/**
 * The receipt of an anchored document, in the version its batch was built
 * with: a receipt handed out once is the same every time it is fetched again
 * (a v2 receipt gains co-anchors as they arrive).
 */
export function buildReceipt(doc: LeafRecord, batch: BatchRecord, municipality: Municipality, extras: ReceiptExtras = {}): Receipt {
  if (!batch.anchor || doc.leaf === null || doc.proof === null) throw new Error(`document ${doc.sha256} is not anchored`);
  const a = batch.anchor;
  const anchor = {
    chainId: a.chainId,
    registry: a.registry,
    transactionHash: a.transactionHash,
    blockNumber: a.blockNumber,
    blockHash: a.blockHash,
    timestamp: a.timestamp,
    issuer: a.issuer,
  };
  const version: ReceiptVersion = batch.leafVersion;
  if (version === 1) {
    return {
      type: "NotaryReceipt",
      version: 1,
      document: { sha256: doc.sha256, salt: doc.salt },
      leaf: doc.leaf,
      proof: doc.proof,
      root: batch.root,
      anchor,
      municipality: { name: municipality.name, ags: municipality.ags },
    };
  }
  if (!a.genesisHash) throw new Error(`batch ${batch.id} has no genesis hash`);
  return {
    type: "NotaryReceipt",
    version: 2,
    document: { sha256: doc.sha256, salt: doc.salt, validFrom: doc.validFrom, validUntil: doc.validUntil },
    leafEncoding: [...LEAF_ENCODINGS[2]],
    leaf: doc.leaf,
    proof: doc.proof,
    root: batch.root,
    anchor: { chainId: a.chainId, genesisHash: a.genesisHash, ...withoutChainId(anchor) },
    municipality: { name: municipality.name, ags: municipality.ags },
    ...(extras.directory ? { directory: { chainId: extras.directory.chainId, address: extras.directory.address } } : {}),
    coAnchors: (extras.coAnchors ?? []).map((c) => ({ ...c })),
  };
}
