import { createHash, randomBytes } from "node:crypto";

import { expect } from "chai";
import { network } from "hardhat";

import { verifyIndependently } from "../../helpers/independentVerify.js";
import { decodeQr, pdfAttachment, pdfFacts, pdfText } from "../../helpers/pdf.js";
import { type TestServer, eventually, startTestServer, uploadForm } from "../../helpers/server.js";

const { provider: eip1193 } = await network.create();

const sha256 = (data: string) => createHash("sha256").update(data).digest("hex");

describe("API: printable receipt (PDF with QR code)", function () {
  this.timeout(60_000);
  let server: TestServer;
  let key: string;

  before(async function () {
    server = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "100", MUNICIPALITY_NAME: "Stadt Gelsenkirchen", MUNICIPALITY_AGS: "05513000" });
    key = await server.clerkKey("Erika Muster");
  });

  after(async function () {
    await server?.stop();
  });

  /** Uploads a new document to `on` and waits for its PDF receipt. */
  async function notarised(fields: Record<string, string>, on = server, clerk = key): Promise<{ hash: string; pdf: Uint8Array }> {
    const doc = `Erlaubnis Straßenmusik ${randomBytes(8).toString("hex")}`;
    const hash = sha256(doc);
    expect((await on.api("/api/v1/documents", { method: "POST", key: clerk, body: uploadForm(doc, fields) })).status).to.equal(202);
    const pdf = await eventually(async () => {
      const res = await on.api(`/api/v1/receipts/${hash}.pdf`);
      return res.status === 200 ? new Uint8Array(await res.arrayBuffer()) : null;
    }, 20_000, "the PDF receipt");
    return { hash, pdf };
  }

  it("answers 202 pending before the anchor, like the JSON receipt", async function () {
    const slow = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "3600000" });
    try {
      const slowKey = await slow.clerkKey();
      const doc = `pending ${randomBytes(8).toString("hex")}`;
      await slow.api("/api/v1/documents", { method: "POST", key: slowKey, body: uploadForm(doc) });
      const res = await slow.api(`/api/v1/receipts/${sha256(doc)}.pdf`);
      expect(res.status).to.equal(202);
      expect(res.headers.get("retry-after")).to.equal("5");
      expect(await res.json()).to.deep.equal({ sha256: sha256(doc), status: "pending" });
    } finally {
      await slow.stop();
    }
  });

  it("prints municipality, title, reference, hash, anchor time, chain, registry and transaction", async function () {
    const { hash, pdf } = await notarised({ title: "Erlaubnis zur Straßenmusik", reference: "32.1-2026-0815" });
    const receipt = await (await server.api(`/api/v1/receipts/${hash}`)).json();
    const text = await pdfText(pdf);
    for (const expected of [
      "Stadt Gelsenkirchen",
      "05513000",
      "Prüfbeleg",
      "bestätigt durch / confirmed by",
      "lokales Testverzeichnis / local trial directory",
      "Erlaubnis zur Straßenmusik",
      "32.1-2026-0815",
      hash.slice(0, 32),
      hash.slice(32),
      String(receipt.anchor.chainId),
      receipt.anchor.registry,
      receipt.anchor.transactionHash,
      "So prüfen Sie das Dokument",
      "How to verify",
      new Date(receipt.anchor.timestamp * 1000).toISOString().replace(".000Z", "Z"),
    ]) {
      expect(text, `${expected} in:\n${text}`).to.include(expected);
    }
  });

  it("carries a QR code that decodes, from the rendered page, to the citizen page's link for this document", async function () {
    const { hash, pdf } = await notarised({});
    expect(await decodeQr(pdf)).to.equal(`${server.url}/#sha256=${hash}`);
  });

  it("carries the receipt JSON as an attachment, which verifies without the server", async function () {
    const { hash, pdf } = await notarised({});
    const attached = JSON.parse((await pdfAttachment(pdf, "receipt.json"))!);
    expect(attached).to.deep.equal(await (await server.api(`/api/v1/receipts/${hash}`)).json());
    expect(await verifyIndependently(attached, server.provider)).to.equal("anchored");
  });

  it("uses PUBLIC_URL for the QR link when one is configured", async function () {
    const behindProxy = await startTestServer(eip1193, { BATCH_INTERVAL_MS: "100", PUBLIC_URL: "https://notar.musterstadt.de/" });
    try {
      const { hash, pdf } = await notarised({}, behindProxy, await behindProxy.clerkKey());
      expect(await decodeQr(pdf)).to.equal(`https://notar.musterstadt.de/#sha256=${hash}`);
    } finally {
      await behindProxy.stop();
    }
  });

  it("prints Polish, Czech, Turkish, Greek and Cyrillic titles as written, and what its fonts lack as ? instead of failing", async function () {
    const { pdf } = await notarised({ title: "Erlaubnis für Straßenmusik – Łódź/Çelik/Dvořák", reference: "Zażółć gęślą jaźń Αθήνα Київ 漢字" });
    const text = await pdfText(pdf);
    expect(text).to.include("Erlaubnis für Straßenmusik – Łódź/Çelik/Dvořák").and.include("Zażółć gęślą jaźń Αθήνα Київ ??");
  });

  it("is a tagged PDF/A-3a with every font embedded and receipt.json as its associated file", async function () {
    const { hash, pdf } = await notarised({ title: "Straßenmusik" });
    const facts = await pdfFacts(pdf);
    expect(facts.xmp).to.include("<pdfaid:part>3</pdfaid:part>").and.include("<pdfaid:conformance>A</pdfaid:conformance>").and.include("<rdf:li>Stadt Gelsenkirchen</rdf:li>");
    expect(facts.fonts.every((f) => f.embedded), JSON.stringify(facts.fonts)).to.equal(true);
    expect(facts).to.deep.include({ lang: "de-DE", marked: true, pages: 1 });
    expect(facts.structure.find((s) => s.type === "Figure")?.alt).to.include(`${server.url}/#sha256=${hash}`);
    expect(facts.associatedFiles).to.deep.equal([{ name: "receipt.json", relationship: "Data", mimeType: "application/json" }]);
  });

  it("answers 404 problem+json for an unknown hash and 400 for a malformed one", async function () {
    const unknown = await server.api(`/api/v1/receipts/${"ab".repeat(32)}.pdf`);
    expect(unknown.status).to.equal(404);
    expect(unknown.headers.get("content-type")).to.match(/^application\/problem\+json/);
    expect((await unknown.json()).code).to.equal("DOCUMENT_NOT_FOUND");
    const bad = await server.api("/api/v1/receipts/ABC.pdf");
    expect(bad.status).to.equal(400);
    expect((await bad.json()).code).to.equal("INVALID_HASH");
  });
});
