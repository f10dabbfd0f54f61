import { getProof, makeMerkleTree } from "@openzeppelin/merkle-tree/dist/core.js";
import { createKeccak } from "hash-wasm";

import type { LeafAssignment } from "../ports.js";

/** Leaf encoding of every tree: `[sha256(document), salt]` (DESIGN.md "Leaves are salted"). */
export const LEAF_ENCODING = ["bytes32", "bytes32"];

/** The leaf value of a document: its SHA-256 and salt as bytes32. */
export const leafValue = (sha256: string, salt: string): [string, string] => ["0x" + sha256, salt];

// keccak-256 in WebAssembly: about ten times the JavaScript keccak the
// merkle-tree library uses, which took 13 s for a 65,536-leaf batch.
const keccak = await createKeccak(256);
const keccakBytes = (data: Uint8Array): Uint8Array => {
  keccak.init();
  keccak.update(data);
  return keccak.digest("binary");
};
const hex = (bytes: Uint8Array) => "0x" + Buffer.from(bytes).toString("hex");
const bytesOf = (hex0x: string) => Buffer.from(hex0x.slice(2), "hex");

/** `keccak256(bytes.concat(keccak256(abi.encode(bytes32 sha256, bytes32 salt))))`: abi.encode of two bytes32 is their concatenation. */
export const leafHash = (sha256: string, salt: string): string =>
  hex(keccakBytes(keccakBytes(Buffer.concat([Buffer.from(sha256, "hex"), bytesOf(salt)]))));

/** The library's standard node hash (sorted pair) with the faster keccak; nodes are lowercase hex, so string order is byte order. */
const nodeHash = (a: unknown, b: unknown): string => {
  const [x, y] = [a as string, b as string].sort();
  return hex(keccakBytes(Buffer.concat([bytesOf(x!), bytesOf(y!)])));
};

/**
 * Builds a batch's Merkle tree exactly as OpenZeppelin's
 * `StandardMerkleTree.of(values, ["bytes32","bytes32"])` does (leaves sorted
 * by hash, the library's `makeMerkleTree` and `getProof`), and each
 * document's leaf, index and proof. A test checks root and proofs against
 * `StandardMerkleTree` itself.
 */
export function buildBatch(documents: { sha256: string; salt: string }[]): { root: string; leaves: LeafAssignment[] } {
  if (documents.length === 0) throw new Error("a batch needs at least one document");
  const hashed = documents.map((d, i) => ({ i, hash: leafHash(d.sha256, d.salt) }));
  hashed.sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
  const tree = makeMerkleTree(hashed.map((h) => h.hash), nodeHash);
  const treeIndex = new Array<number>(documents.length);
  for (const [position, { i }] of hashed.entries()) treeIndex[i] = tree.length - 1 - position;
  const leaves = documents.map((d, i) => ({
    sha256: d.sha256,
    leaf: tree[treeIndex[i]!]!,
    leafIndex: i,
    proof: getProof(tree, treeIndex[i]!),
  }));
  return { root: tree[0]!, leaves };
}
