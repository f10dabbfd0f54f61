/**
 * `npx hardhat deploy-registry --network <net> --name … --ags … [--operator 0x…]`:
 * deploys a municipality's NotaryRegistry with Ignition, grants ISSUER and
 * REVOKER to the operator, and writes `<out-dir>/<chainId>.json`.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import NotaryRegistryModule from "../ignition/modules/NotaryRegistry.js";
import { type DeploymentRecord, deploymentProblems, writeDeployment } from "./deployment.js";

interface DeployArgs {
  name: string;
  ags: string;
  operator: string;
  outDir: string;
}

export default async function deployRegistry(args: DeployArgs, hre: HardhatRuntimeEnvironment): Promise<void> {
  const problems = deploymentProblems(args);
  if (problems.length > 0) {
    console.error(problems.map((p) => `error: ${p}`).join("\n"));
    process.exitCode = 2;
    return;
  }
  await hre.tasks.getTask("build").run({ quiet: true });
  const { ethers, ignition } = await hre.network.create();
  const [deployer] = await ethers.getSigners();
  const operator = args.operator === "" ? deployer!.address : ethers.getAddress(args.operator);
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  const genesisHash = (await ethers.provider.getBlock(0))!.hash!;

  // A Hardhat node forgets its chain on restart; the genesis hash tells chains
  // apart, so a fresh node never resumes a journal of a chain that is gone.
  const deploymentId = `notary-${chainId}-${genesisHash.slice(2, 10)}-${args.ags}`;
  const deployed = await ignition.deploy(NotaryRegistryModule, {
    parameters: { NotaryRegistry: { name: args.name, ags: args.ags, operator } },
    deploymentId,
  });
  const registry = await ethers.getContractAt("NotaryRegistry", await deployed.registry.getAddress());

  const address = await registry.getAddress();
  const latest = await ethers.provider.getBlockNumber();
  const [created] = await registry.queryFilter(registry.filters.RoleGranted(ethers.ZeroHash), Math.max(0, latest - 1000));
  const record: DeploymentRecord = {
    chainId,
    genesisHash,
    registry: address,
    deploymentBlock: created?.blockNumber ?? latest,
    transactionHash: created?.transactionHash ?? "",
    name: args.name,
    ags: args.ags,
    admin: deployer!.address,
    operator,
    version: await registry.version(),
    deployedAt: new Date().toISOString(),
  };
  const file = await writeDeployment(args.outDir, record);
  console.log(`NotaryRegistry for ${record.name} (${record.ags}) at ${address} on chain ${chainId}`);
  console.log(`ISSUER_ROLE and REVOKER_ROLE granted to ${operator}; admin ${record.admin}`);
  console.log(`Deployment written to ${file}`);
}
