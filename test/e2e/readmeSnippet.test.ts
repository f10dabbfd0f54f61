import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import path from "node:path";

import { expect } from "chai";
import { BrowserProvider, Contract } from "ethers";
import { network } from "hardhat";

import { listenJsonRpc } from "../../server/src/adapters/chain/durable/rpcServer.js";
import { forgedReceipt } from "../helpers/forge.js";
import { ROOT, run } from "../helpers/processes.js";
import { type TestServer, eventually, startTestServer, uploadForm } from "../helpers/server.js";
import { track } from "../helpers/teardown.js";

const { provider: eip1193 } = await network.create();
const { provider: otherEip1193 } = await network.create({ override: { initialDate: new Date("2026-02-03T04:05:06Z") } });

/**
 * README "Verifying a receipt without this server" promises a snippet that
 * needs no code of ours. This runs that very snippet, copied out of the
 * README, with Node against the receipts the server issues.
 */
describe("README's independent verification snippet", function () {
  this.timeout(120_000);
  let server: TestServer;
  let key: string;
  let rpc: { server: Server; url: string };
  let otherRpc: { server: Server; url: string };
  const dir = path.join(ROOT, "test-output", `snippet-${randomBytes(4).toString("hex")}`);
  const script = path.join(dir, "verify-receipt.mjs");

  before(async function () {
    const readme = await readFile(path.join(ROOT, "README.md"), "utf8");
    const after = readme.slice(readme.indexOf("Without our code at all"));
    const snippet = after.match(/```js\n([\s\S]*?)```/)?.[1];
    expect(snippet, "the snippet in README.md").to.be.a("string");
    await mkdir(dir, { recursive: true });
    await writeFile(script, snippet!);
    server = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "100" });
    key = await server.clerkKey();
    rpc = await listenJsonRpc((method, params) => eip1193.request({ method, params }) as Promise<unknown>, 0);
    otherRpc = await listenJsonRpc((method, params) => otherEip1193.request({ method, params }) as Promise<unknown>, 0);
    for (const r of [rpc, otherRpc]) track("snippet JSON-RPC", () => new Promise((done) => r.server.close(done)));
  });

  after(async function () {
    await server?.stop();
    rpc?.server.close();
    otherRpc?.server.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function snippetSays(receipt: unknown, url = rpc.url): Promise<string> {
    const file = path.join(dir, `${randomBytes(4).toString("hex")}.receipt.json`);
    await writeFile(file, JSON.stringify(receipt));
    const { code, stdout, stderr } = await run(process.execPath, [script, file, url]);
    expect(code, stderr).to.equal(0);
    return stdout.trim();
  }

  async function issued(): Promise<Record<string, any>> {
    const content = `README ${randomBytes(8).toString("hex")}`;
    await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(content) });
    const hash = createHash("sha256").update(content).digest("hex");
    return eventually(async () => {
      const res = await server.api(`/api/v1/receipts/${hash}`);
      return res.status === 200 ? res.json() : null;
    }, 20_000, "the receipt");
  }

  it("prints anchored for a version 2 receipt the server issued, and for a version 1 receipt", async function () {
    expect(await snippetSays(await issued())).to.equal("anchored");
    const registry = new Contract(server.registry, ["function anchor(bytes32,uint32)", "function municipality() view returns (string,string)"], await new BrowserProvider(eip1193, undefined, { cacheTimeout: -1 }).getSigner(0));
    expect(await snippetSays(await forgedReceipt(registry, `v1 ${randomBytes(4).toString("hex")}`, 1))).to.equal("anchored");
  });

  it("prints invalid for an altered receipt, revoked for a revoked document, and another chain for a receipt of another chain", async function () {
    const receipt = await issued();
    expect(await snippetSays({ ...receipt, document: { ...receipt.document, validUntil: 1 } })).to.equal("invalid: leaf or proof");
    expect(await snippetSays({ ...receipt, anchor: { ...receipt.anchor, timestamp: receipt.anchor.timestamp + 60 } })).to.equal("invalid: not anchored as stated");
    expect(await snippetSays(receipt, otherRpc.url)).to.equal("another chain");
    await server.api(`/api/v1/documents/${receipt.document.sha256}/revocation`, { method: "POST", key, headers: { "content-type": "application/json" }, body: JSON.stringify({ reason: 1 }) });
    await eventually(async () => (await (await server.api(`/api/v1/verify/${receipt.document.sha256}`)).json()).status === "revoked", 20_000, "the revocation");
    expect(await snippetSays(receipt)).to.equal("revoked");
  });
});
