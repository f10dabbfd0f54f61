import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { type HardhatNode, ROOT, freePort, projectEnv, run, startHardhatNode } from "../helpers/processes.js";
import { ServerProcess } from "../helpers/serverProcess.js";
import { eventually } from "../helpers/server.js";

/** Hardhat dev account #1: the municipality's service key on the test chain. */
const OPERATOR = { address: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", key: "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d" };

/**
 * The path README "Production install" gives a municipal IT admin: build once
 * (`npm run bundle`), then on the server only `npm ci --omit=dev` and
 * `npm run serve` against a persistent chain (RPC_URL, SIGNER_KEY,
 * REGISTRY_ADDRESS). Nothing of Hardhat, TypeScript or tsx is installed there.
 */
describe("production install without dev dependencies", function () {
  this.timeout(300_000);
  let dir: string;
  let app: string;
  let node: HardhatNode;
  let server: ServerProcess | undefined;

  /** A command in the installed folder, with only that folder's binaries (the pinned Node among them) on PATH. */
  const installed = (cmd: string, args: string[], extra: Record<string, string> = {}) =>
    run(cmd, args, { ...process.env, PATH: `${path.join(app, "node_modules", ".bin")}${path.delimiter}${process.env.PATH}`, ...extra }, 180_000, app);

  before(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "notary-prod-"));
    const bundled = await run(path.join(ROOT, "node_modules", ".bin", "tsx"), ["scripts/bundle.ts", dir], projectEnv());
    expect(bundled.code, bundled.stderr).to.equal(0);
    const [tgz] = (await readdir(dir)).filter((f) => f.endsWith(".tgz"));
    const extracted = await run("tar", ["-xzf", path.join(dir, tgz!), "-C", dir]);
    expect(extracted.code, extracted.stderr).to.equal(0);
    app = path.join(dir, tgz!.replace(/\.tgz$/, ""));
    node = await startHardhatNode();
  });

  after(async function () {
    await server?.kill();
    await node?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("npm ci --omit=dev installs the runtime only: no Hardhat, TypeScript, tsx or test tools", async function () {
    const { code, stderr } = await installed("npm", ["ci", "--omit=dev", "--no-audit", "--no-fund"]);
    expect(code, stderr).to.equal(0);
    for (const devOnly of ["hardhat", "typescript", "tsx", "mocha", "playwright-core", "@sparticuz/chromium", "solc"]) {
      expect(existsSync(path.join(app, "node_modules", devOnly)), devOnly).to.equal(false);
    }
    expect(existsSync(path.join(app, "node_modules", ".bin", "node")), "the pinned Node").to.equal(true);
  });

  it("deploys a registry, adds a clerk, serves, anchors and verifies with the installed files alone", async function () {
    const notary = (args: string[]) => installed("node", ["bin/notary.js", ...args]);
    // The federation's directory (here the same local chain), the registry listed in it, and the trust configuration.
    const dirDeployed = await notary(["--json", "directory", "deploy", "--rpc", node.url]);
    expect(dirDeployed.code, dirDeployed.stderr).to.equal(0);
    const { directory } = JSON.parse(dirDeployed.stdout) as { directory: string };
    expect((await notary(["directory", "grant-registrar", "--directory", directory, "--registrar", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "--prefix", "05", "--rpc", node.url])).code).to.equal(0);
    const deployed = await notary(["--json", "deploy", "--rpc", node.url, "--name", "Gemeinde Beispiel", "--ags", "05334036", "--operator", OPERATOR.address, "--out-dir", path.join(dir, "deployments"), "--directory", directory]);
    expect(deployed.code, deployed.stderr).to.equal(0);
    const { registry } = JSON.parse(deployed.stdout) as { registry: string };
    const trustFile = path.join(dir, "trust.json");
    expect((await notary(["directory", "trust", "--directory", directory, "--name", "NRW", "--rpc", node.url, "--out", trustFile])).code).to.equal(0);

    const dataDir = path.join(dir, "data");
    const clerk = await notary(["--json", "--data-dir", dataDir, "clerk", "add", "Anna Schmidt"]);
    expect(clerk.code, clerk.stderr).to.equal(0);
    const { key } = JSON.parse(clerk.stdout) as { key: string };

    const port = await freePort();
    server = new ServerProcess(
      { DATA_DIR: dataDir, PORT: String(port), RPC_URL: node.url, REGISTRY_ADDRESS: registry, SIGNER_KEY: OPERATOR.key, BATCH_INTERVAL_MS: "300", LOG_LEVEL: "warn", TRUST_FILE: trustFile, DIRECTORY_ADDRESS: directory },
      `http://127.0.0.1:${port}`,
      { cwd: app, command: ["npm", "run", "serve"], path: path.join(app, "node_modules", ".bin") },
    );
    await server.start();

    const content = `Erlaubnis ${randomBytes(8).toString("hex")}`;
    const sha256 = createHash("sha256").update(content).digest("hex");
    const form = new FormData();
    form.append("file", new Blob([content]), "permit.pdf");
    const upload = await fetch(`${server.base}/api/v1/documents`, { method: "POST", headers: { authorization: `Bearer ${key}` }, body: form });
    expect(upload.status).to.equal(202);
    const receipt = await eventually(async () => {
      const res = await fetch(`${server!.base}/api/v1/receipts/${sha256}`);
      return res.status === 200 ? res.text() : null;
    }, 30_000, "the receipt");

    const file = path.join(dir, "permit.pdf");
    await writeFile(file, content);
    await writeFile(path.join(dir, "permit.receipt.json"), receipt);
    const verified = await notary(["verify", file, "--receipt", path.join(dir, "permit.receipt.json"), "--trust", trustFile]);
    expect(verified.code, verified.stdout + verified.stderr).to.equal(0);
    expect(verified.stdout).to.match(/^anchored/);
  });
});
