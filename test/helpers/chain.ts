import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { BrowserProvider, type Eip1193Provider } from "ethers";

import { deployRegistry } from "../../server/src/adapters/chain/deployRegistry.js";
import { EthersChain } from "../../server/src/adapters/chain/ethersChain.js";
import { SqliteStore } from "../../server/src/adapters/store/sqliteStore.js";

/** A real registry on Hardhat's in-process network, the EthersChain adapter on it, and a fresh SQLite store. */
export async function chainFixture(eip1193: Eip1193Provider) {
  const provider = new BrowserProvider(eip1193, undefined, { cacheTimeout: -1, pollingInterval: 20 });
  const signer = await provider.getSigner(0);
  const deployed = await deployRegistry(signer, "Stadt Musterstadt", "05334002");
  const chain = new EthersChain(provider, signer, deployed.address, Number((await provider.getNetwork()).chainId));
  const dir = await mkdtemp(path.join(tmpdir(), "notary-unit-"));
  const store = new SqliteStore(path.join(dir, "notary.db"));
  return { provider, signer, chain, store, dir, registry: deployed.address };
}

export const fixedClock = (start = 1_700_000_000_000) => {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
};
