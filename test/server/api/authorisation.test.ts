import { createHash, randomBytes } from "node:crypto";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { type TestServer, startTestServer, uploadForm } from "../../helpers/server.js";

const { provider: eip1193 } = await network.create();

describe("authorisation matrix: every clerk route × every kind of key", function () {
  this.timeout(60_000);
  let server: TestServer;
  let valid: string;
  let removed: string;
  let doc: string;

  before(async function () {
    server = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "3600000" });
    valid = await server.clerkKey("Active Clerk");
    removed = await server.clerkKey("Former Clerk");
    const store = await server.openStore();
    await store.removeClerk("Former Clerk", Date.now());
    await store.close();
    const bytes = randomBytes(500);
    doc = createHash("sha256").update(bytes).digest("hex");
    expect((await server.api("/api/v1/documents", { method: "POST", key: valid, body: uploadForm(bytes) })).status).to.equal(202);
  });

  after(async function () {
    await server?.stop();
  });

  // In this order, so that the valid key's calls each succeed (erasure last).
  const routes = () =>
    [
      ["POST", "/api/v1/documents", () => ({ headers: { "content-type": "application/json" }, body: JSON.stringify({ sha256: createHash("sha256").update(randomBytes(8)).digest("hex") }) }), 202],
      ["GET", "/api/v1/documents", () => ({}), 200],
      ["GET", `/api/v1/documents/${doc}`, () => ({}), 200],
      ["GET", `/api/v1/documents/${doc}/content`, () => ({}), 200],
      ["GET", "/api/v1/audit", () => ({}), 200],
      ["POST", `/api/v1/documents/${doc}/revocation`, () => ({ headers: { "content-type": "application/json" }, body: JSON.stringify({ reason: 1 }) }), 202],
      ["DELETE", `/api/v1/documents/${doc}/content`, () => ({}), 200],
    ] as const;

  const kinds = () =>
    [
      ["no key", undefined],
      ["a malformed header", "Token abc"],
      ["an unknown key", "Bearer ntk_" + randomBytes(24).toString("base64url")],
      ["a removed key", `Bearer ${removed}`],
    ] as const;

  it("refuses no, malformed, unknown and removed keys with 401 on every clerk route, and changes nothing", async function () {
    for (const [method, route, init] of routes()) {
      for (const [kind, authorization] of kinds()) {
        const { headers = {}, body } = init() as { headers?: Record<string, string>; body?: string };
        const res = await server.api(route, { method, body, headers: { ...headers, ...(authorization ? { authorization } : {}) } });
        expect(res.status, `${method} ${route} with ${kind}`).to.equal(401);
        expect((await res.json()).code).to.equal("UNAUTHORIZED");
      }
    }
    const record = await (await server.api(`/api/v1/documents/${doc}`, { key: valid })).json();
    expect(record).to.include({ hasContent: true, revocation: null });
  });

  it("lets a valid key through on every clerk route", async function () {
    for (const [method, route, init, expected] of routes()) {
      const { headers = {}, body } = init() as { headers?: Record<string, string>; body?: string };
      const res = await server.api(route, { method, body, headers, key: valid });
      expect(res.status, `${method} ${route}`).to.equal(expected);
    }
  });

  it("never shows CIDs, salts of other documents or keys on public routes", async function () {
    const bytes = randomBytes(700);
    await server.api("/api/v1/documents", { method: "POST", key: valid, body: uploadForm(bytes) });
    const fresh = createHash("sha256").update(bytes).digest("hex");
    const nudge = await server.api(`/api/v1/documents/${fresh}/revocation`, {
      method: "POST", key: valid, headers: { "content-type": "application/json" }, body: JSON.stringify({ reason: 3 }),
    });
    expect(nudge.status).to.equal(202); // a revocation wakes the anchoring worker: the pending batch goes out
    await new Promise((r) => setTimeout(r, 500));
    const records = (await (await server.api("/api/v1/documents?limit=100", { key: valid })).json()).items as { sha256: string; cid: string | null }[];
    const receipts = new Map<string, { document: { salt: string } }>();
    for (const d of records) {
      const res = await server.api(`/api/v1/receipts/${d.sha256}`);
      if (res.status === 200) receipts.set(d.sha256, await res.json());
    }
    expect(receipts.size).to.be.at.least(2);
    const cids = records.map((d) => d.cid).filter((c): c is string => c !== null);
    expect(cids.length).to.be.at.least(1);
    for (const d of records) {
      const others = [...receipts].filter(([sha]) => sha !== d.sha256).map(([, r]) => r.document.salt.slice(2));
      for (const route of [`/api/v1/verify/${d.sha256}`, `/api/v1/receipts/${d.sha256}`, "/api/v1/registry"]) {
        const text = await (await server.api(route)).text();
        for (const secret of [...others, ...cids, valid, removed]) expect(text, route).to.not.include(secret);
      }
    }
  });
});
