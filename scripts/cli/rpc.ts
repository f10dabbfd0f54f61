import { JsonRpcProvider, Network } from "ethers";

import { CliError } from "./output.js";

/** The chain id an endpoint serves (one bounded request, so a dead endpoint fails fast instead of retrying forever). */
async function chainIdAt(url: string): Promise<number> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    throw new CliError(`cannot reach the chain at ${url} (${(e as Error).message}); pass --rpc with a JSON-RPC endpoint of the receipt's chain`);
  }
  const body = (await response.json().catch(() => null)) as { result?: string } | null;
  if (!response.ok || typeof body?.result !== "string") throw new CliError(`${url} is not a JSON-RPC endpoint (HTTP ${response.status})`);
  return Number(BigInt(body.result));
}

/** A JSON-RPC provider for a known chain (no network detection loop). */
export async function openProvider(url: string): Promise<{ provider: JsonRpcProvider; chainId: number }> {
  const chainId = await chainIdAt(url);
  return { provider: new JsonRpcProvider(url, Network.from(chainId), { staticNetwork: true, cacheTimeout: -1 }), chainId };
}
