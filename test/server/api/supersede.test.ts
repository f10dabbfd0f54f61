import { createHash, randomBytes } from "node:crypto";

import { expect } from "chai";
import { network } from "hardhat";

import { verifyIndependently } from "../../helpers/independentVerify.js";
import { type TestServer, anchoredReceipt, eventually, startTestServer, uploadForm } from "../../helpers/server.js";

const { provider: eip1193 } = await network.create();

const sha256 = (data: string) => createHash("sha256").update(data).digest("hex");

/**
 * A permit replaced by a new one (issue #14, part 2): the successor names the
 * earlier document; once it is anchored the earlier one is revoked on chain
 * as superseded. The public learns "superseded", clerks also by what.
 */
describe("API: superseding a document", function () {
  this.timeout(60_000);
  let server: TestServer;
  let key: string;

  before(async function () {
    server = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "100" });
    key = await server.clerkKey("Erika Muster");
  });

  after(async function () {
    await server?.stop();
  });

  const permit = () => `Hundehaltung ${randomBytes(8).toString("hex")}`;
  const register = (doc: string, fields: Record<string, string> = {}) => server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(doc, fields) });
  const clerkView = async (hash: string) => (await server.api(`/api/v1/documents/${hash}`, { key })).json();

  it("revokes the earlier permit as superseded once the successor is anchored; the public sees superseded, not by what", async function () {
    const earlier = permit();
    expect((await register(earlier, { title: "Erlaubnis Hundehaltung" })).status).to.equal(202);
    const earlierReceipt = await anchoredReceipt(server, sha256(earlier));
    const successor = permit();
    expect((await register(successor, { title: "Erlaubnis Hundehaltung (neu)", supersedes: sha256(earlier).toUpperCase() })).status).to.equal(202);
    await anchoredReceipt(server, sha256(successor));

    const publicAnswer = await eventually(async () => {
      const answer = await (await server.api(`/api/v1/verify/${sha256(earlier)}`)).json();
      return answer.status === "revoked" ? answer : null;
    }, 20_000, "the earlier permit to be revoked");
    expect(publicAnswer.revocation).to.include({ reason: 3, reasonText: "superseded" });
    expect(JSON.stringify(publicAnswer), "the public answer never names the successor").to.not.include(sha256(successor));
    expect(JSON.stringify(await (await server.api(`/api/v1/receipts/${sha256(earlier)}`)).json())).to.not.include(sha256(successor));
    expect(await verifyIndependently(earlierReceipt, server.provider), "revoked on chain").to.equal("revoked");
    expect((await (await server.api(`/api/v1/verify/${sha256(successor)}`)).json()).status).to.equal("anchored");

    expect(await clerkView(sha256(earlier))).to.include({ supersededBy: sha256(successor), status: "revoked" });
    expect(await clerkView(sha256(successor))).to.include({ supersedes: sha256(earlier), supersededBy: null });
    const { items } = (await (await server.api("/api/v1/audit", { key })).json()) as { items: { action: string; sha256: string; clerk: string }[] };
    expect(items.find((e) => e.action === "supersede" && e.sha256 === sha256(earlier))).to.include({ clerk: "Erika Muster" });
  });

  it("refuses what cannot be superseded: an unknown document (404), itself (400), one already superseded or revoked (409), a malformed hash (400); nothing is stored", async function () {
    const earlier = permit();
    await register(earlier);
    await anchoredReceipt(server, sha256(earlier));
    const first = permit();
    expect((await register(first, { supersedes: sha256(earlier) })).status).to.equal(202);
    const revoked = permit();
    await register(revoked);
    await anchoredReceipt(server, sha256(revoked));
    await server.api(`/api/v1/documents/${sha256(revoked)}/revocation`, { method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ reason: 1 }) });

    const cases: [string, Record<string, string>, number, RegExp][] = [
      ["unknown", { supersedes: "ab".repeat(32) }, 404, /is not registered here/],
      ["already superseded", { supersedes: sha256(earlier) }, 409, new RegExp(`already superseded by ${sha256(first)}`)],
      ["revoked", { supersedes: sha256(revoked) }, 409, /already revoked/],
      ["malformed", { supersedes: "not-a-hash" }, 400, /supersedes/],
    ];
    for (const [what, fields, status, detail] of cases) {
      const doc = permit();
      const res = await register(doc, fields);
      expect(res.status, what).to.equal(status);
      expect(res.headers.get("content-type"), what).to.match(/^application\/problem\+json/);
      expect((await res.json()).detail, what).to.match(detail);
      expect((await server.api(`/api/v1/documents/${sha256(doc)}`, { key })).status, `${what}: nothing stored`).to.equal(404);
    }
    const itself = permit();
    const res = await server.api("/api/v1/documents", { method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ sha256: sha256(itself), supersedes: sha256(itself) }) });
    expect(res.status).to.equal(400);
    expect((await res.json()).detail).to.equal("A document cannot supersede itself");
  });
});
