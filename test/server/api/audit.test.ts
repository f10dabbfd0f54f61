import { createHash, randomBytes } from "node:crypto";

import { expect } from "chai";
import { network } from "hardhat";

import { EthersChainReader } from "../../../server/src/adapters/chain/chainReader.js";
import path from "node:path";

import { AUDIT_EPOCH_ROOT, AUDIT_GENESIS, AUDIT_MARKER, auditEntryHash, auditLeafInput } from "../../../server/src/domain/audit/auditChain.js";
import type { AuditExport } from "../../../server/src/domain/audit/exportAudit.js";
import { parseAuditExport, verifyAuditExport } from "../../../server/src/domain/audit/verifyAuditExport.js";
import type { TrustedDirectory } from "../../../server/src/domain/verification/identity.js";
import { forgedReceipt, lookAlikeRegistry } from "../../helpers/forge.js";
import { type TestServer, anchoredReceipt, eventually, rawDatabase, startTestServer } from "../../helpers/server.js";

const { provider: eip1193 } = await network.create();

const sha256 = (data: string) => createHash("sha256").update(data).digest("hex");
const copy = <T>(x: T): T => structuredClone(x);

type AuditRow = { id: number; at: number; clerk: string; action: string; sha256: string; detail: string | null; hash: string };

/** Runs `sql` on a server's database, then chains every audit hash again from the start: an attacker who has the database, not the chain key. */
async function rechainAudit(server: TestServer, sql = ""): Promise<void> {
  const db = await rawDatabase(server);
  try {
    await db.exec("BEGIN");
    if (sql) await db.exec(sql);
    let previous = AUDIT_GENESIS;
    for (const row of await db.all<AuditRow>("SELECT * FROM audit ORDER BY id")) {
      previous = auditEntryHash(previous, row);
      await db.all("UPDATE audit SET hash = ? WHERE id = ?", [previous, row.id]);
    }
    await db.exec("COMMIT");
  } finally {
    await db.close();
  }
}

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
    for (const e of [...x.leading, ...x.entries, ...x.following]) previous = e.hash = auditEntryHash(previous, e);
  };

  /** What an attacker with the database (not the chain key) does: shift every id by `shift`, change one entry, chain every hash again from the start. */
  const rewriteInDatabase = (edit: { shift: number; id: number; detail: string }) =>
    rechainAudit(server, `UPDATE audit SET id = id + ${edit.shift}; UPDATE audit SET detail = '${edit.detail}' WHERE id = ${edit.id};`);

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
      method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ reason: 2, note: "Bescheid an Frau M. falsch adressiert" }),
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
    expect(genuine.leading).to.deep.equal([]);
    const verdict = await verify(genuine);
    expect(verdict.problems).to.deep.equal([]);
    expect(verdict).to.deep.include({ status: "verified", uncommitted: 0, chainBreak: null });
    expect(verdict.commitments.every((c) => c.ok)).to.equal(true);
    expect(verdict.window?.roots, "both batches, none left out").to.equal(2);
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
    expect(verdict.commitments.map((c) => c.ok)).to.deep.equal([false, false]);
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
    edited.commitments.at(-1)!.head = edited.entries[2]!.hash; // claim the chain anchored the new head
    edited.receipt!.document.sha256 = edited.entries[2]!.hash;
    const verdict = await verify(edited);
    expect(verdict.status).to.equal("tampered");
    expect(verdict.commitments.at(-1)!.problem).to.include("its proof does not lead from the leaf of entry 3");
    expect(verdict.receipt?.checks.find((c) => !c.ok && !c.skipped)?.check).to.equal("leaf");

    const retimed = copy(genuine);
    retimed.entries[0]!.time = "2020-01-01T00:00:00.000Z"; // what people read must be what the hash covers
    expect((await verify(retimed)).problems).to.deep.include("entry 1: its time 2020-01-01T00:00:00.000Z is not its timestamp (at)");
  });

  it("a rewritten log re-anchored in a look-alike \"Stadt Musterstadt\" registry verifies on the chain, but its issuer is never confirmed", async function () {
    const attacker = await server.provider.getSigner(5);
    const fake = await lookAlikeRegistry(attacker, "Stadt Musterstadt", "05334002");
    const rewritten = copy(genuine);
    rewritten.entries[1]!.detail = "reason 1";
    rehash(rewritten);
    const head = rewritten.entries.at(-1)!.hash;
    await (await fake.getFunction("anchor")(AUDIT_EPOCH_ROOT, 1)).wait();
    const receipt = (await forgedReceipt(fake, "", 2, auditLeafInput(head, 3))) as NonNullable<AuditExport["receipt"]>;
    rewritten.commitments = [{ auditId: 3, head, root: receipt.root, proof: receipt.proof, blockNumber: receipt.anchor.blockNumber }];
    rewritten.receipt = receipt;
    rewritten.registry.address = await fake.getAddress();
    const verdict = await verify(rewritten);
    expect(verdict.chainBreak).to.equal(null);
    expect(verdict.problems).to.deep.equal([]);
    expect(verdict.identity?.status, "the directory lists the town's real registry only").to.not.equal("confirmed");
  });

  it("a receipt made from the audit leaf is never taken for a document's", async function () {
    const commitment = genuine.receipt!;
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
    expect(x.leading.map((e) => e.id), "the entry before the range, and back to what the batches since name").to.deep.equal([1]);
    expect(x.previousHash, "the hash before the leading entries").to.equal(AUDIT_GENESIS);
    expect(x.commitments.map((c) => c.auditId), "the batch anchored just before from counts too").to.deep.equal([1, 3]);
    expect((await verify(x)).status).to.equal("verified");

    const cut = copy(x);
    const unranged = copy(x);
    unranged.range.from = null; // "this is everything from the first entry"
    unranged.leading = [];
    expect((await verify(unranged)).problems.join("\n")).to.include("the export claims to start at the first entry, but starts at entry 2");
    cut.leading = []; // hide that the range starts after entry 1
    expect((await verify(cut)).problems.join("\n")).to.include("not the first entry, but the export holds no entry before it");
    const hidden = copy(x);
    hidden.leading.push(hidden.entries.shift()!); // show entry 2 as if it were before the range
    expect((await verify(hidden)).problems.join("\n")).to.include("entry 2, shown before the range, lies within it");
    const shifted = copy(x);
    shifted.range.from = genuine.entries[0]!.time; // claim entry 1 was never in the range
    expect((await verify(shifted)).problems.join("\n")).to.include("entry 1, shown before the range, lies within it");

    const until = new Date(Math.floor(genuine.entries[0]!.at / 1000) * 1000 + 999).toISOString();
    const head = await exportJson(`?to=${encodeURIComponent(until)}`);
    expect(head.entries.map((e) => e.id)).to.deep.equal([1]);
    expect(head.following.map((e) => e.id), "the next entry, up to the batch that anchored it").to.deep.equal([2, 3]);
    const truncated = copy(head);
    truncated.following = truncated.following.slice(0, 1); // hide entry 3, which the batch after the range anchored
    const cutShort = await verify(truncated);
    expect(cutShort.status).to.equal("tampered");
    expect(cutShort.problems.join("\n")).to.include("commits entry 3, which the export does not hold");
    const headVerdict = await verify(head);
    expect(headVerdict).to.deep.include({ status: "verified", endShown: true, uncommitted: 0 });

    const none = await exportJson("?to=2001-01-01");
    expect(none.entries).to.deep.equal([]);
    expect((await verify(none)).entries.count).to.equal(0);
    expect((await server.api("/api/v1/audit/export?from=2026-02-01&to=2026-01-01", { key })).status, "from after to").to.equal(400);
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
    expect(lines.at(-1)).to.match(/^5,[^,]+,\d+,'=SUM\(1\+1\),notarise,/);
  });

  it("an export edited by whoever hands it over: the range moved past a change and the batches before it dropped", async function () {
    const edited = copy(genuine);
    edited.entries[1]!.detail = "reason 1";
    rehash(edited);
    edited.range.from = edited.entries[2]!.time; // "the range starts later", and the batches before it "do not matter"
    edited.commitments = edited.commitments.slice(-1);
    const verdict = await verify(edited);
    expect(verdict.status).to.equal("tampered");
    expect(verdict.problems.join("\n")).to.include("the export leaves that batch out");
  });

  it("block numbers edited in the export, so that the range's batches seem to lie outside its time: the chain's blocks are used", async function () {
    const edited = copy(genuine);
    edited.commitments[0]!.blockNumber -= 1;
    const verdict = await verify(edited);
    expect(verdict.status).to.equal("tampered");
    expect(verdict.problems.join("\n")).to.match(/commitment of entry 1: the registry anchored 0x[0-9a-f]{64} in block \d+, not in block \d+/);
  });

  it("a log rewritten in the database and re-anchored by the server itself: the old commitments give it away, and leaving them out is caught", async function () {
    // The attacker has the database, not the chain: rewrite entry 2 and every hash after it, then let the server anchor the new head.
    await rewriteInDatabase({ shift: 0, id: 2, detail: "reason 1" });
    await anchoredReceipt(server, await register(`nach der Fälschung ${randomBytes(8).toString("hex")}`));
    const rewritten = await exportJson();
    expect(rewritten.entries[1]!.detail).to.equal("reason 1");
    const verdict = await verify(rewritten);
    expect(verdict.status).to.equal("tampered");
    expect(verdict.problems.join("\n")).to.include("they were changed after it was anchored");

    const trimmed = copy(rewritten);
    trimmed.commitments = trimmed.commitments.slice(-1); // only the batch that anchored the rewritten head
    const caught = await verify(trimmed);
    expect(caught.status).to.equal("tampered");
    expect(caught.problems.filter((p) => p.includes("the export leaves that batch out")).length).to.be.at.least(2);
  });

  it("renumbered as well: the batches anchored since the range began name entries whose old hashes the export must reproduce", async function () {
    // The reviewer's attack: shift every id past those ever anchored, rewrite entry 2, chain again from the start, let the server anchor.
    const from = new Date(Math.floor(genuine.entries[1]!.at / 1000) * 1000).toISOString();
    await rewriteInDatabase({ shift: 100, id: 102, detail: "reason 3" });
    await anchoredReceipt(server, await register(`nach der Umnummerierung ${randomBytes(8).toString("hex")}`));
    const forged = await exportJson(`?from=${encodeURIComponent(from)}`);
    expect(forged.entries[0]).to.include({ id: 102, detail: "reason 3" });
    const verdict = await verify(forged);
    expect(verdict.status).to.equal("tampered");
    expect(verdict.problems.join("\n")).to.include("the exported entries start at entry 101, but no commitment of the export anchored its hash");
  });

  it("entries moved into the range by rewriting their times: the batches that anchored them first still name them", async function () {
    const now = Date.now();
    await rechainAudit(server, `UPDATE audit SET at = ${now} + id, clerk = 'Max Mustermann';`); // "all of this happened just now"
    await anchoredReceipt(server, await register(`nach der Rückdatierung ${randomBytes(8).toString("hex")}`));
    const forged = await exportJson(`?from=${encodeURIComponent(new Date(now).toISOString())}`);
    expect(forged.leading, "the range now starts at the first entry").to.deep.equal([]);
    const verdict = await verify(forged);
    expect(verdict.status).to.equal("tampered");
    expect(verdict.problems.join("\n")).to.include("they were changed after it was anchored");
  });
});

/**
 * The fourth review's attacks, each on a fresh server: the log cut back and
 * anchored again, and the newest anchored entry hidden.
 */
describe("API: audit export against a log cut back in the database", function () {
  this.timeout(90_000);
  let server: TestServer;
  let key: string;
  let reader: EthersChainReader;

  beforeEach(async function () {
    server = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "100", IPFS_MODE: "off", AUDIT_COMMIT_INTERVAL_MS: "1000" });
    key = await server.clerkKey("Erika Muster");
    reader = new EthersChainReader(server.provider, 31337, "in-process");
    for (const n of [1, 2, 3]) {
      const body = JSON.stringify({ sha256: sha256(`Bescheid ${n} ${randomBytes(8).toString("hex")}`) });
      const res = await server.api("/api/v1/documents", { method: "POST", key, headers: { "content-type": "application/json" }, body });
      await anchoredReceipt(server, ((await res.json()) as { sha256: string }).sha256);
    }
  });

  afterEach(async function () {
    await server?.stop();
  });

  const database = async (sql: string) => {
    const db = await rawDatabase(server);
    try {
      await db.exec(sql);
    } finally {
      await db.close();
    }
  };
  const exported = async (query = "") => (await (await server.api(`/api/v1/audit/export${query}`, { key })).json()) as AuditExport;

  it("entries deleted, their batches hidden, and the cut-back log anchored again: the hidden batches are missed", async function () {
    await database("DELETE FROM audit WHERE id >= 2; UPDATE batches SET audit_id = NULL, audit_head = NULL, audit_leaf = NULL, audit_proof = NULL WHERE audit_id >= 2;");
    const body = JSON.stringify({ sha256: sha256(`neu ${randomBytes(8).toString("hex")}`) });
    const res = await server.api("/api/v1/documents", { method: "POST", key, headers: { "content-type": "application/json" }, body });
    await anchoredReceipt(server, ((await res.json()) as { sha256: string }).sha256); // its batch anchors the cut-back log's head, entry 2 again
    const verdict = await verifyAuditExport(parseAuditExport(await exported()), reader);
    expect(verdict.status).to.equal("tampered");
    expect(verdict.problems.join("\n")).to.include("the export leaves that batch out");
  });

  it("the newest anchored entry deleted and its batch hidden: an export up to now is caught", async function () {
    await database("DELETE FROM audit WHERE id = 3; UPDATE batches SET audit_id = NULL, audit_head = NULL, audit_leaf = NULL, audit_proof = NULL WHERE audit_id = 3;");
    const verdict = await verifyAuditExport(parseAuditExport(await exported()), reader);
    expect(verdict.status).to.equal("tampered");
    expect(verdict.problems.join("\n")).to.include("the export leaves that batch out");
  });

  it("renumbered above every anchored id, the new start anchored alone, the rest rewritten: the batches of the range's time still name the old ids", async function () {
    const original = await exported();
    const from = original.entries[1]!.time;
    // Renumber 1–3 to 101–103 and keep only 101, so that the server anchors 101 alone: the export can start at a head the chain holds.
    await rechainAudit(server, "UPDATE audit SET id = id + 100; DELETE FROM audit WHERE id > 101;");
    await eventually(async () => (await exported()).commitments.some((c) => c.auditId === 101), 15_000, "the server to anchor entry 101 alone");
    const inserts = original.entries.slice(1).map((e) => `INSERT INTO audit (id, at, clerk, action, sha256, detail, hash) VALUES (${e.id + 100}, ${e.at}, 'Max Mustermann', '${e.action}', '${e.sha256}', NULL, '');`);
    await rechainAudit(server, inserts.join("\n"));
    const body = JSON.stringify({ sha256: sha256(`danach ${randomBytes(8).toString("hex")}`) });
    await anchoredReceipt(server, ((await (await server.api("/api/v1/documents", { method: "POST", key, headers: { "content-type": "application/json" }, body })).json()) as { sha256: string }).sha256);

    const forged = await exported(`?from=${encodeURIComponent(from)}`);
    expect(forged.entries.find((e) => e.id === 102)).to.include({ clerk: "Max Mustermann" });
    const verdict = await verifyAuditExport(parseAuditExport(forged), reader);
    expect(verdict.status).to.equal("tampered");
    expect(verdict.problems.join("\n")).to.include("within the range's time, commits entry 2, which the export does not hold");
  });
});

