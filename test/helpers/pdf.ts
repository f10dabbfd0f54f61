import jsQRModule from "jsqr";
import * as mupdf from "mupdf";

/** jsqr is CommonJS whose types declare a default export; at run time the module is the function. */
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;

/**
 * Opens a PDF with MuPDF (WebAssembly, from npm: no system tools needed),
 * hands it to `fn` and frees it afterwards.
 */
function withPdf<T>(pdf: Uint8Array, fn: (doc: mupdf.PDFDocument) => T): T {
  const doc = mupdf.Document.openDocument(pdf, "application/pdf").asPDF();
  if (!doc) throw new Error("not a PDF");
  try {
    return fn(doc);
  } finally {
    doc.destroy();
  }
}

/** The text of every page of a PDF, in reading order, pages separated by form feeds. */
export const pdfText = async (pdf: Uint8Array): Promise<string> =>
  withPdf(pdf, (doc) => {
    const pages: string[] = [];
    for (let i = 0; i < doc.countPages(); i++) pages.push(doc.loadPage(i).toStructuredText("preserve-whitespace").asText());
    return pages.join("\f");
  });

/** Page 1 rendered as a printer would (150 dpi, RGB) and its QR code decoded, as a phone would read it; null when none is found. */
export const decodeQr = async (pdf: Uint8Array): Promise<string | null> =>
  withPdf(pdf, (doc) => {
    const pixmap = doc.loadPage(0).toPixmap(mupdf.Matrix.scale(150 / 72, 150 / 72), mupdf.ColorSpace.DeviceRGB, false);
    const [width, height, rgb] = [pixmap.getWidth(), pixmap.getHeight(), pixmap.getPixels()];
    const rgba = new Uint8ClampedArray(width * height * 4);
    for (let p = 0, q = 0; p < rgb.length; p += 3, q += 4) {
      rgba[q] = rgb[p]!;
      rgba[q + 1] = rgb[p + 1]!;
      rgba[q + 2] = rgb[p + 2]!;
      rgba[q + 3] = 255;
    }
    return jsQR(rgba, width, height)?.data ?? null;
  });

/** A file embedded in a PDF (by its name in the EmbeddedFiles tree), as text, or null. */
export const pdfAttachment = async (pdf: Uint8Array, name: string): Promise<string | null> =>
  withPdf(pdf, (doc) => {
    const spec = doc.getEmbeddedFiles()[name];
    const contents = spec ? doc.getEmbeddedFileContents(spec) : null;
    return contents ? contents.asString() : null;
  });

/** What a PDF declares about itself: the facts PDF/A and tagged-PDF checks look at, read with MuPDF. */
export interface PdfFacts {
  header: string;
  pages: number;
  lang: string | null;
  marked: boolean;
  /** The XMP metadata stream, as text (null: none). */
  xmp: string | null;
  /** The output intents' subtypes and their ICC profiles' component counts. */
  outputIntents: { subtype: string; components: number | null }[];
  /** Every font of every page: its name and whether its program is embedded. */
  fonts: { name: string; embedded: boolean }[];
  /** The document's associated files (catalog /AF). */
  associatedFiles: { name: string; relationship: string; mimeType: string | null }[];
  /** The structure tree, depth first: type, depth, and alternative text and language where set. */
  structure: { type: string; depth: number; alt?: string; lang?: string }[];
}

const nameOf = (o: mupdf.PDFObject) => (o.isName() ? o.asName() : "");
const textOf = (o: mupdf.PDFObject) => (o.isString() ? o.asString() : null);

export const pdfFacts = async (pdf: Uint8Array): Promise<PdfFacts> =>
  withPdf(pdf, (doc) => {
    const root = doc.getTrailer().get("Root");
    const fonts: PdfFacts["fonts"] = [];
    for (let i = 0; i < doc.countPages(); i++) {
      doc.loadPage(i).getObject().get("Resources").get("Font").forEach((font) => {
        const descendant = font.get("DescendantFonts");
        const descriptor = descendant.isArray() ? descendant.get(0).get("FontDescriptor") : font.get("FontDescriptor");
        const embedded = ["FontFile", "FontFile2", "FontFile3"].some((k) => !descriptor.get(k).isNull());
        fonts.push({ name: nameOf(font.get("BaseFont")), embedded });
      });
    }
    const structure: PdfFacts["structure"] = [];
    const walk = (node: mupdf.PDFObject, depth: number) => {
      const kids = node.get("K");
      const each = kids.isArray() ? Array.from({ length: kids.length }, (_, i) => kids.get(i)) : [kids];
      for (const kid of each) {
        if (!kid.isDictionary() || kid.get("S").isNull()) continue;
        const alt = textOf(kid.get("Alt"));
        const lang = textOf(kid.get("Lang"));
        structure.push({ type: nameOf(kid.get("S")), depth, ...(alt !== null ? { alt } : {}), ...(lang !== null ? { lang } : {}) });
        walk(kid, depth + 1);
      }
    };
    const tree = root.get("StructTreeRoot");
    if (tree.isDictionary()) walk(tree, 0);
    const af = root.get("AF");
    const intents = root.get("OutputIntents");
    return {
      header: new TextDecoder("latin1").decode(pdf.subarray(0, 8)),
      pages: doc.countPages(),
      lang: textOf(root.get("Lang")),
      marked: root.get("MarkInfo").get("Marked").isBoolean() && root.get("MarkInfo").get("Marked").asBoolean(),
      xmp: root.get("Metadata").isStream() ? root.get("Metadata").readStream().asString() : null,
      outputIntents: Array.from({ length: intents.isArray() ? intents.length : 0 }, (_, i) => {
        const profile = intents.get(i).get("DestOutputProfile");
        return { subtype: nameOf(intents.get(i).get("S")), components: profile.isStream() ? profile.get("N").asNumber() : null };
      }),
      fonts,
      associatedFiles: Array.from({ length: af.isArray() ? af.length : 0 }, (_, i) => {
        const spec = af.get(i);
        return { name: textOf(spec.get("UF")) ?? textOf(spec.get("F")) ?? "", relationship: nameOf(spec.get("AFRelationship")), mimeType: nameOf(spec.get("EF").get("F").get("Subtype")) || null };
      }),
      structure,
    };
  });

/**
 * The glyph ids every page shows (PDFKit writes text as hex strings of 2-byte
 * glyph ids under Identity-H). Glyph 0 is .notdef, the missing-glyph box that
 * PDF/A forbids.
 */
export const pdfShownGlyphs = async (pdf: Uint8Array): Promise<number[]> =>
  withPdf(pdf, (doc) => {
    const ids: number[] = [];
    for (let i = 0; i < doc.countPages(); i++) {
      const contents = doc.loadPage(i).getObject().get("Contents");
      const streams = contents.isArray() ? Array.from({ length: contents.length }, (_, k) => contents.get(k)) : [contents];
      for (const stream of streams) {
        for (const [, hex] of stream.readStream().asString().matchAll(/<([0-9A-Fa-f]+)>/g)) {
          for (let k = 0; k + 4 <= hex!.length; k += 4) ids.push(parseInt(hex!.slice(k, k + 4), 16));
        }
      }
    }
    return ids;
  });
