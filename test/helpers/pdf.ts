import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import jsQRModule from "jsqr";
import { PNG } from "pngjs";

const exec = promisify(execFile);
/** jsqr is CommonJS whose types declare a default export; at run time the module is the function. */
const jsQR = jsQRModule as unknown as typeof jsQRModule.default;

/**
 * Runs a poppler-utils tool (`apt-get install poppler-utils`, as .ci/run does)
 * on a PDF in a temporary directory and hands back that directory.
 */
async function withPdf<T>(pdf: Uint8Array, fn: (dir: string, file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), "notary-pdf-"));
  try {
    const file = path.join(dir, "receipt.pdf");
    await writeFile(file, pdf);
    return await fn(dir, file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The text of a PDF as pdftotext extracts it. */
export const pdfText = (pdf: Uint8Array): Promise<string> => withPdf(pdf, async (_dir, file) => (await exec("pdftotext", ["-layout", file, "-"])).stdout);

/** The pages of a PDF rendered as a printer would (pdftoppm, 150 dpi) and every QR code on page 1 decoded, as a phone would read it. */
export const decodeQr = (pdf: Uint8Array): Promise<string | null> =>
  withPdf(pdf, async (dir, file) => {
    await exec("pdftoppm", ["-r", "150", "-png", "-f", "1", "-l", "1", file, path.join(dir, "page")]);
    const [png] = (await readdir(dir)).filter((f) => f.endsWith(".png"));
    const image = PNG.sync.read(await readFile(path.join(dir, png!)));
    return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data ?? null;
  });

/** A file attached to a PDF (pdfdetach), or null. */
export const pdfAttachment = (pdf: Uint8Array, name: string): Promise<string | null> =>
  withPdf(pdf, async (dir, file) => {
    // "1 embedded files\n1: receipt.json"
    const { stdout } = await exec("pdfdetach", ["-list", file]);
    const index = stdout.split("\n").find((line) => line.endsWith(`: ${name}`))?.split(":")[0];
    if (!index) return null;
    await exec("pdfdetach", ["-save", index, "-o", path.join(dir, "attachment"), file]);
    return readFile(path.join(dir, "attachment"), "utf8");
  });
