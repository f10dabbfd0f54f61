import { createHash, randomBytes } from "node:crypto";
import path from "node:path";

import { expect } from "chai";
import { BrowserProvider, Contract } from "ethers";
import { network } from "hardhat";
import type { Browser } from "playwright-core";

import { DIRECTORY_ABI } from "../../server/src/adapters/chain/directoryAbi.js";
import { TEST_OUTPUT, launchChromium } from "../helpers/browser.js";
import { forgedReceipt, lookAlikeRegistry } from "../helpers/forge.js";
import { type TestServer, eventually, startTestServer, uploadForm } from "../helpers/server.js";
import { Setup } from "../helpers/teardown.js";

const { provider: eip1193 } = await network.create();

/**
 * Two municipalities on one local chain with one directory (DESIGN.md "Who
 * issued it is checked"): Musterstadt's server deploys the directory (its
 * trial consortium and NRW registrar), Beispiel's registry is proposed there
 * and accepted by Beispiel's own admin, and Beispiel's server trusts the
 * same directory. A citizen on either page verifies the other's receipt and
 * sees the other's name as the directory lists it; a stranger's look-alike
 * is shown as unconfirmed.
 */
describe("two municipalities verify each other's receipts on their citizen pages (Chromium)", function () {
  this.timeout(120_000);
  let setup: Setup;
  let musterstadt: TestServer;
  let beispiel: TestServer;
  let browser: Browser;

  before(async function () {
    ({ setup } = await Setup.build(async (s) => {
      musterstadt = s.add("Musterstadt", await startTestServer(eip1193, { BATCH_INTERVAL_MS: "100" }), (x) => x.stop());
      const { directory } = await (await musterstadt.api("/api/v1/registry")).json();
      beispiel = s.add(
        "Beispiel",
        await startTestServer(eip1193, { BATCH_INTERVAL_MS: "100", MUNICIPALITY_NAME: "Gemeinde Beispiel", MUNICIPALITY_AGS: "05334036", DIRECTORY_ADDRESS: directory }, undefined, { signer: 3 }),
        (x) => x.stop(),
      );
      // The registrar (Musterstadt's trial consortium, dev account 0) proposes; Beispiel's admin (dev account 3) accepts.
      const provider = new BrowserProvider(eip1193, undefined, { cacheTimeout: -1 });
      const asRegistrar = new Contract(directory, DIRECTORY_ABI, await provider.getSigner(0));
      await (await asRegistrar.getFunction("propose")(beispiel.registry, "05334036", "Gemeinde Beispiel (amtlich)", "beispiel.de")).wait();
      await (await new Contract(directory, DIRECTORY_ABI, await provider.getSigner(3)).getFunction("accept")(beispiel.registry)).wait();
      browser = s.add("Chromium", await launchChromium(), (b) => b.close());
    }));
  });

  after(async function () {
    await setup?.undo();
  });

  async function receiptFrom(server: TestServer, text: string) {
    const content = `${text} ${randomBytes(8).toString("hex")}`;
    expect((await server.api("/api/v1/documents", { method: "POST", key: await server.clerkKey(), body: uploadForm(content) })).status).to.equal(202);
    const hash = createHash("sha256").update(content).digest("hex");
    return eventually(async () => {
      const res = await server.api(`/api/v1/receipts/${hash}`);
      return res.status === 200 ? res.json() : null;
    }, 20_000, "the receipt");
  }

  async function pasteOn(server: TestServer, receipt: unknown, shot: string) {
    const context = await browser.newContext({ locale: "de-DE" });
    try {
      const page = await context.newPage();
      await page.goto(server.url + "/");
      await page.fill("#receipt-text", JSON.stringify(receipt));
      await page.click("#receipt-form button[type=submit]");
      await eventually(async () => !["checking", null].includes(await page.getAttribute("#result", "data-status")), 10_000, "a verdict");
      await page.screenshot({ path: path.join(TEST_OUTPUT, shot), fullPage: true });
      return { status: await page.getAttribute("#result", "data-status"), tone: await page.getAttribute("#result", "data-tone"), text: await page.locator("#result").innerText() };
    } finally {
      await context.close();
    }
  }

  it("Musterstadt's page verifies Beispiel's receipt, naming Beispiel as the directory lists it", async function () {
    const shown = await pasteOn(musterstadt, await receiptFrom(beispiel, "Beispiel-Genehmigung"), "federation-beispiel-on-musterstadt.png");
    expect(shown.status).to.equal("anchored");
    expect(shown.text).to.include("Der Prüfbeleg ist echt.");
    expect(shown.text).to.include("Aussteller bestätigt: Gemeinde Beispiel (amtlich) (AGS 05334036)");
  });

  it("Beispiel's page verifies Musterstadt's receipt the same way", async function () {
    const shown = await pasteOn(beispiel, await receiptFrom(musterstadt, "Musterstadt-Genehmigung"), "federation-musterstadt-on-beispiel.png");
    expect(shown.status).to.equal("anchored");
    expect(shown.text).to.include("Aussteller bestätigt: Stadt Musterstadt (AGS 05334002)");
  });

  it("a stranger's look-alike \"Gemeinde Beispiel\" registry is shown as unconfirmed, with a warning, never as success", async function () {
    const provider = new BrowserProvider(eip1193, undefined, { cacheTimeout: -1 });
    const fake = await lookAlikeRegistry(await provider.getSigner(9), "Gemeinde Beispiel", "05334036");
    const shown = await pasteOn(musterstadt, await forgedReceipt(fake, `forged ${randomBytes(4).toString("hex")}`), "federation-look-alike.png");
    expect(shown.status).to.equal("anchored");
    expect(shown.tone).to.equal("warn");
    expect(shown.text).to.include("Achtung: Aussteller nicht bestätigt. „Gemeinde Beispiel“ (AGS 05334036) ist nur die eigene Angabe dieses Registers");
  });
});
