import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import path from "node:path";

import { track } from "./teardown.js";

export const ROOT = path.resolve(import.meta.dirname, "../..");
const BIN = path.join(ROOT, "node_modules", ".bin");

/** The project's binaries first on PATH, so their `#!/usr/bin/env node` is the pinned Node 22. */
export const projectEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${BIN}${path.delimiter}${process.env.PATH ?? ""}`,
  ...extra,
});

/** Sends a signal to every process of a process group; a group that is already gone is fine. */
export async function killGroup(pgid: number, signal: NodeJS.Signals): Promise<void> {
  try {
    process.kill(-pgid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e;
  }
}

/** Waits until no process of the group is left (a SIGKILLed group dies within milliseconds). */
export async function untilGroupGone(pgid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) throw new Error(`process group ${pgid} still running after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

/** Runs a command to completion (in the project folder unless told) and returns its exit code and output. */
export async function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = projectEnv(), timeoutMs = 120_000, cwd = ROOT) {
  // Its own process group, so that a timeout or the teardown also ends what it started (npx, npm and their children).
  const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  const group = child.pid!;
  const untrack = track(`${path.basename(cmd)} ${args.slice(0, 2).join(" ")}`, () => killGroup(group, "SIGKILL"));
  const timer = setTimeout(() => void killGroup(group, "SIGKILL"), timeoutMs);
  child.once("exit", () => {
    clearTimeout(timer);
    untrack();
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

async function rpc(url: string, method: string): Promise<unknown> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: [] }),
  });
  return ((await res.json()) as { result: unknown }).result;
}

/** `npx notary chain` as a child process in its own process group: the durable local chain a partner municipality runs. */
export interface NotaryChain extends HardhatNode {
  /** Every line it printed (`--json`: one event a line). */
  output: () => string;
}

export async function startNotaryChain(dir: string, port?: number, timeoutMs = 120_000): Promise<NotaryChain> {
  const chainPort = port ?? (await freePort());
  const child = spawn(process.execPath, [path.join(ROOT, "bin", "notary.js"), "--json", "--data-dir", dir, "chain", "--port", String(chainPort)], {
    cwd: ROOT,
    env: projectEnv(),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const group = child.pid!;
  const untrack = track(`notary chain :${chainPort}`, () => killGroup(group, "SIGKILL"));
  child.once("exit", untrack);
  let output = "";
  child.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + timeoutMs;
  while (!output.includes('"event": "ready"')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await killGroup(group, "SIGKILL");
      throw new Error(`notary chain did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `http://127.0.0.1:${chainPort}`,
    port: chainPort,
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    },
  };
}

export interface HardhatNode {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a real `hardhat node` on a free loopback port and waits until it answers JSON-RPC. */
export async function startHardhatNode(timeoutMs = 60_000): Promise<HardhatNode> {
  const port = await freePort();
  const child = spawn(path.join(BIN, "hardhat"), ["node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: ROOT,
    env: projectEnv(),
    stdio: "ignore",
    detached: false,
  });
  const untrack = track(`hardhat node :${port}`, () => (child.exitCode === null && child.signalCode === null ? child.kill("SIGKILL") : undefined));
  child.once("exit", untrack);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited with ${child.exitCode}`);
    try {
      if ((await rpc(url, "eth_chainId")) !== undefined) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`hardhat node did not answer on ${url} within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}
