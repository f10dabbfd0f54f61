/**
 * Writes test/vectors/merkle.json: documents → sha256 → salt → leaf → root →
 * proof, for the contract tests and the server's unit tests. Salts are derived
 * deterministically here so the file is reproducible; in production every
 * salt is 32 random bytes.
 *
 * Run: npx tsx scripts/make-vectors.ts  (only when the vectors must change)
 */
import { createHash } from "node:crypto";
import { writeFileSync } from "node:fs";

import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

const texts = [
  "hello world\n",
  "Erlaubnis zur Straßenmusik, Marktplatz, 01.06.2026–30.06.2026, Az. 32.1-0815\n",
  "Wohnungsgeberbestätigung nach § 19 BMG, Musterstraße 1, 12345 Musterstadt\n",
  "",
];

function vectorSet(name: string, docs: string[]) {
  const documents = docs.map((text, i) => ({
    text,
    sha256: sha256(text),
    salt: "0x" + sha256(`notary test salt ${name} ${i}`),
  }));
  const tree = StandardMerkleTree.of(
    documents.map((d) => ["0x" + d.sha256, d.salt]),
    ["bytes32", "bytes32"],
  );
  return {
    name,
    root: tree.root,
    documents: documents.map((d, i) => ({
      ...d,
      leaf: tree.leafHash(["0x" + d.sha256, d.salt]),
      proof: tree.getProof(i),
    })),
  };
}

const vectors = {
  description:
    "Leaf = keccak256(bytes.concat(keccak256(abi.encode(bytes32 sha256, bytes32 salt)))); tree = OpenZeppelin StandardMerkleTree",
  sets: [vectorSet("single", texts.slice(0, 1)), vectorSet("pair", texts.slice(0, 2)), vectorSet("four", texts)],
};

writeFileSync(new URL("../test/vectors/merkle.json", import.meta.url), JSON.stringify(vectors, null, 2) + "\n");
