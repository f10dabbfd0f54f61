import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

import * as fontkit from "fontkit";
import PDFDocument from "pdfkit";
import QRCode from "qrcode";

import type { Identity } from "../verification/identity.js";
import type { TimestampReport } from "../verification/verifyReceipt.js";
import type { Receipt } from "./receipt.js";

export interface ReceiptPdfInput {
  receipt: Receipt;
  title: string | null;
  reference: string | null;
  /** The citizen page's link that verifies this document (encoded in the QR code). */
  verifyUrl: string;
  /** Who issued it, as this server's trust configuration says (null: not checked). */
  identity?: Identity | null;
  /** RFC 3161 co-anchors as verified. */
  timestamps?: TimestampReport[];
}

type Lang = "de-DE" | "en-GB";

/** The "how to verify" text, German first; each part in its own language for screen readers. */
const HOW_TO_VERIFY: [Lang, string, string[]][] = [
  [
    "de-DE",
    "So prüfen Sie das Dokument",
    [
      "1. QR-Code scannen oder den Link unten öffnen: Er zeigt, ob ein Dokument mit diesem Fingerabdruck registriert ist. " +
        "Ob Ihre Datei dieses Dokument ist, zeigt erst die Datei selbst: Wählen Sie sie dort aus. Der Fingerabdruck (SHA-256) " +
        "wird in Ihrem Browser berechnet; die Datei verlässt Ihr Gerät nicht.",
      "2. Ohne uns: Dieser Beleg enthält die Datei receipt.json. Mit ihr und einem Zugang zur Blockchain prüft jeder selbst: " +
        "npx notary verify <Datei> --receipt receipt.json --rpc <URL>",
    ],
  ],
  [
    "en-GB",
    "How to verify",
    [
      "1. Scan the QR code or open the link below: it shows whether a document with this fingerprint is registered. " +
        "Whether your file is that document only the file itself shows: choose it there. Its fingerprint is computed in your " +
        "browser; the file never leaves your device.",
      "2. Without us: this PDF carries receipt.json; with it and any node of the chain, run " +
        "npx notary verify <file> --receipt receipt.json --rpc <URL>",
    ],
  ],
];

const MARGIN = 56;
const INK = "#1a1a1f";
const MUTED = "#595966";
const QR_SIZE = 150;

/**
 * The fonts, embedded (as subsets) in every receipt: DejaVu Sans and Sans Mono
 * from the `dejavu-fonts-ttf` package (Latin with Extended-A/B, Greek,
 * Cyrillic), so that "Łódź" or "Dvořák" print as written and the PDF renders
 * the same wherever it is opened (PDF/A).
 */
const FONTS = (() => {
  const require = createRequire(import.meta.url);
  const load = (file: string) => fontkit.create(readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${file}`))) as fontkit.Font;
  return { regular: load("DejaVuSans.ttf"), bold: load("DejaVuSans-Bold.ttf"), mono: load("DejaVuSansMono.ttf") };
})();
type FontName = keyof typeof FONTS;
/** PDFKit takes a parsed fontkit font as well as its bytes (saving a parse of each font per receipt, ~45 ms); @types/pdfkit 0.17 declares the bytes only. */
const source = (font: FontName) => FONTS[font] as unknown as PDFKit.Mixins.PDFFontSource;

/** Options PDFKit 0.20 takes that @types/pdfkit 0.17 does not declare yet. */
interface FigureOptions extends PDFKit.Mixins.StructureElementOptions {
  /** The figure's bounding box (left, top, right, bottom from the page's top), for PDF/UA. */
  bbox: [number, number, number, number];
}
interface AssociatedFileOptions extends PDFKit.Mixins.PDFAttachmentOptions {
  /** The file's relation to the document (PDF/A-3 AFRelationship). */
  relationship: "Source" | "Data" | "Alternative" | "Supplement" | "Unspecified";
  creationDate: Date;
  modifiedDate: Date;
}

/**
 * Characters the font lacks print as "?", white space it lacks (a tab, a
 * carriage return, the ideographic space) as a space: PDF/A forbids the
 * missing-glyph box, and a receipt must not fail over a name. Line feeds
 * stay: PDFKit breaks the line there.
 */
const printable = (font: FontName, text: string): string =>
  [...text].map((ch) => (ch === "\n" || FONTS[font].hasGlyphForCodePoint(ch.codePointAt(0)!) ? ch : /\s/.test(ch) ? " " : "?")).join("");

/** The longest name printed in full; the 200 characters of a title or reference, and the receipt still fits one page. */
const MAX_NAME = 200;
const cut = (name: string) => ([...name].length > MAX_NAME ? `${[...name].slice(0, MAX_NAME - 1).join("")}…` : name);

/** "25.11.2026, 18:21:42 (Europe/Berlin)": the time a German reader expects, plus UTC for everyone else. */
export function berlinTime(unixSeconds: number): string {
  const local = new Date(unixSeconds * 1000).toLocaleString("de-DE", { timeZone: "Europe/Berlin", dateStyle: "medium", timeStyle: "medium" });
  return `${local} (Europe/Berlin) · ${new Date(unixSeconds * 1000).toISOString().replace(".000Z", "Z")}`;
}

/** XML text content (PDFKit writes the XMP metadata without escaping): markup escaped, characters XML does not allow dropped. */
const xmlText = (s: string) =>
  s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");

/** Who issued it, in words a citizen understands: confirmed by a directory, or only the registry's own claim. */
function issuerText(identity: Identity | null, receipt: Receipt): string {
  const m = identity?.municipality ?? receipt.municipality;
  const name = cut(m.name);
  if (identity?.status === "confirmed") {
    const local = identity.directory?.local ? ", lokales Testverzeichnis / local trial directory" : "";
    return `${name} (AGS ${m.ags}), bestätigt durch / confirmed by "${cut(identity.directory?.name ?? "")}"${local}`;
  }
  return `${name} (AGS ${m.ags}): eigene Angabe des Registers, nicht bestätigt / the registry's own claim, unconfirmed`;
}

/** The facts of the receipt, label and value, as printed (hex values in the monospaced font). */
function facts(receipt: Receipt, title: string | null, reference: string | null, identity: Identity | null, timestamps: TimestampReport[]): [string, string, FontName][] {
  const validity: [string, string, "regular"][] =
    receipt.version === 2 && (receipt.document.validFrom || receipt.document.validUntil)
      ? [["Gültig / Valid", `${receipt.document.validFrom ? berlinTime(receipt.document.validFrom) : "–"} bis / until ${receipt.document.validUntil ? berlinTime(receipt.document.validUntil) : "–"}`, "regular"]]
      : [];
  const tsa = timestamps.find((t) => t.ok && t.genTime);
  return [
    ["SHA-256 des Dokuments / of the document", receipt.document.sha256, "mono"],
    ["Aussteller / Issuer", issuerText(identity, receipt), "regular"],
    ["Titel / Title", title ?? "–", "regular"],
    ["Aktenzeichen / Reference", reference ?? "–", "regular"],
    ...validity,
    ["Verankert am / Anchored at", berlinTime(receipt.anchor.timestamp), "regular"],
    [
      "Zeitstempeldienst / Time-stamping authority",
      tsa ? `${tsa.tsa}: ${berlinTime(Date.parse(tsa.genTime!) / 1000)}` : "– (noch keiner / none yet: die Blockzeit gilt / block time only)",
      "regular",
    ],
    ["Blockchain (chain id)", receipt.version === 2 ? `${receipt.anchor.chainId}, Genesis ${receipt.anchor.genesisHash}` : String(receipt.anchor.chainId), "regular"],
    ["Register / Registry", receipt.anchor.registry, "mono"],
    ["Block", String(receipt.anchor.blockNumber), "regular"],
    ["Transaktion / Transaction", receipt.anchor.transactionHash, "mono"],
    ["Konto der Kommune / Issuing account", receipt.anchor.issuer, "mono"],
  ];
}

/**
 * The printable receipt as PDF/A-3a: who anchored what and when, a QR code
 * that opens the citizen page, how to verify without this server, and the
 * receipt JSON itself as the document's associated file (`receipt.json`,
 * AFRelationship Data). Tagged for screen readers: headings, the facts as a
 * list of label and value, the QR code as a figure whose alternative text is
 * its link, German with the English parts marked as such, in reading order.
 * Fonts are embedded subsets; colours are sRGB under an sRGB output intent.
 */
export async function renderReceiptPdf(input: ReceiptPdfInput): Promise<Uint8Array> {
  // Long names and titles wrap; when they would push the receipt onto a second page, it is set smaller (rare: names near their 200-character limit).
  for (const scale of [1, 0.88, 0.76]) {
    const { pdf, pages } = await draw(input, scale);
    if (pages === 1 || scale === 0.76) return pdf;
  }
  throw new Error("unreachable");
}

async function draw({ receipt, title, reference, verifyUrl, identity = null, timestamps = [] }: ReceiptPdfInput, scale: number): Promise<{ pdf: Uint8Array; pages: number }> {
  const anchoredAt = new Date(receipt.anchor.timestamp * 1000);
  const doc = new PDFDocument({
    size: "A4",
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    pdfVersion: "1.7",
    subset: "PDF/A-3a",
    tagged: true,
    lang: "de-DE",
    displayTitle: true,
    font: source("regular") as string, // never the (unembedded) Helvetica PDFKit starts with; the types say a path
    info: {
      Title: `Prüfbeleg ${receipt.document.sha256.slice(0, 16)}`,
      Subject: `NotaryReceipt v${receipt.version}`,
      Creator: "Notary",
      Producer: "Notary (PDFKit)",
      CreationDate: anchoredAt,
    },
  });
  let pages = 1;
  doc.on("pageAdded", () => (pages += 1));
  const done = new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on("data", (c: Buffer) => chunks.push(c));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });
  for (const font of ["regular", "bold", "mono"] as const) doc.registerFont(font, source(font));
  // The issuing municipality as the author, XML-escaped in the XMP (PDF/A asks the Info dictionary only for what it has).
  doc.appendXML(`
        <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
            <dc:creator><rdf:Seq><rdf:li>${xmlText(receipt.municipality.name)}</rdf:li></rdf:Seq></dc:creator>
        </rdf:Description>`);

  const associated: AssociatedFileOptions = {
    name: "receipt.json",
    type: "application/json",
    description: `NotaryReceipt v${receipt.version} (verify with: npx notary verify <file> --receipt receipt.json --rpc <URL>)`,
    creationDate: anchoredAt,
    modifiedDate: anchoredAt,
    relationship: "Data",
  };
  doc.file(Buffer.from(JSON.stringify(receipt, null, 2)), associated);

  const root = doc.struct("Document");
  doc.addStructure(root);
  const width = doc.page.width - 2 * MARGIN;
  const beside = width - QR_SIZE - 16; // the header's width, left of the QR code
  /** Text in one of the embedded fonts, wrapped within `width` (at spaces; a longer word, such as a hash, anywhere). */
  const put = (font: FontName, size: number, color: string, value: string, at: { x?: number; y?: number; width?: number; align?: "center" } = {}) => {
    doc.font(font).fontSize(size * scale).fillColor(color).text(printable(font, value), at.x ?? MARGIN, at.y ?? doc.y, { width: at.width ?? width, align: at.align });
  };
  /** A paragraph or heading of its own in the structure tree. */
  const text = (type: string, value: string, opts: { font?: FontName; size?: number; color?: string; width?: number; gap?: number; lang?: Lang } = {}) => {
    root.add(doc.struct(type, opts.lang ? { lang: opts.lang } : {}, () => put(opts.font ?? "regular", opts.size ?? 10, opts.color ?? INK, value, { width: opts.width })));
    doc.moveDown(opts.gap ?? 0);
  };

  doc.y = MARGIN;
  text("P", cut(receipt.municipality.name), { font: "bold", size: 16, width: beside });
  text("P", `Amtlicher Gemeindeschlüssel ${receipt.municipality.ags}`, { size: 9, color: MUTED, width: beside, gap: 1 });
  text("H1", "Prüfbeleg", { font: "bold", size: 20, width: beside });
  text("P", "Verification receipt: the document was registered and anchored on a blockchain", { size: 11, color: MUTED, width: beside, lang: "en-GB", gap: 0.6 });

  // The QR code, top right, as vector squares (sharp at any print size); its alternative text is its link.
  const qrX = doc.page.width - MARGIN - QR_SIZE;
  const qrY = MARGIN + 10;
  const qrFigure: FigureOptions = {
    alt: `QR-Code mit dem Link zur Prüfseite / QR code linking to the verification page: ${verifyUrl}`,
    bbox: [qrX, qrY, qrX + QR_SIZE, qrY + QR_SIZE],
  };
  root.add(
    doc.struct("Figure", qrFigure, () => {
      const { modules } = QRCode.create(verifyUrl, { errorCorrectionLevel: "M" });
      const quiet = 4;
      const cell = QR_SIZE / (modules.size + 2 * quiet);
      doc.rect(qrX, qrY, QR_SIZE, QR_SIZE).fill("#ffffff");
      for (let row = 0; row < modules.size; row++) {
        for (let col = 0; col < modules.size; col++) {
          if (modules.get(row, col)) doc.rect(qrX + (col + quiet) * cell, qrY + (row + quiet) * cell, cell, cell);
        }
      }
      doc.fill("#000000");
    }),
  );
  root.add(
    doc.struct("P", {}, () => {
      put("regular", 8, MUTED, "Zum Prüfen scannen / Scan to verify", { x: qrX, y: qrY + QR_SIZE + 4, width: QR_SIZE, align: "center" });
    }),
  );

  // The facts, as a list of label and value, below the QR code.
  doc.y = Math.max(doc.y, qrY + QR_SIZE + 24);
  const list = doc.struct("L");
  root.add(list);
  for (const [label, value, font] of facts(receipt, title, reference, identity, timestamps)) {
    const item = doc.struct("LI");
    list.add(item);
    item.add(doc.struct("Lbl", {}, () => put("bold", 9, INK, label)));
    item.add(doc.struct("LBody", {}, () => put(font, font === "mono" ? 9 : 10, INK, value)));
    item.end();
    doc.moveDown(0.35);
  }
  list.end();

  doc.moveDown(0.8);
  for (const [lang, heading, paragraphs] of HOW_TO_VERIFY) {
    const section = doc.struct("Sect", { lang });
    root.add(section);
    section.add(doc.struct("H2", {}, () => put("bold", 12, INK, heading)));
    for (const p of paragraphs) section.add(doc.struct("P", {}, () => put("regular", 9, INK, p)));
    section.end();
    doc.moveDown(0.6);
  }
  text("P", verifyUrl, { font: "mono", size: 8, color: MUTED });

  root.end();
  doc.end();
  return { pdf: await done, pages };
}
