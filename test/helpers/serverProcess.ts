import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";

import { SqliteStore } from "../../server/src/adapters/store/sqliteStore.js";
import { addClerk } from "../../server/src/domain/clerks/clerkKeys.js";
import { ROOT, projectEnv } from "./processes.js";
import { eventually } from "./server.js";

/** The compiled server (`npm run build`) as a child process, as `npm start` runs it. */
export class ServerProcess {
  child: ChildProcess | undefined;
  output = "";

  constructor(
    readonly env: Record<string, string>,
    readonly base: string,
  ) {}

  async start(): Promise<void> {
    this.output = "";
    this.child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", "dist/server/src/main.js"], {
      cwd: ROOT,
      env: projectEnv(this.env),
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout!.on("data", (d: Buffer) => (this.output += d.toString()));
    this.child.stderr!.on("data", (d: Buffer) => (this.output += d.toString()));
    await eventually(async () => {
      if (this.child!.exitCode !== null) throw new Error(`the server exited:\n${this.output.slice(-2000)}`);
      return fetch(`${this.base}/readyz`).then((r) => r.ok, () => false);
    }, 60_000, "the server to be ready");
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (!this.running) return;
    this.child!.kill(signal);
    await once(this.child!, "exit");
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
