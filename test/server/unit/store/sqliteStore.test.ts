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
