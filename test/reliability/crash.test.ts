import { createHash, randomBytes, randomInt } from "node:crypto";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { Contract, JsonRpcProvider } from "ethers";

import { verifyIndependently } from "../helpers/independentVerify.js";
import { freePort } from "../helpers/processes.js";
import { eventually, uploadForm } from "../helpers/server.js";
import { ServerProcess, clerkKeyIn } from "../helpers/serverProcess.js";

/** Short form in `npm test`; `npm run test:soak` sets SOAK=1 for the long form. */
const KILLS = process.env.SOAK ? 30 : 3;
const MODES = ["server", "chain", "both"] as const;
type Mode = (typeof MODES)[number];

interface Receipt {
  document: { sha256: string };
  root: string;
  anchor: { transactionHash: string; blockNumber: number; blockHash: string };
}

/**
 * The server as `npm start` runs it (the compiled server with its embedded
 * durable chain as a child process) is killed with SIGKILL at random moments
 * while clients upload: the server alone (its chain stops with it), the
 * chain alone (the server starts it again), or both at once. After every
 * recovery each receipt handed out before still verifies independently
 * against the replayed chain with the same transaction, block and block hash;
 * in the end every acknowledged document is anchored, no root twice.
 */
describe(`crash safety: kill -9 of the server, the chain or both, ${KILLS} times, while clients upload`, function () {
  this.timeout((KILLS * 40 + 180) * 1000);
  let dataDir: string;
  let server: ServerProcess;
  let chainUrl: string;

  before(async function () {
    dataDir = await mkdtemp(path.join(tmpdir(), "notary-crash-"));
    const [port, chainPort] = [await freePort(), await freePort()];
    chainUrl = `http://127.0.0.1:${chainPort}`;
    server = new ServerProcess(
      { DATA_DIR: dataDir, PORT: String(port), CHAIN_PORT: String(chainPort), BATCH_INTERVAL_MS: "150", LOG_LEVEL: "warn", RATE_LIMIT_PER_MINUTE: "1000000" },
      `http://127.0.0.1:${port}`,
    );
  });

  after(async function () {
    await server?.kill();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** The chain process's pid, as it wrote it itself. */
  const chainPid = async () => Number((await readFile(path.join(dataDir, "chain", "chain.pid"), "utf8")).trim());

  async function kill(mode: Mode): Promise<void> {
    if (mode === "both") return server.kill("SIGKILL");
    if (mode === "server") {
      await server.killLeader("SIGKILL");
      return server.gone(); // the chain notices its parent is gone and stops
    }
    process.kill(await chainPid(), "SIGKILL"); // the server starts it again, replaying its journal
  }

  it("hands out nothing it loses: receipts verify unchanged after every recovery, every acknowledged document is anchored once", async function () {
    const key = await clerkKeyIn(dataDir);
    const auth = { authorization: `Bearer ${key}` };
    const acknowledged = new Set<string>();
    const issued = new Map<string, Receipt>();
    const counts: Record<Mode, number> = { server: 0, chain: 0, both: 0 };
    let uploading = false;

    const uploader = async () => {
      while (uploading) {
        const withFile = randomInt(4) === 0;
        const bytes = randomBytes(withFile ? randomInt(1000, 300_000) : 32);
        const hash = createHash("sha256").update(bytes).digest("hex");
        try {
          const res = withFile
            ? await fetch(`${server.base}/api/v1/documents`, { method: "POST", headers: auth, body: uploadForm(bytes) })
            : await fetch(`${server.base}/api/v1/documents`, {
                method: "POST",
                headers: { ...auth, "content-type": "application/json" },
                body: JSON.stringify({ sha256: hash }),
              });
          if (res.status === 202 || res.status === 200) acknowledged.add(hash);
        } catch {
          // the server died mid-request: this one was never acknowledged
        }
        // A clerk office's pace, not a flood: every receipt is verified again after every recovery.
        await new Promise((r) => setTimeout(r, randomInt(10, 60)));
      }
    };
    /** Fetches receipts as a citizen would, keeping the first one handed out for each document. */
    const collect = async () => {
      for (const hash of acknowledged) {
        if (issued.has(hash)) continue;
        const res = await fetch(`${server.base}/api/v1/receipts/${hash}`).catch(() => null);
        if (res?.status === 200) issued.set(hash, (await res.json()) as Receipt);
      }
    };
    /** Every receipt handed out so far verifies against the chain as it is now, with the same transaction, block and block hash. */
    const allStillVerify = async () => {
      const provider = new JsonRpcProvider(chainUrl, undefined, { staticNetwork: true, batchStallTime: 0 });
      const one = async (receipt: Receipt) => {
        expect(await verifyIndependently(receipt, provider)).to.equal("anchored");
        const tx = await provider.getTransactionReceipt(receipt.anchor.transactionHash);
        expect([tx?.blockNumber, tx?.blockHash]).to.deep.equal([receipt.anchor.blockNumber, receipt.anchor.blockHash]);
      };
      try {
        const all = [...issued.values()];
        for (let i = 0; i < all.length; i += 50) await Promise.all(all.slice(i, i + 50).map(one));
      } finally {
        provider.destroy();
      }
    };

    await server.start();
    try {
      await killAndRecover();
    } finally {
      uploading = false;
    }

    async function killAndRecover() {
      for (let k = 0; k < KILLS; k++) {
        uploading = true;
        // Handled from the start: a failing client fails this test, not the run (an unhandled rejection would skip the teardown).
        const clients = Promise.all(Array.from({ length: 4 }, uploader));
        clients.catch(() => {});
        await new Promise((r) => setTimeout(r, randomInt(300, 1500)));
        await collect();
        const mode = MODES[k % MODES.length]!;
        if (process.env.CRASH_DEBUG) console.error(new Date().toISOString(), "kill", k, mode, acknowledged.size, issued.size);
        counts[mode] += 1;
        await kill(mode);
        if (mode !== "chain") {
          uploading = false;
          await clients;
          await server.start();
        } else {
          await eventually(
            () =>
              fetch(`${server.base}/readyz`).then(
                (r) => r.ok,
                () => false,
              ),
            60_000,
            "the chain to be back",
          );
          uploading = false;
          await clients;
        }
        if (process.env.CRASH_DEBUG) console.error(new Date().toISOString(), "recovered", k);
        await allStillVerify();
      }
    }
    expect(acknowledged.size).to.be.greaterThan(KILLS);
    expect(server.output).to.not.match(/CHAIN RESET/);

    await eventually(
      async () => {
        await collect();
        return issued.size === acknowledged.size;
      },
      120_000,
      "every acknowledged document to be anchored",
    );
    await allStillVerify();

    const provider = new JsonRpcProvider(chainUrl, undefined, { staticNetwork: true });
    const { registry } = (await (await fetch(`${server.base}/api/v1/registry`)).json()) as { registry: string };
    const events = await new Contract(registry, ["event Anchored(bytes32 indexed root, address indexed issuer, uint32 leafCount)"], provider).queryFilter(
      "Anchored",
      0,
    );
    const roots = events.map((e) => e.topics[1]);
    expect(new Set(roots).size).to.equal(roots.length);
    const signer = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
    expect(await provider.getTransactionCount(signer, "pending")).to.equal(await provider.getTransactionCount(signer, "latest"));
    expect(await readdir(path.join(dataDir, "tmp"))).to.deep.equal([]);
    provider.destroy();
    console.log(
      `      ${KILLS} kills (server ${counts.server}, chain ${counts.chain}, both ${counts.both}), ${acknowledged.size} documents acknowledged, ` +
        `${issued.size} receipts all verifying after every recovery, ${roots.length} batches, 0 lost`,
    );
  });
});
