import { PDFDocument, type PDFFont, type PDFPage, StandardFonts, rgb } from "pdf-lib";
import QRCode from "qrcode";

import type { Receipt } from "./receipt.js";

export interface ReceiptPdfInput {
  receipt: Receipt;
  title: string | null;
  reference: string | null;
  /** The citizen page's link that verifies this document (encoded in the QR code). */
  verifyUrl: string;
}

const A4 = { width: 595.28, height: 841.89 };

/** The "how to verify" text, German first (lines wrapped by hand: pdf-lib does not wrap). */
const HOW_TO_VERIFY: [string, string[]][] = [
  [
    "So prüfen Sie das Dokument",
    [
      "1. QR-Code scannen oder den Link unten öffnen und das Dokument auswählen. Der Fingerabdruck (SHA-256)",
      "   wird in Ihrem Browser berechnet; die Datei verlässt Ihr Gerät nicht.",
      "2. Ohne uns: Dieser Beleg enthält die Datei receipt.json. Mit ihr und einem Zugang zur Blockchain prüft",
      "   jeder selbst: npx notary verify <Datei> --receipt receipt.json --rpc <URL>",
    ],
  ],
  [
    "How to verify",
    [
      "1. Scan the QR code or open the link below and choose the document; its fingerprint is computed in your",
      "   browser and the file never leaves your device.",
      "2. Without us: this PDF carries receipt.json; with it and any node of the chain, run",
      "   npx notary verify <file> --receipt receipt.json --rpc <URL>",
    ],
  ],
];
const MARGIN = 56;
const INK = rgb(0.1, 0.1, 0.12);
const MUTED = rgb(0.35, 0.35, 0.4);

/** "25.11.2026, 18:21:42 (Europe/Berlin)": the time a German reader expects, plus UTC for everyone else. */
export function berlinTime(unixSeconds: number): string {
  const local = new Date(unixSeconds * 1000).toLocaleString("de-DE", { timeZone: "Europe/Berlin", dateStyle: "medium", timeStyle: "medium" });
  return `${local} (Europe/Berlin) · ${new Date(unixSeconds * 1000).toISOString().replace(".000Z", "Z")}`;
}

/** The QR code as dark squares (no raster image: it stays sharp at any print size). */
function drawQr(page: PDFPage, text: string, x: number, y: number, size: number): void {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: "M" });
  const quiet = 4;
  const cell = size / (modules.size + 2 * quiet);
  page.drawRectangle({ x, y, width: size, height: size, color: rgb(1, 1, 1) });
  for (let row = 0; row < modules.size; row++) {
    for (let col = 0; col < modules.size; col++) {
      if (!modules.get(row, col)) continue;
      page.drawRectangle({
        x: x + (col + quiet) * cell,
        y: y + size - (row + quiet + 1) * cell,
        width: cell,
        height: cell,
        color: rgb(0, 0, 0),
      });
    }
  }
}

/** Standard PDF fonts cover WinAnsi only: characters outside it print as "?" rather than failing the receipt. */
function printable(font: PDFFont, text: string): string {
  const supported = new Set(font.getCharacterSet());
  return [...text].map((ch) => (supported.has(ch.codePointAt(0)!) ? ch : "?")).join("");
}

/**
 * The printable receipt: who anchored what and when, a QR code that opens the
 * citizen page and verifies the document, how to verify without this server,
 * and the receipt JSON itself attached to the PDF (`receipt.json`).
 */
export async function renderReceiptPdf({ receipt, title, reference, verifyUrl }: ReceiptPdfInput): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const anchoredAt = new Date(receipt.anchor.timestamp * 1000);
  pdf.setTitle(`Notarisierungsbeleg ${receipt.document.sha256.slice(0, 16)}`);
  pdf.setAuthor(receipt.municipality.name);
  pdf.setSubject("NotaryReceipt v1");
  pdf.setCreator("Notary");
  pdf.setLanguage("de-DE");
  pdf.setCreationDate(anchoredAt);
  pdf.setModificationDate(anchoredAt);
  await pdf.attach(new TextEncoder().encode(JSON.stringify(receipt, null, 2)), "receipt.json", {
    mimeType: "application/json",
    description: "NotaryReceipt v1 (verify with: npx notary verify <file> --receipt receipt.json --rpc <URL>)",
    creationDate: anchoredAt,
    modificationDate: anchoredAt,
  });

  const page = pdf.addPage([A4.width, A4.height]);
  const regular = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const mono = await pdf.embedFont(StandardFonts.Courier);
  let y = A4.height - MARGIN;
  const line = (text: string, font = regular, size = 10, color = INK, x = MARGIN) => {
    page.drawText(printable(font, text), { x, y, size, font, color });
    y -= size * 1.45;
  };

  line(receipt.municipality.name, bold, 16);
  line(`Amtlicher Gemeindeschlüssel ${receipt.municipality.ags}`, regular, 9, MUTED);
  y -= 14;
  line("Notarisierungsbeleg", bold, 20);
  line("Notarisation receipt", regular, 11, MUTED);
  y -= 8;

  const qrSize = 150;
  drawQr(page, verifyUrl, A4.width - MARGIN - qrSize, A4.height - MARGIN - qrSize - 10, qrSize);
  page.drawText("Zum Prüfen scannen / Scan to verify", { x: A4.width - MARGIN - qrSize + 8, y: A4.height - MARGIN - qrSize - 18, size: 8, font: regular, color: MUTED });

  const fields: [string, string, PDFFont][] = [
    ["Titel / Title", title ?? "–", regular],
    ["Aktenzeichen / Reference", reference ?? "–", regular],
    ["Verankert am / Anchored at", berlinTime(receipt.anchor.timestamp), regular],
    ["Blockchain (chain id)", String(receipt.anchor.chainId), regular],
    ["Register / Registry", receipt.anchor.registry, mono],
    ["Block", String(receipt.anchor.blockNumber), regular],
    ["Transaktion / Transaction", receipt.anchor.transactionHash, mono],
    ["Ausgestellt von / Issuer", receipt.anchor.issuer, mono],
  ];
  y -= 6;
  line("SHA-256 des Dokuments / of the document", bold, 9);
  line(receipt.document.sha256.slice(0, 32), mono, 11);
  line(receipt.document.sha256.slice(32), mono, 11);
  y -= 6;
  for (const [label, value, font] of fields) {
    line(label, bold, 9);
    // Long values wrap so they stay inside the margin.
    const width = font === mono ? 66 : 80;
    for (let i = 0; i < value.length; i += width) line(value.slice(i, i + width), font, font === mono ? 9 : 10);
    y -= 4;
  }

  y -= 10;
  for (const [heading, text] of HOW_TO_VERIFY) {
    line(heading, bold, 12);
    for (const l of text) line(l, regular, 9);
    y -= 6;
  }
  line(verifyUrl, mono, 8, MUTED);

  return pdf.save();
}
