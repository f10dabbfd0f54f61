import { Contract, Wallet, getAddress, isAddress } from "ethers";
import type { Command } from "commander";

import { deployRegistry } from "../../server/src/adapters/chain/deployRegistry.js";
import { DIRECTORY_ABI } from "../../server/src/adapters/chain/directoryAbi.js";
import { REGISTRY_ABI } from "../../server/src/adapters/chain/registryAbi.js";
import { EMBEDDED_DEV_KEY } from "../../server/src/config.js";
import { type DeploymentRecord, deploymentProblems, writeDeployment } from "../deployment.js";
import { openProvider } from "./rpc.js";
import { CliError, optionOrEnv, printer } from "./output.js";

/** Hardhat's local chain id: the only chain where a missing key falls back to the public dev account. */
const HARDHAT_CHAIN_ID = 31337;

interface DeployOptions {
  name: string;
  ags: string;
  operator?: string;
  rpc?: string;
  key?: string;
  outDir: string;
  directory?: string;
}

/**
 * Lists a new registry in a directory: proposed and accepted at once when the
 * deploying account is a registrar for the AGS (it is the registry's admin);
 * otherwise the commands for the Land's registrar and the admin are printed.
 */
async function listIn(directoryAddress: string, signer: Wallet, r: DeploymentRecord) {
  if (!isAddress(directoryAddress)) throw new CliError("--directory must be an address 0x…");
  const directory = new Contract(getAddress(directoryAddress), DIRECTORY_ABI, signer);
  const registrar = Boolean(await directory.getFunction("isRegistrarFor")(signer.address, r.ags));
  if (!registrar) {
    return {
      directory: directory.target as string,
      active: false,
      text: [
        `Not listed yet: ${signer.address} is not a registrar for AGS ${r.ags}. Ask your Land's registrar to run`,
        `  npx notary directory propose --directory ${directory.target} --registry ${r.registry} --ags ${r.ags} --name "${r.name}"`,
        `then accept it with this registry's admin key: npx notary directory accept --directory ${directory.target} --registry ${r.registry}`,
      ].join("\n"),
    };
  }
  await (await directory.getFunction("propose")(r.registry, r.ags, r.name, "")).wait(1);
  const accepted = await (await directory.getFunction("accept")(r.registry)).wait(1);
  return { directory: directory.target as string, active: true, activeFrom: accepted.blockNumber as number, text: `Listed in the directory ${directory.target}, active from block ${accepted.blockNumber}` };
}

/** `notary deploy`: a municipality's registry on any EVM chain, the same code the server deploys with. */
export function deployCommand(program: Command): void {
  program
    .command("deploy")
    .description("deploy a municipality's registry (admin: the deploying key; ISSUER and REVOKER: --operator) and write <out-dir>/<chainId>.json")
    .requiredOption("--name <name>", 'the municipality\'s name, e.g. "Stadt Musterstadt"')
    .requiredOption("--ags <ags>", "its 8-digit Amtlicher Gemeindeschlüssel")
    .option("--operator <address>", "the server's service account (SIGNER_KEY's address); default: the deploying account")
    .option("--rpc <url>", "JSON-RPC endpoint (default: $RPC_URL or http://127.0.0.1:8545)")
    .option("--key <hex>", "the deploying (admin) account's private key; prefer $DEPLOYER_KEY (a local Hardhat node uses its dev account when unset)")
    .option("--out-dir <dir>", "where to write the deployment record", "deployments")
    .option("--directory <address>", "the federation's directory: if the deploying account is a registrar for the AGS the registry is proposed and accepted at once, else the next steps are printed")
    .action(async (opts: DeployOptions) => {
      const problems = deploymentProblems({ name: opts.name, ags: opts.ags, operator: opts.operator ?? "" });
      if (problems.length > 0) throw new CliError(problems.join("; "));
      const rpc = optionOrEnv(opts.rpc, "RPC_URL", "http://127.0.0.1:8545")!;
      const { provider, chainId } = await openProvider(rpc);
      try {
        let key = optionOrEnv(opts.key, "DEPLOYER_KEY");
        if (!key && chainId !== HARDHAT_CHAIN_ID) throw new CliError(`chain ${chainId} is not a local Hardhat node: set DEPLOYER_KEY (or --key) to the admin account's private key`);
        key ??= EMBEDDED_DEV_KEY;
        if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new CliError("the deploying key must be 0x and 64 hex digits");
        const signer = new Wallet(key, provider);
        const operator = opts.operator ? getAddress(opts.operator) : signer.address;
        const deployed = await deployRegistry(signer, opts.name, opts.ags, operator);
        const registry = new Contract(deployed.address, REGISTRY_ABI, provider);
        const record: DeploymentRecord = {
          chainId,
          genesisHash: (await provider.getBlock(0))!.hash!,
          registry: deployed.address,
          deploymentBlock: deployed.blockNumber,
          transactionHash: deployed.transactionHash,
          name: opts.name,
          ags: opts.ags,
          admin: signer.address,
          operator,
          version: await registry.getFunction("version")(),
          deployedAt: new Date().toISOString(),
        };
        const listing = opts.directory ? await listIn(opts.directory, signer, record) : null;
        const file = await writeDeployment(opts.outDir, { ...record, ...(listing ? { directory: listing.directory } : {}) });
        printer(program.opts().json)(
          { ...record, file, ...(listing ? { listing } : {}) },
          [
            `NotaryRegistry for ${record.name} (${record.ags}) at ${record.registry} on chain ${chainId}`,
            `ISSUER_ROLE and REVOKER_ROLE granted to ${operator}; admin ${record.admin}`,
            ...(listing ? [listing.text] : []),
            `Deployment written to ${file}`,
            `Run the server with: RPC_URL=${rpc} REGISTRY_ADDRESS=${record.registry} SIGNER_KEY=<the operator's key> npm start`,
          ].join("\n"),
        );
      } finally {
        provider.destroy();
      }
    });
}
