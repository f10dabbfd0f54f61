import { expect } from "chai";
import { network } from "hardhat";

import { loadVectors, makeBatch, randomBytes32 } from "../helpers/merkle.js";

const { ethers, networkHelpers } = await network.create();
const { loadFixture } = networkHelpers;

const NAME = "Stadt Musterstadt";
const AGS = "05334002";
const ISSUER_ROLE = ethers.id("ISSUER_ROLE");
const REVOKER_ROLE = ethers.id("REVOKER_ROLE");
const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;
const Status = { Unknown: 0n, Anchored: 1n, Revoked: 2n };

async function deployRegistry() {
  const [admin, issuer, revoker, stranger] = await ethers.getSigners();
  const registry = await ethers.deployContract("NotaryRegistry", [admin!.address, NAME, AGS]);
  await registry.grantRole(ISSUER_ROLE, issuer!.address);
  await registry.grantRole(REVOKER_ROLE, revoker!.address);
  return { registry, admin: admin!, issuer: issuer!, revoker: revoker!, stranger: stranger! };
}

async function deployWithAnchoredBatch() {
  const fixture = await deployRegistry();
  const batch = makeBatch(3);
  await fixture.registry.connect(fixture.issuer).anchor(batch.root, 3);
  return { ...fixture, batch };
}

describe("NotaryRegistry", function () {
  describe("deployment", function () {
    it("records the municipality's name and AGS", async function () {
      const { registry } = await loadFixture(deployRegistry);
      const [name, ags] = await registry.municipality();
      expect(name).to.equal(NAME);
      expect(ags).to.equal(AGS);
    });

    it("gives the admin the default admin role and no other", async function () {
      const { registry, admin } = await loadFixture(deployRegistry);
      expect(await registry.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.equal(true);
      expect(await registry.hasRole(ISSUER_ROLE, admin.address)).to.equal(false);
      expect(await registry.hasRole(REVOKER_ROLE, admin.address)).to.equal(false);
    });

    it("exposes the role identifiers and version", async function () {
      const { registry } = await loadFixture(deployRegistry);
      expect(await registry.ISSUER_ROLE()).to.equal(ISSUER_ROLE);
      expect(await registry.REVOKER_ROLE()).to.equal(REVOKER_ROLE);
      expect(await registry.version()).to.equal("1.0.0");
    });

    it("rejects the zero address as admin", async function () {
      const factory = await ethers.getContractFactory("NotaryRegistry");
      await expect(ethers.deployContract("NotaryRegistry", [ethers.ZeroAddress, NAME, AGS]))
        .to.be.revertedWithCustomError(factory, "NotaryRegistryZeroAdmin");
    });

    it("rejects an empty name", async function () {
      const [admin] = await ethers.getSigners();
      const factory = await ethers.getContractFactory("NotaryRegistry");
      await expect(ethers.deployContract("NotaryRegistry", [admin!.address, "", AGS]))
        .to.be.revertedWithCustomError(factory, "NotaryRegistryEmptyName");
    });

    for (const ags of ["", "0533400", "053340021", "0533400a", "05334/02", "0533400:", "٠٥٣٣٤٠٠٢"]) {
      it(`rejects the AGS ${JSON.stringify(ags)}`, async function () {
        const [admin] = await ethers.getSigners();
        const factory = await ethers.getContractFactory("NotaryRegistry");
        await expect(ethers.deployContract("NotaryRegistry", [admin!.address, NAME, ags]))
          .to.be.revertedWithCustomError(factory, "NotaryRegistryInvalidAgs")
          .withArgs(ags);
      });
    }

    it("supports the ERC-165 ids of INotaryRegistry and IAccessControl only", async function () {
      const { registry } = await loadFixture(deployRegistry);
      const iface = (await ethers.getContractFactory("NotaryRegistry")).interface;
      const selectors = [
        "anchor", "revoke", "anchorOf", "revocationOf", "verify", "municipality", "version",
      ].map((fn) => BigInt(iface.getFunction(fn)!.selector));
      const notaryId = "0x" + selectors.reduce((a, b) => a ^ b, 0n).toString(16).padStart(8, "0");
      expect(await registry.supportsInterface(notaryId)).to.equal(true);
      expect(await registry.supportsInterface("0x7965db0b")).to.equal(true); // IAccessControl
      expect(await registry.supportsInterface("0x01ffc9a7")).to.equal(true); // IERC165
      expect(await registry.supportsInterface("0xffffffff")).to.equal(false);
    });
  });

  describe("anchor", function () {
    it("stores the issuer, time, block and count and emits Anchored", async function () {
      const { registry, issuer } = await loadFixture(deployRegistry);
      const { root } = makeBatch(5);
      const tx = registry.connect(issuer).anchor(root, 5);
      await expect(tx).to.emit(registry, "Anchored").withArgs(root, issuer.address, 5);
      const receipt = await (await tx).wait();
      const block = await ethers.provider.getBlock(receipt!.blockNumber);
      const anchor = await registry.anchorOf(root);
      expect(anchor.issuer).to.equal(issuer.address);
      expect(anchor.timestamp).to.equal(BigInt(block!.timestamp));
      expect(anchor.blockNumber).to.equal(BigInt(receipt!.blockNumber));
      expect(anchor.leafCount).to.equal(5n);
    });

    it("returns an empty anchor for an unknown root", async function () {
      const { registry } = await loadFixture(deployRegistry);
      const anchor = await registry.anchorOf(randomBytes32());
      expect(anchor.issuer).to.equal(ethers.ZeroAddress);
      expect(anchor.timestamp).to.equal(0n);
      expect(anchor.blockNumber).to.equal(0n);
      expect(anchor.leafCount).to.equal(0n);
    });

    it("rejects the zero root", async function () {
      const { registry, issuer } = await loadFixture(deployRegistry);
      await expect(registry.connect(issuer).anchor(ethers.ZeroHash, 1))
        .to.be.revertedWithCustomError(registry, "NotaryRegistryZeroRoot");
    });

    it("rejects a leaf count of zero", async function () {
      const { registry, issuer } = await loadFixture(deployRegistry);
      const root = randomBytes32();
      await expect(registry.connect(issuer).anchor(root, 0))
        .to.be.revertedWithCustomError(registry, "NotaryRegistryZeroLeafCount")
        .withArgs(root);
      expect((await registry.anchorOf(root)).issuer).to.equal(ethers.ZeroAddress);
    });

    it("rejects a root that is already anchored and keeps the first anchor", async function () {
      const { registry, issuer, admin, batch } = await loadFixture(deployWithAnchoredBatch);
      const first = await registry.anchorOf(batch.root);
      await registry.grantRole(ISSUER_ROLE, admin.address);
      await expect(registry.connect(admin).anchor(batch.root, 7))
        .to.be.revertedWithCustomError(registry, "NotaryRegistryAlreadyAnchored")
        .withArgs(batch.root, first.timestamp);
      const after = await registry.anchorOf(batch.root);
      expect(after.issuer).to.equal(issuer.address);
      expect(after.leafCount).to.equal(3n);
    });

    it("uses the registry's clock seam for the timestamp", async function () {
      const [admin] = await ethers.getSigners();
      const mock = await ethers.deployContract("NotaryRegistryMock", [admin!.address, NAME, AGS]);
      await mock.grantRole(ISSUER_ROLE, admin!.address);
      await mock.setTime(1_800_000_000n);
      const root = randomBytes32();
      await mock.anchor(root, 1);
      expect((await mock.anchorOf(root)).timestamp).to.equal(1_800_000_000n);
    });

    it("refuses a time beyond 2106 rather than truncating it", async function () {
      const [admin] = await ethers.getSigners();
      const mock = await ethers.deployContract("NotaryRegistryMock", [admin!.address, NAME, AGS]);
      await mock.grantRole(ISSUER_ROLE, admin!.address);
      await mock.setTime(2n ** 32n);
      await expect(mock.anchor(randomBytes32(), 1))
        .to.be.revertedWithCustomError(mock, "SafeCastOverflowedUintDowncast")
        .withArgs(32, 2n ** 32n);
    });
  });

  describe("revoke", function () {
    it("revokes one leaf, emits Revoked and records revoker, time and reason", async function () {
      const { registry, revoker, batch } = await loadFixture(deployWithAnchoredBatch);
      const leaf = batch.leafOf(1);
      const tx = registry.connect(revoker).revoke(batch.root, leaf, batch.tree.getProof(1), 2);
      await expect(tx).to.emit(registry, "Revoked").withArgs(batch.root, leaf, revoker.address, 2);
      const block = await ethers.provider.getBlock((await (await tx).wait())!.blockNumber);
      const revocation = await registry.revocationOf(leaf);
      expect(revocation.revoker).to.equal(revoker.address);
      expect(revocation.timestamp).to.equal(BigInt(block!.timestamp));
      expect(revocation.reason).to.equal(2n);
    });

    it("returns an empty revocation for a leaf that is not revoked", async function () {
      const { registry, batch } = await loadFixture(deployWithAnchoredBatch);
      const revocation = await registry.revocationOf(batch.leafOf(0));
      expect(revocation.revoker).to.equal(ethers.ZeroAddress);
      expect(revocation.timestamp).to.equal(0n);
      expect(revocation.reason).to.equal(0n);
    });

    it("rejects a reason of zero", async function () {
      const { registry, revoker, batch } = await loadFixture(deployWithAnchoredBatch);
      await expect(registry.connect(revoker).revoke(batch.root, batch.leafOf(0), batch.tree.getProof(0), 0))
        .to.be.revertedWithCustomError(registry, "NotaryRegistryInvalidReason")
        .withArgs(0);
    });

    it("rejects a root that was never anchored", async function () {
      const { registry, revoker } = await loadFixture(deployRegistry);
      const batch = makeBatch(2);
      await expect(registry.connect(revoker).revoke(batch.root, batch.leafOf(0), batch.tree.getProof(0), 1))
        .to.be.revertedWithCustomError(registry, "NotaryRegistryUnknownRoot")
        .withArgs(batch.root);
    });

    it("rejects a proof that does not lead to the root", async function () {
      const { registry, revoker, batch } = await loadFixture(deployWithAnchoredBatch);
      const leaf = batch.leafOf(0);
      await expect(registry.connect(revoker).revoke(batch.root, leaf, batch.tree.getProof(1), 1))
        .to.be.revertedWithCustomError(registry, "NotaryRegistryInvalidProof")
        .withArgs(batch.root, leaf);
      expect((await registry.revocationOf(leaf)).revoker).to.equal(ethers.ZeroAddress);
    });

    it("rejects a leaf that is already revoked and keeps the first revocation", async function () {
      const { registry, revoker, batch } = await loadFixture(deployWithAnchoredBatch);
      const leaf = batch.leafOf(2);
      await registry.connect(revoker).revoke(batch.root, leaf, batch.tree.getProof(2), 3);
      const first = await registry.revocationOf(leaf);
      await expect(registry.connect(revoker).revoke(batch.root, leaf, batch.tree.getProof(2), 1))
        .to.be.revertedWithCustomError(registry, "NotaryRegistryAlreadyRevoked")
        .withArgs(leaf, first.timestamp);
      expect((await registry.revocationOf(leaf)).reason).to.equal(3n);
    });

    it("accepts every documented reason code", async function () {
      const { registry, revoker, issuer } = await loadFixture(deployRegistry);
      const reasons = [1, 2, 3, 4, 255];
      const batch = makeBatch(reasons.length);
      await registry.connect(issuer).anchor(batch.root, reasons.length);
      for (const [i, reason] of reasons.entries()) {
        await registry.connect(revoker).revoke(batch.root, batch.leafOf(i), batch.tree.getProof(i), reason);
        expect((await registry.revocationOf(batch.leafOf(i))).reason).to.equal(BigInt(reason));
      }
    });
  });

  describe("verify", function () {
    it("reports Anchored with the anchoring time for a valid proof", async function () {
      const { registry, batch } = await loadFixture(deployWithAnchoredBatch);
      const anchor = await registry.anchorOf(batch.root);
      const [status, anchoredAt] = await registry.verify(batch.leafOf(0), batch.tree.getProof(0), batch.root);
      expect(status).to.equal(Status.Anchored);
      expect(anchoredAt).to.equal(anchor.timestamp);
    });

    it("reports Unknown for a root that is not anchored", async function () {
      const { registry } = await loadFixture(deployRegistry);
      const batch = makeBatch(1);
      const [status, anchoredAt] = await registry.verify(batch.leafOf(0), [], batch.root);
      expect(status).to.equal(Status.Unknown);
      expect(anchoredAt).to.equal(0n);
    });

    it("reports Unknown for a tampered leaf, proof or root", async function () {
      const { registry, batch } = await loadFixture(deployWithAnchoredBatch);
      const leaf = batch.leafOf(0);
      const proof = batch.tree.getProof(0);
      const tamperedProof = [randomBytes32(), ...proof.slice(1)];
      const cases: [string, string[], string][] = [
        [randomBytes32(), proof, batch.root],
        [leaf, tamperedProof, batch.root],
        [leaf, proof, randomBytes32()],
        [leaf, [], batch.root],
      ];
      for (const [l, p, r] of cases) {
        const [status] = await registry.verify(l, p, r);
        expect(status).to.equal(Status.Unknown);
      }
    });

    it("reports Revoked for a revoked leaf and Anchored for its batch neighbours", async function () {
      const { registry, revoker, batch } = await loadFixture(deployWithAnchoredBatch);
      await registry.connect(revoker).revoke(batch.root, batch.leafOf(1), batch.tree.getProof(1), 1);
      const statuses = await Promise.all(
        [0, 1, 2].map(async (i) => (await registry.verify(batch.leafOf(i), batch.tree.getProof(i), batch.root))[0]),
      );
      expect(statuses).to.deep.equal([Status.Anchored, Status.Revoked, Status.Anchored]);
    });
  });

  describe("role matrix", function () {
    type Who = "admin" | "issuer" | "revoker" | "stranger";
    const allowed: Record<string, Who[]> = {
      anchor: ["issuer"],
      revoke: ["revoker"],
      grantRole: ["admin"],
    };
    const neededRole = { anchor: ISSUER_ROLE, revoke: REVOKER_ROLE, grantRole: DEFAULT_ADMIN_ROLE };

    for (const fn of ["anchor", "revoke", "grantRole"] as const) {
      for (const who of ["admin", "issuer", "revoker", "stranger"] as const) {
        const ok = allowed[fn]!.includes(who);
        it(`${ok ? "lets" : "forbids"} the ${who} ${ok ? "" : "to "}call ${fn}`, async function () {
          const fixture = await loadFixture(deployWithAnchoredBatch);
          const { registry, batch } = fixture;
          const caller = fixture[who];
          const fresh = makeBatch(1);
          const call = {
            anchor: () => registry.connect(caller).anchor(fresh.root, 1),
            revoke: () => registry.connect(caller).revoke(batch.root, batch.leafOf(0), batch.tree.getProof(0), 1),
            grantRole: () => registry.connect(caller).grantRole(ISSUER_ROLE, fixture.stranger.address),
          }[fn];
          if (ok) {
            await expect(call()).to.not.revert(ethers);
          } else {
            await expect(call())
              .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
              .withArgs(caller.address, neededRole[fn]);
          }
          const state = {
            anchor: async () => (await registry.anchorOf(fresh.root)).issuer === caller.address,
            revoke: async () => (await registry.revocationOf(batch.leafOf(0))).revoker === caller.address,
            grantRole: async () => registry.hasRole(ISSUER_ROLE, fixture.stranger.address),
          }[fn];
          expect(await state()).to.equal(ok);
        });
      }
    }

    it("loses the issuer's right to anchor once the role is revoked", async function () {
      const { registry, issuer } = await loadFixture(deployRegistry);
      await registry.revokeRole(ISSUER_ROLE, issuer.address);
      await expect(registry.connect(issuer).anchor(randomBytes32(), 1))
        .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
        .withArgs(issuer.address, ISSUER_ROLE);
    });
  });

  describe("Merkle batches", function () {
    for (const size of [1, 2, 3, 1024]) {
      it(`verifies every proof of a batch of ${size} and no tampered one`, async function () {
        const { registry, issuer } = await loadFixture(deployRegistry);
        const batch = makeBatch(size);
        await registry.connect(issuer).anchor(batch.root, size);
        expect((await registry.anchorOf(batch.root)).leafCount).to.equal(BigInt(size));
        const indices = size <= 3 ? [...Array(size).keys()] : [0, 1, 511, 512, 777, 1023];
        for (const i of indices) {
          const proof = batch.tree.getProof(i);
          const [status] = await registry.verify(batch.leafOf(i), proof, batch.root);
          expect(status, `leaf ${i}`).to.equal(Status.Anchored);
        }
        // Any single changed bit in the leaf, a proof element or the root fails.
        const proof = batch.tree.getProof(0);
        const flip = (hex: string) => hex.slice(0, -1) + (hex.endsWith("0") ? "1" : "0");
        expect((await registry.verify(flip(batch.leafOf(0)), proof, batch.root))[0]).to.equal(Status.Unknown);
        expect((await registry.verify(batch.leafOf(0), proof, flip(batch.root)))[0]).to.equal(Status.Unknown);
        if (proof.length > 0) {
          const tampered = [...proof.slice(0, -1), flip(proof.at(-1)!)];
          expect((await registry.verify(batch.leafOf(0), tampered, batch.root))[0]).to.equal(Status.Unknown);
        }
      });
    }

    it("checks all 1,024 proofs of a batch in one pass without a failure", async function () {
      const { registry, issuer } = await loadFixture(deployRegistry);
      const batch = makeBatch(1024);
      await registry.connect(issuer).anchor(batch.root, 1024);
      const statuses = await Promise.all(
        [...Array(1024).keys()].map(async (i) => (await registry.verify(batch.leafOf(i), batch.tree.getProof(i), batch.root))[0]),
      );
      expect(statuses.filter((s) => s !== Status.Anchored)).to.have.length(0);
    });

    it("revokes one document of a 1,024 batch and leaves the others valid", async function () {
      const { registry, issuer, revoker } = await loadFixture(deployRegistry);
      const batch = makeBatch(1024);
      await registry.connect(issuer).anchor(batch.root, 1024);
      await registry.connect(revoker).revoke(batch.root, batch.leafOf(600), batch.tree.getProof(600), 1);
      for (const i of [0, 599, 600, 601, 1023]) {
        const [status] = await registry.verify(batch.leafOf(i), batch.tree.getProof(i), batch.root);
        expect(status, `leaf ${i}`).to.equal(i === 600 ? Status.Revoked : Status.Anchored);
      }
    });
  });

  describe("shared vectors", function () {
    for (const set of loadVectors()) {
      it(`anchors the "${set.name}" vector root and verifies each of its documents`, async function () {
        const { registry, issuer } = await loadFixture(deployRegistry);
        await registry.connect(issuer).anchor(set.root, set.documents.length);
        for (const doc of set.documents) {
          const sha = ethers.sha256(ethers.toUtf8Bytes(doc.text));
          expect(sha).to.equal("0x" + doc.sha256);
          const inner = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "bytes32"], [sha, doc.salt]));
          expect(ethers.keccak256(inner)).to.equal(doc.leaf);
          const [status] = await registry.verify(doc.leaf, doc.proof, set.root);
          expect(status).to.equal(Status.Anchored);
        }
      });
    }
  });
});
