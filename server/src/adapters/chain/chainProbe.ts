import { Contract, type Provider, type Signer, id } from "ethers";

import type { ChainProbe } from "../../domain/registry/connectRegistry.js";
import { deployRegistry } from "./deployRegistry.js";
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
  };
}
