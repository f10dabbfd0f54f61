import { randomBytes, randomInt } from "node:crypto";

import { expect } from "chai";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

import { buildBatch } from "../../../../server/src/domain/anchoring/buildBatch.js";
import { LEAF_ENCODINGS, type ReceiptVersion, leafHash, leafValue } from "../../../../server/src/domain/receipts/receiptVersions.js";
import { loadVectors } from "../../../helpers/merkle.js";

const randomDocs = (size: number) =>
  Array.from({ length: size }, () => ({
    sha256: randomBytes(32).toString("hex"),
    salt: "0x" + randomBytes(32).toString("hex"),
    validFrom: randomInt(2) ? 0 : randomInt(1_700_000_000, 1_800_000_000),
    validUntil: randomInt(2) ? 0 : randomInt(1_800_000_000, 2_000_000_000),
  }));

describe("buildBatch", function () {
  for (const set of loadVectors()) {
    it(`reproduces the "${set.name}" vector (version 1 leaves): root, leaves, proofs`, function () {
      const { root, leaves } = buildBatch(set.documents.map((d) => ({ sha256: d.sha256, salt: d.salt })), 1);
      expect(root).to.equal(set.root);
      for (const [i, doc] of set.documents.entries()) {
        expect(leaves[i]).to.deep.equal({ sha256: doc.sha256, leaf: doc.leaf, leafIndex: i, proof: doc.proof });
        expect(leafHash(1, doc)).to.equal(doc.leaf);
      }
    });
  }

  it("gives every document of a 300-document batch a proof that verifies", function () {
    const docs = Array.from({ length: 300 }, (_, i) => ({
      sha256: i.toString(16).padStart(64, "0"),
      salt: "0x" + (i + 7).toString(16).padStart(64, "a"),
      validUntil: 1_900_000_000 + i,
    }));
    const { root, leaves } = buildBatch(docs);
    for (const [i, l] of leaves.entries()) {
      expect(StandardMerkleTree.verify(root, [...LEAF_ENCODINGS[2]], leafValue(2, docs[i]!), l.proof)).to.equal(true);
    }
  });

  for (const version of [1, 2] as ReceiptVersion[]) {
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      it(`builds the same tree and proofs as StandardMerkleTree.of for ${size} random documents (version ${version} leaves)`, function () {
        const docs = randomDocs(size);
        const reference = StandardMerkleTree.of(docs.map((d) => leafValue(version, d)), [...LEAF_ENCODINGS[version]]);
        const { root, leaves } = buildBatch(docs, version);
        expect(root).to.equal(reference.root);
        for (const [i, l] of leaves.entries()) {
          expect(l.leaf).to.equal(reference.leafHash(leafValue(version, docs[i]!)));
          expect(l.proof).to.deep.equal(reference.getProof(i));
        }
      });
    }
  }

  it("commits the validity in a version 2 leaf: another validUntil is another leaf", function () {
    const doc = randomDocs(1)[0]!;
    expect(leafHash(2, { ...doc, validUntil: 1_900_000_000 })).to.not.equal(leafHash(2, { ...doc, validUntil: 1_900_000_001 }));
    expect(leafHash(2, { ...doc, validFrom: 0, validUntil: 0 })).to.not.equal(leafHash(1, doc));
  });

  it("refuses an empty batch", function () {
    expect(() => buildBatch([])).to.throw(/at least one document/);
  });
});
