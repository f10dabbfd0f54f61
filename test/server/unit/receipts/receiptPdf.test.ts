import { expect } from "chai";

import type { Receipt } from "../../../../server/src/domain/receipts/receipt.js";
import type { Identity } from "../../../../server/src/domain/verification/identity.js";
import { renderReceiptPdf } from "../../../../server/src/domain/receipts/receiptPdf.js";
import { decodeQr, pdfAttachment, pdfFacts, pdfShownGlyphs, pdfText } from "../../../helpers/pdf.js";

const ANCHORED = 1795657348; // 2026-11-26T01:42:28Z
const VERIFY_URL = `https://pruefung.example.de/#sha256=${"ab".repeat(32)}`;

/** A version 2 receipt as the server writes it (the PDF prints it; the chain is the API tests' business). */
const receiptOf = (municipality: string, valid: { validFrom: number; validUntil: number } = { validFrom: 0, validUntil: 0 }): Receipt =>
  ({
    type: "NotaryReceipt",
    version: 2,
    document: { sha256: "ab".repeat(32), salt: "0x" + "cd".repeat(32), ...valid },
    leafEncoding: ["uint8", "bytes32", "bytes32", "uint64", "uint64"],
    leaf: "0x" + "01".repeat(32),
    proof: [],
    root: "0x" + "02".repeat(32),
    anchor: { chainId: 31337, registry: "0x" + "11".repeat(20), transactionHash: "0x" + "22".repeat(32), blockNumber: 5, blockHash: "0x" + "33".repeat(32), timestamp: ANCHORED, issuer: "0x" + "44".repeat(20), genesisHash: "0x" + "55".repeat(32) },
    municipality: { name: municipality, ags: "05334002" },
    coAnchors: [],
  }) as unknown as Receipt;

const render = (opts: { municipality?: string; title?: string | null; reference?: string | null } = {}) =>
  renderReceiptPdf({ receipt: receiptOf(opts.municipality ?? "Stadt Musterstadt"), title: opts.title ?? null, reference: opts.reference ?? null, verifyUrl: VERIFY_URL });

/**
 * The receipt PDF as an archive and a screen reader need it (PDF/A-3a, tagged,
 * Unicode fonts embedded), checked with MuPDF from npm. veraPDF, the reference
 * validator, needs a download from its site (README says how).
 */
describe("receipt PDF: PDF/A-3a, tagged, Unicode", function () {
  this.timeout(30_000);

  it("declares PDF/A-3 level A in its XMP, with title, the municipality as creator (XML-escaped) and the anchor's time; sRGB output intent", async function () {
    const facts = await pdfFacts(await render({ municipality: "Stadt Łódź & Çelik <Dvořák>" }));
    expect(facts.header).to.equal("%PDF-1.7");
    expect(facts.xmp).to.include("<pdfaid:part>3</pdfaid:part>").and.include("<pdfaid:conformance>A</pdfaid:conformance>");
    expect(facts.xmp).to.include(`<rdf:li xml:lang="x-default">Prüfbeleg ${"ab".repeat(8)}</rdf:li>`);
    expect(facts.xmp).to.include("<rdf:li>Stadt Łódź &amp; Çelik &lt;Dvořák&gt;</rdf:li>");
    expect(facts.xmp).to.include("<xmp:CreateDate>2026-11-26T01:42:28Z</xmp:CreateDate>");
    expect(facts.xmp!.replace(/&(amp|lt|gt|quot|apos);/g, ""), "no unescaped markup characters in text").to.not.match(/&|<(?![?/a-zA-Z!])/);
    expect(facts.outputIntents).to.deep.equal([{ subtype: "GTS_PDFA1", components: 3 }]);
  });

  it("embeds every font it uses, and prints Latin Extended, Greek and Cyrillic as written; what its fonts lack prints as ?", async function () {
    const title = "Erlaubnis für Straßenmusik – Łódź/Çelik/Dvořák";
    const pdf = await render({ municipality: "Gmina Łódź", title, reference: "Αθήνα / Київ 漢字" });
    const facts = await pdfFacts(pdf);
    expect(facts.fonts.length).to.be.at.least(3);
    for (const font of facts.fonts) expect(font, font.name).to.include({ embedded: true }).and.property("name").match(/^[A-Z]{6}\+DejaVuSans/);
    const text = await pdfText(pdf);
    expect(text).to.include(title).and.include("Gmina Łódź").and.include("Αθήνα / Київ ??");
  });

  it("never shows the missing glyph: white space its fonts lack (tab, carriage return, ideographic space) prints as a space", async function () {
    const pdf = await render({ title: "Spalte1\tSpalte2", reference: "東京\u3000Az\rB" });
    const glyphs = await pdfShownGlyphs(pdf);
    expect(glyphs.length).to.be.above(500);
    expect(glyphs.filter((g) => g === 0), "glyph 0 (.notdef) shown").to.deep.equal([]);
    expect(await pdfText(pdf)).to.include("Spalte1 Spalte2").and.include("?? Az B");
  });

  it("keeps its XMP well-formed for any municipality name: characters XML does not allow are dropped", async function () {
    const facts = await pdfFacts(await render({ municipality: "Stadt\u0001Muster\uFFFEstadt" }));
    expect(facts.xmp).to.include("<rdf:li>StadtMusterstadt</rdf:li>");
    expect(facts.xmp).to.not.match(/[\u0001\uFFFE]/);
  });

  it("is tagged in reading order: headings, the facts as a list of label and body, the QR code as a figure whose alternative text is its link, English parts marked", async function () {
    const facts = await pdfFacts(await render({ title: "Straßenmusik" }));
    expect(facts.lang).to.equal("de-DE");
    expect(facts.marked).to.equal(true);
    const top = facts.structure.filter((s) => s.depth <= 1).map((s) => `${s.type}${s.lang ? `@${s.lang}` : ""}`);
    expect(top).to.deep.equal(["Document", "P", "P", "H1", "P@en-GB", "Figure", "P", "L", "Sect@de-DE", "Sect@en-GB", "P"]);
    expect(facts.structure.find((s) => s.type === "Figure")?.alt).to.include(VERIFY_URL);
    const items = facts.structure.filter((s) => s.type === "LI");
    expect(items.length).to.be.at.least(10);
    const itemKids = facts.structure.filter((s) => s.depth === 3).map((s) => s.type);
    expect(itemKids).to.deep.equal(items.flatMap(() => ["Lbl", "LBody"]));
    expect(facts.structure.filter((s) => s.type === "H2")).to.have.length(2);
  });

  it("wraps long names within the page: 200-character title and reference, a municipality name cut at 200, every optional fact: one A4 page, QR code readable", async function () {
    const long = "Sondernutzungserlaubnis für Außengastronomie und Straßenmusik ".repeat(4).slice(0, 200);
    const pdf = await renderReceiptPdf({
      receipt: receiptOf(`Verbandsgemeinde ${"Łódź-".repeat(60)}Ende`, { validFrom: ANCHORED, validUntil: ANCHORED + 86_400 * 365 }),
      title: long,
      reference: "R".repeat(200),
      verifyUrl: VERIFY_URL,
      identity: { status: "confirmed", municipality: { name: `Verbandsgemeinde ${"Łódź-".repeat(60)}Ende`, ags: "05334002" }, directory: { name: "Landesverzeichnis Nordrhein-Westfalen", local: false } } as unknown as Identity,
      timestamps: [{ type: "rfc3161", ok: true, genTime: "2026-11-26T01:42:30Z", tsa: "D-Trust Qualified Time Stamp Authority 2026", code: "timestamp.ok", values: {} }],
    });
    expect((await pdfFacts(pdf)).pages).to.equal(1);
    expect(await decodeQr(pdf)).to.equal(VERIFY_URL);
    const text = (await pdfText(pdf)).replace(/\s+/g, " ");
    expect(text, "a name over 200 characters is cut").to.include("…").and.not.include("Ende");
    expect(text).to.include(long.trim().split(" ").at(-1)!);
  });

  it("carries receipt.json as its associated file (AFRelationship Data, application/json), byte for byte the receipt", async function () {
    const receipt = receiptOf("Stadt Musterstadt");
    const pdf = await renderReceiptPdf({ receipt, title: null, reference: null, verifyUrl: VERIFY_URL });
    expect((await pdfFacts(pdf)).associatedFiles).to.deep.equal([{ name: "receipt.json", relationship: "Data", mimeType: "application/json" }]);
    expect(JSON.parse((await pdfAttachment(pdf, "receipt.json"))!)).to.deep.equal(receipt);
  });
});
