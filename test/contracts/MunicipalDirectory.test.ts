import { expect } from "chai";
import { network } from "hardhat";

const { ethers, networkHelpers } = await network.create();
const { loadFixture, mine } = networkHelpers;

const DEFAULT_ADMIN_ROLE = ethers.ZeroHash;
const MUSTERSTADT = { name: "Stadt Musterstadt", ags: "05334002", domain: "musterstadt.de" };
const BEISPIEL = { name: "Gemeinde Beispiel", ags: "05334036", domain: "" };

/**
 * The consortium deploys the directory and grants an NRW registrar (prefix
 * "05"); Musterstadt's admin deploys its registry; a stranger deploys a
 * look-alike registry with the same name and AGS.
 */
async function deployDirectory() {
  const [consortium, registrar, townAdmin, stranger, otherRegistrar, beispielAdmin] = await ethers.getSigners();
  const directory = await ethers.deployContract("MunicipalDirectory", [consortium!.address]);
  await directory.grantRegistrar(registrar!.address, "05");
  await directory.grantRegistrar(otherRegistrar!.address, "09");
  const registry = await ethers.deployContract("NotaryRegistry", [townAdmin!.address, MUSTERSTADT.name, MUSTERSTADT.ags]);
  const lookAlike = await ethers.deployContract("NotaryRegistry", [stranger!.address, MUSTERSTADT.name, MUSTERSTADT.ags]);
  const beispiel = await ethers.deployContract("NotaryRegistry", [beispielAdmin!.address, BEISPIEL.name, BEISPIEL.ags]);
  return {
    directory,
    registry,
    lookAlike,
    beispiel,
    consortium: consortium!,
    registrar: registrar!,
    townAdmin: townAdmin!,
    stranger: stranger!,
    otherRegistrar: otherRegistrar!,
    beispielAdmin: beispielAdmin!,
  };
}

/** Musterstadt's registry proposed by the NRW registrar and accepted by the town's admin. */
async function deployWithListing() {
  const f = await deployDirectory();
  await f.directory.connect(f.registrar).propose(f.registry.target, MUSTERSTADT.ags, MUSTERSTADT.name, MUSTERSTADT.domain);
  const tx = await f.directory.connect(f.townAdmin).accept(f.registry.target);
  const activeFrom = BigInt((await tx.wait())!.blockNumber);
  return { ...f, activeFrom };
}

const blockNumber = async () => BigInt(await ethers.provider.getBlockNumber());

describe("MunicipalDirectory", function () {
  describe("deployment and registrars", function () {
    it("gives the consortium the admin role, and supports its ERC-165 ids", async function () {
      const { directory, consortium } = await loadFixture(deployDirectory);
      expect(await directory.hasRole(DEFAULT_ADMIN_ROLE, consortium.address)).to.equal(true);
      const iface = (await ethers.getContractFactory("MunicipalDirectory")).interface;
      const selectors = [
        "grantRegistrar", "revokeRegistrar", "propose", "accept", "retire", "revoke", "listingOf", "registriesOf", "isActiveAt", "isRegistrarFor",
      ].map((fn) => BigInt(iface.getFunction(fn)!.selector));
      const id = "0x" + selectors.reduce((a, b) => a ^ b, 0n).toString(16).padStart(8, "0");
      expect(await directory.supportsInterface(id)).to.equal(true);
      expect(await directory.supportsInterface("0x7965db0b")).to.equal(true);
      expect(await directory.supportsInterface("0xffffffff")).to.equal(false);
    });

    it("rejects the zero address as consortium", async function () {
      const factory = await ethers.getContractFactory("MunicipalDirectory");
      await expect(ethers.deployContract("MunicipalDirectory", [ethers.ZeroAddress])).to.be.revertedWithCustomError(factory, "MunicipalDirectoryZeroAdmin");
    });

    it("grants a registrar an AGS prefix, which covers exactly the AGS starting with it", async function () {
      const { directory, consortium, stranger } = await loadFixture(deployDirectory);
      await expect(directory.grantRegistrar(stranger.address, "053")).to.emit(directory, "RegistrarGranted").withArgs(stranger.address, "053");
      expect(await directory.isRegistrarFor(stranger.address, "05334002")).to.equal(true);
      expect(await directory.isRegistrarFor(stranger.address, "05134002")).to.equal(false);
      expect(await directory.isRegistrarFor(consortium.address, "05334002")).to.equal(false);
      await expect(directory.revokeRegistrar(stranger.address, "053")).to.emit(directory, "RegistrarRevoked").withArgs(stranger.address, "053");
      expect(await directory.isRegistrarFor(stranger.address, "05334002")).to.equal(false);
    });

    for (const prefix of ["", "123456789", "0a", "٠٥"]) {
      it(`refuses the AGS prefix ${JSON.stringify(prefix)}`, async function () {
        const { directory, stranger } = await loadFixture(deployDirectory);
        await expect(directory.grantRegistrar(stranger.address, prefix)).to.be.revertedWithCustomError(directory, "MunicipalDirectoryInvalidPrefix").withArgs(prefix);
      });
    }

    it("lets only the consortium grant and withdraw registrars", async function () {
      const { directory, registrar, stranger } = await loadFixture(deployDirectory);
      for (const who of [registrar, stranger]) {
        await expect(directory.connect(who).grantRegistrar(who.address, "05"))
          .to.be.revertedWithCustomError(directory, "AccessControlUnauthorizedAccount")
          .withArgs(who.address, DEFAULT_ADMIN_ROLE);
        await expect(directory.connect(who).revokeRegistrar(registrar.address, "05"))
          .to.be.revertedWithCustomError(directory, "AccessControlUnauthorizedAccount")
          .withArgs(who.address, DEFAULT_ADMIN_ROLE);
      }
    });
  });

  describe("propose", function () {
    it("records a pending listing (not active) and emits ListingProposed", async function () {
      const { directory, registrar, registry } = await loadFixture(deployDirectory);
      await expect(directory.connect(registrar).propose(registry.target, MUSTERSTADT.ags, MUSTERSTADT.name, MUSTERSTADT.domain))
        .to.emit(directory, "ListingProposed")
        .withArgs(registry.target, MUSTERSTADT.ags, MUSTERSTADT.name, MUSTERSTADT.domain, registrar.address);
      const listing = await directory.listingOf(registry.target);
      expect([listing.ags, listing.name, listing.domain, listing.activeFrom, listing.activeUntil, listing.revokedFrom]).to.deep.equal([
        MUSTERSTADT.ags, MUSTERSTADT.name, MUSTERSTADT.domain, 0n, 0n, 0n,
      ]);
      expect(await directory.isActiveAt(registry.target, await blockNumber())).to.equal(false);
      expect(await directory.registriesOf(MUSTERSTADT.ags)).to.deep.equal([registry.target]);
    });

    it("answers an empty listing for a registry it does not know", async function () {
      const { directory, lookAlike } = await loadFixture(deployDirectory);
      expect((await directory.listingOf(lookAlike.target)).ags).to.equal("");
      expect(await directory.isActiveAt(lookAlike.target, await blockNumber())).to.equal(false);
      expect(await directory.registriesOf("05334002")).to.deep.equal([]);
    });

    it("refuses a stranger: nobody but a registrar lists a look-alike registry", async function () {
      const { directory, stranger, lookAlike } = await loadFixture(deployDirectory);
      await expect(directory.connect(stranger).propose(lookAlike.target, MUSTERSTADT.ags, MUSTERSTADT.name, ""))
        .to.be.revertedWithCustomError(directory, "MunicipalDirectoryNotRegistrarFor")
        .withArgs(stranger.address, MUSTERSTADT.ags);
    });

    it("refuses a registrar outside its Land, and the consortium itself", async function () {
      const { directory, otherRegistrar, consortium, registry } = await loadFixture(deployDirectory);
      for (const who of [otherRegistrar, consortium]) {
        await expect(directory.connect(who).propose(registry.target, MUSTERSTADT.ags, MUSTERSTADT.name, ""))
          .to.be.revertedWithCustomError(directory, "MunicipalDirectoryNotRegistrarFor")
          .withArgs(who.address, MUSTERSTADT.ags);
      }
    });

    it("refuses the zero registry, a bad AGS and an empty name", async function () {
      const { directory, registrar, registry } = await loadFixture(deployDirectory);
      await expect(directory.connect(registrar).propose(ethers.ZeroAddress, MUSTERSTADT.ags, "x", "")).to.be.revertedWithCustomError(directory, "MunicipalDirectoryZeroRegistry");
      for (const ags of ["", "0533400", "053340021", "0533400a"]) {
        await expect(directory.connect(registrar).propose(registry.target, ags, "x", "")).to.be.revertedWithCustomError(directory, "MunicipalDirectoryInvalidAgs").withArgs(ags);
      }
      await expect(directory.connect(registrar).propose(registry.target, MUSTERSTADT.ags, "", "")).to.be.revertedWithCustomError(directory, "MunicipalDirectoryEmptyName");
    });

    it("lets a pending proposal be replaced, but never an accepted listing", async function () {
      const { directory, registrar, registry, townAdmin } = await loadFixture(deployDirectory);
      await directory.connect(registrar).propose(registry.target, MUSTERSTADT.ags, "Stadt Mustrstadt", "");
      await directory.connect(registrar).propose(registry.target, MUSTERSTADT.ags, MUSTERSTADT.name, MUSTERSTADT.domain);
      expect((await directory.listingOf(registry.target)).name).to.equal(MUSTERSTADT.name);
      await directory.connect(townAdmin).accept(registry.target);
      await expect(directory.connect(registrar).propose(registry.target, "05334036", "Gemeinde Beispiel", ""))
        .to.be.revertedWithCustomError(directory, "MunicipalDirectoryAlreadyListed")
        .withArgs(registry.target, MUSTERSTADT.ags);
      expect((await directory.listingOf(registry.target)).ags).to.equal(MUSTERSTADT.ags);
    });
  });

  describe("accept", function () {
    it("activates the listing from its block, by the registry's own admin, and emits ListingAccepted", async function () {
      const { directory, registrar, registry, townAdmin } = await loadFixture(deployDirectory);
      await directory.connect(registrar).propose(registry.target, MUSTERSTADT.ags, MUSTERSTADT.name, "");
      const tx = directory.connect(townAdmin).accept(registry.target);
      const at = BigInt((await (await tx).wait())!.blockNumber);
      await expect(tx).to.emit(directory, "ListingAccepted").withArgs(registry.target, MUSTERSTADT.ags, at, townAdmin.address);
      expect((await directory.listingOf(registry.target)).activeFrom).to.equal(at);
      expect(await directory.isActiveAt(registry.target, at - 1n)).to.equal(false);
      expect(await directory.isActiveAt(registry.target, at)).to.equal(true);
      expect(await directory.isActiveAt(registry.target, at + 1000n)).to.equal(true);
    });

    it("refuses anyone but an admin of the registry: neither the registrar, the consortium nor a stranger", async function () {
      const { directory, registrar, registry, consortium, stranger } = await loadFixture(deployDirectory);
      await directory.connect(registrar).propose(registry.target, MUSTERSTADT.ags, MUSTERSTADT.name, "");
      for (const who of [registrar, consortium, stranger]) {
        await expect(directory.connect(who).accept(registry.target))
          .to.be.revertedWithCustomError(directory, "MunicipalDirectoryNotRegistryAdmin")
          .withArgs(who.address, registry.target);
      }
    });

    it("refuses a listing whose AGS is not the registry's own", async function () {
      const { directory, registrar, beispiel, beispielAdmin } = await loadFixture(deployDirectory);
      await directory.connect(registrar).propose(beispiel.target, MUSTERSTADT.ags, MUSTERSTADT.name, "");
      await expect(directory.connect(beispielAdmin).accept(beispiel.target))
        .to.be.revertedWithCustomError(directory, "MunicipalDirectoryAgsMismatch")
        .withArgs(beispiel.target, MUSTERSTADT.ags, BEISPIEL.ags);
    });

    it("refuses a registry that was never proposed, and a second acceptance", async function () {
      const { directory, registry, townAdmin, lookAlike, stranger, activeFrom } = await loadFixture(deployWithListing);
      await expect(directory.connect(stranger).accept(lookAlike.target)).to.be.revertedWithCustomError(directory, "MunicipalDirectoryNotListed").withArgs(lookAlike.target);
      await expect(directory.connect(townAdmin).accept(registry.target))
        .to.be.revertedWithCustomError(directory, "MunicipalDirectoryAlreadyAccepted")
        .withArgs(registry.target, activeFrom);
    });
  });

  describe("retire (rotation) and revoke (compromise)", function () {
    it("retire: anchors before activeUntil still count, from it on not; emits ListingRetired", async function () {
      const { directory, registry, townAdmin, activeFrom } = await loadFixture(deployWithListing);
      const until = (await blockNumber()) + 10n;
      await expect(directory.connect(townAdmin).retire(registry.target, until)).to.emit(directory, "ListingRetired").withArgs(registry.target, until, townAdmin.address);
      expect(await directory.isActiveAt(registry.target, activeFrom)).to.equal(true);
      expect(await directory.isActiveAt(registry.target, until - 1n)).to.equal(true);
      expect(await directory.isActiveAt(registry.target, until)).to.equal(false);
    });

    it("retire: only earlier, never in the past, never before acceptance", async function () {
      const { directory, registry, townAdmin, registrar, lookAlike } = await loadFixture(deployWithListing);
      const now = await blockNumber();
      await directory.connect(townAdmin).retire(registry.target, now + 20n);
      await expect(directory.connect(townAdmin).retire(registry.target, now + 30n))
        .to.be.revertedWithCustomError(directory, "MunicipalDirectoryWindowCannotGrow")
        .withArgs(registry.target, now + 20n, now + 30n);
      // The failing transaction is mined two blocks after `now` (the first retirement took one).
      await expect(directory.connect(registrar).retire(registry.target, now - 1n))
        .to.be.revertedWithCustomError(directory, "MunicipalDirectoryRetirementInPast")
        .withArgs(registry.target, now - 1n, now + 2n);
      await directory.connect(registrar).retire(registry.target, now + 5n);
      expect((await directory.listingOf(registry.target)).activeUntil).to.equal(now + 5n);
      await expect(directory.connect(registrar).retire(lookAlike.target, now + 50n)).to.be.revertedWithCustomError(directory, "MunicipalDirectoryNotListed").withArgs(lookAlike.target);
    });

    it("revoke: anchors from revokedFrom on are rejected, also in the past; emits ListingRevoked", async function () {
      const { directory, registry, registrar, activeFrom } = await loadFixture(deployWithListing);
      await mine(20);
      const from = activeFrom + 5n;
      await expect(directory.connect(registrar).revoke(registry.target, from)).to.emit(directory, "ListingRevoked").withArgs(registry.target, from, registrar.address);
      expect(await directory.isActiveAt(registry.target, from - 1n)).to.equal(true);
      expect(await directory.isActiveAt(registry.target, from)).to.equal(false);
      expect(await directory.isActiveAt(registry.target, (await blockNumber()) + 100n)).to.equal(false);
    });

    it("revoke: only earlier, never before the listing was active", async function () {
      const { directory, registry, consortium, activeFrom } = await loadFixture(deployWithListing);
      await mine(10);
      await directory.connect(consortium).revoke(registry.target, activeFrom + 5n);
      await expect(directory.connect(consortium).revoke(registry.target, activeFrom + 6n))
        .to.be.revertedWithCustomError(directory, "MunicipalDirectoryWindowCannotGrow")
        .withArgs(registry.target, activeFrom + 5n, activeFrom + 6n);
      await expect(directory.connect(consortium).revoke(registry.target, activeFrom - 1n))
        .to.be.revertedWithCustomError(directory, "MunicipalDirectoryBeforeActive")
        .withArgs(registry.target, activeFrom - 1n, activeFrom);
    });

    it("a revoked listing never becomes active again: not by a new proposal, nor a second acceptance", async function () {
      const { directory, registry, registrar, townAdmin, activeFrom } = await loadFixture(deployWithListing);
      await directory.connect(registrar).revoke(registry.target, activeFrom);
      await expect(directory.connect(registrar).propose(registry.target, MUSTERSTADT.ags, MUSTERSTADT.name, "")).to.be.revertedWithCustomError(directory, "MunicipalDirectoryAlreadyListed");
      await expect(directory.connect(townAdmin).accept(registry.target)).to.be.revertedWithCustomError(directory, "MunicipalDirectoryAlreadyAccepted");
      expect(await directory.isActiveAt(registry.target, (await blockNumber()) + 1n)).to.equal(false);
    });
  });

  describe("role matrix", function () {
    // who × action → allowed. `registrar` is NRW's ("05"), `otherRegistrar` Bavaria's ("09").
    const matrix: [string, string, boolean][] = [
      ["consortium", "retire", true], ["registrar", "retire", true], ["townAdmin", "retire", true], ["otherRegistrar", "retire", false], ["stranger", "retire", false],
      ["consortium", "revoke", true], ["registrar", "revoke", true], ["townAdmin", "revoke", false], ["otherRegistrar", "revoke", false], ["stranger", "revoke", false],
    ];
    for (const [who, action, ok] of matrix) {
      it(`${ok ? "lets" : "forbids"} the ${who} ${ok ? "" : "to "}${action} a listing`, async function () {
        const f = await loadFixture(deployWithListing);
        const signer = f[who as "consortium"];
        const block = (await blockNumber()) + 5n;
        const call = action === "retire" ? f.directory.connect(signer).retire(f.registry.target, block) : f.directory.connect(signer).revoke(f.registry.target, f.activeFrom);
        if (ok) await expect(call).to.not.revert(ethers);
        else await expect(call).to.be.revertedWithCustomError(f.directory, "MunicipalDirectoryNotAllowed").withArgs(signer.address, f.registry.target);
      });
    }
  });

  describe("registriesOf", function () {
    it("lists every registry ever proposed for an AGS, in order: the old one after a rotation, and the new one", async function () {
      const { directory, registry, registrar, townAdmin } = await loadFixture(deployWithListing);
      const successor = await ethers.deployContract("NotaryRegistry", [townAdmin.address, MUSTERSTADT.name, MUSTERSTADT.ags]);
      await directory.connect(registrar).propose(successor.target, MUSTERSTADT.ags, MUSTERSTADT.name, MUSTERSTADT.domain);
      await directory.connect(townAdmin).accept(successor.target);
      await directory.connect(townAdmin).retire(registry.target, (await blockNumber()) + 1n);
      expect(await directory.registriesOf(MUSTERSTADT.ags)).to.deep.equal([registry.target, successor.target]);
      const now = (await blockNumber()) + 1n;
      expect(await directory.isActiveAt(registry.target, now)).to.equal(false);
      expect(await directory.isActiveAt(successor.target, now)).to.equal(true);
    });
  });
});
