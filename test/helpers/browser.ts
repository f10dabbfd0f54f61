import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import path from "node:path";

import type { Eip1193Provider } from "ethers";
import { type Browser, type BrowserContext, type BrowserContextOptions, type Page, chromium } from "playwright-core";

import { ROOT } from "./processes.js";
import { type TestServer, startTestServer } from "./server.js";

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

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
}

/**
 * Serious and critical WCAG 2.1 A/AA violations that axe-core finds on the
 * page, one line each (empty when none). axe is injected through the
 * DevTools protocol, so the page's own CSP stays as it is.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const results = (await page.evaluate(() =>
    (globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<unknown> } }).axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    }),
  )) as AxeResult;
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

export interface PageSuite {
  server: TestServer;
  /** A clerk key for the API and the clerk page. */
  key: string;
  browser: Browser;
  /** A temporary folder for files the tests choose in the browser. */
  dir: string;
  /** A fresh browser context (German, desktop size) and page, as a citizen's or clerk's browser. */
  newPage(options?: BrowserContextOptions): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

/** The whole server against the in-process chain, a clerk, headless Chromium and a scratch folder: what every page test starts from. */
export async function startPageSuite(eip1193: Eip1193Provider, env: Record<string, string>): Promise<PageSuite> {
  const server = await startTestServer(eip1193, env);
  const key = await server.clerkKey("Erika Muster");
  const browser = await launchChromium();
  const dir = await mkdtemp(path.join(tmpdir(), "notary-pages-"));
  return {
    server,
    key,
    browser,
    dir,
    async newPage(options = {}) {
      const context = await browser.newContext({ locale: "de-DE", viewport: { width: 1100, height: 900 }, ...options });
      return { context, page: await context.newPage() };
    },
    async close() {
      await browser.close();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
