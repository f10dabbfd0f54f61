import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { SqliteStore } from "../../../../server/src/adapters/store/sqliteStore.js";
import { checkToken, pemCertificates, rootBytes } from "../../../../server/src/adapters/timestamps/rfc3161.js";
import { TsaClient } from "../../../../server/src/adapters/timestamps/tsaClient.js";
import { Timestamper } from "../../../../server/src/domain/timestamps/timestamper.js";
import { newDocument } from "../../../helpers/documents.js";
import { type TestTsa, startTestTsa } from "../../../helpers/tsa.js";

const anchor = { chainId: 31337, registry: "0x" + "11".repeat(20), transactionHash: "0x" + "22".repeat(32), blockNumber: 5, blockHash: "0x" + "33".repeat(32), timestamp: 1700000000, issuer: "0x" + "44".repeat(20), genesisHash: "0x" + "55".repeat(32) };
const quiet = { info() {}, warn() {} };

/** The timestamping duty over a real SQLite store and real trial TSAs (openssl ts behind HTTP). */
describe("Timestamper", function () {
  this.timeout(60_000);
  let dir: string;
  let store: SqliteStore;
  let good: TestTsa;
  let silent: TestTsa;
  let roots: Buffer[];

  before(async function () {
    good = await startTestTsa();
    silent = await startTestTsa();
    silent.mode = "hang";
    roots = pemCertificates(await readFile(good.caFile, "utf8"));
  });

  after(async function () {
    await good?.close();
    await silent?.close();
  });

  beforeEach(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "notary-timestamper-"));
    store = new SqliteStore(path.join(dir, "notary.db"));
  });

  afterEach(async function () {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A batch of one document; confirmed on chain when `confirmed`. */
  async function batch(n: number, confirmed: boolean) {
    const sha256 = n.toString(16).padStart(64, "0");
    await store.insertDocument(newDocument({ sha256, salt: "0x" + "ab".repeat(32), reference: `ref ${n}`, createdAt: 1000 + n }));
    const root = "0x" + n.toString(16).padStart(2, "0").repeat(32);
    const created = await store.createBatch({ root, createdAt: 1, leafVersion: 2 }, [{ sha256, leaf: "0x" + "01".repeat(32), leafIndex: 0, proof: [] }]);
    if (confirmed) {
      await store.markBatchSubmitted(created.id, anchor.transactionHash);
      await store.markBatchConfirmed(created.id, anchor, 99);
    }
    return { id: created.id, root };
  }

  it("gives each confirmed batch one token over its root, none to a batch not yet confirmed, and none twice", async function () {
    const [a, b, pending] = [await batch(1, true), await batch(2, true), await batch(3, false)];
    const results: boolean[] = [];
    const duty = new Timestamper({ store, tsa: new TsaClient([good.url], roots), clock: { now: () => 5 }, log: quiet, onResult: (ok) => results.push(ok) });
    await duty.runOnce();
    await duty.runOnce();
    for (const { id, root } of [a, b]) {
      const coAnchors = await store.coAnchorsOf(id);
      expect(coAnchors).to.have.length(1);
      expect(await checkToken(Buffer.from(coAnchors[0]!.token, "base64"), { data: rootBytes(root), roots })).to.include({ ok: true });
    }
    expect(await store.coAnchorsOf(pending.id)).to.deep.equal([]);
    expect(results).to.deep.equal([true, true]);
    expect(await store.countAwaitingCoAnchor("rfc3161")).to.equal(0);
  });

  it("stops at once while a TSA hangs, without waiting for its time limit and without counting a failure", async function () {
    await batch(4, true);
    const results: boolean[] = [];
    const duty = new Timestamper({ store, tsa: new TsaClient([silent.url], roots, 30_000), clock: { now: () => 5 }, log: quiet, onResult: (ok) => results.push(ok) });
    duty.start();
    const received = silent.received;
    for (let i = 0; i < 100 && silent.received === received; i++) await new Promise((r) => setTimeout(r, 20));
    expect(silent.received, "the TSA was asked").to.be.above(received);
    const started = Date.now();
    await duty.stop();
    expect(Date.now() - started).to.be.below(2_000);
    expect(results).to.deep.equal([]);
    expect(duty.health).to.deep.equal({ ok: true, lastError: null, failures: 0 });
  });

  it("backs off after a failed pass, doubling its wait, and reports it as its health; the next good pass clears it", async function () {
    await batch(5, true);
    const duty = new Timestamper({ store, tsa: new TsaClient([silent.url], roots, 200), clock: { now: () => 5 }, log: quiet, intervalMs: 100 });
    duty.start();
    await new Promise((r) => setTimeout(r, 3_000));
    await duty.stop();
    expect(duty.health.ok).to.equal(false);
    expect(duty.health.lastError).to.match(/no TSA gave a valid token/);
    // Each pass waits 200 ms for the TSA, then 200, 400, 800, 1600 ms: four or five passes in 3 s; ten without backoff.
    expect(duty.health.failures).to.be.within(3, 5);
    const healed = new Timestamper({ store, tsa: new TsaClient([good.url], roots), clock: { now: () => 5 }, log: quiet, intervalMs: 50 });
    healed.start();
    const deadline = Date.now() + 10_000;
    while ((await store.countAwaitingCoAnchor("rfc3161")) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await healed.stop();
    expect(await store.countAwaitingCoAnchor("rfc3161")).to.equal(0);
    expect(healed.health).to.deep.equal({ ok: true, lastError: null, failures: 0 });
  });
});
