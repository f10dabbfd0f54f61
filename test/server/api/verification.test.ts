import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { BrowserProvider, Contract } from "ethers";
import { network } from "hardhat";

import { DIRECTORY_ABI } from "../../../server/src/adapters/chain/directoryAbi.js";
import { listenJsonRpc } from "../../../server/src/adapters/chain/durable/rpcServer.js";
import { forgedReceipt, lookAlikeRegistry } from "../../helpers/forge.js";
import { type TestServer, eventually, startTestServer, uploadForm } from "../../helpers/server.js";
import { track } from "../../helpers/teardown.js";

const { provider: eip1193 } = await network.create();
// A second chain: also chain id 31337, but created at another moment, so another genesis.
const { provider: otherEip1193 } = await network.create({ override: { initialDate: new Date("2026-01-02T03:04:05Z") } });

const sha256 = (data: string) => createHash("sha256").update(data).digest("hex");

/**
 * Verification says exactly what it checked, and the attacker's attempts are
 * caught: edited facts, a stranger's look-alike registry, a retired or
 * compromised registry, a receipt of another chain. Every case posts a
 * receipt to POST /api/v1/verify, as the citizen page does.
 */
describe("API: verification against forgeries, rotation, compromise and other chains", function () {
  this.timeout(120_000);
  let server: TestServer;
  let key: string;

  before(async function () {
    server = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "100" });
    key = await server.clerkKey();
  });

  after(async function () {
    await server?.stop();
  });

  const post = (on: TestServer, receipt: unknown) =>
    on.api("/api/v1/verify", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(receipt) }).then((r) => r.json());
  const check = (verdict: { checks: { check: string }[] }, id: string) => verdict.checks.find((c) => c.check === id) as unknown as { ok: boolean; code: string; values: Record<string, unknown> };

  async function issued(on: TestServer, clerk: string, text = "Erlaubnis"): Promise<Record<string, any>> {
    const content = `${text} ${randomBytes(8).toString("hex")}`;
    expect((await on.api("/api/v1/documents", { method: "POST", key: clerk, body: uploadForm(content) })).status).to.equal(202);
    return eventually(async () => {
      const res = await on.api(`/api/v1/receipts/${sha256(content)}`);
      return res.status === 200 ? res.json() : null;
    }, 20_000, "the receipt");
  }

  it("a genuine receipt: authentic and reliable, the issuer confirmed by the local trial directory", async function () {
    const verdict = await post(server, await issued(server, key));
    expect(verdict).to.include({ status: "anchored", authentic: true, reliable: true });
    expect(verdict.identity).to.deep.include({ status: "confirmed" });
    expect(verdict.identity.municipality).to.deep.equal({ name: "Stadt Musterstadt", ags: "05334002", source: "directory" });
    expect(verdict.identity.directory).to.include({ name: "Local trial directory (npm start)", local: true });
  });

  it("an edited municipality is reported, not printed: the registry's own claim differs", async function () {
    const receipt = await issued(server, key);
    const verdict = await post(server, { ...receipt, municipality: { name: "Landeshauptstadt Düsseldorf", ags: "05111000" } });
    expect(verdict).to.include({ status: "invalid", authentic: false, reliable: false });
    expect(check(verdict, "municipality")).to.deep.include({ ok: false, code: "municipality.mismatch" });
    expect(check(verdict, "municipality").values).to.deep.equal({ claimed: "Landeshauptstadt Düsseldorf (05111000)", actual: "Stadt Musterstadt (05334002)" });
  });

  it("an edited transaction hash is checked: a hash that does not exist, and a real transaction that did not anchor the root", async function () {
    const receipt = await issued(server, key);
    const missing = await post(server, { ...receipt, anchor: { ...receipt.anchor, transactionHash: `0x${"ab".repeat(32)}` } });
    expect(missing.status).to.equal("invalid");
    expect(check(missing, "transaction")).to.deep.include({ ok: false, code: "transaction.missing" });
    // Another real anchoring transaction of the same registry, but for another batch and block.
    const other = await issued(server, key);
    const swapped = await post(server, { ...receipt, anchor: { ...receipt.anchor, transactionHash: other.anchor.transactionHash } });
    expect(swapped.status).to.equal("invalid");
    expect(check(swapped, "transaction")).to.deep.include({ ok: false, code: "transaction.block" });
  });

  it("a stranger's look-alike \"Stadt Musterstadt\" registry is never confirmed (v1 and v2 receipts): authentic on chain, not reliable", async function () {
    const provider = new BrowserProvider(eip1193, undefined, { cacheTimeout: -1 });
    const fake = await lookAlikeRegistry(await provider.getSigner(7), "Stadt Musterstadt", "05334002");
    for (const version of [1, 2] as const) {
      const verdict = await post(server, await forgedReceipt(fake, `forged ${version} ${randomBytes(4).toString("hex")}`, version));
      expect(verdict, `v${version}`).to.include({ status: "anchored", authentic: true, reliable: false });
      expect(verdict.identity).to.deep.include({ status: "unconfirmed", code: "identity.unconfirmed" });
      expect(verdict.identity.municipality).to.deep.include({ name: "Stadt Musterstadt", source: "registry" });
    }
  });

  it("a version 1 receipt of this registry still verifies, with the issuer confirmed", async function () {
    const provider = new BrowserProvider(eip1193, undefined, { cacheTimeout: -1 });
    const registry = new Contract(server.registry, ["function anchor(bytes32,uint32)", "function municipality() view returns (string,string)"], await provider.getSigner(0));
    // The server's service key (dev account 0) anchors a v1 batch of one, as the previous version did.
    const verdict = await post(server, await forgedReceipt(registry, `v1 ${randomBytes(4).toString("hex")}`, 1));
    expect(verdict).to.include({ status: "anchored", authentic: true, reliable: true });
    expect(check(verdict, "chain").code).to.equal("chain.v1");
  });

  it("a revoked document: authentic, never reliable, status revoked", async function () {
    const receipt = await issued(server, key);
    await server.api(`/api/v1/documents/${receipt.document.sha256}/revocation`, { method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ reason: 3 }) });
    const verdict = await eventually(async () => {
      const v = await post(server, receipt);
      return v.status === "revoked" ? v : null;
    }, 20_000, "the revocation");
    expect(verdict).to.include({ authentic: true, reliable: false });
    expect(verdict).to.not.have.property("valid");
    expect(verdict.revocation).to.include({ reason: 3, reasonText: "superseded" });
  });

  describe("rotation and compromise of a listed registry", function () {
    let own: TestServer;
    let ownKey: string;
    let directory: Contract;

    beforeEach(async function () {
      own = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "100", MUNICIPALITY_NAME: "Gemeinde Beispiel", MUNICIPALITY_AGS: "05334036" }, undefined, { signer: 3 });
      ownKey = await own.clerkKey();
      const facts = await (await own.api("/api/v1/registry")).json();
      // The local trial directory's consortium and registrar is the server's own key (dev account 3).
      directory = new Contract(facts.directory, DIRECTORY_ABI, await new BrowserProvider(eip1193, undefined, { cacheTimeout: -1 }).getSigner(3));
    });

    afterEach(async function () {
      await own?.stop();
    });

    it("after a rotation, anchors from activeUntil on are a conflict (invalid) while earlier ones stay confirmed", async function () {
      const before = await issued(own, ownKey, "before rotation");
      const until = before.anchor.blockNumber + 1;
      await (await directory.getFunction("retire")(own.registry, until)).wait();
      const after = await issued(own, ownKey, "after rotation");
      expect(after.anchor.blockNumber).to.be.at.least(until);
      expect(await post(own, before)).to.deep.include({ status: "anchored", reliable: true });
      const late = await post(own, after);
      expect(late).to.include({ status: "invalid", reliable: false });
      expect(late.identity).to.deep.include({ status: "conflict", code: "identity.retired" });
      expect(late.identity.values).to.include({ activeUntil: until, blockNumber: after.anchor.blockNumber });
    });

    it("after a compromise, anchors from revokedFrom on are invalid, also those made before the revocation was announced", async function () {
      const early = await issued(own, ownKey, "early");
      const stolen = await issued(own, ownKey, "made with a stolen key");
      await (await directory.getFunction("revoke")(own.registry, stolen.anchor.blockNumber)).wait();
      expect(await post(own, early)).to.deep.include({ status: "anchored", reliable: true });
      const bad = await post(own, stolen);
      expect(bad.status).to.equal("invalid");
      expect(bad.identity).to.deep.include({ status: "conflict", code: "identity.revoked" });
    });
  });

  describe("receipts of another chain", function () {
    let other: TestServer;
    let rpc: { server: Server; url: string };
    let dir: string;

    before(async function () {
      other = await startTestServer(otherEip1193, { BATCH_INTERVAL_MS: "100", MUNICIPALITY_NAME: "Gemeinde Anderswo", MUNICIPALITY_AGS: "05334012" });
      // The other chain reachable over JSON-RPC, as a partner's `npx notary chain` would be.
      rpc = await listenJsonRpc((method, params) => otherEip1193.request({ method, params }) as Promise<unknown>, 0);
      track("JSON-RPC of the other chain", () => new Promise((r) => rpc.server.close(r)));
      dir = await mkdtemp(path.join(tmpdir(), "notary-trust-"));
    });

    after(async function () {
      await other?.stop();
      rpc?.server.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("a genuine receipt of a chain this server does not know: \"belongs to another chain\", never \"invalid\"", async function () {
      const receipt = await issued(other, await other.clerkKey());
      expect(receipt.anchor.genesisHash).to.not.equal((await server.provider.getBlock(0))!.hash);
      const verdict = await post(server, receipt);
      expect(verdict).to.include({ status: "other-chain", authentic: false, reliable: false });
      expect(check(verdict, "chain")).to.deep.include({ ok: false, code: "chain.notTrusted" });
      expect(check(verdict, "transaction")).to.deep.include({ skipped: true, code: "skipped.otherChain" });
    });

    it("a version 1 receipt of another chain (it names no genesis): also \"another chain\", not \"invalid\"", async function () {
      const provider = new BrowserProvider(otherEip1193, undefined, { cacheTimeout: -1 });
      const registry = await lookAlikeRegistry(await provider.getSigner(2), "Gemeinde Anderswo", "05334012");
      const verdict = await post(server, await forgedReceipt(registry, `v1 elsewhere ${randomBytes(4).toString("hex")}`, 1));
      expect(verdict.status, JSON.stringify(verdict.checks, null, 1)).to.equal("other-chain");
    });

    it("with that chain's directory in the trust configuration, its receipts verify here, the issuer confirmed by its directory", async function () {
      const facts = await (await other.api("/api/v1/registry")).json();
      const trustFile = path.join(dir, "trust.json");
      await writeFile(trustFile, JSON.stringify([{ name: "Anderswo (test)", chainId: 31337, genesisHash: facts.genesisHash, rpcUrls: [rpc.url], directory: facts.directory }]));
      const federated = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "100", TRUST_FILE: trustFile }, undefined, { signer: 4 });
      try {
        const verdict = await post(federated, await issued(other, await other.clerkKey(), "Partnerdokument"));
        expect(verdict).to.include({ status: "anchored", authentic: true, reliable: true });
        expect(verdict.identity.municipality).to.deep.include({ name: "Gemeinde Anderswo", ags: "05334012", source: "directory" });
        expect(check(verdict, "chain").values).to.include({ source: rpc.url });
      } finally {
        await federated.stop();
      }
    });
  });
});
