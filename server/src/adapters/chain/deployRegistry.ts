import { readFile } from "node:fs/promises";
import path from "node:path";

import { ContractFactory, type Signer, id } from "ethers";

import { PROJECT_ROOT } from "../../projectRoot.js";

const artifactPath = (name: string) => path.join(PROJECT_ROOT, "artifacts", "contracts", `${name}.sol`, `${name}.json`);

/** A compiled contract of this project (`npm run build` writes artifacts/). */
export async function loadArtifact(name: "NotaryRegistry" | "MunicipalDirectory"): Promise<{ abi: object[]; bytecode: string }> {
  try {
    return JSON.parse(await readFile(artifactPath(name), "utf8"));
  } catch (e) {
    throw new Error(`The ${name} contract is not compiled (${artifactPath(name)} missing); run "npm run build" first`, { cause: e });
  }
}

export interface DeployedRegistry {
  address: string;
  blockNumber: number;
  transactionHash: string;
}

/**
 * Deploys a NotaryRegistry with the signer as admin, and grants the operator
 * (by default the signer itself: the server's service key) ISSUER and
 * REVOKER. Needs the compiled artifact (`npm run build`, which `npm start`
 * runs first).
 */
export async function deployRegistry(signer: Signer, name: string, ags: string, operator?: string): Promise<DeployedRegistry> {
  const artifact = await loadArtifact("NotaryRegistry");
  const self = await signer.getAddress();
  const factory = new ContractFactory(artifact.abi, artifact.bytecode, signer);
  const contract = await factory.deploy(self, name, ags);
  const receipt = await contract.deploymentTransaction()!.wait(1);
  await (await contract.getFunction("grantRole")(id("ISSUER_ROLE"), operator ?? self)).wait(1);
  await (await contract.getFunction("grantRole")(id("REVOKER_ROLE"), operator ?? self)).wait(1);
  return { address: await contract.getAddress(), blockNumber: receipt!.blockNumber, transactionHash: receipt!.hash };
}

/** Deploys a MunicipalDirectory whose consortium (DEFAULT_ADMIN_ROLE) is `consortium` (default: the signer). */
export async function deployDirectory(signer: Signer, consortium?: string): Promise<DeployedRegistry> {
  const artifact = await loadArtifact("MunicipalDirectory");
  const factory = new ContractFactory(artifact.abi, artifact.bytecode, signer);
  const contract = await factory.deploy(consortium ?? (await signer.getAddress()));
  const receipt = await contract.deploymentTransaction()!.wait(1);
  return { address: await contract.getAddress(), blockNumber: receipt!.blockNumber, transactionHash: receipt!.hash };
}
