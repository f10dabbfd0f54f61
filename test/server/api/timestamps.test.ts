import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { createTrialTsa, startTrialTsa } from "../../../scripts/trialTsa.js";
import { pdfText } from "../../helpers/pdf.js";
import { freePort } from "../../helpers/processes.js";
import { type TestServer, eventually, startTestServer, uploadForm } from "../../helpers/server.js";
import { track } from "../../helpers/teardown.js";
import { type TestTsa, opensslVerifies, startTestTsa } from "../../helpers/tsa.js";

const { provider: eip1193 } = await network.create();

const sha256 = (data: string) => createHash("sha256").update(data).digest("hex");

/**
 * Every batch root gets an RFC 3161 token from a real TSA (openssl ts behind
 * HTTP), off the upload path: receipts gain it when it arrives, it verifies
 * with openssl alone and in every verifier, a tampered one is reported, and a
 * TSA that is down or hangs never delays anchoring.
 */
describe("API: RFC 3161 co-anchors of batch roots", function () {
  this.timeout(120_000);
  let tsa: TestTsa;
  let server: TestServer;
  let key: string;

  before(async function () {
    tsa = await startTestTsa();
    server = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "100", TSA_URL: tsa.url, TSA_CA_FILE: tsa.caFile });
    key = await server.clerkKey();
  });

  after(async function () {
    await server?.stop();
    await tsa?.close();
  });

  const post = (on: TestServer, receipt: unknown) =>
    on.api("/api/v1/verify", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(receipt) }).then((r) => r.json());

  async function registered(on: TestServer, clerk: string) {
    const content = `Zeitstempel ${randomBytes(8).toString("hex")}`;
    expect((await on.api("/api/v1/documents", { method: "POST", key: clerk, body: uploadForm(content) })).status).to.equal(202);
    return sha256(content);
  }
  const receiptOf = (on: TestServer, hash: string, withToken: boolean) =>
    eventually(async () => {
      const res = await on.api(`/api/v1/receipts/${hash}`);
      if (res.status !== 200) return null;
      const receipt = await res.json();
      return !withToken || receipt.coAnchors.length > 0 ? receipt : null;
    }, 60_000, withToken ? "the receipt with its token" : "the receipt");

  it("a receipt gains its token; openssl ts -verify alone confirms it over the root's bytes; every verifier reports the time", async function () {
    const hash = await registered(server, key);
    const receipt = await receiptOf(server, hash, true);
    const [coAnchor] = receipt.coAnchors;
    expect(coAnchor).to.deep.include({ type: "rfc3161", imprint: { algorithm: "sha256", of: "root" }, tsa: tsa.url });
    expect(coAnchor.certificates.length).to.be.at.least(1);
    expect(await opensslVerifies(Buffer.from(coAnchor.token, "base64"), receipt.root, tsa.caFile)).to.deep.include({ ok: true });

    const verdict = await post(server, receipt);
    expect(verdict).to.include({ status: "anchored", reliable: true });
    expect(verdict.timestamps).to.deep.equal([
      { type: "rfc3161", ok: true, genTime: coAnchor.genTime, tsa: "Notary Trial TSA (not qualified)", policy: "1.3.6.1.4.1.32473.1.1", accuracySeconds: 1, code: "timestamp.ok", values: { tsa: "Notary Trial TSA (not qualified)", genTime: coAnchor.genTime } },
    ]);
    expect((await (await server.api(`/api/v1/verify/${hash}`)).json()).timestamps[0].ok).to.equal(true);
    const text = await pdfText(new Uint8Array(await (await server.api(`/api/v1/receipts/${hash}.pdf`)).arrayBuffer()));
    expect(text).to.include("Zeitstempeldienst / Time-stamping authority").and.include("Notary Trial TSA (not qualified):");
    const ready = await (await server.api("/readyz")).json();
    expect(ready.checks.tsa).to.deep.include({ ok: true, awaiting: 0 });
  });

  it("reports a tampered token as invalid: a flipped byte, another root's token, an edited time", async function () {
    const [a, b] = [await receiptOf(server, await registered(server, key), true), await receiptOf(server, await registered(server, key), true)];
    const token = Buffer.from(a.coAnchors[0].token, "base64");
    token[token.length - 30] = token[token.length - 30]! ^ 1;
    const edits = [
      { ...a, coAnchors: [{ ...a.coAnchors[0], token: token.toString("base64") }] },
      { ...a, coAnchors: b.coAnchors },
      { ...a, coAnchors: [{ ...a.coAnchors[0], genTime: "2020-01-01T00:00:00Z" }] },
    ];
    const reasons = [];
    for (const edited of edits) {
      const verdict = await post(server, edited);
      expect(verdict.status).to.equal("invalid");
      const check = verdict.checks.find((c: { check: string }) => c.check === "timestamp");
      expect(check).to.deep.include({ ok: false, code: "timestamp.invalid" });
      reasons.push(check.values.reason);
    }
    expect(reasons[1]).to.match(/for other data/);
    expect(reasons[2]).to.match(/the receipt states 2020-01-01T00:00:00Z, the token/);
  });

  it("a verifier that trusts no TSA roots, or other ones, says the time was not confirmed, and the receipt stays valid", async function () {
    const receipt = await receiptOf(server, await registered(server, key), true);
    const stranger = await startTestTsa({ rootName: "Some Other Root" });
    const plain = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "100" }, undefined, { signer: 5 });
    const other = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "100", TSA_CA_FILE: stranger.caFile }, undefined, { signer: 7 });
    try {
      const unchecked = await post(plain, receipt);
      expect(unchecked.status).to.equal("anchored");
      expect(unchecked.checks.find((c: { check: string }) => c.check === "timestamp")).to.deep.include({ ok: true, code: "timestamp.unverified" });
      expect(unchecked.timestamps[0]).to.deep.include({ ok: false, unverified: true, code: "timestamp.unverified" });
      const untrusted = await post(other, receipt);
      expect(untrusted.status).to.equal("anchored");
      expect(untrusted.checks.find((c: { check: string }) => c.check === "timestamp")).to.deep.include({ ok: true, code: "timestamp.untrusted" });
      expect(untrusted.timestamps[0]).to.deep.include({ ok: false, unverified: true, tsa: "Notary Trial TSA (not qualified)" });
      expect(untrusted.timestamps[0].genTime, "no time is reported as proven").to.equal(undefined);
    } finally {
      await other.stop();
      await plain.stop();
      await stranger.close();
    }
  });

  it("a TSA down for several batch windows delays nothing: documents are anchored at once, tokens follow once it is back", async function () {
    // The TSA's keys exist, but nothing listens on its port yet.
    const dir = await mkdtemp(path.join(tmpdir(), "notary-tsa-down-"));
    const { caFile } = await createTrialTsa(dir);
    const port = await freePort();
    const outage = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "100", TSA_URL: `http://127.0.0.1:${port}/`, TSA_CA_FILE: caFile }, undefined, { signer: 6 });
    try {
      const clerk = await outage.clerkKey();
      const hashes = [await registered(outage, clerk), await registered(outage, clerk)];
      const started = Date.now();
      for (const hash of hashes) expect((await receiptOf(outage, hash, false)).coAnchors).to.deep.equal([]);
      expect(Date.now() - started).to.be.below(5_000); // anchored within a batch window or two, TSA or not
      await eventually(async () => (await (await outage.api("/readyz")).json()).checks.tsa.ok === false, 20_000, "the outage in /readyz");
      expect((await outage.api("/readyz")).status).to.equal(200); // a TSA outage never makes the server unready
      const back = await startTrialTsa(dir, port); // the TSA comes back on its port: the tokens follow
      const untrack = track("the TSA that came back", () => back.close());
      try {
        for (const hash of hashes) expect((await receiptOf(outage, hash, true)).coAnchors[0].tsa).to.equal(`http://127.0.0.1:${port}/`);
      } finally {
        untrack();
        await back.close();
      }
    } finally {
      await outage.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a TSA that hangs is bounded: anchoring goes on, the token comes once it answers again", async function () {
    tsa.mode = "hang";
    try {
      const asked = tsa.received;
      const hash = await registered(server, key);
      const receipt = await receiptOf(server, hash, false);
      expect(receipt.coAnchors).to.deep.equal([]);
      await eventually(async () => tsa.received > asked, 10_000, "the request the TSA leaves hanging");
      // Meanwhile anchoring goes on: another document is anchored while the TSA request hangs.
      expect((await receiptOf(server, await registered(server, key), false)).anchor.blockNumber).to.be.greaterThan(receipt.anchor.blockNumber);
      tsa.mode = "ok";
      expect((await receiptOf(server, hash, true)).coAnchors).to.have.length(1);
    } finally {
      tsa.mode = "ok";
    }
  });
});
