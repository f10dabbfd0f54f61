import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { Contract, JsonRpcProvider, id } from "ethers";

import { type NotaryChain, ROOT, projectEnv, run, startNotaryChain } from "../helpers/processes.js";

const OPERATOR = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const ABI = [
  "function municipality() view returns (string name, string ags)",
  "function version() pure returns (string)",
  "function hasRole(bytes32 role, address account) view returns (bool)",
];

describe("deploy-registry (Hardhat Ignition) against the durable local chain", function () {
  this.timeout(180_000);
  let node: NotaryChain;
  let outDir: string;
  let genesisHash: string | undefined;

  before(async function () {
    outDir = await mkdtemp(path.join(tmpdir(), "notary-deploy-"));
    node = await startNotaryChain(path.join(outDir, "chain"));
  });

  after(async function () {
    await node?.stop();
    if (outDir) await rm(outDir, { recursive: true, force: true });
    // Ignition's journal of this throw-away chain.
    if (genesisHash) {
      const journal = path.join(ROOT, "ignition", "deployments", `notary-31337-${genesisHash.slice(2, 10)}-05334002`);
      await rm(journal, { recursive: true, force: true });
    }
  });

  const deploy = (...args: string[]) =>
    run("hardhat", ["deploy-registry", "--network", "localhost", "--out-dir", outDir, ...args], projectEnv({ RPC_URL: node.url }));

  it("deploys the registry, grants the operator both roles and writes deployments/<chainId>.json", async function () {
    const result = await deploy("--name", "Stadt Musterstadt", "--ags", "05334002", "--operator", OPERATOR);
    expect(result.code, result.stderr).to.equal(0);

    const [file] = (await readdir(outDir)).filter((f) => /^31337-[0-9a-f]{8}\.json$/.test(f));
    const record = JSON.parse(await readFile(path.join(outDir, file!), "utf8"));
    expect(file).to.equal(`31337-${record.genesisHash.slice(2, 10)}.json`);
    expect(record).to.include({ chainId: 31337, name: "Stadt Musterstadt", ags: "05334002", operator: OPERATOR, version: "1.0.0" });

    const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    expect(await provider.getCode(record.registry)).to.not.equal("0x");
    const deployTx = await provider.getTransactionReceipt(record.transactionHash);
    expect(deployTx?.contractAddress).to.equal(record.registry);
    expect(deployTx?.blockNumber).to.equal(record.deploymentBlock);
    genesisHash = (await provider.getBlock(0))?.hash ?? undefined;
    expect(genesisHash).to.equal(record.genesisHash);

    const registry = new Contract(record.registry, ABI, provider);
    expect([...(await registry.getFunction("municipality")())]).to.deep.equal(["Stadt Musterstadt", "05334002"]);
    expect(await registry.getFunction("hasRole")(id("ISSUER_ROLE"), OPERATOR)).to.equal(true);
    expect(await registry.getFunction("hasRole")(id("REVOKER_ROLE"), OPERATOR)).to.equal(true);
    expect(await registry.getFunction("hasRole")("0x" + "00".repeat(32), record.admin)).to.equal(true);
    provider.destroy();

    // Ignition's transactions reached the chain through its JSON-RPC: journaled, so they are back after a restart.
    await node.stop();
    node = await startNotaryChain(path.join(outDir, "chain"), node.port);
    const after = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    expect((await after.getTransactionReceipt(record.transactionHash))?.blockHash).to.equal(deployTx?.blockHash);
    expect(await new Contract(record.registry, ABI, after).getFunction("hasRole")(id("ISSUER_ROLE"), OPERATOR)).to.equal(true);
    after.destroy();
  });

  it("refuses a bad AGS and an empty name before sending any transaction", async function () {
    const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    const before = await provider.getBlockNumber();
    const result = await deploy("--name", "", "--ags", "5334002");
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/--name is required/);
    expect(result.stderr).to.match(/--ags must be the 8-digit/);
    expect(await provider.getBlockNumber()).to.equal(before);
    provider.destroy();
  });
});
