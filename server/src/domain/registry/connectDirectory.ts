import type { Listing, Store } from "../ports.js";
import type { Municipality } from "../types.js";

/** What setting up the local trial directory needs from the chain; implemented in adapters/chain/chainProbe.ts. */
export interface DirectoryOps {
  hasCode(address: string): Promise<boolean>;
  /** Deploys a directory with the signer as consortium; returns its address. */
  deployDirectory(): Promise<string>;
  grantRegistrar(directory: string, account: string, agsPrefix: string): Promise<void>;
  listingOf(directory: string, registry: string): Promise<Listing | null>;
  isRegistryAdmin(registry: string, account: string): Promise<boolean>;
  propose(directory: string, registry: string, municipality: Municipality, domain: string): Promise<void>;
  accept(directory: string, registry: string): Promise<void>;
}

export interface LocalDirectoryDeps {
  store: Store;
  ops: DirectoryOps;
  signer: string;
  registry: string;
  municipality: Municipality;
  genesisHash: string;
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
}

/**
 * The embedded default's trust anchor (DESIGN.md "Trust configuration"): a
 * local trial directory on the local chain, deployed once (the service key
 * is its consortium and the registrar of its Land), listing this server's
 * registry. Kept across restarts of the same chain; deployed again on a
 * really new chain.
 */
export async function connectLocalDirectory(deps: LocalDirectoryDeps): Promise<string | null> {
  const { store, ops, log, registry, municipality } = deps;
  const previous = await store.getMeta("directory");
  const sameChain = (await store.getMeta("directoryGenesis")) === deps.genesisHash;
  let directory = previous && sameChain && (await ops.hasCode(previous)) ? previous : null;
  if (!directory) {
    directory = await ops.deployDirectory();
    await ops.grantRegistrar(directory, deps.signer, municipality.ags.slice(0, 2));
    log.info({ directory }, "local trial directory deployed");
  }
  const listing = await ops.listingOf(directory, registry);
  if (!listing || listing.activeFrom === 0) {
    if (!(await ops.isRegistryAdmin(registry, deps.signer))) {
      log.warn({ registry, directory }, "the registry is not listed in the local trial directory: the service key is not the registry's admin, so it cannot accept a listing");
      return directory;
    }
    if (!listing) await ops.propose(directory, registry, municipality, "");
    await ops.accept(directory, registry);
    log.info({ registry, directory, municipality }, "registry listed in the local trial directory");
  }
  await store.setMeta("directory", directory);
  await store.setMeta("directoryGenesis", deps.genesisHash);
  return directory;
}
