/**
 * Mocha root hooks (wired in hardhat.config.ts, `test.mocha.rootHooks`): at
 * the end of the run, stop whatever a suite left running, then make sure the
 * process ends even if some handle is still open, keeping the run's exit
 * code. A failing run thus ends in bounded time instead of hanging.
 */
import { stillRunning, teardownAll } from "./teardown.js";

/** How long the process may linger after the last test before it is ended. */
const LINGER_MS = 5_000;

let failures = 0;

/**
 * Counts an unhandled rejection as a failure of the run (Node would otherwise
 * only warn, as hardhat-mocha listens for them), and stops whatever tests
 * started when the run itself is interrupted (Ctrl-C, SIGTERM): servers and
 * chains live in process groups of their own, which a terminal's signal does
 * not reach.
 */
export function watchUnhandledRejections(): void {
  process.on("unhandledRejection", (reason) => {
    failures += 1;
    process.exitCode = 1;
    console.error("\nUnhandled promise rejection (the run will fail):", reason);
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping what the tests started …`);
      void teardownAll(3000).finally(() => process.exit(130));
    });
  }
}

interface RunnableLike {
  state?: string;
}
interface SuiteLike {
  parent?: SuiteLike;
  tests: RunnableLike[];
  suites: SuiteLike[];
  _beforeAll: RunnableLike[];
  _beforeEach: RunnableLike[];
  _afterEach: RunnableLike[];
  _afterAll: RunnableLike[];
}

/** Failed tests and hooks anywhere under a suite. */
function failedIn(suite: SuiteLike): number {
  const hooks = [...suite._beforeAll, ...suite._beforeEach, ...suite._afterEach, ...suite._afterAll];
  return [...suite.tests, ...hooks].filter((r) => r.state === "failed").length + suite.suites.reduce((n, s) => n + failedIn(s), 0);
}

/**
 * Stops what suites left running and arms the final exit. The run's failures
 * are counted here from the suite tree: Hardhat sets the exit code only after
 * its reports, which the forced exit could otherwise cut short with a 0.
 */
export async function endOfRun(this: Mocha.Context): Promise<void> {
  let root = this.test?.parent as unknown as SuiteLike | undefined;
  while (root?.parent) root = root.parent;
  if (failures > 0 || (root && failedIn(root) > 0)) process.exitCode = 1;
  // The run's shared PostgreSQL (TEST_STORE=postgres) is meant to live until here.
  await (await import("./server.js")).stopTestPostgres();
  const left = stillRunning();
  if (left.length > 0) console.error(`\nteardown: stopping ${left.length} thing(s) a suite left running: ${left.join(", ")}`);
  await teardownAll();
  setTimeout(() => {
    const open = process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap");
    const code = typeof process.exitCode === "number" ? process.exitCode : 0;
    console.error(`\nThe test run ended ${LINGER_MS / 1000} s ago but handles are still open (${open.join(", ")}); exiting with ${code}.`);
    process.exit(code);
  }, LINGER_MS).unref();
}
