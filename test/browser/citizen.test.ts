import { createHash, randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import type { Browser, BrowserContext, Page } from "playwright-core";

import { type PageSuite, TEST_OUTPUT, axeViolations, startPageSuite } from "../helpers/browser.js";
import { decodeQr } from "../helpers/pdf.js";
import { type TestServer, eventually, startTestServer, uploadForm } from "../helpers/server.js";

const { provider: eip1193 } = await network.create();

const sha256 = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");

/**
 * The citizen page in headless Chromium against the whole server: a file is
 * hashed in the browser (and never sent), the verdict is shown in plain
 * language, receipts and QR links verify, German by default, English on
 * request, and axe-core finds no serious accessibility violations.
 */
describe("citizen page in Chromium", function () {
  this.timeout(120_000);
  let suite: PageSuite;
  let server: TestServer;
  let key: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let dir: string;
  /** Every request the page sent, with its body size. */
  let sent: { method: string; url: string; bodyBytes: number }[];

  before(async function () {
    suite = await startPageSuite(eip1193, { BATCH_INTERVAL_MS: "100", MUNICIPALITY_NAME: "Stadt Musterstadt" });
    ({ server, key, browser, dir } = suite);
  });

  after(async function () {
    await suite?.close();
  });

  beforeEach(async function () {
    ({ context, page } = await suite.newPage());
    sent = [];
    page.on("request", (r) => sent.push({ method: r.method(), url: r.url(), bodyBytes: r.postDataBuffer()?.length ?? 0 }));
  });

  afterEach(async function () {
    await context?.close();
  });

  async function localFile(name: string, content: string | Uint8Array): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, content);
    return file;
  }

  /** A document notarised through the API and anchored; `revoke` revokes it on chain too. */
  async function notarised(text: string, revoke?: number, fields: Record<string, string> = {}): Promise<{ file: string; hash: string }> {
    const content = `${text} ${randomBytes(8).toString("hex")}`;
    const hash = sha256(content);
    expect((await server.api("/api/v1/documents", { method: "POST", key, body: uploadForm(content, { title: text, ...fields }) })).status).to.equal(202);
    await eventually(async () => (await server.api(`/api/v1/receipts/${hash}`)).status === 200, 20_000, "the anchor");
    if (revoke) {
      const res = await server.api(`/api/v1/documents/${hash}/revocation`, {
        method: "POST",
        key,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ reason: revoke }),
      });
      expect(res.status).to.equal(202);
      await eventually(async () => (await (await server.api(`/api/v1/verify/${hash}`)).json()).status === "revoked", 20_000, "the revocation");
    }
    return { file: await localFile(`${hash.slice(0, 8)}.pdf`, content), hash };
  }

  const result = (status: string) => page.locator(`#result[data-status="${status}"]`);
  const tone = () => page.getAttribute("#result", "data-tone");

  it("verifies a registered file as genuine and unchanged, naming the confirmed issuer, time, block and transaction, without uploading it", async function () {
    const { file, hash } = await notarised("Erlaubnis Straßenmusik");
    const receipt = await (await server.api(`/api/v1/receipts/${hash}`)).json();
    await page.goto(server.url + "/");
    await page.setInputFiles("#file", file);
    await result("anchored").waitFor();

    const text = await page.locator("#result").innerText();
    expect(text).to.include("Echt und unverändert: Ihre Datei ist das registrierte Dokument.");
    expect(text).to.include("Aussteller bestätigt: Stadt Musterstadt (AGS 05334002), laut dem lokalen Testverzeichnis");
    expect(await tone()).to.equal("ok");
    expect(text).to.include(String(receipt.anchor.blockNumber));
    expect(text).to.include(receipt.anchor.transactionHash);
    expect(await page.locator("#file-hash-value").innerText()).to.equal(hash);
    // The file stayed on the device: the only request about it is the GET of its hash.
    expect(sent.filter((r) => r.method !== "GET" || r.bodyBytes > 0)).to.deep.equal([]);
    expect(sent.map((r) => new URL(r.url).pathname)).to.include(`/api/v1/verify/${hash}`);
    await page.screenshot({ path: path.join(TEST_OUTPUT, "citizen-anchored.png"), fullPage: true });
  });

  it("says unknown for a file that was never notarised, and why that can be", async function () {
    const file = await localFile("unknown.pdf", `never notarised ${randomBytes(8).toString("hex")}`);
    await page.goto(server.url + "/");
    await page.setInputFiles("#file", file);
    await result("unknown").waitFor();
    const text = await page.locator("#result").innerText();
    expect(text).to.include("Unbekannt: Zu diesem Dokument gibt es keinen Eintrag.");
    expect(text).to.include("Schon ein geändertes Zeichen");
    await page.screenshot({ path: path.join(TEST_OUTPUT, "citizen-unknown.png"), fullPage: true });
  });

  it("says revoked for a revoked document, with the reason and the date", async function () {
    const { file } = await notarised("Genehmigung Hundehaltung", 1);
    await page.goto(server.url + "/");
    await page.setInputFiles("#file", file);
    await result("revoked").waitFor();
    const text = await page.locator("#result").innerText();
    expect(text).to.include("Widerrufen: Auf dieses Dokument dürfen Sie sich nicht mehr verlassen.");
    expect(await tone()).to.equal("bad");
    expect(text).to.include("Grund: zurückgezogen.");
    expect(text).to.match(/am \d{1,2}\. \w+ 20\d\d um \d\d:\d\d:\d\d/);
    await page.screenshot({ path: path.join(TEST_OUTPUT, "citizen-revoked.png"), fullPage: true });
  });

  it("says superseded for a permit a newer one replaced, without naming the newer one", async function () {
    const { file, hash } = await notarised("Genehmigung Hundehaltung");
    const successor = await notarised("Genehmigung Hundehaltung (neu)", undefined, { supersedes: hash });
    await eventually(async () => (await (await server.api(`/api/v1/verify/${hash}`)).json()).status === "revoked", 20_000, "the supersession");
    await page.goto(server.url + "/");
    await page.setInputFiles("#file", file);
    await result("revoked").waitFor();
    const text = await page.locator("#result").innerText();
    expect(text).to.include("Ersetzt: Dieses Dokument gilt nicht mehr, es wurde durch ein neueres ersetzt.");
    expect(text).to.include("Verlassen Sie sich auf das neue");
    expect(text).to.not.include(successor.hash.slice(0, 12));
    expect(await tone()).to.equal("bad");
  });

  it("says expired for a permit that was valid until yesterday, with the day it ended", async function () {
    const yesterday = new Date(Date.now() - 86_400_000).toLocaleDateString("sv-SE", { timeZone: "Europe/Berlin" }); // YYYY-MM-DD
    const { file } = await notarised("Erlaubnis Straßenmusik", undefined, { validUntil: yesterday });
    await page.goto(server.url + "/");
    await page.setInputFiles("#file", file);
    await result("expired").waitFor();
    const text = await page.locator("#result").innerText();
    expect(text).to.include("Abgelaufen: Das Dokument galt bis");
    const [y, m, d] = yesterday.split("-").map(Number);
    expect(text).to.include(`${d}. `).and.include(String(y));
    expect(text).to.match(new RegExp(`galt bis ${d}\\. \\w+ ${y} um 23:59:59`));
    expect(await tone()).to.not.equal("ok");
    expect(m).to.be.within(1, 12);
    await page.screenshot({ path: path.join(TEST_OUTPUT, "citizen-expired.png"), fullPage: true });
  });

  it("says pending for a document accepted but not yet anchored, and turns to anchored by itself", async function () {
    const slow = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "4000" });
    try {
      const content = `pending ${randomBytes(8).toString("hex")}`;
      const res = await slow.api("/api/v1/documents", { method: "POST", key: await slow.clerkKey(), body: uploadForm(content) });
      expect(res.status).to.equal(202);
      await page.goto(`${slow.url}/#sha256=${sha256(content)}`);
      await result("pending").waitFor();
      expect(await page.locator("#result").innerText()).to.include("Angenommen, noch nicht verankert.");
      await result("anchored").waitFor({ timeout: 15_000 }); // the page checks again every 3 s
    } finally {
      await slow.stop();
    }
  });

  it("hashes a large file in chunks, with progress, to the same SHA-256 as Node", async function () {
    const big = randomBytes(9 * 1024 * 1024 + 123);
    const file = await localFile("big.bin", big);
    await page.goto(server.url + "/");
    await page.setInputFiles("#file", file);
    await result("unknown").waitFor();
    expect(await page.locator("#file-hash-value").innerText()).to.equal(sha256(big));
    expect(await page.locator("#hash-progress").evaluate((p: HTMLProgressElement) => p.value)).to.equal(1);
  });

  it("verifies a pasted receipt against the chain (genuine, but the file is not checked), and calls forged ones invalid, in German", async function () {
    const { hash } = await notarised("Vermieterbescheinigung");
    const receipt = await (await server.api(`/api/v1/receipts/${hash}`)).json();
    await page.goto(server.url + "/");
    await page.fill("#receipt-text", JSON.stringify(receipt));
    await page.click("#receipt-form button[type=submit]");
    await result("anchored").waitFor();
    expect(await page.locator("#result").innerText()).to.include("Der Prüfbeleg ist echt.");
    expect(await tone()).to.equal("info");

    const forgedSalt = structuredClone(receipt);
    forgedSalt.document.salt = `0x${"00".repeat(32)}`;
    await page.fill("#receipt-text", JSON.stringify(forgedSalt));
    await page.click("#receipt-form button[type=submit]");
    await result("invalid").waitFor();
    expect(await page.locator("#result").innerText()).to.include("Blatt: das Blatt müsste");

    // Facts the receipt prints are checked, not repeated: an edited municipality and an edited transaction.
    const forgedTown = { ...receipt, municipality: { name: "Landeshauptstadt Düsseldorf", ags: "05111000" } };
    await page.fill("#receipt-text", JSON.stringify(forgedTown));
    await page.click("#receipt-form button[type=submit]");
    await result("invalid").waitFor();
    expect(await page.locator("#result").innerText()).to.include("Kommune: der Beleg nennt Landeshauptstadt Düsseldorf (05111000), das Register nennt sich aber Stadt Musterstadt (05334002)");
    const forgedTx = { ...receipt, anchor: { ...receipt.anchor, transactionHash: `0x${"ab".repeat(32)}` } };
    await page.fill("#receipt-text", JSON.stringify(forgedTx));
    await page.click("#receipt-form button[type=submit]");
    await result("invalid").waitFor();
    expect(await page.locator("#result").innerText()).to.include(`Transaktion: auf dieser Blockchain gibt es keine Transaktion 0x${"ab".repeat(32)}`);

    await page.fill("#receipt-text", "{ not json");
    await page.click("#receipt-form button[type=submit]");
    expect(await page.locator("#receipt-error").innerText()).to.include("kein gültiges JSON");
  });

  it("a printed receipt's QR code says what it proves (a registered fingerprint, not this paper) and asks for the file, which then confirms it", async function () {
    const { file, hash } = await notarised("Sondernutzungserlaubnis");
    const pdf = new Uint8Array(await (await server.api(`/api/v1/receipts/${hash}.pdf`)).arrayBuffer());
    const link = await decodeQr(pdf);
    expect(link).to.equal(`${server.url}/#sha256=${hash}`);

    await page.goto(link!);
    await result("anchored").waitFor();
    expect(await page.inputValue("#hash")).to.equal(hash);
    const before = await page.locator("#result").innerText();
    expect(before).to.include("Registriert: Ein Dokument mit diesem Fingerabdruck ist eingetragen.");
    expect(before).to.include("Ein kopierter QR-Code passt zu jedem Papier");
    expect(before).to.include("wählen Sie oben die Datei");
    expect(before).to.not.include("unverändert:");
    expect(await tone()).to.equal("info"); // no success styling for a fingerprint alone
    // The hash travels in the fragment: the page request itself carries none.
    expect(sent.filter((r) => r.url.includes(hash) && !r.url.includes("/api/v1/verify/"))).to.deep.equal([]);
    // Choosing the matching file confirms it: now it is this very document, unchanged.
    await page.setInputFiles("#file", file);
    await page.locator('#result[data-file="matched"]').waitFor();
    expect(await page.locator("#result").innerText()).to.include("Echt und unverändert");
    expect(await tone()).to.equal("ok");
    await page.screenshot({ path: path.join(TEST_OUTPUT, "citizen-qr-then-file.png"), fullPage: true });
  });

  it("rejects a malformed hash in the form with a message, not a request, and clears the previous result", async function () {
    const { hash } = await notarised("Vorheriges Ergebnis");
    await page.goto(server.url + "/");
    await page.fill("#hash", hash);
    await page.click("#hash-form button[type=submit]");
    await result("anchored").waitFor();
    sent = [];
    await page.fill("#hash", "1234");
    await page.click("#hash-form button[type=submit]");
    expect(await page.locator("#hash-error").innerText()).to.include("64 Zeichen");
    expect(await page.getAttribute("#hash", "aria-invalid")).to.equal("true");
    expect(sent.some((r) => r.url.includes("/api/v1/verify/"))).to.equal(false);
    expect(await page.locator("#result").isHidden()).to.equal(true);
  });

  it("speaks German by default, English for an English browser, and switches on request", async function () {
    await page.goto(server.url + "/");
    expect(await page.locator("h1").innerText()).to.equal("Dokument prüfen");
    expect(await page.getAttribute("html", "lang")).to.equal("de");

    const english = await browser.newContext({ locale: "en-GB" });
    const en = await english.newPage();
    await en.goto(server.url + "/");
    expect(await en.locator("h1").innerText()).to.equal("Verify a document");
    await en.click("#lang-switch");
    expect(await en.locator("h1").innerText()).to.equal("Dokument prüfen");
    expect(await en.getAttribute("html", "lang")).to.equal("de");
    await en.reload(); // the choice is remembered
    expect(await en.locator("h1").innerText()).to.equal("Dokument prüfen");
    await english.close();

    const french = await browser.newContext({ locale: "fr-FR" });
    const fr = await french.newPage();
    await fr.goto(server.url + "/");
    expect(await fr.locator("h1").innerText()).to.equal("Dokument prüfen");
    await french.close();
  });

  it("works by keyboard alone: tab to the hash field, type, Enter", async function () {
    const { hash } = await notarised("Tastaturbedienung");
    await page.goto(server.url + "/");
    await page.focus("#hash");
    await page.keyboard.type(hash);
    await page.keyboard.press("Enter");
    await result("anchored").waitFor();
    // Backwards from the hash field: the result's list of checks, then the file field.
    await page.keyboard.press("Shift+Tab");
    expect(await page.evaluate(() => document.activeElement?.closest("#result details") !== null)).to.equal(true);
    await page.keyboard.press("Shift+Tab");
    expect(await page.evaluate(() => document.activeElement?.id)).to.equal("file");
  });

  it("the accessibility check itself finds violations where there are some", async function () {
    await page.setContent('<html><body><input type="text"><p style="color:#bbb">faint</p></body></html>');
    const found = await axeViolations(page);
    expect(found.map((v) => v.split(" ")[0])).to.include.members(["label", "color-contrast", "html-has-lang"]);
  });

  it("has no serious or critical accessibility violations (axe-core, WCAG 2 A/AA), with a result shown", async function () {
    const { hash } = await notarised("Barrierefreiheit");
    await page.goto(`${server.url}/#sha256=${hash}`);
    await result("anchored").waitFor();
    expect(await axeViolations(page)).to.deep.equal([]);
  });
});
