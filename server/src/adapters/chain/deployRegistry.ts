import { readFile } from "node:fs/promises";
import path from "node:path";

import { ContractFactory, type Signer, id } from "ethers";

import { PROJECT_ROOT } from "../../projectRoot.js";

const ARTIFACT = path.join(PROJECT_ROOT, "artifacts", "contracts", "NotaryRegistry.sol", "NotaryRegistry.json");

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
  let artifact: { abi: object[]; bytecode: string };
  try {
    artifact = JSON.parse(await readFile(ARTIFACT, "utf8"));
  } catch (e) {
    throw new Error(`The registry contract is not compiled (${ARTIFACT} missing); run "npm run build" first`, { cause: e });
  }
  const self = await signer.getAddress();
  const factory = new ContractFactory(artifact.abi, artifact.bytecode, signer);
  const contract = await factory.deploy(self, name, ags);
  const receipt = await contract.deploymentTransaction()!.wait(1);
  await (await contract.getFunction("grantRole")(id("ISSUER_ROLE"), operator ?? self)).wait(1);
  await (await contract.getFunction("grantRole")(id("REVOKER_ROLE"), operator ?? self)).wait(1);
  return { address: await contract.getAddress(), blockNumber: receipt!.blockNumber, transactionHash: receipt!.hash };
}
