import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import path from "node:path";

import type { Eip1193Provider } from "ethers";
import { type Browser, type BrowserContext, type BrowserContextOptions, type Page, chromium } from "playwright-core";

import { ROOT } from "./processes.js";
import { type TestServer, startTestServer } from "./server.js";
import { Setup, track } from "./teardown.js";

/** A Chromium of the machine's own, when set (e.g. Debian's /usr/bin/chromium); otherwise the one from npm. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || undefined;

/** Screenshots and other artefacts of browser tests (git-ignored). */
export const TEST_OUTPUT = path.join(ROOT, "test-output");

/**
 * Flags of @sparticuz/chromium that would weaken what the tests check (the
 * same-origin policy, mixed content): the pages must be tested as a
 * citizen's browser runs them.
 */
const WEAKENING_FLAGS = new Set(["--disable-web-security", "--allow-running-insecure-content", "--disable-site-isolation-trials", "--single-process"]);

/** The flags a system Chromium needs here: no sandbox (root), no GPU, no background networking (refused here). */
const SYSTEM_CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Headless Chromium: `CHROMIUM_PATH` when set, else the build that the npm
 * package @sparticuz/chromium ships (unpacked to the temp dir on first use),
 * so the tests need no system package. Registered for teardown.
 */
export async function launchChromium(): Promise<Browser> {
  await mkdir(TEST_OUTPUT, { recursive: true });
  let browser: Browser;
  if (CHROMIUM_PATH) {
    if (!existsSync(CHROMIUM_PATH)) throw new Error(`CHROMIUM_PATH=${CHROMIUM_PATH} does not exist`);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: SYSTEM_CHROMIUM_FLAGS });
  } else {
    const { default: sparticuz } = await import("@sparticuz/chromium");
    const args = sparticuz.args.filter((a) => !WEAKENING_FLAGS.has(a));
    browser = await chromium.launch({ executablePath: await sparticuz.executablePath(), headless: true, args: [...args, "--disable-background-networking"] });
  }
  const untrack = track("Chromium", () => browser.close());
  browser.on("disconnected", untrack);
  return browser;
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
  const { value, setup } = await Setup.build(async (setup) => {
    const server = setup.add("page suite server", await startTestServer(eip1193, env), (s) => s.stop());
    const key = await server.clerkKey("Erika Muster");
    const browser = setup.add("page suite browser", await launchChromium(), (b) => b.close());
    const dir = setup.add("page suite folder", await mkdtemp(path.join(tmpdir(), "notary-pages-")), (d) => rm(d, { recursive: true, force: true }));
    return { server, key, browser, dir };
  });
  return {
    ...value,
    async newPage(options = {}) {
      const context = await value.browser.newContext({ locale: "de-DE", viewport: { width: 1100, height: 900 }, ...options });
      return { context, page: await context.newPage() };
    },
    close: () => setup.undo(),
  };
}
