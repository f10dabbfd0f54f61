import { createHash, randomBytes } from "node:crypto";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { type PageSuite, TEST_OUTPUT, startPageSuite } from "../helpers/browser.js";
import { eventually, uploadForm } from "../helpers/server.js";
import { type TestTsa, startTestTsa } from "../helpers/tsa.js";

const { provider: eip1193 } = await network.create();

/** The citizen page says who confirmed the time, and that a tampered timestamp is invalid, in German. */
describe("citizen page: the time confirmed by a time-stamping authority (Chromium)", function () {
  this.timeout(120_000);
  let tsa: TestTsa;
  let suite: PageSuite;

  before(async function () {
    tsa = await startTestTsa();
    suite = await startPageSuite(eip1193, { BATCH_INTERVAL_MS: "100", TSA_URL: tsa.url, TSA_CA_FILE: tsa.caFile });
  });

  after(async function () {
    await suite?.close();
    await tsa?.close();
  });

  it("shows the TSA's time for a timestamped document, and calls a receipt with a tampered token invalid", async function () {
    const content = `Zeitstempel ${randomBytes(8).toString("hex")}`;
    const hash = createHash("sha256").update(content).digest("hex");
    await suite.server.api("/api/v1/documents", { method: "POST", key: suite.key, body: uploadForm(content) });
    const receipt = await eventually(async () => {
      const res = await suite.server.api(`/api/v1/receipts/${hash}`);
      const r = res.status === 200 ? await res.json() : null;
      return r?.coAnchors.length ? r : null;
    }, 60_000, "the token");
    const { context, page } = await suite.newPage();
    try {
      await page.goto(`${suite.server.url}/#sha256=${hash}`);
      await page.locator('#result[data-status="anchored"]').waitFor();
      expect(await page.locator("#result").innerText()).to.include("Zeitpunkt bestätigt durch den Zeitstempeldienst Notary Trial TSA (not qualified):");
      await page.screenshot({ path: path.join(TEST_OUTPUT, "citizen-timestamp.png"), fullPage: true });

      const token = Buffer.from(receipt.coAnchors[0].token, "base64");
      token[token.length - 30] = token[token.length - 30]! ^ 1;
      await page.fill("#receipt-text", JSON.stringify({ ...receipt, coAnchors: [{ ...receipt.coAnchors[0], token: token.toString("base64") }] }));
      await page.click("#receipt-form button[type=submit]");
      await page.locator('#result[data-status="invalid"]').waitFor();
      expect(await page.locator("#result").innerText()).to.include("Zeitstempel: ein RFC-3161-Zeitstempel ist ungültig");
    } finally {
      await context.close();
    }
  });
});
