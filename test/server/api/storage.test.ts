import { createHash, randomBytes } from "node:crypto";
import { readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { verifyIndependently } from "../../helpers/independentVerify.js";
import { startKuboStandIn } from "../../helpers/kuboStandIn.js";
import { type TestServer, eventually, sqliteOnly, startTestServer, uploadForm } from "../../helpers/server.js";

const { provider: eip1193 } = await network.create();
const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

async function anyFileContains(dir: string, needle: string): Promise<string | null> {
  for (const f of await filesUnder(dir)) if ((await readFile(f)).includes(needle)) return f;
  return null;
}

describe("API: storage of originals (embedded IPFS, encryption, erasure)", function () {
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

  const upload = async (content: string, fields: Record<string, string> = {}) => {
    const res = await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(content, fields) });
    expect(res.status).to.equal(202);
    return (await server.api(`/api/v1/documents/${sha256(content)}`, { key })).json();
  };

  it("creates the master key file with mode 0600", async function () {
    sqliteOnly(this, "MASTER_KEY is set, as DATABASE_URL requires: no key file is made");
    const info = await stat(path.join(server.dataDir, "master.key"));
    expect(info.mode & 0o777).to.equal(0o600);
  });

  it("pins a public document in plaintext with its Kubo CID", async function () {
    const content = "hello world\n";
    const record = await upload(content, { public: "true" });
    expect(record).to.include({ public: true, storage: "public", cid: "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o" });
  });

  it("erases an original on request: unpinned, blocks gone, key destroyed; the receipt still verifies", async function () {
    const marker = "Aufenthaltserlaubnis-" + randomBytes(12).toString("hex");
    const content = `%PDF-1.4\n% ${marker}\n%%EOF\n`;
    const record = await upload(content);
    const receipt = await eventually(async () => {
      const r = await server.api(`/api/v1/receipts/${sha256(content)}`);
      return r.status === 200 ? r.json() : null;
    });
    const blocksBefore = (await filesUnder(path.join(server.dataDir, "ipfs", "blocks"))).length;

    const res = await server.api(`/api/v1/documents/${sha256(content)}/content`, { method: "DELETE", key });
    expect(res.status).to.equal(200);
    const erased = await res.json();
    expect(erased).to.include({ hasContent: false, cid: null, storage: null });
    expect(erased.erasure.by).to.equal("Erika Muster");

    expect((await filesUnder(path.join(server.dataDir, "ipfs", "blocks"))).length).to.be.lessThan(blocksBefore);
    const gone = await server.api(`/api/v1/documents/${sha256(content)}/content`, { key });
    expect(gone.status).to.equal(404);
    expect((await gone.json()).detail).to.match(/was erased on .* by Erika Muster/);
    expect(await anyFileContains(server.dataDir, marker)).to.equal(null);
    expect(await anyFileContains(server.dataDir, record.cid)).to.equal(null); // not even the CID is kept

    expect(await verifyIndependently(receipt, server.provider)).to.equal("anchored");
    expect((await (await server.api(`/api/v1/verify/${sha256(content)}`)).json()).status).to.equal("anchored");
    const audit = await (await server.api("/api/v1/audit", { key })).json();
    expect(audit.items[0]).to.include({ action: "erase", sha256: sha256(content), clerk: "Erika Muster" });

    const twice = await server.api(`/api/v1/documents/${sha256(content)}/content`, { method: "DELETE", key });
    expect(twice.status).to.equal(404);
  });

  it("refuses to serve an original whose blocks were tampered with", async function () {
    const content = "Tampered permit " + randomBytes(200_000).toString("hex");
    await upload(content);
    const blocks = await filesUnder(path.join(server.dataDir, "ipfs", "blocks"));
    const sizes = await Promise.all(blocks.map(async (f) => [f, (await stat(f)).size] as const));
    const [largest] = sizes.sort((a, b) => b[1] - a[1])[0]!;
    const bytes = await readFile(largest);
    bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
    await writeFile(largest, bytes);

    const res = await server.api(`/api/v1/documents/${sha256(content)}/content`, { key });
    expect(res.status).to.equal(500);
    const problem = await res.json();
    expect(problem.code).to.equal("CONTENT_CORRUPTED");
    expect(problem.detail).to.match(/integrity check|does not match/);
  });
});

describe("API: originals in a Kubo node (stand-in) and in the data dir", function () {
  this.timeout(60_000);

  it("pins encrypted originals to Kubo over its RPC API and reads them back", async function () {
    const kubo = await startKuboStandIn();
    const server = await startTestServer(eip1193, { IPFS_MODE: "kubo", KUBO_API_URL: kubo.url });
    try {
      const key = await server.clerkKey();
      const content = "Kubo original " + randomBytes(8).toString("hex");
      expect((await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(content) })).status).to.equal(202);
      const record = await (await server.api(`/api/v1/documents/${sha256(content)}`, { key })).json();
      expect(kubo.pinned.has(record.cid)).to.equal(true);
      expect(await (await server.api(`/api/v1/documents/${sha256(content)}/content`, { key })).text()).to.equal(content);
      const ready = await (await server.api("/readyz")).json();
      expect(ready.checks.ipfs).to.deep.equal({ ok: true, mode: "kubo" });
      await server.api(`/api/v1/documents/${sha256(content)}/content`, { method: "DELETE", key });
      expect(kubo.pinned.has(record.cid)).to.equal(false);
    } finally {
      await server.stop();
      await kubo.stop();
    }
  });

  it("does not start when the Kubo node is unreachable", async function () {
    const kubo = await startKuboStandIn();
    await kubo.stop();
    const error = await startTestServer(eip1193, { IPFS_MODE: "kubo", KUBO_API_URL: kubo.url }).catch((e) => e);
    expect(error.message).to.match(/Kubo RPC API .* does not answer/);
  });

  it("keeps encrypted originals in the data dir with IPFS_MODE=off", async function () {
    const server = await startTestServer(eip1193, { IPFS_MODE: "off" });
    try {
      const key = await server.clerkKey();
      const marker = "Offline-" + randomBytes(12).toString("hex");
      await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(marker) });
      const record = await (await server.api(`/api/v1/documents/${sha256(marker)}`, { key })).json();
      expect(record).to.include({ cid: null, storage: "encrypted", hasContent: true });
      expect(await filesUnder(path.join(server.dataDir, "originals"))).to.have.length(1);
      expect(await anyFileContains(server.dataDir, marker)).to.equal(null);
      expect(await (await server.api(`/api/v1/documents/${sha256(marker)}/content`, { key })).text()).to.equal(marker);
      // The file gone from this data dir (as on another instance that shares the database): 404, said why, not a 500.
      for (const file of await filesUnder(path.join(server.dataDir, "originals"))) await rm(file);
      const missing = await server.api(`/api/v1/documents/${sha256(marker)}/content`, { key });
      expect(missing.status).to.equal(404);
      expect(await missing.json()).to.include({ code: "CONTENT_NOT_AVAILABLE" }).and.to.have.property("detail").that.matches(/IPFS_MODE=kubo/);
    } finally {
      await server.stop();
    }
  });
});
