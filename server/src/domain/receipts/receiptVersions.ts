import { processProof } from "@openzeppelin/merkle-tree/dist/core.js";
import { createKeccak } from "hash-wasm";

/**
 * Receipt versions in one place (DESIGN.md "Receipt (version 1)" and
 * "(version 2)"): which values a document's leaf commits to and how they are
 * encoded. Batches store the version their leaves were built with; every
 * builder and verifier (server, CLI, page, tests) goes through this module.
 */
export type ReceiptVersion = 1 | 2;

/** The version new batches are built with. */
export const CURRENT_VERSION: ReceiptVersion = 2;

/** StandardMerkleTree leaf encoding of each version. */
export const LEAF_ENCODINGS: Record<ReceiptVersion, readonly string[]> = {
  1: ["bytes32", "bytes32"],
  2: ["bytes32", "bytes32", "uint64", "uint64"],
};

/** What a leaf commits to: the document's SHA-256 (hex, no 0x), its salt (0x…) and, from v2 on, its validity (unix seconds, 0 = unbounded). */
export interface LeafInput {
  sha256: string;
  salt: string;
  validFrom?: number;
  validUntil?: number;
}

/** The leaf value as StandardMerkleTree takes it, for `version`. */
export function leafValue(version: ReceiptVersion, d: LeafInput): unknown[] {
  const base = ["0x" + d.sha256, d.salt];
  return version === 1 ? base : [...base, String(d.validFrom ?? 0), String(d.validUntil ?? 0)];
}

// keccak-256 in WebAssembly: about ten times the JavaScript keccak the merkle-tree library uses.
const keccak = await createKeccak(256);
export const keccakBytes = (data: Uint8Array): Uint8Array => {
  keccak.init();
  keccak.update(data);
  return keccak.digest("binary");
};

const hex = (bytes: Uint8Array) => "0x" + Buffer.from(bytes).toString("hex");

/** The merkle-tree library's standard node hash (sorted pair) with the faster keccak; nodes are lowercase 0x hex, so string order is byte order. */
export const nodeHash = (a: unknown, b: unknown): string => {
  const [x, y] = [a as string, b as string].sort();
  return hex(keccakBytes(Buffer.concat([Buffer.from(x!.slice(2), "hex"), Buffer.from(y!.slice(2), "hex")])));
};

/** The root a proof leads to from a leaf: the library's own proof walk with `nodeHash` (any hex case in, lowercase out). */
export const rootOf = (leaf: string, proof: string[]): string => processProof(leaf.toLowerCase(), proof.map((p) => p.toLowerCase()), nodeHash);

const word = (n: number): Buffer => {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a uint64: ${n}`);
  const out = Buffer.alloc(32);
  out.writeBigUInt64BE(BigInt(n), 24);
  return out;
};

/** `abi.encode` of the leaf value: every field is one 32-byte word. */
function encoded(version: ReceiptVersion, d: LeafInput): Buffer {
  const parts: Buffer[] = [Buffer.from(d.sha256, "hex"), Buffer.from(d.salt.slice(2), "hex")];
  if (version === 2) parts.push(word(d.validFrom ?? 0), word(d.validUntil ?? 0));
  return Buffer.concat(parts);
}

/** The leaf: `keccak256(bytes.concat(keccak256(abi.encode(value))))`, as StandardMerkleTree hashes it. */
export function leafHash(version: ReceiptVersion, d: LeafInput): string {
  return "0x" + Buffer.from(keccakBytes(keccakBytes(encoded(version, d)))).toString("hex");
}

export const isReceiptVersion = (v: unknown): v is ReceiptVersion => v === 1 || v === 2;
