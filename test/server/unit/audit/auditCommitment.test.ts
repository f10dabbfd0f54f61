import { rm } from "node:fs/promises";

import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { expect } from "chai";
import { network } from "hardhat";

import { AnchoringWorker } from "../../../../server/src/domain/anchoring/anchoringWorker.js";
import { EthersChainReader } from "../../../../server/src/adapters/chain/chainReader.js";
import { EthersChain } from "../../../../server/src/adapters/chain/ethersChain.js";
import { buildBatch } from "../../../../server/src/domain/anchoring/buildBatch.js";
import { AUDIT_EPOCH_ROOT, AUDIT_MARKER, auditLeafInput } from "../../../../server/src/domain/audit/auditChain.js";
import { exportAudit } from "../../../../server/src/domain/audit/exportAudit.js";
import { parseAuditExport, verifyAuditExport } from "../../../../server/src/domain/audit/verifyAuditExport.js";
import { LEAF_ENCODINGS } from "../../../../server/src/domain/receipts/receiptVersions.js";
import { chainFixture, fixedClock } from "../../../helpers/chain.js";
import { newDocument } from "../../../helpers/documents.js";

const { provider: eip1193 } = await network.create();
const silent = { info() {}, warn() {}, error() {} };
const HOUR = 3_600_000;

/**
 * The audit head in the batch tree, on a real store and chain: every batch
 * commits the newest audit hash as one more leaf, built exactly as
 * OpenZeppelin's StandardMerkleTree builds it; entries no document carries
 * are anchored alone once they have waited the audit commit interval.
 */
describe("anchoring worker: audit head committed with every batch", function () {
  this.timeout(30_000);
  let f: Awaited<ReturnType<typeof chainFixture>>;
  let clock: ReturnType<typeof fixedClock>;

  beforeEach(async function () {
    f = await chainFixture(eip1193);
    clock = fixedClock();
  });

  afterEach(async function () {
    await f.store.close();
    await rm(f.dir, { recursive: true, force: true });
  });

  const worker = () => new AnchoringWorker({ store: f.store, chain: f.chain, clock, confirmations: 1, batchIntervalMs: 60_000, batchMax: 100, auditCommitIntervalMs: HOUR, log: silent });

  it("adds the audit head as one more leaf: the root is StandardMerkleTree's over documents and head, the chain counts it", async function () {
    const docs = [newDocument(), newDocument({ validUntil: 1_900_000_000 })];
    for (const d of docs) await f.store.insertDocument(d, { at: clock.now(), clerk: "Erika", action: "notarise", detail: null });
    await worker().runOnce();

    const stored = await Promise.all(docs.map(async (d) => (await f.store.getDocument(d.sha256))!));
    const batch = (await f.store.getBatch(stored[0]!.batchId!))!;
    const head = (await f.store.auditHead())!;
    expect(batch.audit).to.include({ auditId: 2, head: head.hash });
    const values = [...stored.map((d) => ["0x" + d.sha256, d.salt, d.validFrom, d.validUntil]), ["0x" + head.hash, AUDIT_MARKER, head.id + 2, 1]];
    const tree = StandardMerkleTree.of(values, [...LEAF_ENCODINGS[2]]);
    expect(batch.root).to.equal(tree.root);
    expect(batch.audit!.leaf).to.equal(tree.leafHash(values[2]!));
    expect(StandardMerkleTree.verify(tree.root, [...LEAF_ENCODINGS[2]], values[2]!, batch.audit!.proof)).to.equal(true);
    for (const [i, d] of stored.entries()) expect(StandardMerkleTree.verify(tree.root, [...LEAF_ENCODINGS[2]], values[i]!, d.proof!)).to.equal(true);
    expect(batch.leafCount, "documents").to.equal(2);
    expect((await f.chain.anchorOf(batch.root))!.leafCount, "leaves on chain").to.equal(3);
    const epoch = await f.chain.anchorOf(AUDIT_EPOCH_ROOT);
    expect(epoch, "the audit epoch, anchored once before the first audit leaf").to.not.equal(null);
    expect(epoch!.blockNumber).to.be.below((await f.chain.anchorOf(batch.root))!.blockNumber);
  });

  it("anchors entries no document carries alone, but only once they waited the audit commit interval, and only once", async function () {
    const d = newDocument();
    await f.store.insertDocument(d, { at: clock.now(), clerk: "Erika", action: "notarise", detail: null });
    await worker().runOnce();
    await f.store.appendAudit({ at: clock.now(), clerk: "Erika", action: "read-content", sha256: d.sha256, detail: null });
    expect(await f.store.uncommittedAudit()).to.deep.include({ count: 1 });

    await worker().runOnce();
    expect(await f.store.lastConfirmedBatch(), "not before the interval").to.deep.include({ id: 1 });
    clock.advance(HOUR);
    await worker().runOnce();
    const alone = (await f.store.lastConfirmedBatch())!;
    expect(alone).to.deep.include({ id: 2, leafCount: 0 });
    expect(alone.audit).to.include({ auditId: 2 });
    expect(await f.chain.anchorOf(alone.root)).to.not.equal(null);
    expect(await f.store.uncommittedAudit()).to.deep.include({ count: 0 });
    clock.advance(HOUR);
    await worker().runOnce();
    expect((await f.store.lastConfirmedBatch())!.id, "nothing new to commit").to.equal(2);
  });

  it("refuses to anchor a queued row whose salt is the audit marker (no upload makes one: it would be a second audit leaf)", async function () {
    await f.store.insertDocument(newDocument(), { at: clock.now(), clerk: "Erika", action: "notarise", detail: null });
    await f.store.insertDocument(newDocument({ salt: AUDIT_MARKER }));
    const refused = await worker().runOnce().then(() => null, (e: Error) => e);
    expect(refused?.message).to.include("the audit marker");
    expect(await f.store.lastConfirmedBatch(), "nothing anchored").to.equal(null);
  });

  it("an export made while a batch is mined but not yet confirmed here includes it (no false alarm, also for a range)", async function () {
    const clock0 = Date.now();
    clock = fixedClock(clock0);
    // Receipts name the chain's genesis, as the server's chain does.
    const chain = new EthersChain(f.provider, f.signer, f.registry, f.chain.chainId, (await f.provider.getBlock(0))!.hash!);
    await f.store.insertDocument(newDocument(), { at: clock.now(), clerk: "Erika", action: "notarise", detail: null });
    await new AnchoringWorker({ store: f.store, chain, clock, confirmations: 1, batchIntervalMs: 60_000, batchMax: 100, log: silent }).runOnce();
    // A second batch as the worker builds it, sent and mined, but the worker "stopped" before marking it confirmed.
    clock.advance(1000);
    const doc = newDocument();
    await f.store.insertDocument(doc, { at: clock.now(), clerk: "Erika", action: "notarise", detail: null });
    const head = (await f.store.auditHead())!;
    const stored = (await f.store.getDocument(doc.sha256))!;
    const { root, leaves } = buildBatch([stored, auditLeafInput(head.hash, head.id)]);
    const batch = await f.store.createBatch({ root, createdAt: clock.now(), leafVersion: 2 }, leaves.slice(0, 1), { auditId: head.id, head: head.hash, leaf: leaves[1]!.leaf, proof: leaves[1]!.proof });
    await chain.waitMined(await chain.sendAnchor(root, 2), 1);
    expect((await f.store.getBatch(batch.id))!.state).to.equal("built");

    const registry = { chainId: chain.chainId, genesisHash: chain.genesisHash, address: f.registry, municipality: await chain.municipality() };
    const deps = { store: f.store, clock, registry, receiptExtras: async () => ({}), chainBlock: () => chain.blockNumber(), anchoredIn: async (r: string) => (await chain.anchorOf(r))?.blockNumber ?? null };
    const reader = new EthersChainReader(f.provider, f.chain.chainId, "in-process");
    for (const range of [{ from: null, to: null }, { from: clock0 + 500, to: null }]) {
      const x = await exportAudit(deps, range);
      expect(x.commitments.map((c) => c.auditId)).to.deep.equal([1, 2]);
      const verdict = await verifyAuditExport(parseAuditExport(JSON.parse(JSON.stringify(x))), reader);
      expect(verdict.problems, JSON.stringify(range)).to.deep.equal([]);
      expect(verdict.status).to.equal("verified");
    }
  });

  it("an export that starts after the last batch before the range, with a backdated entry as its first, is caught", async function () {
    // The seventh review's case: chain and server clocks move together; an entry backdated before the range hides one inside it.
    const hour = 3_600_000;
    const t0 = ((await f.provider.getBlock("latest"))!.timestamp + 10) * 1000; // this network's clock may already be ahead
    clock = fixedClock(t0);
    const chain = new EthersChain(f.provider, f.signer, f.registry, f.chain.chainId, (await f.provider.getBlock(0))!.hash!);
    const run = () => new AnchoringWorker({ store: f.store, chain, clock, confirmations: 1, batchIntervalMs: 60_000, batchMax: 100, auditCommitIntervalMs: hour, log: silent }).runOnce();
    const later = async (ms: number) => {
      clock.advance(ms);
      await f.provider.send("evm_setNextBlockTimestamp", [Math.floor(clock.now() / 1000)]);
    };
    const add = (at: number) => f.store.insertDocument(newDocument(), { at, clerk: "Erika", action: "notarise", detail: null });
    await later(0);
    await add(clock.now()); // 1, anchored by batch A before the range
    await run();
    await later(hour);
    await add(clock.now()); // 2, inside the range: the one to hide
    await add(t0 - hour); // 3, backdated before the range
    await run(); // batch B commits 3
    await later(10_000);
    await add(clock.now()); // 4, inside the range
    await later(2 * hour);
    await add(clock.now()); // 5, after the range
    await run(); // batch C commits 5

    const registry = { chainId: chain.chainId, genesisHash: chain.genesisHash, address: f.registry, municipality: await chain.municipality() };
    const deps = { store: f.store, clock, registry, receiptExtras: async () => ({}), chainBlock: () => chain.blockNumber(), anchoredIn: async (r: string) => (await chain.anchorOf(r))?.blockNumber ?? null };
    const reader = new EthersChainReader(f.provider, chain.chainId, "in-process");
    const honest = await exportAudit(deps, { from: t0 + hour - 5000, to: t0 + 2 * hour });
    expect(honest.leading.map((e) => e.id)).to.deep.equal([1]);
    expect((await verifyAuditExport(parseAuditExport(JSON.parse(JSON.stringify(honest))), reader)).status).to.equal("verified");

    const crafted = JSON.parse(JSON.stringify(honest)) as typeof honest;
    const all = [...crafted.leading, ...crafted.entries, ...crafted.following];
    crafted.previousHash = all.find((e) => e.id === 2)!.hash;
    crafted.leading = all.filter((e) => e.id === 3);
    crafted.entries = all.filter((e) => e.id === 4);
    crafted.following = all.filter((e) => e.id === 5);
    const verdict = await verifyAuditExport(parseAuditExport(crafted), reader);
    expect(verdict.status).to.equal("tampered");
    expect(verdict.problems.join("\n")).to.include("the export starts after entry 1, whose hash the last batch before the range anchored");
  });

  it("an export made before the registry's first audit batch is pending, not tampered", async function () {
    const chain = new EthersChain(f.provider, f.signer, f.registry, f.chain.chainId, (await f.provider.getBlock(0))!.hash!);
    await f.store.insertDocument(newDocument(), { at: clock.now(), clerk: "Erika", action: "notarise", detail: null });
    const registry = { chainId: chain.chainId, genesisHash: chain.genesisHash, address: f.registry, municipality: await chain.municipality() };
    const deps = { store: f.store, clock, registry, receiptExtras: async () => ({}), chainBlock: () => chain.blockNumber(), anchoredIn: async (r: string) => (await chain.anchorOf(r))?.blockNumber ?? null };
    const x = await exportAudit(deps, { from: null, to: null });
    const verdict = await verifyAuditExport(parseAuditExport(JSON.parse(JSON.stringify(x))), new EthersChainReader(f.provider, chain.chainId, "in-process"));
    expect(verdict.problems).to.deep.equal([]);
    expect(verdict).to.deep.include({ status: "verified", uncommitted: 1 });
    const claimed = { ...x, commitments: [{ auditId: 1, head: x.entries[0]!.hash, root: "0x" + "11".repeat(32), proof: [], blockNumber: 1 }] };
    expect((await verifyAuditExport(parseAuditExport(JSON.parse(JSON.stringify(claimed))), new EthersChainReader(f.provider, chain.chainId, "in-process"))).status).to.equal("tampered");
  });
});
