import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { JsonRpcProvider } from "ethers";

import { verifyIndependently } from "../helpers/independentVerify.js";
import { ROOT, freePort, projectEnv, run } from "../helpers/processes.js";
import { eventually, uploadForm } from "../helpers/server.js";
import { ServerProcess } from "../helpers/serverProcess.js";

/**
 * The README's flow as a user runs it: `npm start` with no chain configured
 * (the embedded durable chain), a clerk key from the CLI, a PDF, its receipt
 * verified with nothing but merkle-tree and one RPC read, revocation; then a
 * clean restart and a kill -9 of the whole process group, after each of which
 * the chain is replayed from its journal and the receipt handed out before
 * still verifies, unchanged; the encrypted original read back and erased.
 */
describe("npm start, end to end", function () {
  this.timeout(300_000);
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let chainUrl: string;
  let server: ServerProcess;

  before(async function () {
    dataDir = await mkdtemp(path.join(tmpdir(), "notary-e2e-"));
    const [port, chainPort] = [await freePort(), await freePort()];
    chainUrl = `http://127.0.0.1:${chainPort}`;
    const vars = { DATA_DIR: dataDir, PORT: String(port), CHAIN_PORT: String(chainPort), BATCH_INTERVAL_MS: "300", RATE_LIMIT_PER_MINUTE: "100000" };
    env = projectEnv(vars);
    server = new ServerProcess(vars, `http://127.0.0.1:${port}`, { cwd: ROOT, command: ["npm", "start"], readyWithinMs: 180_000 });
  });

  after(async function () {
    await server?.kill();
    await rm(dataDir, { recursive: true, force: true });
  });

  const base = () => server.base;
  const json = (url: string, init?: RequestInit) => fetch(base() + url, init).then((r) => r.json());
  const receiptOf = (hash: string) =>
    eventually(async () => {
      const res = await fetch(`${base()}/api/v1/receipts/${hash}`);
      return res.status === 200 ? res.json() : null;
    }, 60_000, "the receipt");
  const statusOf = (hash: string, status: string) =>
    eventually(async () => (await json(`/api/v1/verify/${hash}`)).status === status, 60_000, `status ${status}`);
  const chainIs = () => fetch(chainUrl, { method: "POST" }).then(() => "up", () => "down");

  /** The receipt handed out before still verifies against the chain as it is now, and the server hands out the same one. */
  async function unchanged(receipt: { document: { sha256: string } }, expected: string) {
    const chain = new JsonRpcProvider(chainUrl, undefined, { staticNetwork: true });
    try {
      expect(await verifyIndependently(receipt, chain)).to.equal(expected);
      expect(await receiptOf(receipt.document.sha256)).to.deep.equal(receipt);
    } finally {
      chain.destroy();
    }
  }

  it("notarises a PDF, verifies it independently and revokes it; after a restart and after kill -9 of everything the receipt still verifies", async function () {
    await server.start();
    expect(server.output).to.match(/Notary is running/).and.match(/new local chain created/);

    const clerk = await run("npx", ["notary", "clerk", "add", "E2E Sachbearbeiterin", "--json"], env);
    expect(clerk.code, clerk.stderr).to.equal(0);
    const { key } = JSON.parse(clerk.stdout);
    expect(key).to.match(/^ntk_/);
    const auth = { authorization: `Bearer ${key}` };

    const pdf = `%PDF-1.4\n% Erlaubnis zur Straßenmusik ${randomBytes(8).toString("hex")}\ntrailer<</Root 1 0 R>>\n%%EOF\n`;
    const hash = createHash("sha256").update(pdf).digest("hex");
    const upload = await fetch(`${base()}/api/v1/documents`, { method: "POST", headers: auth, body: uploadForm(pdf, { reference: "32.1-0815" }) });
    expect(upload.status).to.equal(202);
    const receipt = await receiptOf(hash);
    await unchanged(receipt, "anchored");

    const revoke = await fetch(`${base()}/api/v1/documents/${hash}/revocation`, {
      method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ reason: 1 }),
    });
    expect(revoke.status).to.equal(202);
    await statusOf(hash, "revoked");
    await unchanged(receipt, "revoked");
    // The server logs JSON with request ids, but never a document's hash or a key.
    expect(server.output).to.match(/"req":\{"id":"[0-9a-f-]{36}","method":"GET","url":"\/api\/v1\/verify\/\{sha256\}"/);
    expect(server.output).to.not.include(hash);
    expect(server.output).to.not.include(key);

    // A clean stop (SIGTERM to npm) takes the embedded chain with it; the next start replays its journal.
    expect(await server.killLeader("SIGTERM")).to.equal(0);
    await server.gone();
    expect(await chainIs()).to.equal("down");
    await server.start();
    expect(server.output).to.match(/chain replayed from its journal: \d+ blocks/).and.not.match(/CHAIN RESET/);
    await unchanged(receipt, "revoked");

    // A power cut: kill -9 of npm and the server; the chain (a process group of its own) stops as its parent vanishes.
    await server.kill("SIGKILL");
    await eventually(async () => (await chainIs()) === "down", 10_000, "the chain to stop with its server");
    await server.start();
    expect(server.output).to.match(/chain replayed from its journal/).and.not.match(/CHAIN RESET/);
    await unchanged(receipt, "revoked");

    const record = await json(`/api/v1/documents/${hash}`, { headers: auth });
    expect(record).to.include({ sha256: hash, reference: "32.1-0815", status: "revoked", createdBy: "E2E Sachbearbeiterin", storage: "encrypted" });

    // The chain carries on: a new document is anchored after the restarts, in a later block.
    const later = `later ${randomBytes(8).toString("hex")}`;
    expect((await fetch(`${base()}/api/v1/documents`, { method: "POST", headers: auth, body: uploadForm(later) })).status).to.equal(202);
    const laterReceipt = await receiptOf(createHash("sha256").update(later).digest("hex"));
    expect(laterReceipt.anchor.blockNumber).to.be.greaterThan(receipt.anchor.blockNumber);
    expect(laterReceipt.anchor.timestamp).to.be.closeTo(Math.floor(Date.now() / 1000), 30);

    // The original survived the restarts in the embedded IPFS node, and can be erased.
    expect(await (await fetch(`${base()}/api/v1/documents/${hash}/content`, { headers: auth })).text()).to.equal(pdf);
    expect((await fetch(`${base()}/api/v1/documents/${hash}/content`, { method: "DELETE", headers: auth })).status).to.equal(200);
    expect((await fetch(`${base()}/api/v1/documents/${hash}/content`, { headers: auth })).status).to.equal(404);
    await unchanged(receipt, "revoked");
    expect(await server.killLeader("SIGTERM")).to.equal(0);
  });
});
