import { writeFile } from "node:fs/promises";

import type { Command } from "commander";
import { Contract, type JsonRpcProvider, Wallet, getAddress, isAddress, isError } from "ethers";

import { deployDirectory } from "../../server/src/adapters/chain/deployRegistry.js";
import { DIRECTORY_ABI } from "../../server/src/adapters/chain/directoryAbi.js";
import { EMBEDDED_DEV_KEY } from "../../server/src/config.js";
import { CliError, optionOrEnv, printer } from "./output.js";
import { openProvider } from "./rpc.js";

/** Hardhat's local chain id: the only chain where a missing key falls back to the public dev account. */
const HARDHAT_CHAIN_ID = 31337;

interface ChainOptions {
  rpc?: string;
  key?: string;
  directory?: string;
}

/** A signer for the chain at --rpc: --key or $NOTARY_ADMIN_KEY; on a local Hardhat chain the dev account when unset. */
async function connect(opts: ChainOptions): Promise<{ provider: JsonRpcProvider; signer: Wallet; chainId: number; rpc: string }> {
  const rpc = optionOrEnv(opts.rpc, "RPC_URL", "http://127.0.0.1:8545")!;
  const { provider, chainId } = await openProvider(rpc);
  let key = optionOrEnv(opts.key, "NOTARY_ADMIN_KEY");
  if (!key && chainId !== HARDHAT_CHAIN_ID) {
    provider.destroy();
    throw new CliError(`chain ${chainId} is not a local Hardhat chain: set NOTARY_ADMIN_KEY (or --key) to the acting account's private key`);
  }
  key ??= EMBEDDED_DEV_KEY;
  if (!/^0x[0-9a-fA-F]{64}$/.test(key)) throw new CliError("the key must be 0x and 64 hex digits");
  return { provider, signer: new Wallet(key, provider), chainId, rpc };
}

const address = (value: string | undefined, option: string): string => {
  if (!value || !isAddress(value)) throw new CliError(`${option} must be an address 0x… (40 hex digits)`);
  return getAddress(value);
};

/** Sends one directory transaction and waits for it; a revert becomes one line naming the contract's error and its values. */
async function send(directory: Contract, fn: string, ...args: unknown[]): Promise<{ transactionHash: string; blockNumber: number }> {
  try {
    const tx = await directory.getFunction(fn)(...args);
    const mined = await tx.wait(1);
    return { transactionHash: mined.hash, blockNumber: mined.blockNumber };
  } catch (e) {
    if (isError(e, "CALL_EXCEPTION")) {
      const parsed = e.revert ?? (e.data ? directory.interface.parseError(e.data) : null);
      if (parsed) throw new CliError(`the directory refused ${fn}: ${parsed.name}(${[...parsed.args].map(String).join(", ")})`);
    }
    throw e;
  }
}

/** Runs a directory action against --directory with the acting key, and prints its result. */
async function act(program: Command, opts: ChainOptions, run: (directory: Contract, c: Awaited<ReturnType<typeof connect>>) => Promise<{ json: object; text: string }>) {
  const dir = address(opts.directory, "--directory");
  const c = await connect(opts);
  try {
    const { json, text } = await run(new Contract(dir, DIRECTORY_ABI, c.signer), c);
    printer(Boolean(program.opts().json))({ directory: dir, chainId: c.chainId, ...json }, text);
  } finally {
    c.provider.destroy();
  }
}

const withChain = (cmd: Command) =>
  cmd
    .option("--rpc <url>", "JSON-RPC endpoint (default: $RPC_URL or http://127.0.0.1:8545)")
    .option("--key <hex>", "the acting account's private key; prefer $NOTARY_ADMIN_KEY (a local Hardhat chain uses its dev account when unset)");

/**
 * `notary directory …`: a federation's MunicipalDirectory (DESIGN.md
 * "Municipal directory"): deploy it, grant registrars, propose and accept
 * listings, retire (rotation) and revoke (compromise), list, and print the
 * trust configuration verifiers need.
 */
export function directoryCommand(program: Command): void {
  const directory = program.command("directory").description("a federation's directory of which registry speaks for which municipality (AGS)");

  withChain(directory.command("deploy").description("deploy a directory; the acting account (or --consortium) becomes its consortium admin"))
    .option("--consortium <address>", "the consortium's account (a multisig in production); default: the acting account")
    .action(async (opts: ChainOptions & { consortium?: string }) => {
      const c = await connect(opts);
      try {
        const consortium = opts.consortium ? address(opts.consortium, "--consortium") : c.signer.address;
        const deployed = await deployDirectory(c.signer, consortium);
        const genesisHash = (await c.provider.getBlock(0))!.hash!;
        printer(Boolean(program.opts().json))(
          { directory: deployed.address, chainId: c.chainId, genesisHash, consortium, transactionHash: deployed.transactionHash, blockNumber: deployed.blockNumber },
          [
            `MunicipalDirectory at ${deployed.address} on chain ${c.chainId} (genesis ${genesisHash}); consortium ${consortium}`,
            `Next: grant a registrar for each Land: npx notary directory grant-registrar --directory ${deployed.address} --registrar 0x… --prefix 05 --rpc ${c.rpc}`,
          ].join("\n"),
        );
      } finally {
        c.provider.destroy();
      }
    });

  withChain(directory.command("grant-registrar").description("let an account list registries for the AGS starting with --prefix (the consortium only)"))
    .requiredOption("--directory <address>", "the directory")
    .requiredOption("--registrar <address>", "the registrar's account")
    .requiredOption("--prefix <digits>", 'the AGS prefix, e.g. "05" for Nordrhein-Westfalen')
    .action((opts: ChainOptions & { registrar: string; prefix: string }) =>
      act(program, opts, async (d) => {
        const registrar = address(opts.registrar, "--registrar");
        if (!/^[0-9]{1,8}$/.test(opts.prefix)) throw new CliError("--prefix must be 1 to 8 digits");
        const tx = await send(d, "grantRegistrar", registrar, opts.prefix);
        return { json: { registrar, prefix: opts.prefix, ...tx }, text: `${registrar} may now propose listings for AGS ${opts.prefix}…` };
      }),
    );

  withChain(directory.command("propose").description("propose a registry as the voice of a municipality (a registrar for its AGS); inactive until the registry's admin accepts"))
    .requiredOption("--directory <address>", "the directory")
    .requiredOption("--registry <address>", "the municipality's registry")
    .requiredOption("--ags <ags>", "its 8-digit Amtlicher Gemeindeschlüssel")
    .requiredOption("--name <name>", "its official name")
    .option("--domain <domain>", "its web domain, e.g. musterstadt.de", "")
    .action((opts: ChainOptions & { registry: string; ags: string; name: string; domain: string }) =>
      act(program, opts, async (d) => {
        const registry = address(opts.registry, "--registry");
        if (!/^[0-9]{8}$/.test(opts.ags)) throw new CliError("--ags must be the 8-digit Amtlicher Gemeindeschlüssel");
        const tx = await send(d, "propose", registry, opts.ags, opts.name, opts.domain);
        return {
          json: { registry, ags: opts.ags, name: opts.name, domain: opts.domain, ...tx },
          text: `Proposed ${registry} for ${opts.name} (${opts.ags}). The registry's admin accepts with: npx notary directory accept --directory ${await d.getAddress()} --registry ${registry}`,
        };
      }),
    );

  withChain(directory.command("accept").description("accept your registry's pending listing (the registry's admin): its anchors count from this block on"))
    .requiredOption("--directory <address>", "the directory")
    .requiredOption("--registry <address>", "your registry")
    .action((opts: ChainOptions & { registry: string }) =>
      act(program, opts, async (d) => {
        const registry = address(opts.registry, "--registry");
        const tx = await send(d, "accept", registry);
        return { json: { registry, activeFrom: tx.blockNumber, ...tx }, text: `${registry} is listed and active from block ${tx.blockNumber}` };
      }),
    );

  for (const [name, fn, what, when] of [
    ["retire", "retire", "retire a listing after a rotation: anchors from --from-block on no longer count", "the first block whose anchors no longer count (default: the next block)"],
    ["revoke", "revoke", "revoke a listing after a compromise: anchors from --from-block on are rejected (a registrar or the consortium)", "the first block whose anchors are rejected (may lie in the past; default: the next block)"],
  ] as const) {
    withChain(directory.command(name).description(what))
      .requiredOption("--directory <address>", "the directory")
      .requiredOption("--registry <address>", "the registry")
      .option("--from-block <n>", when)
      .action((opts: ChainOptions & { registry: string; fromBlock?: string }) =>
        act(program, opts, async (d, c) => {
          const registry = address(opts.registry, "--registry");
          const from = opts.fromBlock === undefined ? (await c.provider.getBlockNumber()) + 1 : Number(opts.fromBlock);
          if (!Number.isSafeInteger(from) || from < 1) throw new CliError("--from-block must be a block number ≥ 1");
          const tx = await send(d, fn, registry, from);
          return { json: { registry, fromBlock: from, ...tx }, text: `${registry}: ${name === "retire" ? "retired" : "revoked"} from block ${from}` };
        }),
      );
  }

  withChain(directory.command("list").description("every listing of the directory (or of one AGS), with its windows"))
    .requiredOption("--directory <address>", "the directory")
    .option("--ags <ags>", "only this municipality")
    .action((opts: ChainOptions & { ags?: string }) =>
      act(program, opts, async (d) => {
        const proposed = await d.queryFilter(d.filters.ListingProposed!(), 0);
        const registries = [...new Set(proposed.map((e) => getAddress(e.topics[1]!.slice(26))))];
        const rows: { registry: string; ags: string; name: string; domain: string; activeFrom: number; activeUntil: number; revokedFrom: number }[] = [];
        for (const registry of registries) {
          const l = await d.getFunction("listingOf")(registry);
          if (opts.ags && l.ags !== opts.ags) continue;
          rows.push({ registry, ags: l.ags, name: l.name, domain: l.domain, activeFrom: Number(l.activeFrom), activeUntil: Number(l.activeUntil), revokedFrom: Number(l.revokedFrom) });
        }
        const state = (r: (typeof rows)[number]) =>
          r.revokedFrom ? `revoked from block ${r.revokedFrom}` : r.activeUntil ? `retired from block ${r.activeUntil}` : r.activeFrom ? `active from block ${r.activeFrom}` : "proposed, not accepted";
        return { json: { listings: rows }, text: rows.length === 0 ? "No listings." : rows.map((r) => `${r.ags}  ${r.name}  ${r.registry}  ${state(r)}`).join("\n") };
      }),
    );

  directory
    .command("trust")
    .description("print (or write) the trust configuration entry for this directory, for TRUST_FILE and `verify --trust`")
    .requiredOption("--directory <address>", "the directory")
    .requiredOption("--name <name>", 'what verifiers call it, e.g. "NRW"')
    .option("--rpc <url>", "the JSON-RPC endpoint verifiers read the chain through (default: $RPC_URL or http://127.0.0.1:8545)")
    .option("--out <file>", "write the trust configuration (a JSON list with this one entry) to this file")
    .action(async (opts: { directory: string; name: string; rpc?: string; out?: string }) => {
      const dir = address(opts.directory, "--directory");
      const rpc = optionOrEnv(opts.rpc, "RPC_URL", "http://127.0.0.1:8545")!;
      const { provider, chainId } = await openProvider(rpc);
      try {
        if ((await provider.getCode(dir)) === "0x") throw new CliError(`there is no contract at ${dir} on chain ${chainId}`);
        const entry = { name: opts.name, chainId, genesisHash: (await provider.getBlock(0))!.hash!, rpcUrls: [rpc], directory: dir };
        if (opts.out) await writeFile(opts.out, JSON.stringify([entry], null, 2) + "\n");
        printer(Boolean(program.opts().json))(opts.out ? { ...entry, file: opts.out } : [entry], opts.out ? `Trust configuration written to ${opts.out}` : JSON.stringify([entry], null, 2));
      } finally {
        provider.destroy();
      }
    });
}
