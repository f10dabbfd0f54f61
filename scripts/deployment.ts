/** What the two ways to deploy a registry share: `npx notary deploy` (any RPC) and `npx hardhat deploy-registry` (a Hardhat network). */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

import { isAddress } from "ethers";

/** The record a partner municipality keeps (and the server reads) of its registry. */
export interface DeploymentRecord {
  chainId: number;
  genesisHash: string;
  registry: string;
  deploymentBlock: number;
  transactionHash: string;
  name: string;
  ags: string;
  admin: string;
  operator: string;
  version: string;
  deployedAt: string;
  /** The directory it was listed in (`notary deploy --directory`). */
  directory?: string;
}

/** What is wrong with the arguments, one sentence each (empty when fine). */
export function deploymentProblems({ name, ags, operator }: { name: string; ags: string; operator: string }): string[] {
  const problems: string[] = [];
  if (name.trim() === "") problems.push("--name is required: the municipality's name, e.g. \"Stadt Musterstadt\"");
  if (!/^[0-9]{8}$/.test(ags)) problems.push(`--ags must be the 8-digit Amtlicher Gemeindeschlüssel, e.g. 05334002 (got "${ags}")`);
  if (operator !== "" && !isAddress(operator)) problems.push(`--operator must be an address 0x… (got "${operator}")`);
  return problems;
}

/**
 * The record's file name: chain id and the start of the genesis hash, so two
 * chains with one id (every local chain is 31337) never overwrite each other.
 */
export const deploymentFile = (r: Pick<DeploymentRecord, "chainId" | "genesisHash">) => `${r.chainId}-${r.genesisHash.slice(2, 10)}.json`;

/** Writes `<outDir>/<chainId>-<genesis>.json` and returns its path. */
export async function writeDeployment(outDir: string, record: DeploymentRecord): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const file = path.join(outDir, deploymentFile(record));
  await writeFile(file, JSON.stringify(record, null, 2) + "\n");
  return file;
}
