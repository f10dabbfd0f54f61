import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";

import { expect } from "chai";
import { Contract } from "ethers";
import { network } from "hardhat";

import { REGISTRY_ABI } from "../../../../server/src/adapters/chain/registryAbi.js";
import { AnchoringWorker } from "../../../../server/src/domain/anchoring/anchoringWorker.js";
import { buildBatch } from "../../../../server/src/domain/anchoring/buildBatch.js";
import { submitBatch } from "../../../../server/src/domain/anchoring/submitBatch.js";
import { newSalt } from "../../../../server/src/domain/documents/notariseDocument.js";
import { isNotaryError } from "../../../../server/src/errors.js";
import { chainFixture, fixedClock } from "../../../helpers/chain.js";
import { newDocument } from "../../../helpers/documents.js";

const { provider: eip1193 } = await network.create();
const silent = { info() {}, warn() {}, error() {} };

describe("submitBatch and the anchoring worker", function () {
  this.timeout(30_000);
  let f: Awaited<ReturnType<typeof chainFixture>>;

  beforeEach(async function () {
    f = await chainFixture(eip1193);
  });

  afterEach(async function () {
    await f.store.close();
    await rm(f.dir, { recursive: true, force: true });
  });

  async function persistedBatch(size: number) {
    const docs = Array.from({ length: size }, () => ({ sha256: randomBytes(32).toString("hex"), salt: newSalt() }));
    for (const d of docs) await f.store.insertDocument(newDocument(d));
    const { root, leaves } = buildBatch(docs);
    return f.store.createBatch({ root, createdAt: 1, leafVersion: 2 }, leaves);
  }

  const anchoredEvents = async (root: string) => {
    const registry = new Contract(f.registry, REGISTRY_ABI, f.provider);
    return registry.queryFilter(registry.filters.Anchored!(root));
  };

  it("anchors a persisted batch once and records the transaction, block and issuer", async function () {
    const batch = await persistedBatch(3);
    const confirmed = await submitBatch({ store: f.store, chain: f.chain, clock: fixedClock(), confirmations: 1 }, batch);
    expect(confirmed.state).to.equal("confirmed");
    const [event] = await anchoredEvents(batch.root);
    expect(confirmed.anchor).to.deep.include({ transactionHash: event!.transactionHash, blockNumber: event!.blockNumber, blockHash: event!.blockHash, issuer: await f.signer.getAddress(), registry: f.registry, chainId: 31337 });
  });

  it("adopts a root that a previous run anchored before it crashed, without sending again", async function () {
    const batch = await persistedBatch(2);
    const earlierTx = await f.chain.sendAnchor(batch.root, 2); // the crashed run's send; never recorded
    await f.chain.waitMined(earlierTx, 1);
    const nonce = await f.provider.getTransactionCount(await f.signer.getAddress());

    const confirmed = await submitBatch({ store: f.store, chain: f.chain, clock: fixedClock(), confirmations: 1 }, batch);
    expect(confirmed.anchor?.transactionHash).to.equal(earlierTx);
    expect(await f.provider.getTransactionCount(await f.signer.getAddress())).to.equal(nonce);
    expect(await anchoredEvents(batch.root)).to.have.length(1);
  });

  it("waits for a transaction still in the node's pool instead of sending a second one", async function () {
    const batch = await persistedBatch(2);
    await f.provider.send("evm_setAutomine", [false]);
    try {
      const tx = await f.chain.sendAnchor(batch.root, 2);
      await f.store.markBatchSubmitted(batch.id, tx);
      const submitted = (await f.store.getBatch(batch.id))!;
      const pending = submitBatch({ store: f.store, chain: f.chain, clock: fixedClock(), confirmations: 1 }, submitted);
      await new Promise((r) => setTimeout(r, 200));
      await f.provider.send("evm_mine", []);
      const confirmed = await pending;
      expect(confirmed.anchor?.transactionHash).to.equal(tx);
      expect(await anchoredEvents(batch.root)).to.have.length(1);
    } finally {
      await f.provider.send("evm_setAutomine", [true]);
    }
  });

  it("turns the registry's revert for a second anchor into ALREADY_ANCHORED with its values", async function () {
    const batch = await persistedBatch(1);
    await f.chain.waitMined(await f.chain.sendAnchor(batch.root, 1), 1);
    const onChain = await f.chain.anchorOf(batch.root);
    let error: unknown;
    await f.chain.sendAnchor(batch.root, 1).catch((e) => (error = e));
    expect(isNotaryError(error, "ALREADY_ANCHORED")).to.equal(true);
    expect((error as { details: { args: unknown[] } }).details.args).to.deep.equal([batch.root, onChain!.timestamp]);
  });

  it("closes the queue into batches of at most BATCH_MAX documents and anchors each", async function () {
    for (let i = 0; i < 5; i++) {
      await f.store.insertDocument(newDocument({ createdAt: i }));
    }
    const confirmed: number[] = [];
    const worker = new AnchoringWorker({
      store: f.store, chain: f.chain, clock: fixedClock(), confirmations: 1, batchIntervalMs: 1000, batchMax: 2, log: silent,
      onBatchConfirmed: (b) => confirmed.push(b.leafCount),
    });
    await worker.runOnce();
    expect(confirmed).to.deep.equal([2, 2, 1]);
    expect(await f.store.countUnbatched()).to.equal(0);
    expect(await f.store.listDocuments({ state: "pending", limit: 10 })).to.deep.equal([]);
  });
});
