import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { type TestServer, anchoredReceipt, eventually, startTestServer, uploadForm } from "../../helpers/server.js";

const { provider: eip1193 } = await network.create();

const sha256 = (data: string) => createHash("sha256").update(data).digest("hex");

/**
 * Four-eyes issuance (issue #14, part 3): with FOUR_EYES=true a new document
 * waits, durably and unbatched, until a second clerk with the approver role
 * approves it; the uploader never decides their own document.
 */
describe("API: four-eyes issuance", function () {
  this.timeout(60_000);
  let server: TestServer;
  let dataDir: string;
  const keys: Record<string, string> = {};

  before(async function () {
    dataDir = await mkdtemp(path.join(tmpdir(), "notary-four-eyes-"));
    server = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "100", FOUR_EYES: "true" }, dataDir);
    for (const [name, role] of [["Erika", "clerk"], ["Anna", "approver"], ["Max", "approver"], ["Ada", "admin"]] as const) keys[name] = await server.clerkKey(name, role);
  });

  after(async function () {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const register = async (by: string) => {
    const doc = `Erlaubnis ${randomBytes(8).toString("hex")}`;
    expect((await server.api("/api/v1/documents", { method: "POST", key: keys[by], body: uploadForm(doc, { title: "Sondernutzung" }) })).status).to.equal(202);
    return sha256(doc);
  };
  const decide = (hash: string, by: string, body: object) =>
    server.api(`/api/v1/documents/${hash}/approval`, { method: "POST", key: keys[by], headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const record = async (hash: string) => (await server.api(`/api/v1/documents/${hash}`, { key: keys.Erika })).json();
  const problem = async (res: Response) => ({ status: res.status, ...((await res.json()) as { code: string; detail: string }) });

  it("anchors nothing before a second person approves; after the approval the document is anchored", async function () {
    const hash = await register("Erika");
    await new Promise((r) => setTimeout(r, 800)); // eight batch windows
    expect((await server.api(`/api/v1/receipts/${hash}`)).status, "no receipt while awaiting approval").to.equal(202);
    expect((await (await server.api(`/api/v1/verify/${hash}`)).json()).status).to.equal("pending");
    expect((await record(hash)).approval).to.deep.equal({ state: "awaiting", by: null, at: null, reason: null });
    const queue = await (await server.api("/api/v1/documents?status=awaiting-approval", { key: keys.Anna })).json();
    expect(queue.items.map((d: { sha256: string }) => d.sha256)).to.include(hash);

    const approved = await decide(hash, "Anna", { decision: "approve" });
    expect(approved.status).to.equal(200);
    expect((await approved.json()).approval).to.include({ state: "approved", by: "Anna" });
    const receipt = await anchoredReceipt(server, hash);
    expect(receipt.document.sha256).to.equal(hash);
    const { items } = await (await server.api("/api/v1/audit", { key: keys.Erika })).json();
    expect(items.find((e: { action: string; sha256: string }) => e.action === "approve" && e.sha256 === hash)).to.include({ clerk: "Anna" });
  });

  it("the uploader never decides their own document (403), not even as an approver; a plain clerk never approves (403)", async function () {
    const annas = await register("Anna");
    expect(await problem(await decide(annas, "Anna", { decision: "approve" }))).to.include({ status: 403, code: "FORBIDDEN" });
    expect(await problem(await decide(annas, "Anna", { decision: "reject", reason: "mine" }))).to.include({ status: 403, code: "FORBIDDEN" });
    expect(await problem(await decide(annas, "Erika", { decision: "approve" }))).to.include({ status: 403, code: "FORBIDDEN" });
    expect((await record(annas)).approval.state, "still awaiting").to.equal("awaiting");
    expect((await decide(annas, "Ada", { decision: "approve" })).status, "an admin approves").to.equal(200);
  });

  it("a rejection needs a reason and is final: never anchored, not revocable; a decided or unknown document, or a bad decision, is refused", async function () {
    const hash = await register("Erika");
    expect(await problem(await decide(hash, "Anna", { decision: "reject" }))).to.include({ status: 400, code: "INVALID_REQUEST" });
    expect((await decide(hash, "Anna", { decision: "reject", reason: "Falscher Antragsteller" })).status).to.equal(200);
    expect((await record(hash)).approval).to.include({ state: "rejected", by: "Anna", reason: "Falscher Antragsteller" });
    expect(await problem(await decide(hash, "Max", { decision: "approve" }))).to.include({ status: 409, code: "NOT_AWAITING_APPROVAL" });
    await new Promise((r) => setTimeout(r, 500));
    expect((await server.api(`/api/v1/receipts/${hash}`)).status, "never anchored, never issued").to.equal(404);
    expect((await record(hash)).batch, "never batched").to.equal(null);
    const revoke = await server.api(`/api/v1/documents/${hash}/revocation`, { method: "POST", key: keys.Erika, headers: { "content-type": "application/json" }, body: JSON.stringify({ reason: 1 }) });
    expect(revoke.status).to.equal(400);
    expect(await problem(await decide("ab".repeat(32), "Anna", { decision: "approve" }))).to.include({ status: 404 });
    expect((await decide(hash, "Anna", { decision: "maybe" })).status).to.equal(400);
  });

  it("a rejected document does not exist to the public; a rejected successor frees its predecessor for a corrected one", async function () {
    const earlier = await register("Erika");
    expect((await decide(earlier, "Anna", { decision: "approve" })).status).to.equal(200);
    await anchoredReceipt(server, earlier);
    const wrong = `Korrektur ${randomBytes(8).toString("hex")}`;
    const upload = await server.api("/api/v1/documents", { method: "POST", key: keys.Erika, body: uploadForm(wrong, { supersedes: earlier }) });
    expect(await upload.json()).to.include({ status: "pending", approval: "awaiting" });
    expect((await decide(sha256(wrong), "Anna", { decision: "reject", reason: "falsches Datum" })).status).to.equal(200);
    expect((await (await server.api(`/api/v1/verify/${sha256(wrong)}`)).json()).status, "rejected: unknown to the public").to.equal("unknown");
    expect((await server.api(`/api/v1/receipts/${sha256(wrong)}`)).status).to.equal(404);
    expect((await record(earlier)).supersededBy, "the rejected successor no longer counts").to.equal(null);
    const onRejected = await server.api("/api/v1/documents", { method: "POST", key: keys.Erika, body: uploadForm(`x ${randomBytes(8).toString("hex")}`, { supersedes: sha256(wrong) }) });
    expect(await problem(onRejected)).to.include({ status: 409, code: "ALREADY_SUPERSEDED" });
    const corrected = `Korrektur richtig ${randomBytes(8).toString("hex")}`;
    expect((await server.api("/api/v1/documents", { method: "POST", key: keys.Erika, body: uploadForm(corrected, { supersedes: earlier }) })).status).to.equal(202);
    expect((await decide(sha256(corrected), "Max", { decision: "approve" })).status).to.equal(200);
    await eventually(async () => (await (await server.api(`/api/v1/verify/${earlier}`)).json()).status === "revoked", 20_000, "the earlier permit to be superseded");
  });

  it("two approvers at the same moment: one decision counts, the other is told who was first (409)", async function () {
    const hash = await register("Erika");
    const answers = await Promise.all([decide(hash, "Anna", { decision: "approve" }), decide(hash, "Max", { decision: "reject", reason: "zu spät?" })]);
    expect(answers.map((a) => a.status).sort()).to.deep.equal([200, 409]);
    const state = (await record(hash)).approval;
    const loser = await answers.find((a) => a.status === 409)!.json();
    expect(loser.detail).to.include(`by ${state.by}`);
  });

  it("a removed approver's key no longer decides anything (401)", async function () {
    const hash = await register("Erika");
    const store = await server.openStore();
    try {
      expect(await store.removeClerk("Max", Date.now())).to.equal(true);
    } finally {
      await store.close();
    }
    expect((await decide(hash, "Max", { decision: "approve" })).status).to.equal(401);
    expect((await record(hash)).approval.state).to.equal("awaiting");
  });

  it("a document awaits approval durably: after a restart it still waits, and is anchored once approved", async function () {
    const hash = await register("Erika");
    await server.stop();
    server = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "100", FOUR_EYES: "true" }, dataDir);
    await new Promise((r) => setTimeout(r, 500));
    expect((await record(hash)).approval.state).to.equal("awaiting");
    expect((await server.api(`/api/v1/receipts/${hash}`)).status).to.equal(202);
    expect((await decide(hash, "Anna", { decision: "approve" })).status).to.equal(200);
    await anchoredReceipt(server, hash);
  });

  it("tells the clerk page who is signed in and whether four-eyes issuance is on", async function () {
    expect(await (await server.api("/api/v1/clerk", { key: keys.Anna })).json()).to.deep.equal({ name: "Anna", role: "approver", fourEyes: true });
  });
});
