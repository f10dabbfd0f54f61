import { rm } from "node:fs/promises";

import { expect } from "chai";
import { Wallet } from "ethers";
import { network } from "hardhat";

import { chainProbe } from "../../../../server/src/adapters/chain/chainProbe.js";
import { connectRegistry } from "../../../../server/src/domain/registry/connectRegistry.js";
import { isNotaryError } from "../../../../server/src/errors.js";
import { chainFixture } from "../../../helpers/chain.js";
import { newDocument } from "../../../helpers/documents.js";

const { provider: eip1193 } = await network.create();

describe("connectRegistry", function () {
  this.timeout(30_000);
  let f: Awaited<ReturnType<typeof chainFixture>>;
  const errors: string[] = [];
  const log = { info() {}, error: (_o: object, msg: string) => void errors.push(msg) };
  const municipality = { name: "Stadt Musterstadt", ags: "05334002" };

  beforeEach(async function () {
    f = await chainFixture(eip1193);
    errors.length = 0;
  });

  afterEach(async function () {
    await f.store.close();
    await rm(f.dir, { recursive: true, force: true });
  });

  const connect = async (configured?: string, reanchor = false) =>
    connectRegistry({ store: f.store, probe: chainProbe(f.provider, f.signer), signer: await f.signer.getAddress(), municipality, configured, reanchor, log });

  /** A confirmed batch whose transaction the chain does not hold (as after restoring a chain older than the database). */
  async function batchTheChainLost() {
    await f.store.insertDocument(newDocument({ sha256: "ab".repeat(32) }));
    const batch = await f.store.createBatch({ root: "0x" + "cd".repeat(32), createdAt: 1, leafVersion: 2 }, [{ sha256: "ab".repeat(32), leaf: "0xl", leafIndex: 0, proof: [] }]);
    await f.store.markBatchConfirmed(batch.id, {
      chainId: 31337, registry: f.registry, transactionHash: "0x" + "ef".repeat(32), blockNumber: 9999, blockHash: "0x" + "12".repeat(32), timestamp: 1, issuer: f.registry, genesisHash: null,
    }, 2);
  }

  it("deploys a registry on first start and reuses it on the next", async function () {
    const first = await connect();
    expect(await f.provider.getCode(first.registry)).to.not.equal("0x");
    const second = await connect();
    expect(second.registry).to.equal(first.registry);
    expect(second.requeued).to.equal(0);
  });

  it("redeploys and requeues every document when the chain was reset, and says so loudly", async function () {
    const first = await connect();
    await f.store.insertDocument(newDocument());
    await f.store.setMeta("genesisHash", "0x" + "99".repeat(32)); // as if the data dir had anchored to another chain
    const after = await connect();
    expect(after.registry).to.not.equal(first.registry);
    expect(after.requeued).to.equal(1);
    expect(errors.join("\n")).to.match(/CHAIN RESET/);
  });

  it("refuses to start when the same chain lost the last confirmed batch's block, naming it; REANCHOR=true anchors everything again, loudly", async function () {
    await connect();
    await batchTheChainLost();
    const error = await connect().catch((e) => e);
    expect(isNotaryError(error, "CHAIN_HISTORY_LOST"), String(error)).to.equal(true);
    expect(error.message).to.include("block 9999").and.include("REANCHOR=true");
    const reanchored = await connect(undefined, true);
    expect(reanchored.requeued).to.equal(1);
    expect(errors.join("\n")).to.match(/REANCHOR=true: the chain lost blocks/);
  });

  it("uses a configured registry and refuses an address without code", async function () {
    expect((await connect(f.registry)).registry).to.equal(f.registry);
    const error = await connect(Wallet.createRandom().address).catch((e) => e);
    expect(isNotaryError(error, "REGISTRY_MISMATCH")).to.equal(true);
    expect(error.message).to.match(/No contract at REGISTRY_ADDRESS/);
  });

  it("refuses a signer without ISSUER and REVOKER roles", async function () {
    const stranger = await f.provider.getSigner(5);
    const error = await connectRegistry({
      store: f.store, probe: chainProbe(f.provider, stranger), signer: await stranger.getAddress(), municipality, configured: f.registry, log,
    }).catch((e) => e);
    expect(isNotaryError(error, "REGISTRY_MISMATCH")).to.equal(true);
    expect(error.message).to.match(/lacks ISSUER_ROLE or REVOKER_ROLE/);
  });
});
