import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

import type { LeafAssignment } from "../ports.js";

/** Leaf encoding of every tree: `[sha256(document), salt]` (DESIGN.md "Leaves are salted"). */
export const LEAF_ENCODING = ["bytes32", "bytes32"];

/** The leaf value of a document: its SHA-256 and salt as bytes32. */
export const leafValue = (sha256: string, salt: string): [string, string] => ["0x" + sha256, salt];

/**
 * Builds the Merkle tree of a batch (OpenZeppelin `StandardMerkleTree`) and
 * each document's leaf, index and proof.
 */
export function buildBatch(documents: { sha256: string; salt: string }[]): { root: string; leaves: LeafAssignment[] } {
  if (documents.length === 0) throw new Error("a batch needs at least one document");
  const values = documents.map((d) => leafValue(d.sha256, d.salt));
  const tree = StandardMerkleTree.of(values, LEAF_ENCODING);
  const leaves = documents.map((d, i) => ({
    sha256: d.sha256,
    leaf: tree.leafHash(values[i]!),
    leafIndex: i,
    proof: tree.getProof(i),
  }));
  return { root: tree.root, leaves };
}
