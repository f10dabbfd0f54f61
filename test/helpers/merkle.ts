import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

export const LEAF_ENCODING = ["bytes32", "bytes32"];

/** 32 random bytes as 0x-hex. */
export const randomBytes32 = (): string => "0x" + randomBytes(32).toString("hex");

/** A batch of `size` random documents: values `[0x sha256, salt]` and their tree. */
export function makeBatch(size: number) {
  const values = Array.from({ length: size }, () => [
    "0x" + createHash("sha256").update(randomBytes(64)).digest("hex"),
    randomBytes32(),
  ]);
  const tree = StandardMerkleTree.of(values, LEAF_ENCODING);
  return { values, tree, root: tree.root, leafOf: (i: number) => tree.leafHash(values[i]!) };
}

export interface VectorDocument {
  text: string;
  sha256: string;
  salt: string;
  leaf: string;
  proof: string[];
}
export interface VectorSet {
  name: string;
  root: string;
  documents: VectorDocument[];
}

/** The shared vectors of test/vectors/merkle.json. */
export function loadVectors(): VectorSet[] {
  const url = new URL("../vectors/merkle.json", import.meta.url);
  return (JSON.parse(readFileSync(url, "utf8")) as { sets: VectorSet[] }).sets;
}
