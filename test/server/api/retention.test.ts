import { createHash, randomBytes } from "node:crypto";

import { expect } from "chai";
import { network } from "hardhat";

import { verifyIndependently } from "../../helpers/independentVerify.js";
import { type TestServer, anchoredReceipt, eventually, startTestServer, uploadForm } from "../../helpers/server.js";

const { provider: eip1193 } = await network.create();

const sha256 = (data: string) => createHash("sha256").update(data).digest("hex");
const DAY_MS = 86_400_000;

/**
 * Retention (issue #14, part 4): originals are erased by themselves when
 * their retention period ends, by crypto-shredding as a clerk's erase does;
 * the receipt stays valid and the audit log says who erased what.
 */
describe("API: retention with automatic erasure", function () {
  this.timeout(60_000);
  let server: TestServer;
  let key: string;

  before(async function () {
    server = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "100", RETENTION_DAYS: "30", IPFS_MODE: "off" });
    key = await server.clerkKey("Erika Muster");
  });

  after(async function () {
    await server?.stop();
  });

  const permit = () => `Erlaubnis ${randomBytes(8).toString("hex")}`;
  const record = async (hash: string) => (await server.api(`/api/v1/documents/${hash}`, { key })).json();

  it("erases the original once its retainUntil has passed: content gone (key first), receipt still valid, audit names retention", async function () {
    const doc = permit();
    const soon = new Date(Date.now() + 1500).toISOString();
    const kept = new Date(Math.floor(Date.parse(soon) / 1000) * 1000).toISOString(); // kept to the second
    expect((await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(doc, { retainUntil: soon }) })).status).to.equal(202);
    const receipt = await anchoredReceipt(server, sha256(doc));
    expect((await server.api(`/api/v1/documents/${sha256(doc)}/content`, { key })).status, "kept until then").to.equal(200);
    expect((await record(sha256(doc))).retainUntil).to.equal(kept);

    const erased = await eventually(async () => {
      const r = await record(sha256(doc));
      return r.erasure ? r : null;
    }, 10_000, "the retention job to erase the original");
    expect(erased).to.include({ hasContent: false, storage: null, cid: null });
    expect(erased.erasure.by).to.equal("retention");
    expect(Date.parse(erased.erasure.at)).to.be.at.least(Date.parse(kept));
    const content = await server.api(`/api/v1/documents/${sha256(doc)}/content`, { key });
    expect(content.status).to.not.equal(200);
    expect((await content.json()).code).to.equal("CONTENT_NOT_AVAILABLE");
    expect(await verifyIndependently(receipt, server.provider), "the receipt stays valid").to.equal("anchored");
    const { items } = (await (await server.api("/api/v1/audit", { key })).json()) as { items: { action: string; sha256: string; clerk: string; detail: string }[] };
    expect(items.find((e) => e.action === "erase" && e.sha256 === sha256(doc))).to.include({ clerk: "retention", detail: `retention ended ${kept}` });
  });

  it("keeps an original RETENTION_DAYS by default, and a retainUntil date until the end of that day in Berlin", async function () {
    const byDefault = permit();
    const before = Date.now();
    await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(byDefault) });
    const retainUntil = Date.parse((await record(sha256(byDefault))).retainUntil);
    expect(retainUntil).to.be.within(before + 30 * DAY_MS, Date.now() + 30 * DAY_MS);
    const dated = permit();
    await server.api("/api/v1/documents", { method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ sha256: sha256(dated), retainUntil: "2036-12-31" }) });
    expect((await record(sha256(dated))).retainUntil).to.equal("2036-12-31T22:59:59.000Z");
  });

  it("a repeated upload with another retainUntil says it was not applied (the first date stands)", async function () {
    const doc = permit();
    await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(doc, { retainUntil: "2036-12-31" }) });
    const again = await (await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(doc, { retainUntil: "2040-12-31" }) })).json();
    expect(again.duplicate.ignored).to.deep.equal(["retainUntil"]);
    expect(again.retainUntil).to.equal("2036-12-31T22:59:59.000Z");
    const plain = await (await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(doc) })).json();
    expect(plain.duplicate.ignored, "RETENTION_DAYS filling in is not the clerk's request").to.deep.equal([]);
  });

  it("refuses a retainUntil in the past (a typo must not erase at once) or malformed, with 400 and nothing stored", async function () {
    for (const retainUntil of ["2020-01-01", "31.12.2036"]) {
      const doc = permit();
      const res = await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(doc, { retainUntil }) });
      expect(res.status, retainUntil).to.equal(400);
      expect((await res.json()).detail).to.match(/retainUntil/);
      expect((await server.api(`/api/v1/documents/${sha256(doc)}`, { key })).status).to.equal(404);
    }
  });

  it("reports the retention duty in /readyz", async function () {
    const ready = await (await server.api("/readyz")).json();
    expect(ready.checks.retention).to.deep.equal({ ok: true, days: 30 });
  });
});
