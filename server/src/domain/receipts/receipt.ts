import { z } from "zod";

import { NotaryError } from "../../errors.js";
import type { BatchRecord, DocumentRecord, Municipality } from "../types.js";

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "0x and 64 hex digits");
const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an address 0x…");
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/**
 * Receipt v1 (DESIGN.md "Receipt"). Unknown fields are kept at every level,
 * so later versions can add co-anchors without breaking this verifier.
 */
export const receiptSchema = z.looseObject({
  type: z.literal("NotaryReceipt"),
  version: z.literal(1),
  document: z.looseObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits"), salt: hex32 }),
  leaf: hex32,
  proof: z.array(hex32).max(64),
  root: hex32,
  anchor: z.looseObject({
    chainId: count,
    registry: address,
    transactionHash: hex32,
    blockNumber: count,
    blockHash: hex32,
    timestamp: count,
    issuer: address,
  }),
  municipality: z.looseObject({ name: z.string(), ags: z.string() }),
});

export type Receipt = z.infer<typeof receiptSchema>;

/** Parses a receipt, or throws INVALID_RECEIPT listing what is wrong. */
export function parseReceipt(value: unknown): Receipt {
  const parsed = receiptSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 20).map((i) => `${i.path.join(".") || "(receipt)"}: ${i.message}`);
  throw new NotaryError("INVALID_RECEIPT", `Not a NotaryReceipt v1: ${problems.join("; ")}`, { problems });
}

/** The receipt of an anchored document. */
export function buildReceipt(doc: DocumentRecord, batch: BatchRecord, municipality: Municipality): Receipt {
  if (!batch.anchor || doc.leaf === null || doc.proof === null) throw new Error(`document ${doc.sha256} is not anchored`);
  const a = batch.anchor;
  return {
    type: "NotaryReceipt",
    version: 1,
    document: { sha256: doc.sha256, salt: doc.salt },
    leaf: doc.leaf,
    proof: doc.proof,
    root: batch.root,
    anchor: {
      chainId: a.chainId,
      registry: a.registry,
      transactionHash: a.transactionHash,
      blockNumber: a.blockNumber,
      blockHash: a.blockHash,
      timestamp: a.timestamp,
      issuer: a.issuer,
    },
    municipality: { name: municipality.name, ags: municipality.ags },
  };
}
