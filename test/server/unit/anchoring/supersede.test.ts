import { rm } from "node:fs/promises";

import { expect } from "chai";
import { Contract } from "ethers";
import { network } from "hardhat";

import { REGISTRY_ABI } from "../../../../server/src/adapters/chain/registryAbi.js";
import { AnchoringWorker } from "../../../../server/src/domain/anchoring/anchoringWorker.js";
import type { Store } from "../../../../server/src/domain/ports.js";
import { chainFixture, fixedClock } from "../../../helpers/chain.js";
import { newDocument } from "../../../helpers/documents.js";

const { provider: eip1193 } = await network.create();
const silent = { info() {}, warn() {}, error() {} };

/**
 * Supersession in the anchoring worker, on a real store and chain: once a
 * successor is anchored, its predecessor is revoked with reason 3, exactly
 * once, also when the worker dies between the two steps.
 */
describe("anchoring worker: superseded documents", function () {
  this.timeout(30_000);
  let f: Awaited<ReturnType<typeof chainFixture>>;

  beforeEach(async function () {
    f = await chainFixture(eip1193);
  });

  afterEach(async function () {
    await f.store.close();
    await rm(f.dir, { recursive: true, force: true });
  });

  const worker = (store: Store = f.store) =>
    new AnchoringWorker({ store, chain: f.chain, clock: fixedClock(), confirmations: 1, batchIntervalMs: 60_000, batchMax: 100, log: silent });
  const revokedEvents = async (leaf: string) => {
    const registry = new Contract(f.registry, REGISTRY_ABI, f.provider);
    return registry.queryFilter(registry.filters.Revoked!(null, leaf));
  };

  it("revokes the predecessor with reason 3 once the successor is anchored, with an audit entry, and never twice", async function () {
    const earlier = newDocument({ createdBy: "Erika" });
    await f.store.insertDocument(earlier);
    await worker().runOnce();
    const successor = newDocument({ supersedes: earlier.sha256, createdBy: "Max" });
    await f.store.insertDocument(successor);
    await worker().runOnce();
    await worker().runOnce();

    const stored = (await f.store.getDocument(earlier.sha256))!;
    expect(stored.revocation).to.deep.include({ reason: 3, state: "confirmed", requestedBy: "Max", note: `superseded by ${successor.sha256}` });
    const events = await revokedEvents(stored.leaf!);
    expect(events).to.have.length(1);
    expect((events[0] as unknown as { args: { reason: bigint } }).args.reason).to.equal(3n);
    expect(await f.chain.revocationOf(stored.leaf!)).to.include({ reason: 3 });
    expect((await f.store.listAudit(10)).find((e) => e.action === "supersede")).to.include({ sha256: earlier.sha256, clerk: "Max", detail: `superseded by ${successor.sha256}` });
    expect(await f.store.supersededBy(earlier.sha256)).to.equal(successor.sha256);
  });

  it("carries on after dying between anchoring the successor and asking for the predecessor's revocation: revoked once", async function () {
    const earlier = newDocument();
    await f.store.insertDocument(earlier);
    await worker().runOnce();
    const successor = newDocument({ supersedes: earlier.sha256 });
    await f.store.insertDocument(successor);
    // The first worker dies right after the successor's batch is confirmed (its next step fails as a crash would end it).
    const dying = new Proxy(f.store, {
      get: (store, key) => (key === "supersessionsDue" ? () => Promise.reject(new Error("power cut")) : Reflect.get(store, key)),
    });
    await worker(dying).runOnce().then(() => expect.fail("the pass should have died"), (e: Error) => expect(e.message).to.equal("power cut"));
    expect((await f.store.getDocument(successor.sha256))!.batchId, "the successor is anchored").to.not.equal(null);
    expect((await f.store.getDocument(earlier.sha256))!.revocation, "nothing requested yet").to.equal(null);

    await worker().runOnce(); // the next start
    await worker().runOnce();
    const stored = (await f.store.getDocument(earlier.sha256))!;
    expect(stored.revocation).to.deep.include({ reason: 3, state: "confirmed" });
    expect(await revokedEvents(stored.leaf!)).to.have.length(1);
  });

  it("waits for a predecessor that is itself still pending: revoked after both are anchored", async function () {
    const earlier = newDocument();
    const successor = newDocument({ supersedes: earlier.sha256 });
    await f.store.insertDocument(earlier);
    await f.store.insertDocument(successor);
    await worker().runOnce(); // both in one batch
    const stored = (await f.store.getDocument(earlier.sha256))!;
    expect(stored.revocation).to.deep.include({ reason: 3, state: "confirmed" });
    expect(await revokedEvents(stored.leaf!)).to.have.length(1);
  });

  it("keeps one successor per document: the store refuses a second", async function () {
    const earlier = newDocument();
    await f.store.insertDocument(earlier);
    await f.store.insertDocument(newDocument({ supersedes: earlier.sha256 }));
    let refused: unknown = null;
    await f.store.insertDocument(newDocument({ supersedes: earlier.sha256 })).catch((e: unknown) => (refused = e));
    expect(String(refused)).to.match(/UNIQUE constraint failed: documents.supersedes/);
  });
});
