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

/** Counts an unhandled rejection as a failure of the run (Node would otherwise only warn, as hardhat-mocha listens for them). */
export function watchUnhandledRejections(): void {
  process.on("unhandledRejection", (reason) => {
    failures += 1;
    process.exitCode = 1;
    console.error("\nUnhandled promise rejection (the run will fail):", reason);
  });
}

export async function endOfRun(): Promise<void> {
  const left = stillRunning();
  if (left.length > 0) console.error(`\nteardown: stopping ${left.length} thing(s) a suite left running: ${left.join(", ")}`);
  await teardownAll();
  if (failures > 0) process.exitCode = 1;
  setTimeout(() => {
    const open = process.getActiveResourcesInfo().filter((r) => r !== "TTYWrap");
    const code = typeof process.exitCode === "number" ? process.exitCode : 0;
    console.error(`\nThe test run ended ${LINGER_MS / 1000} s ago but handles are still open (${open.join(", ")}); exiting with ${code}.`);
    process.exit(code);
  }, LINGER_MS).unref();
}
