import { createHash, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import type { BrowserContext, Page } from "playwright-core";

import { type PageSuite, TEST_OUTPUT, axeViolations, startPageSuite } from "../helpers/browser.js";

const { provider: eip1193 } = await network.create();

const sha256 = (data: string) => createHash("sha256").update(data).digest("hex");

/** The clerk page's approval queue under FOUR_EYES=true, in headless Chromium: one clerk registers, another approves. */
describe("clerk page: four-eyes approval queue in Chromium", function () {
  this.timeout(120_000);
  let suite: PageSuite;
  let approverKey: string;
  const open: BrowserContext[] = [];

  before(async function () {
    suite = await startPageSuite(eip1193, { BATCH_INTERVAL_MS: "200", FOUR_EYES: "true" });
    approverKey = await suite.server.clerkKey("Anna Prüfer", "approver");
  });

  after(async function () {
    for (const context of open) await context.close();
    await suite?.close();
  });

  async function signedIn(key: string): Promise<Page> {
    const { context, page } = await suite.newPage();
    open.push(context);
    await page.goto(`${suite.server.url}/clerk`);
    await page.fill("#key", key);
    await page.click("#key-form button[type=submit]");
    await page.locator("#work:not([hidden])").waitFor();
    return page;
  }

  it("a clerk's document waits in the queue; the approver rejects without a reason only after giving one, and approves: then it is anchored", async function () {
    const erika = await signedIn(suite.key);
    const content = `Sondernutzung ${randomBytes(8).toString("hex")}`;
    const file = path.join(suite.dir, "sondernutzung.pdf");
    await writeFile(file, content);
    await erika.setInputFiles("#files", file);
    await erika.click("#upload-form button[type=submit]");
    const hash = sha256(content);
    const erikasRow = erika.locator(`#documents tr[data-sha256="${hash}"]`);
    await erikasRow.waitFor();
    expect(await erikasRow.innerText()).to.include("wartet auf Freigabe");
    const ownItem = erika.locator(`#approvals li[data-sha256="${hash}"]`);
    expect(await ownItem.innerText()).to.include("Ihr eigenes Dokument: Eine zweite Person gibt es frei.");
    expect(await ownItem.getByRole("button", { name: "Freigeben" }).count()).to.equal(0);

    const anna = await signedIn(approverKey);
    const item = anna.locator(`#approvals li[data-sha256="${hash}"]`);
    await item.waitFor();
    expect(await item.innerText()).to.include("registriert von Erika Muster");
    expect(await axeViolations(anna)).to.deep.equal([]);
    await item.getByRole("button", { name: "Ablehnen" }).click();
    expect(await anna.locator("#approval-error").innerText()).to.include("Bitte geben Sie einen Grund");
    await anna.screenshot({ path: path.join(TEST_OUTPUT, "clerk-approvals.png"), fullPage: true });
    await item.getByRole("button", { name: "Freigeben" }).click();
    await item.waitFor({ state: "detached" });
    await anna.locator(`#documents tr[data-sha256="${hash}"][data-status="anchored"]`).waitFor({ timeout: 20_000 });
    const stored = await (await suite.server.api(`/api/v1/documents/${hash}`, { key: suite.key })).json();
    expect(stored.approval).to.include({ state: "approved", by: "Anna Prüfer" });
  });
});
