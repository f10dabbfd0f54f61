import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { Contract, JsonRpcProvider } from "ethers";

import { EMBEDDED_DEV_KEY } from "../../server/src/config.js";
import { AUDIT_EPOCH_ROOT } from "../../server/src/domain/audit/auditChain.js";
import { verifyIndependently } from "../helpers/independentVerify.js";
import { type HardhatNode, freePort, startHardhatNode } from "../helpers/processes.js";
import { eventually } from "../helpers/server.js";
import { ServerProcess, clerkKeyIn } from "../helpers/serverProcess.js";
import { TcpProxy } from "../helpers/tcpProxy.js";

/** Short form: one 30 s outage; `npm run test:soak`: three. */
const OUTAGES = process.env.SOAK ? 3 : 1;
const OUTAGE_MS = 30_000;

describe(`RPC outage: the chain is cut off for 30 s in the middle of a batch, ${OUTAGES} time(s)`, function () {
  this.timeout(OUTAGES * 120_000 + 120_000);
  let node: HardhatNode;
  let proxy: TcpProxy;
  let dataDir: string;
  let server: ServerProcess;

  before(async function () {
    node = await startHardhatNode();
    proxy = new TcpProxy(await freePort(), node.port);
    await proxy.open();
    dataDir = await mkdtemp(path.join(tmpdir(), "notary-outage-"));
    const port = await freePort();
    server = new ServerProcess(
      {
        DATA_DIR: dataDir, PORT: String(port), RPC_URL: `http://127.0.0.1:${proxy.port}`, SIGNER_KEY: EMBEDDED_DEV_KEY,
        BATCH_INTERVAL_MS: "500", LOG_LEVEL: "warn", RATE_LIMIT_PER_MINUTE: "1000000", IPFS_MODE: "off",
      },
      `http://127.0.0.1:${port}`,
    );
    await server.start();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed") console.log(`      the server printed:\n${server?.output.slice(-6000)}`);
  });

  after(async function () {
    await server?.kill("SIGTERM");
    await proxy?.cut().catch(() => undefined);
    await node?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("keeps accepting uploads, reports the outage in /readyz, and completes every batch once the chain is back", async function () {
    const key = await clerkKeyIn(dataDir);
    const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
    const accepted: string[] = [];
    const upload = async () => {
      const hash = createHash("sha256").update(randomBytes(16)).digest("hex");
      const res = await fetch(`${server.base}/api/v1/documents`, { method: "POST", headers, body: JSON.stringify({ sha256: hash }) });
      expect(res.status).to.equal(202);
      accepted.push(hash);
    };

    for (let n = 0; n < OUTAGES; n++) {
      for (let i = 0; i < 5; i++) await upload();
      await new Promise((r) => setTimeout(r, 450)); // the batch window closes about now
      await proxy.cut();
      const readiness = await eventually(async () => {
        const res = await fetch(`${server.base}/readyz`);
        return res.status === 503 ? res.json() : null;
      }, 10_000, "/readyz to report the outage");
      expect(readiness.checks.chain.ok).to.equal(false);
      for (let i = 0; i < 5; i++) await upload(); // still durable locally
      await new Promise((r) => setTimeout(r, OUTAGE_MS - 3000));
      await proxy.open();
      await eventually(async () => (await fetch(`${server.base}/readyz`)).status === 200, 30_000, "/readyz to recover");
    }

    const receipts = await eventually(async () => {
      const all = await Promise.all(accepted.map((h) => fetch(`${server.base}/api/v1/receipts/${h}`)));
      return all.every((r) => r.status === 200) ? Promise.all(all.map((r) => r.json())) : null;
    }, 90_000, "every document to be anchored after the outage");

    const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    for (const r of receipts) expect(await verifyIndependently(r, provider)).to.equal("anchored");
    const { registry } = (await (await fetch(`${server.base}/api/v1/registry`)).json()) as { registry: string };
    const events = await new Contract(registry, ["event Anchored(bytes32 indexed root, address indexed issuer, uint32 leafCount)"], provider).queryFilter("Anchored", 0);
    const roots = events.map((e) => e.topics[1]).filter((root) => root !== AUDIT_EPOCH_ROOT); // anchored once, before the first batch
    expect(new Set(roots).size).to.equal(roots.length);
    expect(new Set(receipts.map((r) => r.root)).size).to.equal(roots.length);
    provider.destroy();
    console.log(`      ${OUTAGES} outage(s) of ${OUTAGE_MS / 1000} s, ${accepted.length} documents, ${roots.length} batches, 0 lost, 0 duplicate anchors`);
  });
});
