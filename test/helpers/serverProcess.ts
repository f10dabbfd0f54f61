import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";

import { SqliteStore } from "../../server/src/adapters/store/sqliteStore.js";
import { addClerk } from "../../server/src/domain/clerks/clerkKeys.js";
import { ROOT, killGroup, projectEnv, untilGroupGone } from "./processes.js";
import { eventually } from "./server.js";
import { track } from "./teardown.js";

/** Where and how the server runs: by default the compiled server of this checkout, as `npm start` runs it. */
export interface ServerCommand {
  cwd: string;
  command: string[];
  /** Put first on PATH instead of this checkout's node_modules/.bin. */
  path?: string;
  /** How long the start may take until /readyz answers 200. @default 60 s */
  readyWithinMs?: number;
}

const COMPILED: ServerCommand = { cwd: ROOT, command: [process.execPath, "--disable-warning=ExperimentalWarning", "dist/server/src/main.js"] };

/** The compiled server (`npm run build`) as a child process, as `npm start` runs it. */
export class ServerProcess {
  child: ChildProcess | undefined;
  output = "";

  constructor(
    readonly env: Record<string, string>,
    readonly base: string,
    readonly how: ServerCommand = COMPILED,
  ) {}

  async start(): Promise<void> {
    this.output = "";
    const [cmd, ...args] = this.how.command;
    const env = this.how.path ? { ...process.env, PATH: `${this.how.path}${path.delimiter}${process.env.PATH ?? ""}`, ...this.env } : projectEnv(this.env);
    // exec: npm run serves through a shell that execs node, so a kill reaches the server itself.
    // Its own process group (detached: the child calls setsid, so its pid is the group's id): the server and
    // whatever it starts (the embedded chain, npm's shell) can be killed together, as a power cut would.
    this.child = spawn(cmd!, args, { cwd: this.how.cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const group = this.child.pid!;
    const untrack = track(`server process group ${group} (${this.base})`, () => killGroup(group, "SIGKILL"));
    this.child.once("exit", () => void untilGroupGone(group).then(untrack, untrack));
    this.child.stdout!.on("data", (d: Buffer) => (this.output += d.toString()));
    this.child.stderr!.on("data", (d: Buffer) => (this.output += d.toString()));
    await eventually(async () => {
      if (this.child!.exitCode !== null) throw new Error(`the server exited:\n${this.output.slice(-2000)}`);
      return fetch(`${this.base}/readyz`).then((r) => r.ok, () => false);
    }, this.how.readyWithinMs ?? 60_000, "the server to be ready");
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Signals the whole process group (the server and what it started) and waits until all of it is gone. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (!this.child?.pid) return;
    const exited = this.running ? once(this.child, "exit") : Promise.resolve();
    await killGroup(this.child.pid, signal);
    await exited;
    await untilGroupGone(this.child.pid);
  }

  /** Signals the server process alone (what it started may outlive it) and waits for its exit; returns its exit code. */
  async killLeader(signal: NodeJS.Signals = "SIGKILL"): Promise<number | null> {
    if (!this.running) return this.child?.exitCode ?? null;
    this.child!.kill(signal);
    const [code] = (await once(this.child!, "exit")) as [number | null];
    return code;
  }

  /** Waits until nothing of its process group is left (after the server stopped by itself or was killed). */
  async gone(): Promise<void> {
    if (this.child?.pid) await untilGroupGone(this.child.pid);
  }
}

/** Adds a clerk directly in the data dir's database (as `npx notary clerk add` does) and returns the key. */
export async function clerkKeyIn(dataDir: string, name = "reliability"): Promise<string> {
  const store = new SqliteStore(path.join(dataDir, "notary.db"));
  try {
    return (await addClerk({ store, clock: { now: () => Date.now() } }, name)).key;
  } finally {
    await store.close();
  }
}
