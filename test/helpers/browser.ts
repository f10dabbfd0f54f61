import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";

import { type Browser, chromium } from "playwright-core";

import { ROOT } from "./processes.js";

/** Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it when missing). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Screenshots and other artefacts of browser tests (git-ignored). */
export const TEST_OUTPUT = path.join(ROOT, "test-output");

/**
 * Headless Chromium with the flags this machine needs: no sandbox (root), no
 * GPU, and no background networking (its connections are refused here).
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run "apt-get install chromium" (as .ci/run does) or set CHROMIUM_PATH`);
  await mkdir(TEST_OUTPUT, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
