import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { pipeline } from "node:stream/promises";

import { CliError } from "./output.js";

/** A regular file's size, or a CliError that names the path. */
export async function fileSize(file: string): Promise<number> {
  const info = await stat(file).catch(() => null);
  if (!info) throw new CliError(`${file}: no such file`);
  if (!info.isFile()) throw new CliError(`${file}: not a regular file`);
  return info.size;
}

/** SHA-256 of a file, streamed, as sha256sum prints it. */
export async function sha256OfFile(file: string): Promise<string> {
  await fileSize(file);
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), hash);
  return hash.digest("hex");
}

/** Where `notarise --wait` saves a file's receipt, and where `verify` looks for it. */
export const receiptFileOf = (file: string) => `${file}.receipt.json`;
