import { createHash, randomBytes } from "node:crypto";

import { expect } from "chai";
import { network } from "hardhat";

import { EthersChainReader } from "../../../server/src/adapters/chain/chainReader.js";
import { AUDIT_MARKER, auditEntryHash, auditLeafInput } from "../../../server/src/domain/audit/auditChain.js";
import type { AuditExport } from "../../../server/src/domain/audit/exportAudit.js";
import { parseAuditExport, verifyAuditExport } from "../../../server/src/domain/audit/verifyAuditExport.js";
import type { TrustedDirectory } from "../../../server/src/domain/verification/identity.js";
import { forgedReceipt, lookAlikeRegistry } from "../../helpers/forge.js";
import { type TestServer, anchoredReceipt, eventually, startTestServer } from "../../helpers/server.js";

const { provider: eip1193 } = await network.create();

const sha256 = (data: string) => createHash("sha256").update(data).digest("hex");
const copy = <T>(x: T): T => structuredClone(x);

/**
 * The tamper-evident audit log (issue #14, part 5): entries hash-chained,
 * the head committed as one more leaf of every batch, an export a clerk
 * downloads, and a check that needs nothing but the export and the chain.
 * The attacker's tests come first: whoever edits the log by hand, rehashes
 * it, drops an entry, or re-anchors a rewritten log in a look-alike
 * registry is caught.
 */
describe("API: tamper-evident audit export", function () {
  this.timeout(90_000);
  let server: TestServer;
  let key: string;
  let trust: TrustedDirectory[];
  let reader: EthersChainReader;
  let genuine: AuditExport;
  const hashes: string[] = [];

  const register = async (content: string) => {
    const res = await server.api("/api/v1/documents", { method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ sha256: sha256(content) }) });
    expect(res.status).to.equal(202);
    hashes.push(sha256(content));
    return sha256(content);
  };
  const exportJson = async (query = "") => {
    const res = await server.api(`/api/v1/audit/export${query}`, { key });
    expect(res.status, await res.clone().text()).to.equal(200);
    return (await res.json()) as AuditExport;
  };
  const verify = (x: unknown) => verifyAuditExport(parseAuditExport(x), reader, { trust });
  /** What a forger who knows the scheme does after editing: every hash from `from` on recomputed. */
  const rehash = (x: AuditExport) => {
    let previous = x.previousHash;
    for (const e of [...x.entries, ...x.following]) previous = e.hash = auditEntryHash(previous, e);
  };

  before(async function () {
    server = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "100", IPFS_MODE: "off", AUDIT_COMMIT_INTERVAL_MS: "1000" });
    key = await server.clerkKey("Erika Muster");
    const facts = (await (await server.api("/api/v1/registry")).json()) as { chainId: number; genesisHash: string; trust: TrustedDirectory[] };
    trust = facts.trust.map((d) => ({ ...d, rpcUrls: [] }));
    reader = new EthersChainReader(server.provider, facts.chainId, "in-process");
    const first = await register(`Bescheid ${randomBytes(8).toString("hex")}`);
    await anchoredReceipt(server, first);
    await new Promise((r) => setTimeout(r, 1100)); // the next entry in a later second, for the range test
    const revoked = await server.api(`/api/v1/documents/${first}/revocation`, {
      method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ reason: 2, note: "=HYPERLINK(\"http://evil\")" }),
    });
    expect(revoked.status).to.equal(202);
    await anchoredReceipt(server, await register(`Erlaubnis ${randomBytes(8).toString("hex")}`));
    genuine = await exportJson();
  });

  after(async function () {
    await server?.stop();
  });

  it("exports every entry, chained, with the batches that anchored its head: verified against the chain, issuer confirmed", async function () {
    expect(genuine.entries.map((e) => e.action)).to.deep.equal(["notarise", "revoke", "notarise"]);
    expect(genuine.entries.map((e) => e.id)).to.deep.equal([1, 2, 3]);
    expect(genuine.previousHash).to.equal("0".repeat(64));
    expect(genuine.commitments.length, "one per batch").to.equal(2);
    expect(genuine.commitments.at(-1)!.auditId).to.equal(3);
    expect(genuine.uncommitted).to.equal(0);
    const verdict = await verify(genuine);
    expect(verdict.problems).to.deep.equal([]);
    expect(verdict).to.deep.include({ status: "verified", uncommitted: 0, chainBreak: null });
    expect(verdict.commitments.every((c) => c.ok && c.headMatches)).to.equal(true);
    expect(verdict.identity?.status).to.equal("confirmed");
  });

  it("an entry edited by hand breaks the chain at that entry", async function () {
    const edited = copy(genuine);
    edited.entries[1]!.detail = "reason 1"; // "withdrawn" instead of "issued in error"
    const verdict = await verify(edited);
    expect(verdict.status).to.equal("tampered");
    expect(verdict.chainBreak).to.deep.equal({ id: 2, problem: "hash" });
    expect(verdict.problems[0]).to.include("entry 2");
  });

  it("an edited log with every hash recomputed no longer leads to the head the chain holds", async function () {
    const edited = copy(genuine);
    edited.entries[0]!.clerk = "Max Mustermann";
    rehash(edited);
    const verdict = await verify(edited);
    expect(verdict.chainBreak).to.equal(null);
    expect(verdict.status).to.equal("tampered");
    expect(verdict.commitments.map((c) => c.headMatches)).to.deep.equal([false, false]);
    expect(verdict.problems.join("\n")).to.include("they were changed after it was anchored");
  });

  it("a removed entry, swapped entries, or a commitment edited to match are each caught", async function () {
    const removed = copy(genuine);
    removed.entries.splice(1, 1);
    expect((await verify(removed)).chainBreak).to.deep.equal({ id: 3, problem: "sequence" });

    const swapped = copy(genuine);
    [swapped.entries[0], swapped.entries[1]] = [swapped.entries[1]!, swapped.entries[0]!];
    expect((await verify(swapped)).status).to.equal("tampered");

    const edited = copy(genuine);
    edited.entries[2]!.detail = "edited";
    rehash(edited);
    const last = edited.commitments.at(-1)!.receipt;
    last.document.sha256 = edited.entries[2]!.hash; // claim the chain anchored the new head
    const verdict = await verify(edited);
    expect(verdict.status).to.equal("tampered");
    expect(verdict.commitments.at(-1)!.verdict?.checks.find((c) => !c.ok && !c.skipped)?.check).to.equal("leaf");

    const retimed = copy(genuine);
    retimed.entries[0]!.time = "2020-01-01T00:00:00.000Z"; // what people read must be what the hash covers
    expect((await verify(retimed)).timeMismatch).to.equal(1);
  });

  it("a rewritten log re-anchored in a look-alike \"Stadt Musterstadt\" registry verifies on the chain, but its issuer is never confirmed", async function () {
    const attacker = await server.provider.getSigner(5);
    const fake = await lookAlikeRegistry(attacker, "Stadt Musterstadt", "05334002");
    const rewritten = copy(genuine);
    rewritten.entries[1]!.detail = "reason 1";
    rehash(rewritten);
    const head = rewritten.entries.at(-1)!.hash;
    const receipt = await forgedReceipt(fake, "", 2, auditLeafInput(head));
    rewritten.commitments = [{ auditId: 3, receipt: receipt as AuditExport["commitments"][number]["receipt"] }];
    rewritten.registry.address = await fake.getAddress();
    const verdict = await verify(rewritten);
    expect(verdict.chainBreak).to.equal(null);
    expect(verdict.identity?.status, "the directory lists the town's real registry only").to.not.equal("confirmed");
  });

  it("a receipt made from the audit leaf is never taken for a document's", async function () {
    const commitment = genuine.commitments.at(-1)!.receipt;
    expect(commitment.document.salt).to.equal(AUDIT_MARKER);
    const res = await server.api("/api/v1/verify", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(commitment) });
    const body = (await res.json()) as { status: string; authentic: boolean; checks: { check: string; ok: boolean; code: string }[] };
    expect(body.status).to.equal("invalid");
    expect(body.authentic).to.equal(false);
    expect(body.checks[0]).to.include({ check: "leaf", ok: false, code: "leaf.audit" });
    const lookup = await server.api(`/api/v1/verify/${commitment.document.sha256}`);
    expect(((await lookup.json()) as { status: string }).status).to.equal("unknown");
  });

  it("a range: from and to as days in Europe/Berlin or date-times with offset; entries outside are left out, the chain still verifies", async function () {
    const from = new Date(Math.floor(genuine.entries[1]!.at / 1000) * 1000).toISOString(); // ranges count in whole seconds
    const x = await exportJson(`?from=${encodeURIComponent(from)}`);
    expect(x.entries[0]!.id).to.equal(2);
    expect(x.previousHash).to.equal(genuine.entries[0]!.hash);
    expect((await verify(x)).status).to.equal("verified");
    const none = await exportJson("?to=2001-01-01");
    expect(none.entries).to.deep.equal([]);
  });

  it("entries after the last batch are reported as not yet anchored; with no document coming, the head is anchored alone after AUDIT_COMMIT_INTERVAL_MS", async function () {
    const doc = hashes[1]!;
    const revoked = await server.api(`/api/v1/documents/${doc}/revocation`, {
      method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ reason: 1 }),
    });
    expect(revoked.status).to.equal(202);
    const pending = await exportJson();
    expect(pending.uncommitted, "the revocation's entry waits for a batch").to.equal(1);
    const before = await verify(pending);
    expect(before).to.deep.include({ status: "verified", uncommitted: 1 });
    const anchored = await eventually(async () => {
      const x = await exportJson();
      return x.uncommitted === 0 && x.entries.length === 4 ? x : null;
    }, 15_000, "the audit head to be anchored alone");
    const verdict = await verify(anchored);
    expect(verdict.status).to.equal("verified");
    expect(verdict.uncommitted).to.equal(0);
    expect(anchored.commitments.at(-1)).to.include({ auditId: 4 });
  });

  it("refuses bad requests with problem+json: no key 401, a bad date or format 400", async function () {
    const noKey = await server.api("/api/v1/audit/export");
    expect(noKey.status).to.equal(401);
    for (const query of ["?from=yesterday", "?format=xlsx", "?to=2026-02-30", "?from=1&from=2"]) {
      const res = await server.api(`/api/v1/audit/export${query}`, { key });
      expect(res.status, query).to.equal(400);
      expect(res.headers.get("content-type")).to.match(/^application\/problem\+json/);
    }
  });

  it("CSV for people: one row per entry, a clerk's text never becomes a spreadsheet formula", async function () {
    const formula = await server.clerkKey("=SUM(1+1)");
    const res0 = await server.api("/api/v1/documents", { method: "POST", key: formula, headers: { "content-type": "application/json" }, body: JSON.stringify({ sha256: sha256(randomBytes(8).toString("hex")) }) });
    expect(res0.status).to.equal(202);
    const res = await server.api("/api/v1/audit/export?format=csv", { key });
    expect(res.status).to.equal(200);
    expect(res.headers.get("content-type")).to.match(/^text\/csv/);
    expect(res.headers.get("content-disposition")).to.match(/attachment; filename="notary-audit-05334002-\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = (await res.text()).trimEnd().split("\r\n");
    expect(lines[0]).to.equal("id,time,at,clerk,action,sha256,detail,hash");
    expect(lines.length).to.be.at.least(4);
    expect(lines[2]).to.match(/^2,.*,Erika Muster,revoke,/);
    expect(lines[2]).to.include(',"reason 2: =HYPERLINK(""http://evil"")",');
    expect(lines.at(-1)).to.match(/^5,[^,]+,\d+,'=SUM\(1\+1\),notarise,/);
  });
});
