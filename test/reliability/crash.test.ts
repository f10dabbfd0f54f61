import { createHash, randomBytes, randomInt } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { Contract, JsonRpcProvider } from "ethers";

import { EMBEDDED_DEV_KEY } from "../../server/src/config.js";
import { verifyIndependently } from "../helpers/independentVerify.js";
import { type HardhatNode, freePort, startHardhatNode } from "../helpers/processes.js";
import { eventually, uploadForm } from "../helpers/server.js";
import { ServerProcess, clerkKeyIn } from "../helpers/serverProcess.js";

/** Short form in `npm test`; `npm run test:soak` sets SOAK=1 for the long form. */
const KILLS = process.env.SOAK ? 50 : 5;

describe(`crash safety: kill -9 the server ${KILLS} times while clients upload`, function () {
  this.timeout((KILLS * 15 + 180) * 1000);
  let node: HardhatNode;
  let dataDir: string;
  let server: ServerProcess;

  before(async function () {
    node = await startHardhatNode();
    dataDir = await mkdtemp(path.join(tmpdir(), "notary-crash-"));
    const port = await freePort();
    server = new ServerProcess(
      { DATA_DIR: dataDir, PORT: String(port), RPC_URL: node.url, SIGNER_KEY: EMBEDDED_DEV_KEY, BATCH_INTERVAL_MS: "150", LOG_LEVEL: "warn", RATE_LIMIT_PER_MINUTE: "1000000" },
      `http://127.0.0.1:${port}`,
    );
  });

  after(async function () {
    await server?.kill();
    await node?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("loses no acknowledged document, anchors no root twice, leaves no nonce gap or half-written file", async function () {
    const key = await clerkKeyIn(dataDir);
    const auth = { authorization: `Bearer ${key}` };
    const acknowledged = new Set<string>();

    const uploader = async () => {
      while (server.running) {
        const withFile = randomInt(4) === 0;
        const bytes = randomBytes(withFile ? randomInt(1000, 300_000) : 32);
        const hash = createHash("sha256").update(bytes).digest("hex");
        try {
          const res = withFile
            ? await fetch(`${server.base}/api/v1/documents`, { method: "POST", headers: auth, body: uploadForm(bytes) })
            : await fetch(`${server.base}/api/v1/documents`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ sha256: hash }) });
          if (res.status === 202 || res.status === 200) acknowledged.add(hash);
        } catch {
          // the server died mid-request: this one was never acknowledged
        }
      }
    };

    for (let k = 0; k < KILLS; k++) {
      await server.start();
      const clients = Array.from({ length: 4 }, uploader);
      await new Promise((r) => setTimeout(r, randomInt(200, 1500)));
      await server.kill("SIGKILL");
      await Promise.all(clients);
    }
    await server.start();
    expect(acknowledged.size).to.be.greaterThan(KILLS);

    const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    const receipts = new Map<string, { root: string }>();
    await eventually(async () => {
      for (const hash of acknowledged) {
        if (receipts.has(hash)) continue;
        const res = await fetch(`${server.base}/api/v1/receipts/${hash}`);
        if (res.status === 200) receipts.set(hash, await res.json());
      }
      return receipts.size === acknowledged.size;
    }, 120_000, "every acknowledged document to be anchored");

    for (const receipt of receipts.values()) expect(await verifyIndependently(receipt, provider)).to.equal("anchored");

    const { registry } = (await (await fetch(`${server.base}/api/v1/registry`)).json()) as { registry: string };
    const events = await new Contract(registry, ["event Anchored(bytes32 indexed root, address indexed issuer, uint32 leafCount)"], provider).queryFilter("Anchored", 0);
    const roots = events.map((e) => e.topics[1]);
    expect(new Set(roots).size).to.equal(roots.length);
    const signer = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    expect(await provider.getTransactionCount(signer, "pending")).to.equal(await provider.getTransactionCount(signer, "latest"));
    expect(await readdir(path.join(dataDir, "tmp"))).to.deep.equal([]);
    provider.destroy();
    console.log(`      ${KILLS} kills, ${acknowledged.size} documents acknowledged, ${roots.length} batches, 0 lost`);
  });
});
