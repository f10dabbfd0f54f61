import { Contract, type Provider, type Signer, ZeroHash, id } from "ethers";

import type { DirectoryOps } from "../../domain/registry/connectDirectory.js";
import type { ChainProbe } from "../../domain/registry/connectRegistry.js";
import { EthersChainReader } from "./chainReader.js";
import { deployDirectory, deployRegistry } from "./deployRegistry.js";
import { DIRECTORY_ABI } from "./directoryAbi.js";
import { REGISTRY_ABI } from "./registryAbi.js";

/** Startup questions about the chain, answered with ethers. */
export function chainProbe(provider: Provider, signer: Signer): ChainProbe {
  return {
    chainId: async () => Number((await provider.getNetwork()).chainId),
    genesisHash: async () => (await provider.getBlock(0))!.hash!,
    hasCode: async (address) => (await provider.getCode(address)) !== "0x",
    async canIssueAndRevoke(registry, account) {
      const contract = new Contract(registry, REGISTRY_ABI, provider);
      const hasRole = contract.getFunction("hasRole");
      const [issuer, revoker] = await Promise.all([hasRole(id("ISSUER_ROLE"), account), hasRole(id("REVOKER_ROLE"), account)]);
      return Boolean(issuer && revoker);
    },
    deploy: (m) => deployRegistry(signer, m.name, m.ags),
    blockHashOf: async (transactionHash) => (await provider.getTransactionReceipt(transactionHash))?.blockHash ?? null,
  };
}

/** The local trial directory's set-up, sent by the server's signer (one transaction at a time, each awaited). */
export function directoryOps(provider: Provider, signer: Signer): DirectoryOps {
  const reader = new EthersChainReader(provider, 0, "startup");
  const send = async (directory: string, fn: string, ...args: unknown[]) => {
    const tx = await new Contract(directory, DIRECTORY_ABI, signer).getFunction(fn)(...args);
    await tx.wait(1);
  };
  return {
    hasCode: async (address) => (await provider.getCode(address)) !== "0x",
    deployDirectory: async () => (await deployDirectory(signer)).address,
    grantRegistrar: (directory, account, prefix) => send(directory, "grantRegistrar", account, prefix),
    listingOf: (directory, registry) => reader.listingOf(directory, registry),
    isRegistryAdmin: async (registry, account) => Boolean(await new Contract(registry, REGISTRY_ABI, provider).getFunction("hasRole")(ZeroHash, account)),
    propose: (directory, registry, m, domain) => send(directory, "propose", registry, m.ags, m.name, domain),
    accept: (directory, registry) => send(directory, "accept", registry),
  };
}
