import { randomBytes } from "node:crypto";

import { expect } from "chai";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

import { buildBatch } from "../../../../server/src/domain/anchoring/buildBatch.js";
import { leafOf } from "../../../../server/src/domain/verification/leaf.js";
import { loadVectors } from "../../../helpers/merkle.js";

describe("buildBatch", function () {
  for (const set of loadVectors()) {
    it(`reproduces the "${set.name}" vector: root, leaves, proofs`, function () {
      const { root, leaves } = buildBatch(set.documents.map((d) => ({ sha256: d.sha256, salt: d.salt })));
      expect(root).to.equal(set.root);
      for (const [i, doc] of set.documents.entries()) {
        expect(leaves[i]).to.deep.equal({ sha256: doc.sha256, leaf: doc.leaf, leafIndex: i, proof: doc.proof });
        expect(leafOf(doc.sha256, doc.salt)).to.equal(doc.leaf);
      }
    });
  }

  it("gives every document of a 300-document batch a proof that verifies", function () {
    const docs = Array.from({ length: 300 }, (_, i) => ({
      sha256: i.toString(16).padStart(64, "0"),
      salt: "0x" + (i + 7).toString(16).padStart(64, "a"),
    }));
    const { root, leaves } = buildBatch(docs);
    for (const [i, l] of leaves.entries()) {
      expect(StandardMerkleTree.verify(root, ["bytes32", "bytes32"], ["0x" + docs[i]!.sha256, docs[i]!.salt], l.proof)).to.equal(true);
    }
  });

  for (const size of [1, 2, 3, 7, 64, 1000]) {
    it(`builds the same tree and proofs as StandardMerkleTree.of for ${size} random documents`, function () {
      const docs = Array.from({ length: size }, () => ({ sha256: randomBytes(32).toString("hex"), salt: "0x" + randomBytes(32).toString("hex") }));
      const reference = StandardMerkleTree.of(docs.map((d) => ["0x" + d.sha256, d.salt]), ["bytes32", "bytes32"]);
      const { root, leaves } = buildBatch(docs);
      expect(root).to.equal(reference.root);
      for (const [i, l] of leaves.entries()) {
        expect(l.leaf).to.equal(reference.leafHash(["0x" + docs[i]!.sha256, docs[i]!.salt]));
        expect(l.proof).to.deep.equal(reference.getProof(i));
      }
    });
  }

  it("refuses an empty batch", function () {
    expect(() => buildBatch([])).to.throw(/at least one document/);
  });
});
