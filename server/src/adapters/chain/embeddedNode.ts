import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { openSync } from "node:fs";
import path from "node:path";

import { PROJECT_ROOT } from "../../projectRoot.js";

const ROOT = PROJECT_ROOT;

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(1000),
    });
    return res.ok;
  } catch {
    return false;
  }
}

export interface EmbeddedNode {
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts `hardhat node` on 127.0.0.1:`port` as a child process, its log in
 * `<dataDir>/chain.log`, and waits until it answers JSON-RPC. A Hardhat node
 * keeps nothing: every start is a new chain (the server notices and re-anchors).
 */
export async function startEmbeddedNode(dataDir: string, port: number, timeoutMs = 60_000): Promise<EmbeddedNode> {
  const url = `http://127.0.0.1:${port}`;
  if (await answers(url)) {
    throw new Error(
      `Something already answers JSON-RPC on ${url}. Stop it, set CHAIN_PORT to a free port, or use it with RPC_URL=${url} and SIGNER_KEY.`,
    );
  }
  const log = openSync(path.join(dataDir, "chain.log"), "a");
  const child: ChildProcess = spawn(
    path.join(ROOT, "node_modules", ".bin", "hardhat"),
    ["node", "--hostname", "127.0.0.1", "--port", String(port)],
    {
      cwd: ROOT,
      stdio: ["ignore", log, log],
      env: { ...process.env, PATH: `${path.join(ROOT, "node_modules", ".bin")}${path.delimiter}${process.env.PATH ?? ""}` },
    },
  );
  const deadline = Date.now() + timeoutMs;
  while (!(await answers(url))) {
    if (child.exitCode !== null) throw new Error(`The embedded Hardhat node exited (code ${child.exitCode}); see ${path.join(dataDir, "chain.log")}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`The embedded Hardhat node did not answer on ${url} within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      await Promise.race([once(child, "exit"), new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}
