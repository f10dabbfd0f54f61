import { expect } from "chai";

import type { ChainReader, Listing } from "../../../../server/src/domain/ports.js";
import { type TrustedDirectory, resolveIdentity } from "../../../../server/src/domain/verification/identity.js";

const REGISTRY = "0x" + "11".repeat(20);
const declared = { name: "Stadt Musterstadt", ags: "05334002" };
const directory = (name: string, address: string): TrustedDirectory => ({ name, chainId: 31337, genesisHash: "0x" + "00".repeat(32), rpcUrls: [], directory: address });
const listing = (over: Partial<Listing> = {}): Listing => ({ ags: "05334002", name: "Stadt Musterstadt (amtlich)", domain: "musterstadt.de", activeFrom: 10, activeUntil: 0, revokedFrom: 0, ...over });

/** A chain whose directories hold the given listings of REGISTRY. */
const chainWith = (listings: Record<string, Listing | null>) => ({ listingOf: async (d: string) => listings[d] ?? null }) as unknown as ChainReader;

describe("resolveIdentity", function () {
  const A = "0x" + "aa".repeat(20);
  const B = "0x" + "bb".repeat(20);

  it("confirms with the directory's name and AGS (not the registry's claim) when listed and active at the block", async function () {
    const id = await resolveIdentity(chainWith({ [A]: listing() }), [directory("NRW", A)], REGISTRY, 10, declared);
    expect(id).to.deep.include({ status: "confirmed", code: "identity.confirmed" });
    expect(id.municipality).to.deep.equal({ name: "Stadt Musterstadt (amtlich)", ags: "05334002", domain: "musterstadt.de", source: "directory" });
  });

  it("is unconfirmed when no trusted directory lists the registry, or only as not yet active", async function () {
    expect((await resolveIdentity(chainWith({}), [directory("NRW", A)], REGISTRY, 50, declared)).code).to.equal("identity.unconfirmed");
    expect((await resolveIdentity(chainWith({ [A]: listing() }), [], REGISTRY, 50, declared)).status).to.equal("unconfirmed");
    const early = await resolveIdentity(chainWith({ [A]: listing({ activeFrom: 60 }) }), [directory("NRW", A)], REGISTRY, 50, declared);
    expect(early).to.deep.include({ status: "unconfirmed", code: "identity.notActive" });
    const pending = await resolveIdentity(chainWith({ [A]: listing({ activeFrom: 0 }) }), [directory("NRW", A)], REGISTRY, 50, declared);
    expect(pending.code).to.equal("identity.notActive");
    expect(pending.municipality.source).to.equal("registry");
  });

  it("is a conflict when a trusted directory lists the registry for another AGS, retired it or revoked it by the anchor's block", async function () {
    const other = await resolveIdentity(chainWith({ [A]: listing({ ags: "05111000" }) }), [directory("NRW", A)], REGISTRY, 50, declared);
    expect(other).to.deep.include({ status: "conflict", code: "identity.agsMismatch" });
    expect((await resolveIdentity(chainWith({ [A]: listing({ activeUntil: 50 }) }), [directory("NRW", A)], REGISTRY, 50, declared)).code).to.equal("identity.retired");
    expect((await resolveIdentity(chainWith({ [A]: listing({ activeUntil: 51 }) }), [directory("NRW", A)], REGISTRY, 50, declared)).status).to.equal("confirmed");
    expect((await resolveIdentity(chainWith({ [A]: listing({ revokedFrom: 20 }) }), [directory("NRW", A)], REGISTRY, 50, declared)).code).to.equal("identity.revoked");
    expect((await resolveIdentity(chainWith({ [A]: listing({ revokedFrom: 20 }) }), [directory("NRW", A)], REGISTRY, 19, declared)).status).to.equal("confirmed");
  });

  it("a conflict in any trusted directory wins over a confirmation in another", async function () {
    const id = await resolveIdentity(chainWith({ [A]: listing(), [B]: listing({ revokedFrom: 30 }) }), [directory("NRW", A), directory("Bund", B)], REGISTRY, 40, declared);
    expect(id).to.deep.include({ status: "conflict", code: "identity.revoked" });
    expect(id.directory?.name).to.equal("Bund");
  });
});
