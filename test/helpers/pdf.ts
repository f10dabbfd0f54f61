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
