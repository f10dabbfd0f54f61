import { createHash, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import type { BrowserContext, Page } from "playwright-core";

import { type PageSuite, TEST_OUTPUT, axeViolations, startPageSuite } from "../helpers/browser.js";
import { decodeQr } from "../helpers/pdf.js";
import type { TestServer } from "../helpers/server.js";

const { provider: eip1193 } = await network.create();

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

/**
 * The clerk page in headless Chromium against the whole server: sign in with
 * a key kept only for the tab, upload several files with progress, watch the
 * status change to anchored, download the receipts (JSON and the PDF whose QR
 * code leads a citizen to "anchored"), revoke with a confirmation, erase.
 */
describe("clerk page in Chromium", function () {
  this.timeout(120_000);
  let suite: PageSuite;
  let server: TestServer;
  let key: string;
  let context: BrowserContext;
  let page: Page;
  let dir: string;

  before(async function () {
    suite = await startPageSuite(eip1193, { BATCH_INTERVAL_MS: "200" });
    ({ server, key, dir } = suite);
  });

  after(async function () {
    await suite?.close();
  });

  beforeEach(async function () {
    ({ context, page } = await suite.newPage({ acceptDownloads: true, viewport: { width: 1200, height: 900 } }));
  });

  afterEach(async function () {
    await context?.close();
  });

  async function signIn(value = key): Promise<void> {
    await page.goto(`${server.url}/clerk`);
    await page.fill("#key", value);
    await page.click("#key-form button[type=submit]");
  }

  async function upload(...contents: string[]): Promise<string[]> {
    const files = await Promise.all(
      contents.map(async (content, i) => {
        const file = path.join(dir, `${sha256(content).slice(0, 8)}-${i}.pdf`);
        await writeFile(file, content);
        return file;
      }),
    );
    await page.setInputFiles("#files", files);
    await page.click("#upload-form button[type=submit]");
    await page.locator("#uploads li.ok").nth(contents.length - 1).waitFor();
    return contents.map((c) => sha256(c));
  }

  const row = (hash: string) => page.locator(`#documents tr[data-sha256="${hash}"]`);
  /** Waits until the list shows the document as `status` (the page polls every 2 s). */
  const rowShows = (hash: string, status: string) => row(hash).and(page.locator(`[data-status="${status}"]`)).waitFor({ timeout: 20_000 });

  it("refuses a wrong key with a message and keeps the work area hidden", async function () {
    await signIn("not-a-clerk-key");
    await page.locator("#key-error:not([hidden])").waitFor();
    expect(await page.locator("#key-error").innerText()).to.include("ungültig");
    expect(await page.locator("#work").isHidden()).to.equal(true);
  });

  it("uploads several documents with progress and shows each turning from pending to anchored", async function () {
    await signIn();
    await page.fill("#reference", "32.1-2026-0815");
    const hashes = await upload(`Erlaubnis A ${randomBytes(8).toString("hex")}`, `Erlaubnis B ${randomBytes(8).toString("hex")}`);
    expect(await page.locator("#uploads li.ok").count()).to.equal(2);
    expect(await page.locator("#uploads progress").evaluateAll((bars) => bars.map((b) => (b as HTMLProgressElement).value))).to.deep.equal([1, 1]);
    for (const hash of hashes) {
      await rowShows(hash, "anchored");
      expect(await row(hash).innerText()).to.include("verankert").and.include("32.1-2026-0815");
    }
    // What the page showed is what the server stored.
    const stored = await (await server.api(`/api/v1/documents/${hashes[0]}`, { key })).json();
    expect(stored).to.include({ status: "anchored", reference: "32.1-2026-0815" });
    expect(stored.title).to.match(/-0\.pdf$/);
    await page.screenshot({ path: path.join(TEST_OUTPUT, "clerk-documents.png"), fullPage: true });
  });

  it("sends the validity days a clerk picks, and refuses an end before the beginning without sending anything", async function () {
    await signIn();
    await page.fill("#valid-from", "2026-12-01");
    await page.fill("#valid-until", "2026-11-30");
    await page.setInputFiles("#files", { name: "permit.pdf", mimeType: "application/pdf", buffer: Buffer.from(`order ${randomBytes(8).toString("hex")}`) });
    await page.click("#upload-form button[type=submit]");
    await page.locator("#upload-error:not([hidden])").waitFor();
    expect(await page.locator("#upload-error").innerText()).to.include("„Gültig bis“ liegt vor „Gültig ab“");
    expect(await page.locator("#uploads li").count()).to.equal(0);
    await page.fill("#valid-until", "2026-12-31");
    const [hash] = await upload(`Erlaubnis Dezember ${randomBytes(8).toString("hex")}`);
    const stored = await (await server.api(`/api/v1/documents/${hash}`, { key })).json();
    expect(stored).to.include({ validFrom: "2026-11-30T23:00:00.000Z", validUntil: "2026-12-31T22:59:59.000Z" });
  });

  it("replaces a document: \"Replace\" fills in its fingerprint, the new upload supersedes it, and its row says by which", async function () {
    await signIn();
    const [earlier] = await upload(`Erlaubnis alt ${randomBytes(8).toString("hex")}`);
    await rowShows(earlier!, "anchored");
    await row(earlier!).getByRole("button", { name: "Ersetzen" }).click();
    expect(await page.inputValue("#supersedes")).to.equal(earlier);
    await page.locator("#uploads li").first().evaluate((li) => li.parentElement!.replaceChildren()); // the next upload's line only
    const [successor] = await upload(`Erlaubnis neu ${randomBytes(8).toString("hex")}`);
    await rowShows(earlier!, "revoked");
    expect(await row(earlier!).innerText()).to.include(`ersetzt durch ${successor!.slice(0, 12)}`);
    expect(await row(earlier!).getByRole("button", { name: "Ersetzen" }).count(), "replaced once").to.equal(0);
    expect((await (await server.api(`/api/v1/documents/${successor}`, { key })).json()).supersedes).to.equal(earlier);
  });

  it("notarises only the fingerprint when asked: the file is not sent, no original is stored, the document is anchored", async function () {
    await signIn();
    const content = `Meldebescheinigung ${randomBytes(8).toString("hex")}`;
    const file = path.join(dir, "meldebescheinigung.pdf");
    await writeFile(file, content);
    const posted: { type: string | null; bytes: number }[] = [];
    page.on("request", (r) => {
      if (r.method() === "POST") posted.push({ type: r.headers()["content-type"] ?? null, bytes: r.postDataBuffer()?.length ?? 0 });
    });
    await page.check("#hash-only");
    await page.setInputFiles("#files", file);
    await page.click("#upload-form button[type=submit]");
    await page.locator("#uploads li.ok").waitFor();
    const hash = sha256(content);
    await rowShows(hash, "anchored");

    expect(posted).to.have.length(1);
    expect(posted[0]!.type).to.equal("application/json");
    expect(posted[0]!.bytes).to.be.below(300);
    const stored = await (await server.api(`/api/v1/documents/${hash}`, { key })).json();
    expect(stored).to.include({ hasContent: false, title: "meldebescheinigung.pdf", status: "anchored" });
    expect(await row(hash).getByRole("button", { name: "Inhalt löschen" }).count()).to.equal(0);
  });

  it("downloads the JSON receipt and the PDF receipt, whose QR code opens the citizen page: anchored", async function () {
    await signIn();
    const [hash] = await upload(`Sondernutzung ${randomBytes(8).toString("hex")}`);
    await rowShows(hash!, "anchored");

    const [json] = await Promise.all([page.waitForEvent("download"), row(hash!).getByText("Beleg (JSON)").click()]);
    const receipt = JSON.parse(await readFile((await json.path())!, "utf8"));
    expect(receipt.document.sha256).to.equal(hash);

    const [pdfDownload] = await Promise.all([page.waitForEvent("download"), row(hash!).getByText("Beleg (PDF)").click()]);
    expect(pdfDownload.suggestedFilename()).to.equal(`${hash!.slice(0, 12)}.receipt.pdf`);
    const pdf = await readFile((await pdfDownload.path())!);
    expect(pdf.subarray(0, 5).toString()).to.equal("%PDF-");

    // The citizen scans the printed code.
    const link = await decodeQr(pdf);
    const citizen = await context.newPage();
    await citizen.goto(link!);
    await citizen.locator('#result[data-status="anchored"]').waitFor();
    expect(await citizen.locator("#result").innerText()).to.include("Registriert: Ein Dokument mit diesem Fingerabdruck ist eingetragen.");
  });

  it("revokes only after confirmation, with the chosen reason, and shows the status change", async function () {
    await signIn();
    const [hash] = await upload(`Widerruf ${randomBytes(8).toString("hex")}`);
    await rowShows(hash!, "anchored");

    // Cancel: nothing happens.
    await row(hash!).getByRole("button", { name: "Widerrufen" }).click();
    expect(await page.locator("#revoke-dialog").isVisible()).to.equal(true);
    await page.click("#revoke-dialog button[value=cancel]");
    expect((await (await server.api(`/api/v1/documents/${hash}`, { key })).json()).revocation).to.equal(null);

    // Confirm: revoked on chain with reason 4 (expired).
    await row(hash!).getByRole("button", { name: "Widerrufen" }).click();
    await page.selectOption("#revoke-reason", "4");
    await page.fill("#revoke-note", "Frist abgelaufen");
    await page.click("#revoke-confirm");
    await rowShows(hash!, "revoked");
    const verdict = await (await server.api(`/api/v1/verify/${hash}`)).json();
    expect(verdict.status).to.equal("revoked");
    expect(verdict.revocation.reason).to.equal(4);
    expect(await row(hash!).getByRole("button", { name: "Widerrufen" }).count()).to.equal(0);
  });

  it("erases a document's content after confirmation; the anchor stays", async function () {
    await signIn();
    const [hash] = await upload(`Löschen ${randomBytes(8).toString("hex")}`);
    await rowShows(hash!, "anchored");
    await row(hash!).getByRole("button", { name: "Inhalt löschen" }).click();
    await page.click("#erase-confirm");
    await row(hash!).getByText("Inhalt gelöscht").waitFor();
    const gone = await server.api(`/api/v1/documents/${hash}/content`, { key });
    expect(gone.status).to.equal(404);
    expect((await gone.json()).detail).to.include("was erased on");
    expect((await (await server.api(`/api/v1/verify/${hash}`)).json()).status).to.equal("anchored");
  });

  it("keeps the key only for the tab: a new tab asks again, signing out forgets it", async function () {
    await signIn();
    await page.locator("#work:not([hidden])").waitFor();
    const other = await context.newPage();
    await other.goto(`${server.url}/clerk`);
    expect(await other.locator("#login").isVisible()).to.equal(true);
    expect(await other.evaluate(() => sessionStorage.length)).to.equal(0);

    await page.reload(); // same tab: still signed in
    await page.locator("#work:not([hidden])").waitFor();
    await page.click("#logout");
    expect(await page.locator("#login").isVisible()).to.equal(true);
    expect(await page.evaluate(() => sessionStorage.length)).to.equal(0);
  });

  it("has no serious or critical accessibility violations (axe-core), signed in with documents and in the revoke dialog", async function () {
    await signIn();
    const [hash] = await upload(`a11y ${randomBytes(8).toString("hex")}`);
    await row(hash!).waitFor();
    expect(await axeViolations(page)).to.deep.equal([]);
    await row(hash!).getByRole("button", { name: "Widerrufen" }).click();
    expect(await axeViolations(page)).to.deep.equal([]);
  });
});
