import { readFile } from "node:fs/promises";

import { JsonRpcProvider, Network } from "ethers";
import { z } from "zod";

import type { ChainReader, Clock } from "../../domain/ports.js";
import type { TrustedDirectory } from "../../domain/verification/identity.js";
import { NotaryError } from "../../errors.js";
import { CachingChainReader, EthersChainReader } from "./chainReader.js";

const trustSchema = z
  .array(
    z.strictObject({
      name: z.string().min(1).max(200),
      chainId: z.number().int().positive(),
      genesisHash: z.string().regex(/^0x[0-9a-fA-F]{64}$/, "0x and 64 hex digits"),
      rpcUrls: z.array(z.url()).min(1).max(8),
      directory: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "an address 0x…"),
    }),
  )
  .max(64);

/** Reads and checks a trust configuration (DESIGN.md "Trust configuration"); CONFIG_INVALID names every problem. */
export async function loadTrustFile(file: string): Promise<TrustedDirectory[]> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw new NotaryError("CONFIG_INVALID", `TRUST_FILE ${file} cannot be read as JSON: ${(e as Error).message}`, { file });
  }
  const parsed = trustSchema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(file)"}: ${i.message}`);
    throw new NotaryError("CONFIG_INVALID", `TRUST_FILE ${file} is not a trust configuration:\n  ${problems.join("\n  ")}`, { file, problems });
  }
  return parsed.data;
}

/**
 * The chains this verifier can read: its own, and every chain of its trust
 * configuration (read through the configured RPC URLs, the first that
 * answers). Picks the one a receipt names; null for a chain it does not know.
 */
export class TrustedChains {
  private readonly others = new Map<string, ChainReader>();

  constructor(
    private readonly own: { reader: ChainReader; genesisHash: string },
    readonly trust: TrustedDirectory[],
    private readonly clock: Clock,
  ) {}

  private readerOf(d: TrustedDirectory): ChainReader {
    const key = `${d.chainId}:${d.genesisHash.toLowerCase()}`;
    let reader = this.others.get(key);
    if (!reader) {
      const url = d.rpcUrls[0]!;
      const provider = new JsonRpcProvider(url, Network.from(d.chainId), { staticNetwork: true, batchMaxCount: 1 });
      reader = new CachingChainReader(new EthersChainReader(provider, d.chainId, url), this.clock);
      this.others.set(key, reader);
    }
    return reader;
  }

  /** The reader of the chain a receipt names (a v1 receipt names no genesis: the chain id decides). */
  readerFor(chain: { chainId: number; genesisHash: string | null }): ChainReader | null {
    const sameGenesis = (g: string) => chain.genesisHash === null || g.toLowerCase() === chain.genesisHash.toLowerCase();
    if (chain.chainId === this.own.reader.chainId && sameGenesis(this.own.genesisHash)) return this.own.reader;
    const entry = this.trust.find((d) => d.chainId === chain.chainId && sameGenesis(d.genesisHash));
    return entry ? this.readerOf(entry) : null;
  }
}
