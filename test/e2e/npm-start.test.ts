import { type ChildProcess, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { JsonRpcProvider } from "ethers";

import { verifyIndependently } from "../helpers/independentVerify.js";
import { ROOT, freePort, projectEnv, run } from "../helpers/processes.js";
import { eventually, uploadForm } from "../helpers/server.js";

/**
 * The README's flow as a user runs it: `npm start` with no chain configured
 * (the embedded Hardhat node), a clerk key from the CLI, a PDF, its receipt
 * verified with nothing but merkle-tree and one RPC read, revocation, a
 * restart that finds the chain gone and re-anchors everything, and the
 * encrypted original read back after the restart and erased.
 */
describe("npm start, end to end", function () {
  this.timeout(240_000);
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let base: string;
  let chainUrl: string;
  let server: ChildProcess | undefined;
  let output = "";

  before(async function () {
    dataDir = await mkdtemp(path.join(tmpdir(), "notary-e2e-"));
    const [port, chainPort] = [await freePort(), await freePort()];
    base = `http://127.0.0.1:${port}`;
    chainUrl = `http://127.0.0.1:${chainPort}`;
    env = projectEnv({ DATA_DIR: dataDir, PORT: String(port), CHAIN_PORT: String(chainPort), BATCH_INTERVAL_MS: "300", RATE_LIMIT_PER_MINUTE: "100000" });
  });

  after(async function () {
    if (server?.pid && server.exitCode === null) process.kill(-server.pid, "SIGKILL"); // the whole process group
    await rm(dataDir, { recursive: true, force: true });
  });

  async function start() {
    output = "";
    server = spawn("npm", ["start"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    server.stdout!.on("data", (d: Buffer) => (output += d.toString()));
    server.stderr!.on("data", (d: Buffer) => (output += d.toString()));
    await eventually(async () => {
      if (server!.exitCode !== null) throw new Error(`npm start exited:\n${output}`);
      return fetch(`${base}/readyz`).then((r) => r.ok, () => false);
    }, 120_000, "the server to be ready");
  }

  async function stop() {
    server!.kill("SIGTERM");
    const [code] = await once(server!, "exit");
    expect(code, output).to.equal(0);
    // The embedded chain went with it.
    expect(await fetch(chainUrl, { method: "POST" }).then(() => "up", () => "down")).to.equal("down");
  }

  const json = (url: string, init?: RequestInit) => fetch(base + url, init).then((r) => r.json());
  const receiptOf = (hash: string) =>
    eventually(async () => {
      const res = await fetch(`${base}/api/v1/receipts/${hash}`);
      return res.status === 200 ? res.json() : null;
    }, 60_000, "the receipt");
  const statusOf = (hash: string, status: string) =>
    eventually(async () => (await json(`/api/v1/verify/${hash}`)).status === status, 60_000, `status ${status}`);

  it("notarises a PDF, verifies it independently, revokes it, and survives a restart of the chain", async function () {
    await start();
    expect(output).to.match(/Notary is running/);

    const clerk = await run("npx", ["notary", "clerk", "add", "E2E Sachbearbeiterin", "--json"], env);
    expect(clerk.code, clerk.stderr).to.equal(0);
    const { key } = JSON.parse(clerk.stdout);
    expect(key).to.match(/^ntk_/);
    const auth = { authorization: `Bearer ${key}` };

    const pdf = `%PDF-1.4\n% Erlaubnis zur Straßenmusik ${randomBytes(8).toString("hex")}\ntrailer<</Root 1 0 R>>\n%%EOF\n`;
    const hash = createHash("sha256").update(pdf).digest("hex");
    const upload = await fetch(`${base}/api/v1/documents`, { method: "POST", headers: auth, body: uploadForm(pdf, { reference: "32.1-0815" }) });
    expect(upload.status).to.equal(202);

    const chain = new JsonRpcProvider(chainUrl, undefined, { staticNetwork: true });
    const receipt = await receiptOf(hash);
    expect(await verifyIndependently(receipt, chain)).to.equal("anchored");

    const revoke = await fetch(`${base}/api/v1/documents/${hash}/revocation`, {
      method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ reason: 1 }),
    });
    expect(revoke.status).to.equal(202);
    await statusOf(hash, "revoked");
    expect(await verifyIndependently(receipt, chain)).to.equal("revoked");
    chain.destroy();
    // The server logs JSON with request ids, but never a document's hash or a key.
    expect(output).to.match(/"req":\{"id":"[0-9a-f-]{36}","method":"GET","url":"\/api\/v1\/verify\/\{sha256\}"/);
    expect(output).to.not.include(hash);
    expect(output).to.not.include(key);

    await stop();
    await start(); // a new Hardhat node: the old chain is gone
    expect(output).to.match(/CHAIN RESET/);

    await statusOf(hash, "revoked");
    const chain2 = new JsonRpcProvider(chainUrl, undefined, { staticNetwork: true });
    const reissued = await receiptOf(hash);
    expect(reissued.document).to.deep.equal(receipt.document); // same salt, new anchor
    expect(reissued.anchor.blockHash).to.not.equal(receipt.anchor.blockHash);
    expect(await verifyIndependently(reissued, chain2)).to.equal("revoked");
    chain2.destroy();

    const record = await json(`/api/v1/documents/${hash}`, { headers: auth });
    expect(record).to.include({ sha256: hash, reference: "32.1-0815", status: "revoked", createdBy: "E2E Sachbearbeiterin", storage: "encrypted" });

    // The original survived the restart in the embedded IPFS node, and can be erased.
    expect(await (await fetch(`${base}/api/v1/documents/${hash}/content`, { headers: auth })).text()).to.equal(pdf);
    expect((await fetch(`${base}/api/v1/documents/${hash}/content`, { method: "DELETE", headers: auth })).status).to.equal(200);
    expect((await fetch(`${base}/api/v1/documents/${hash}/content`, { headers: auth })).status).to.equal(404);
    const chain3 = new JsonRpcProvider(chainUrl, undefined, { staticNetwork: true });
    expect(await verifyIndependently(reissued, chain3)).to.equal("revoked");
    chain3.destroy();
    await stop();
  });
});
