import { PDFDocument, type PDFFont, type PDFPage, StandardFonts, rgb } from "pdf-lib";
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

const A4 = { width: 595.28, height: 841.89 };

/** The "how to verify" text, German first (lines wrapped by hand: pdf-lib does not wrap). */
const HOW_TO_VERIFY: [string, string[]][] = [
  [
    "So prüfen Sie das Dokument",
    [
      "1. QR-Code scannen oder den Link unten öffnen: Er zeigt, ob ein Dokument mit diesem Fingerabdruck registriert",
      "   ist. Ob Ihre Datei dieses Dokument ist, zeigt erst die Datei selbst: Wählen Sie sie dort aus. Der Fingerabdruck",
      "   (SHA-256) wird in Ihrem Browser berechnet; die Datei verlässt Ihr Gerät nicht.",
      "2. Ohne uns: Dieser Beleg enthält die Datei receipt.json. Mit ihr und einem Zugang zur Blockchain prüft",
      "   jeder selbst: npx notary verify <Datei> --receipt receipt.json --rpc <URL>",
    ],
  ],
  [
    "How to verify",
    [
      "1. Scan the QR code or open the link below: it shows whether a document with this fingerprint is registered.",
      "   Whether your file is that document only the file itself shows: choose it there. Its fingerprint is computed",
      "   in your browser; the file never leaves your device.",
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

const chunks = (text: string, width: number): string[] => Array.from({ length: Math.ceil(text.length / width) || 1 }, (_, i) => text.slice(i * width, (i + 1) * width));

/** Lines of at most `width` characters, broken at spaces (a longer word gets a line of its own, cut if need be). */
function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = "";
  for (const word of text.split(" ")) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = "";
    }
    current = current ? `${current} ${word}` : word;
    while (current.length > width) {
      lines.push(current.slice(0, width));
      current = current.slice(width);
    }
  }
  return [...lines, current];
}

/** Who issued it, in words a citizen understands: confirmed by a directory, or only the registry's own claim. */
function issuerText(identity: Identity | null, receipt: Receipt): string {
  const m = identity?.municipality ?? receipt.municipality;
  if (identity?.status === "confirmed") {
    const local = identity.directory?.local ? ", lokales Testverzeichnis / local trial directory" : "";
    return `${m.name} (AGS ${m.ags}), bestätigt durch / confirmed by "${identity.directory?.name}"${local}`;
  }
  return `${m.name} (AGS ${m.ags}): eigene Angabe des Registers, nicht bestätigt / the registry's own claim, unconfirmed`;
}

/**
 * The printable receipt: who anchored what and when, a QR code that opens the
 * citizen page and verifies the document, how to verify without this server,
 * and the receipt JSON itself attached to the PDF (`receipt.json`).
 */
export async function renderReceiptPdf({ receipt, title, reference, verifyUrl, identity = null, timestamps = [] }: ReceiptPdfInput): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const anchoredAt = new Date(receipt.anchor.timestamp * 1000);
  pdf.setTitle(`Prüfbeleg ${receipt.document.sha256.slice(0, 16)}`);
  pdf.setAuthor(receipt.municipality.name);
  pdf.setSubject(`NotaryReceipt v${receipt.version}`);
  pdf.setCreator("Notary");
  pdf.setLanguage("de-DE");
  pdf.setCreationDate(anchoredAt);
  pdf.setModificationDate(anchoredAt);
  await pdf.attach(new TextEncoder().encode(JSON.stringify(receipt, null, 2)), "receipt.json", {
    mimeType: "application/json",
    description: `NotaryReceipt v${receipt.version} (verify with: npx notary verify <file> --receipt receipt.json --rpc <URL>)`,
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
  line("Prüfbeleg", bold, 20);
  line("Verification receipt: the document was registered and anchored on a blockchain", regular, 11, MUTED);
  y -= 8;

  const qrSize = 150;
  drawQr(page, verifyUrl, A4.width - MARGIN - qrSize, A4.height - MARGIN - qrSize - 10, qrSize);
  page.drawText("Zum Prüfen scannen / Scan to verify", { x: A4.width - MARGIN - qrSize + 8, y: A4.height - MARGIN - qrSize - 18, size: 8, font: regular, color: MUTED });

  const validity =
    receipt.version === 2 && (receipt.document.validFrom || receipt.document.validUntil)
      ? [["Gültig / Valid", `${receipt.document.validFrom ? berlinTime(receipt.document.validFrom) : "–"} bis / until ${receipt.document.validUntil ? berlinTime(receipt.document.validUntil) : "–"}`, regular] as [string, string, PDFFont]]
      : [];
  const tsa = timestamps.find((t) => t.ok && t.genTime);
  const fields: [string, string, PDFFont][] = [
    ["Aussteller / Issuer", issuerText(identity, receipt), regular],
    ["Titel / Title", title ?? "–", regular],
    ["Aktenzeichen / Reference", reference ?? "–", regular],
    ...validity,
    ["Verankert am / Anchored at", berlinTime(receipt.anchor.timestamp), regular],
    [
      "Zeitstempeldienst / Time-stamping authority",
      tsa ? `${tsa.tsa}: ${berlinTime(Date.parse(tsa.genTime!) / 1000)}` : "– (noch keiner / none yet: die Blockzeit gilt / block time only)",
      regular,
    ],
    ["Blockchain (chain id)", receipt.version === 2 ? `${receipt.anchor.chainId}, Genesis ${receipt.anchor.genesisHash}` : String(receipt.anchor.chainId), regular],
    ["Register / Registry", receipt.anchor.registry, mono],
    ["Block", String(receipt.anchor.blockNumber), regular],
    ["Transaktion / Transaction", receipt.anchor.transactionHash, mono],
    ["Konto der Kommune / Issuing account", receipt.anchor.issuer, mono],
  ];
  y -= 6;
  line("SHA-256 des Dokuments / of the document", bold, 9);
  line(receipt.document.sha256.slice(0, 32), mono, 11);
  line(receipt.document.sha256.slice(32), mono, 11);
  y -= 6;
  for (const [label, value, font] of fields) {
    line(label, bold, 9);
    // Long values wrap so they stay inside the margin: text at spaces, hex anywhere.
    for (const part of font === mono ? chunks(value, 66) : wrapWords(value, 80)) line(part, font, font === mono ? 9 : 10);
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
