import { getProof, makeMerkleTree } from "@openzeppelin/merkle-tree/dist/core.js";

import type { LeafAssignment } from "../ports.js";
import { CURRENT_VERSION, type LeafInput, type ReceiptVersion, leafHash, nodeHash } from "../receipts/receiptVersions.js";

/**
 * Builds a batch's Merkle tree exactly as OpenZeppelin's
 * `StandardMerkleTree.of(values, LEAF_ENCODINGS[version])` does (leaves
 * sorted by hash, the library's `makeMerkleTree` and `getProof`), and each
 * document's leaf, index and proof. A test checks root and proofs against
 * `StandardMerkleTree` itself, for every version.
 */
export function buildBatch(documents: (LeafInput & { sha256: string })[], version: ReceiptVersion = CURRENT_VERSION): { root: string; leaves: LeafAssignment[] } {
  if (documents.length === 0) throw new Error("a batch needs at least one document");
  const hashed = documents.map((d, i) => ({ i, hash: leafHash(version, d) }));
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
