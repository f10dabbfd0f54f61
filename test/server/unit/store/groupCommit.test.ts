import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";

import { expect } from "chai";

import { GroupCommit } from "../../../../server/src/adapters/store/groupCommit.js";

describe("GroupCommit", function () {
  let dir: string;
  let db: DatabaseSync;
  let group: GroupCommit;

  beforeEach(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "notary-group-"));
    db = new DatabaseSync(path.join(dir, "g.db"));
    db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE t (k TEXT PRIMARY KEY)");
    group = new GroupCommit(db);
  });

  afterEach(async function () {
    if (db.isOpen) db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const insert = (k: string) => group.run(() => db.prepare("INSERT INTO t (k) VALUES (?)").run(k).changes);
  const keys = () => (db.prepare("SELECT k FROM t ORDER BY k").all() as { k: string }[]).map((r) => r.k);

  it("commits writes made in the same turn of the event loop in one transaction", async function () {
    // Watch the statements the group runs on the connection.
    const statements: string[] = [];
    const watched = new Proxy(db, {
      get: (target, prop) => (prop === "exec" ? (sql: string) => (statements.push(sql), target.exec(sql)) : Reflect.get(target, prop, target)),
    });
    const watchedGroup = new GroupCommit(watched);
    await Promise.all(["a", "b", "c", "d"].map((k) => watchedGroup.run(() => db.prepare("INSERT INTO t (k) VALUES (?)").run(k))));
    expect(keys()).to.deep.equal(["a", "b", "c", "d"]);
    expect(statements.filter((s) => s === "COMMIT")).to.have.length(1);
    // A write in a later turn gets a transaction of its own.
    await new Promise((r) => setImmediate(r));
    await watchedGroup.run(() => db.prepare("INSERT INTO t (k) VALUES (?)").run("e"));
    expect(statements.filter((s) => s === "COMMIT")).to.have.length(2);
  });

  it("rolls back and rejects only the write that failed; the others commit", async function () {
    const results = await Promise.allSettled([insert("a"), insert("a"), insert("b")]);
    expect(results.map((r) => r.status)).to.deep.equal(["fulfilled", "rejected", "fulfilled"]);
    expect(keys()).to.deep.equal(["a", "b"]);
  });

  it("resolves nothing before the commit: the row is readable by another connection once the write resolves", async function () {
    await insert("x");
    const other = new DatabaseSync(path.join(dir, "g.db"));
    expect(other.prepare("SELECT COUNT(*) AS n FROM t").get()).to.deep.equal({ n: 1 });
    other.close();
  });

  it("rejects writes queued when the database closes, and settled() waits for queued writes", async function () {
    const queued = insert("late");
    await group.settled();
    expect(await queued).to.equal(1);
    const afterClose = insert("never");
    db.close();
    const error = await afterClose.catch((e: Error) => e);
    expect((error as Error).message).to.include("closed before this write was committed");
  });
});
