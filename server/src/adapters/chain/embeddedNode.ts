import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import { NotaryError, isNotaryError } from "../../errors.js";
import { PROJECT_ROOT } from "../../projectRoot.js";

/** Exit code of the chain process when its journal cannot be replayed: restarting would not help. */
const REFUSED = 2;
/** How long the chain may stay silent while starting (its replay reports progress every 1,000 blocks). */
const STALL_MS = 60_000;
const MAX_RESTART_DELAY_MS = 30_000;

type Log = { info(o: object, msg: string): void; warn(o: object, msg: string): void; error(o: object, msg: string): void };

interface ChainMessage {
  event: string;
  url?: string;
  genesisHash?: string;
  blocks?: number;
  done?: number;
  total?: number;
  ms?: number;
  blocksPerSecond?: number;
  bytes?: number;
  journal?: string;
  running?: string;
  code?: string;
  message?: string;
}

/** The chain process's entry: compiled next to this file, or the TypeScript source when the server runs through tsx. */
function chainCommand(dataDir: string, port: number): string[] {
  const compiled = import.meta.url.endsWith(".js");
  const entry = fileURLToPath(new URL(`./durable/chainProcess.${compiled ? "js" : "ts"}`, import.meta.url));
  return [...(compiled ? [] : ["--import", "tsx"]), entry, dataDir, String(port)];
}

/**
 * The durable local chain of `npm start`, as a supervised child process on
 * 127.0.0.1:`port`: its journal in `<dataDir>/chain/`, its log in
 * `<dataDir>/chain.log`. If it dies it is started again (replaying its
 * journal); if its journal cannot be replayed, `onFatal` is called.
 */
export class EmbeddedNode {
  private child: ChildProcess | undefined;
  private stopping = false;
  private restarts = 0;
  genesisHash = "";

  private constructor(
    readonly url: string,
    private readonly dataDir: string,
    private readonly port: number,
    private readonly log: Log,
    private readonly onFatal: (e: Error) => void,
  ) {}

  static async start(opts: { dataDir: string; port: number; log: Log; onFatal?: (e: Error) => void }): Promise<EmbeddedNode> {
    const node = new EmbeddedNode(`http://127.0.0.1:${opts.port}`, opts.dataDir, opts.port, opts.log, opts.onFatal ?? (() => {}));
    await mkdir(path.join(opts.dataDir, "chain"), { recursive: true, mode: 0o700 });
    await node.spawnChain();
    return node;
  }

  /** Starts the chain process and resolves once it answers (after its replay). */
  private spawnChain(): Promise<void> {
    const logFile = openSync(path.join(this.dataDir, "chain.log"), "a");
    // Its own process group: a terminal's Ctrl-C reaches the server, which stops the chain last, after draining.
    // If the server dies (even by kill -9) the chain sees its stdin close and stops too.
    const child = spawn(process.execPath, chainCommand(path.join(this.dataDir, "chain"), this.port), {
      cwd: PROJECT_ROOT,
      stdio: ["pipe", "pipe", logFile],
      detached: true,
    });
    closeSync(logFile); // the child has its own copy
    this.child = child;
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      let lastError: ChainMessage | undefined;
      let stall = setTimeout(() => child.kill("SIGKILL"), STALL_MS);
      createInterface({ input: child.stdout! }).on("line", (line) => {
        let m: ChainMessage;
        try {
          m = JSON.parse(line) as ChainMessage;
        } catch {
          return;
        }
        clearTimeout(stall);
        if (!ready) stall = setTimeout(() => child.kill("SIGKILL"), STALL_MS);
        this.report(m);
        if (m.event === "error") lastError = m;
        if (m.event === "ready") {
          ready = true;
          clearTimeout(stall);
          this.genesisHash = m.genesisHash ?? "";
          resolve();
        }
      });
      child.once("exit", (code, signal) => {
        clearTimeout(stall);
        const why = lastError?.message ?? (signal ? `killed by ${signal}` : `exit code ${code}`);
        const finalCodes = ["CHAIN_JOURNAL_CORRUPT", "CHAIN_REPLAY_DIVERGED", "CONFIG_INVALID", "LOCKED"] as const;
        const known = finalCodes.find((c) => c === lastError?.code) ?? "CHAIN_REPLAY_DIVERGED";
        const error =
          code === REFUSED
            ? new NotaryError(known, why, { final: true })
            : new NotaryError("CHAIN_UNAVAILABLE", `The embedded chain stopped (${why}); see ${path.join(this.dataDir, "chain.log")}`, { final: false });
        if (!ready) reject(error);
        else if (!this.stopping) this.restart(error, code === REFUSED);
      });
    });
  }

  private report(m: ChainMessage): void {
    if (m.event === "replaying") this.log.info({ done: m.done, total: m.total }, `replaying the chain journal: block ${m.done} of ${m.total}`);
    if (m.event === "replayed") this.log.info({ blocks: m.blocks, ms: m.ms, blocksPerSecond: m.blocksPerSecond }, `chain replayed from its journal: ${m.blocks} blocks in ${m.ms} ms, every block hash as journaled`);
    if (m.event === "created") this.log.info({ genesisHash: m.genesisHash, journal: m.journal }, "new local chain created; its blocks are journaled");
    if (m.event === "torn-record-dropped") this.log.warn({ bytes: m.bytes }, "the chain journal ended in a torn record (a crash while writing it); it was dropped, and its block had not been handed out");
    if (m.event === "hardhat-version-changed") this.log.warn({ journal: m.journal, running: m.running }, "the chain journal was written by another Hardhat version; every replayed block hash is checked");
    if (m.event === "ready") this.log.info({ url: m.url, blocks: m.blocks, genesisHash: m.genesisHash }, "embedded chain ready");
    if (m.event === "error") this.log.error({ code: m.code }, `embedded chain: ${m.message}`);
  }

  private restart(error: Error, refused: boolean): void {
    if (this.stopping) return;
    if (refused) {
      this.log.error({ err: error }, "the embedded chain cannot be started again");
      this.onFatal(error);
      return;
    }
    const delay = Math.min(MAX_RESTART_DELAY_MS, 1000 * 2 ** this.restarts);
    this.restarts += 1;
    this.log.error({ err: error.message, restartInMs: delay }, "the embedded chain stopped; starting it again from its journal");
    setTimeout(() => {
      if (this.stopping) return;
      this.spawnChain().then(
        () => (this.restarts = 0),
        (e: Error) => this.restart(e, isNotaryError(e) && e.details.final === true),
      );
    }, delay).unref();
  }

  /** Stops the chain process (SIGTERM; SIGKILL after 10 s). */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
