import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";

import { expect } from "chai";

import { SqliteStore } from "../../../../server/src/adapters/store/sqliteStore.js";
import { MIGRATIONS } from "../../../../server/src/adapters/store/schema.js";
import { AUDIT_GENESIS, findChainBreak } from "../../../../server/src/domain/audit/auditChain.js";
import type { NewDocument } from "../../../../server/src/domain/ports.js";
import { newDocument } from "../../../helpers/documents.js";

const doc = (n: number): NewDocument =>
  newDocument({ sha256: n.toString(16).padStart(64, "0"), salt: "0x" + "ab".repeat(32), reference: `ref ${n}`, createdAt: 1000 + n });

const anchor = { chainId: 31337, registry: "0x" + "11".repeat(20), transactionHash: "0x" + "22".repeat(32), blockNumber: 5, blockHash: "0x" + "33".repeat(32), timestamp: 1700000000, issuer: "0x" + "44".repeat(20), genesisHash: "0x" + "55".repeat(32) };

describe("SqliteStore", function () {
  let dir: string;
  let file: string;
  let store: SqliteStore;

  beforeEach(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "notary-store-"));
    file = path.join(dir, "notary.db");
    store = new SqliteStore(file);
  });

  afterEach(async function () {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("runs with a write-ahead log (synchronous=FULL is set on every connection it opens)", function () {
    const db = new DatabaseSync(file);
    expect((db.prepare("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode).to.equal("wal");
    db.close();
  });

  it("inserts a document once; the same hash again is not inserted and returns the first record", async function () {
    const first = await store.insertDocument(doc(1));
    const again = await store.insertDocument({ ...doc(1), reference: "other", salt: "0x" + "cd".repeat(32) });
    expect(first.inserted).to.equal(true);
    expect(again.inserted).to.equal(false);
    expect(again.record.reference).to.equal("ref 1");
    expect(again.record.salt).to.equal("0x" + "ab".repeat(32));
  });

  it("keeps committed documents across a reopen", async function () {
    await store.insertDocument(doc(1));
    await store.close();
    store = new SqliteStore(file);
    expect((await store.getDocument(doc(1).sha256))?.reference).to.equal("ref 1");
  });

  it("assigns documents to a batch atomically, and never one document to two batches", async function () {
    for (const n of [1, 2, 3]) await store.insertDocument(doc(n));
    const leaves = [1, 2].map((n, i) => ({ sha256: doc(n).sha256, leaf: `0x${n}`, leafIndex: i, proof: [`0x${n}${n}`] }));
    const batch = await store.createBatch({ root: "0xroot", createdAt: 5, leafVersion: 2 }, leaves);
    expect(batch).to.include({ root: "0xroot", leafCount: 2, state: "built" });
    expect((await store.unbatchedDocuments(10)).map((d) => d.sha256)).to.deep.equal([doc(3).sha256]);
    expect((await store.documentsOfBatch(batch.id)).map((d) => d.proof)).to.deep.equal([["0x11"], ["0x22"]]);

    const clash = [1, 3].map((n, i) => ({ sha256: doc(n).sha256, leaf: "0x", leafIndex: i, proof: [] }));
    let error: unknown;
    await store.createBatch({ root: "0xother", createdAt: 6, leafVersion: 2 }, clash).catch((e) => (error = e));
    expect(String(error)).to.match(/already in a batch/);
    expect((await store.getDocument(doc(3).sha256))?.batchId).to.equal(null); // rolled back
    expect(await store.openBatches()).to.have.length(1);
  });

  it("moves a batch from built to submitted to confirmed and derives document status", async function () {
    await store.insertDocument(doc(1));
    const batch = await store.createBatch({ root: "0xr", createdAt: 1, leafVersion: 2 }, [{ sha256: doc(1).sha256, leaf: "0xl", leafIndex: 0, proof: [] }]);
    await store.markBatchSubmitted(batch.id, anchor.transactionHash);
    expect((await store.getBatch(batch.id))?.state).to.equal("submitted");
    await store.markBatchConfirmed(batch.id, anchor, 99);
    expect((await store.getBatch(batch.id))?.anchor).to.deep.equal(anchor);
    expect(await store.openBatches()).to.deep.equal([]);
    expect((await store.listDocuments({ state: "anchored", limit: 10 })).map((d) => d.sha256)).to.deep.equal([doc(1).sha256]);
    expect(await store.listDocuments({ state: "pending", limit: 10 })).to.deep.equal([]);
  });

  it("queues revocations until the batch is confirmed, then confirms them", async function () {
    await store.insertDocument(doc(1));
    await store.requestRevocation(doc(1).sha256, { reason: 3, note: "superseded", at: 7, by: "clerk" });
    expect(await store.pendingRevocations()).to.deep.equal([]);
    const batch = await store.createBatch({ root: "0xr", createdAt: 1, leafVersion: 2 }, [{ sha256: doc(1).sha256, leaf: "0xl", leafIndex: 0, proof: [] }]);
    await store.markBatchConfirmed(batch.id, anchor, 2);
    expect((await store.pendingRevocations()).map((d) => d.revocation?.reason)).to.deep.equal([3]);
    await store.confirmRevocation(doc(1).sha256, { transactionHash: "0xt", timestamp: 8 });
    expect((await store.getDocument(doc(1).sha256))?.revocation).to.deep.include({ state: "confirmed", transactionHash: "0xt", timestamp: 8, note: "superseded" });
    expect((await store.listDocuments({ state: "revoked", limit: 10 })).length).to.equal(1);
  });

  it("requeues everything after a chain reset, keeping salts and revocation requests", async function () {
    await store.insertDocument(doc(1));
    const batch = await store.createBatch({ root: "0xr", createdAt: 1, leafVersion: 2 }, [{ sha256: doc(1).sha256, leaf: "0xl", leafIndex: 0, proof: [] }]);
    await store.markBatchConfirmed(batch.id, anchor, 2);
    await store.requestRevocation(doc(1).sha256, { reason: 1, note: null, at: 3, by: "c" });
    await store.confirmRevocation(doc(1).sha256, { transactionHash: "0xt", timestamp: 4 });
    expect(await store.requeueAll()).to.deep.equal({ documents: 1, batches: 1 });
    const d = (await store.getDocument(doc(1).sha256))!;
    expect(d).to.include({ batchId: null, leaf: null, salt: doc(1).salt });
    expect(d.revocation).to.include({ state: "requested", reason: 1, transactionHash: null });
    expect(await store.openBatches()).to.deep.equal([]);
  });

  it("erases an original's ref and key and records who erased it", async function () {
    await store.insertDocument({ ...doc(1), hasContent: true, cid: "QmX", content: { ref: "QmX", key: '{"v":1}' } });
    await store.eraseContent(doc(1).sha256, { at: 9, by: "Erika" });
    const d = (await store.getDocument(doc(1).sha256))!;
    expect(d).to.deep.include({ hasContent: false, cid: null, content: null, erasure: { at: 9, by: "Erika" } });
  });

  it("stores clerks' keys only as hashes and forgets removed clerks", async function () {
    const clerk = await store.addClerk("Erika", "f".repeat(64), 1);
    expect(await store.clerkByKeyHash("f".repeat(64))).to.deep.equal(clerk);
    expect(await store.removeClerk("Erika", 2)).to.equal(true);
    expect(await store.clerkByKeyHash("f".repeat(64))).to.equal(null);
    expect(await store.removeClerk("Erika", 3)).to.equal(false);
  });

  it("chains every audit entry to the one before it, also entries written in one group commit", async function () {
    await Promise.all([1, 2, 3].map((n) => store.insertDocument(doc(n), { at: 10 + n, clerk: "Erika", action: "notarise", detail: null })));
    await store.appendAudit({ at: 20, clerk: "Max", action: "read-content", sha256: doc(1).sha256, detail: "a lone surrogate \ud800 is stored as \ufffd" });
    const entries = (await store.listAudit(10)).reverse();
    expect(entries.map((e) => e.id)).to.deep.equal([1, 2, 3, 4]);
    expect(entries[3]!.detail, "what is hashed is what is stored").to.equal("a lone surrogate \ufffd is stored as \ufffd");
    expect(findChainBreak(AUDIT_GENESIS, entries)).to.equal(null);
    expect(await store.auditHead()).to.deep.equal({ id: 4, hash: entries[3]!.hash });
  });

  it("a data directory of the previous version: its audit entries are chained in id order when the store opens, once", async function () {
    await store.close();
    await rm(file);
    // The schema before audit chaining (migrations 1–7), with entries as that version wrote them.
    const old = new DatabaseSync(file);
    old.exec("CREATE TABLE schema_version (version INTEGER NOT NULL)");
    for (const [i, sql] of MIGRATIONS.slice(0, 7).entries()) old.exec(`${sql}; INSERT INTO schema_version (version) VALUES (${i + 1});`);
    for (const n of [1, 2, 3]) old.prepare("INSERT INTO audit (at, clerk, action, sha256, detail) VALUES (?, 'Erika', 'notarise', ?, NULL)").run(n, doc(n).sha256);
    old.close();

    store = new SqliteStore(file);
    const entries = (await store.listAudit(10)).reverse();
    expect(entries.every((e) => /^[0-9a-f]{64}$/.test(e.hash))).to.equal(true);
    expect(findChainBreak(AUDIT_GENESIS, entries)).to.equal(null);
    await store.appendAudit({ at: 4, clerk: "Max", action: "revoke", sha256: doc(1).sha256, detail: "reason 1" });
    await store.close();
    store = new SqliteStore(file);
    const again = (await store.listAudit(10)).reverse();
    expect(again.slice(0, 3)).to.deep.equal(entries);
    expect(findChainBreak(AUDIT_GENESIS, again)).to.equal(null);
  });
});
