import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import { readFile, readdir } from "node:fs/promises";

import { expect } from "chai";
import { CID } from "multiformats/cid";
import { network } from "hardhat";

import { verifyIndependently } from "../../helpers/independentVerify.js";
import { TEST_STORE, type TestServer, anchoredReceipt, eventually, startTestServer, uploadForm } from "../../helpers/server.js";

const { provider: eip1193 } = await network.create();

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");
/** A small but real PDF document. */
const pdf = (text: string) =>
  `%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n% ${text}\ntrailer<</Root 1 0 R>>\n%%EOF\n`;

describe("API: notarise, anchor, receipt, verify, revoke", function () {
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

  const receiptOf = (hash: string) => anchoredReceipt(server, hash);

  it("accepts an upload with 202, anchors it, and issues a receipt that verifies without the server", async function () {
    const doc = pdf("Erlaubnis Straßenmusik " + randomBytes(8).toString("hex"));
    const res = await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(doc, { reference: "32.1-0815", title: "Straßenmusik" }) });
    expect(res.status).to.equal(202);
    const body = await res.json();
    expect(body).to.deep.equal({ sha256: sha256(doc), status: "pending", receiptUrl: `${server.url}/api/v1/receipts/${sha256(doc)}` });
    expect(res.headers.get("location")).to.equal(body.receiptUrl);

    const receipt = await receiptOf(sha256(doc));
    expect(receipt).to.have.keys(["type", "version", "document", "leafEncoding", "leaf", "proof", "root", "anchor", "municipality", "directory", "coAnchors"]);
    expect(receipt.type).to.equal("NotaryReceipt");
    expect(receipt.version).to.equal(2);
    expect(receipt.leafEncoding).to.deep.equal(["bytes32", "bytes32", "uint64", "uint64"]);
    expect(receipt.document).to.deep.include({ sha256: sha256(doc), validFrom: 0, validUntil: 0 });
    expect(receipt.document.salt).to.match(/^0x[0-9a-f]{64}$/);
    expect(receipt.anchor).to.have.keys(["chainId", "genesisHash", "registry", "transactionHash", "blockNumber", "blockHash", "timestamp", "issuer"]);
    expect(receipt.anchor.chainId).to.equal(31337);
    expect(receipt.anchor.genesisHash).to.equal((await server.provider.getBlock(0))!.hash);
    expect(receipt.directory).to.deep.equal({ chainId: 31337, address: (await (await server.api("/api/v1/registry")).json()).directory });
    expect(receipt.anchor.registry).to.equal(server.registry);
    expect(receipt.municipality).to.deep.equal({ name: "Stadt Musterstadt", ags: "05334002" });
    expect(await verifyIndependently(receipt, server.provider)).to.equal("anchored");

    // The transaction on chain is one anchor() of this root, sent by the issuer.
    const tx = await server.provider.getTransaction(receipt.anchor.transactionHash);
    expect(tx!.to).to.equal(server.registry);
    expect(tx!.data).to.include(receipt.root.slice(2));
    expect(tx!.data).to.not.include(sha256(doc));
  });

  it("pins the original encrypted in the embedded IPFS node, shows its CID to clerks only, and serves it back", async function () {
    const marker = "Hundeerlaubnis-" + randomBytes(12).toString("hex");
    const doc = pdf(marker);
    await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(doc, {}, "../../etc/passwd") });
    const record = await (await server.api(`/api/v1/documents/${sha256(doc)}`, { key })).json();
    expect(record.cid).to.match(/^baf[ky][a-z2-7]{50,}$/); // CIDv1 of the ciphertext
    expect(record.storage).to.equal("encrypted");
    expect(await readdir(path.join(server.dataDir, "tmp"))).to.deep.equal([]);

    // No file under the data dir holds the plaintext, nor a name the client chose.
    const files = await readdir(server.dataDir, { recursive: true, withFileTypes: true });
    expect(files.some((f) => f.name.includes("passwd"))).to.equal(false);
    for (const f of files.filter((e) => e.isFile())) {
      const bytes = await readFile(path.join(f.parentPath, f.name));
      expect(bytes.includes(marker), `${f.parentPath}/${f.name}`).to.equal(false);
    }

    const res = await server.api(`/api/v1/documents/${sha256(doc)}/content`, { key });
    expect(res.status).to.equal(200);
    expect(res.headers.get("content-disposition")).to.equal(`attachment; filename="${sha256(doc)}"`);
    expect(await res.text()).to.equal(doc);
    const receipt = await receiptOf(sha256(doc));
    expect(JSON.stringify(receipt)).to.not.include(record.cid);
    expect(JSON.stringify(await (await server.api(`/api/v1/verify/${sha256(doc)}`)).json())).to.not.include(record.cid);
  });

  it("returns the existing record with 200 for the same document again, and anchors it once", async function () {
    const doc = pdf("Wohnungsgeberbestätigung " + randomBytes(8).toString("hex"));
    const first = await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(doc, { reference: "first" }) });
    expect(first.status).to.equal(202);
    const receipt = await receiptOf(sha256(doc));
    const again = await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(doc, { reference: "second" }) });
    expect(again.status).to.equal(200);
    const record = await again.json();
    expect(record.reference).to.equal("first");
    expect(record.status).to.equal("anchored");
    expect(record.batch.root).to.equal(receipt.root);
    // It says that the new reference was not applied, and why.
    expect(record.duplicate).to.deep.include({ ignored: ["reference"], contentAdded: false, revoked: false });
    expect(record.duplicate.detail).to.match(/^already registered on .* by Erika Muster; the new reference was not applied: a document is registered once/);
    const hashOnly = await server.api("/api/v1/documents", { method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ sha256: sha256(doc) }) });
    expect(hashOnly.status).to.equal(200);
    expect((await hashOnly.json()).duplicate.ignored).to.deep.equal([]);
    expect((await receiptOf(sha256(doc))).document.salt).to.equal(receipt.document.salt);
  });

  it("registering a revoked document again says it is revoked and is not restored", async function () {
    const doc = pdf("Widerrufen " + randomBytes(8).toString("hex"));
    await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(doc) });
    await receiptOf(sha256(doc));
    await server.api(`/api/v1/documents/${sha256(doc)}/revocation`, { method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ reason: 3 }) });
    const again = await (await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(doc) })).json();
    expect(again.duplicate.revoked).to.equal(true);
    expect(again.duplicate.detail).to.include("(superseded): registering it again does not restore it");
  });

  it("notarises a bare hash sent as JSON, without any content", async function () {
    const hash = sha256(randomBytes(32));
    const res = await server.api("/api/v1/documents", {
      method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ sha256: hash, reference: "hash only" }),
    });
    expect(res.status).to.equal(202);
    const receipt = await receiptOf(hash);
    expect(await verifyIndependently(receipt, server.provider)).to.equal("anchored");
    const record = await (await server.api(`/api/v1/documents/${hash}`, { key })).json();
    expect(record).to.include({ sha256: hash, hasContent: false, reference: "hash only", createdBy: "Erika Muster", status: "anchored" });
    expect((await server.api(`/api/v1/documents/${hash}/content`, { key })).status).to.equal(404);
  });

  it("anchors documents uploaded together in one batch, each with its own proof", async function () {
    const docs = Array.from({ length: 5 }, (_, i) => pdf(`batch ${i} ${randomBytes(8).toString("hex")}`));
    await Promise.all(docs.map((d) => server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(d) })));
    const receipts = await Promise.all(docs.map((d) => receiptOf(sha256(d))));
    const roots = new Set(receipts.map((r) => r.root));
    expect(roots.size).to.be.lessThanOrEqual(2); // all in one window, or split across two at most
    for (const r of receipts) expect(await verifyIndependently(r, server.provider)).to.equal("anchored");
  });

  it("answers public verification by hash against the chain: anchored, pending, unknown", async function () {
    const doc = pdf("verify " + randomBytes(8).toString("hex"));
    await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(doc) });
    const receipt = await receiptOf(sha256(doc));
    const verdict = await (await server.api(`/api/v1/verify/${sha256(doc)}`)).json();
    expect(verdict.status).to.equal("anchored");
    expect(verdict.anchor).to.include({ transactionHash: receipt.anchor.transactionHash, blockNumber: receipt.anchor.blockNumber, registry: server.registry });
    expect(verdict.municipality).to.deep.equal({ name: "Stadt Musterstadt", ags: "05334002" });
    expect(verdict).to.not.have.property("cid");
    expect(JSON.stringify(verdict)).to.not.include(receipt.document.salt.slice(2));

    const unknown = await (await server.api(`/api/v1/verify/${sha256(randomBytes(8))}`)).json();
    expect(unknown.status).to.equal("unknown");

    const file = new FormData();
    file.append("file", new Blob([doc]), "citizen.pdf");
    const byFile = await (await server.api("/api/v1/verify", { method: "POST", body: file })).json();
    expect(byFile.status).to.equal("anchored");
    expect(byFile.sha256).to.equal(sha256(doc));
  });

  it("verifies a posted receipt against the chain alone, and rejects a tampered one", async function () {
    const doc = pdf("receipt " + randomBytes(8).toString("hex"));
    await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(doc) });
    const receipt = await receiptOf(sha256(doc));
    const post = (r: unknown) => server.api("/api/v1/verify", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(r) });

    const good = await (await post(receipt)).json();
    expect(good).to.include({ status: "anchored", authentic: true, reliable: true });
    expect(good.identity).to.deep.include({ status: "confirmed" });
    expect(good.checks.map((c: { check: string }) => c.check)).to.deep.equal([
      "leaf", "proof", "chain", "transaction", "anchor", "block", "municipality", "identity", "timestamp", "revocation", "validity",
    ]);
    expect(good.checks.every((c: { ok: boolean }) => c.ok)).to.equal(true);

    const otherSalt = { ...receipt, document: { ...receipt.document, salt: "0x" + "11".repeat(32) } };
    const bad = await (await post(otherSalt)).json();
    expect(bad).to.include({ status: "invalid", authentic: false, reliable: false });
    expect(bad.checks.find((c: { check: string }) => c.check === "leaf").ok).to.equal(false);

    const wrongTime = { ...receipt, anchor: { ...receipt.anchor, timestamp: receipt.anchor.timestamp + 1 } };
    const late = await (await post(wrongTime)).json();
    expect(late.status).to.equal("invalid");
    expect(late.checks.find((c: { check: string }) => c.check === "anchor").ok).to.equal(false);

    const notAReceipt = await post({ type: "NotaryReceipt", version: 3 });
    expect(notAReceipt.status).to.equal(400);
    expect(notAReceipt.headers.get("content-type")).to.match(/^application\/problem\+json/);
    expect((await notAReceipt.json()).code).to.equal("INVALID_RECEIPT");
  });

  it("revokes a document on chain: verification says revoked with the reason, its batch neighbours stay anchored", async function () {
    const [a, b] = [pdf("revoke a " + randomBytes(8).toString("hex")), pdf("revoke b " + randomBytes(8).toString("hex"))];
    await Promise.all([a, b].map((d) => server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(d) })));
    const [ra, rb] = await Promise.all([receiptOf(sha256(a)), receiptOf(sha256(b))]);

    const res = await server.api(`/api/v1/documents/${sha256(a)}/revocation`, {
      method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ reason: 1, note: "Erlaubnis widerrufen" }),
    });
    expect(res.status).to.equal(202);
    expect((await res.json()).revocation).to.include({ reason: 1, note: "Erlaubnis widerrufen", requestedBy: "Erika Muster" });

    const verdict = await eventually(async () => {
      const v = await (await server.api(`/api/v1/verify/${sha256(a)}`)).json();
      return v.status === "revoked" ? v : null;
    }, 20_000, "revocation on chain");
    expect(verdict.revocation).to.include({ reason: 1, reasonText: "withdrawn" });
    expect(await verifyIndependently(ra, server.provider)).to.equal("revoked");
    expect(await verifyIndependently(rb, server.provider)).to.equal("anchored");

    const twice = await server.api(`/api/v1/documents/${sha256(a)}/revocation`, {
      method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ reason: 2 }),
    });
    expect(twice.status).to.equal(409);
    expect((await twice.json()).code).to.equal("ALREADY_REVOKED");
  });

  it("revokes a document that is still pending once its batch is anchored", async function () {
    const hash = sha256(randomBytes(32));
    await server.api("/api/v1/documents", { method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ sha256: hash }) });
    const res = await server.api(`/api/v1/documents/${hash}/revocation`, {
      method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ reason: 2 }),
    });
    expect(res.status).to.equal(202);
    await eventually(async () => (await (await server.api(`/api/v1/verify/${hash}`)).json()).status === "revoked", 20_000, "revoked");
  });

  it("lists documents newest first with status filter and cursor pages", async function () {
    const hashes = Array.from({ length: 3 }, () => sha256(randomBytes(32)));
    for (const h of hashes) {
      await server.api("/api/v1/documents", { method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ sha256: h }) });
    }
    const page1 = await (await server.api("/api/v1/documents?limit=2", { key })).json();
    expect(page1.items.map((d: { sha256: string }) => d.sha256)).to.deep.equal([hashes[2], hashes[1]]);
    expect(page1.nextCursor).to.be.a("string");
    const page2 = await (await server.api(`/api/v1/documents?limit=2&cursor=${page1.nextCursor}`, { key })).json();
    expect(page2.items[0].sha256).to.equal(hashes[0]);

    await Promise.all(hashes.map((h) => receiptOf(h)));
    const anchored = await (await server.api("/api/v1/documents?status=anchored&limit=100", { key })).json();
    expect(anchored.items.every((d: { status: string }) => d.status === "anchored")).to.equal(true);
    expect(anchored.items.map((d: { sha256: string }) => d.sha256)).to.include.members(hashes);
    expect((await server.api("/api/v1/documents?status=bogus", { key })).status).to.equal(400);
  });

  it("keeps an audit trail of who notarised, revoked and read what", async function () {
    const audit = await (await server.api("/api/v1/audit?limit=1000", { key })).json();
    const actions = new Set(audit.items.map((e: { action: string }) => e.action));
    expect([...actions]).to.include.members(["notarise", "revoke", "read-content"]);
    expect(audit.items.every((e: { clerk: string }) => e.clerk === "Erika Muster")).to.equal(true);
  });

  it("describes itself: registry facts, readiness, metrics", async function () {
    const registry = await (await server.api("/api/v1/registry")).json();
    const genesisHash = (await server.provider.getBlock(0))!.hash;
    expect(registry).to.deep.equal({
      chainId: 31337, genesisHash, registry: server.registry, municipality: { name: "Stadt Musterstadt", ags: "05334002" }, version: "1.0.0", directory: registry.directory,
      trust: [{ name: "Local trial directory (npm start)", chainId: 31337, genesisHash, directory: registry.directory, local: true }],
    });
    expect(registry.directory).to.match(/^0x[0-9a-fA-F]{40}$/);
    const ready = await server.api("/readyz");
    expect(ready.status).to.equal(200);
    const { checks } = await ready.json();
    expect(checks).to.include.keys(["store", "chain", "anchoring", "ipfs", "leader"]);
    expect(checks.store).to.deep.equal({ ok: true, kind: TEST_STORE === "postgres" ? "postgresql" : "sqlite" });
    // One instance leads alone (SQLite), or wins the election on its own database (PostgreSQL).
    expect(checks.leader).to.include({ ok: true, leading: true, leader: checks.leader.instance });
    const metrics = await (await server.api("/metrics")).text();
    expect(metrics).to.match(/^notary_leader 1$/m);
    expect(metrics).to.match(/^notary_documents_accepted_total [1-9]/m);
    expect(metrics).to.match(/^notary_batches_anchored_total [1-9]/m);
    expect(metrics).to.match(/^notary_anchor_latency_seconds_count [1-9]/m);
    expect(metrics).to.match(/^notary_queue_depth \d+/m);
  });
  it("puts no document hash, CID or file name on chain: every transaction and event of the run is scanned", async function () {
    const docs = (await (await server.api("/api/v1/documents?limit=100", { key })).json()).items as { sha256: string; cid: string | null }[];
    expect(docs.length).to.be.at.least(10);
    const asciiHex = (text: string) => Buffer.from(text).toString("hex");
    const secrets = [
      ...docs.map((d) => d.sha256),
      ...docs.filter((d) => d.cid).flatMap((d) => [asciiHex(d.cid!), Buffer.from(CID.parse(d.cid!).multihash.digest).toString("hex")]),
      asciiHex("document.pdf"),
      asciiHex("passwd"),
    ];
    const latest = await server.provider.getBlockNumber();
    let scanned = 0;
    for (let n = 0; n <= latest; n++) {
      const block = await server.provider.getBlock(n, true);
      for (const tx of block!.prefetchedTransactions) {
        const receipt = await server.provider.getTransactionReceipt(tx.hash);
        const haystack = [tx.data, ...receipt!.logs.flatMap((l) => [l.data, ...l.topics])].join("").toLowerCase();
        for (const secret of secrets) expect(haystack.includes(secret), `block ${n} tx ${tx.hash}`).to.equal(false);
        scanned++;
      }
    }
    expect(scanned).to.be.at.least(5);
  });
});
