import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { chmod, readFile, stat, writeFile } from "node:fs/promises";
import { Transform } from "node:stream";

import { NotaryError } from "../../errors.js";

const ALGORITHM = "aes-256-gcm";

/**
 * How a document's key is kept: the document key (random, 32 bytes) wrapped
 * with the master key, plus the IV and tag of the document's ciphertext.
 * Stored in the database; deleting it makes the original unrecoverable.
 */
export interface KeyRecord {
  v: 1;
  /** The document key encrypted with the master key: iv (12) ‖ tag (16) ‖ ciphertext (32), hex. */
  wrapped: string;
  /** IV and GCM tag of the document's ciphertext, hex. */
  iv: string;
  tag: string;
}

/**
 * The master key: `MASTER_KEY` (hex), or `<dataDir>/master.key`, created with
 * mode 0600 on first start. Losing it loses every encrypted original.
 */
export async function loadMasterKey(configured: string | undefined, keyFile: string): Promise<Buffer> {
  if (configured) return Buffer.from(configured.slice(2), "hex");
  try {
    const info = await stat(keyFile);
    if ((info.mode & 0o077) !== 0) await chmod(keyFile, 0o600);
    const hex = (await readFile(keyFile, "utf8")).trim();
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new NotaryError("CONFIG_INVALID", `${keyFile} does not hold a 32-byte hex key`);
    return Buffer.from(hex, "hex");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    const key = randomBytes(32);
    await writeFile(keyFile, key.toString("hex") + "\n", { mode: 0o600, flag: "wx", flush: true });
    return key;
  }
}

function wrap(master: Buffer, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv(ALGORITHM, master, iv);
  const ct = Buffer.concat([cipher.update(key), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ct]).toString("hex");
}

function unwrap(master: Buffer, wrapped: string): Buffer {
  const raw = Buffer.from(wrapped, "hex");
  const decipher = createDecipheriv(ALGORITHM, master, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
  } catch (e) {
    throw new NotaryError("CONTENT_CORRUPTED", "A document key does not open with this master key (wrong MASTER_KEY?)", {}, { cause: e });
  }
}

/**
 * Encryption with a fresh document key, as a stream (so ciphertext goes
 * straight into the blob store, with no file of its own). `record()` gives
 * the key record once the stream has ended (the GCM tag is known only then).
 */
export function encryptingStream(master: Buffer): { cipher: Transform; record(): KeyRecord } {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  const cipher = createCipheriv(ALGORITHM, key, iv);
  const wrapped = wrap(master, key);
  key.fill(0);
  return { cipher, record: () => ({ v: 1, wrapped, iv: iv.toString("hex"), tag: cipher.getAuthTag().toString("hex") }) };
}

/** A stream that decrypts; it fails with CONTENT_CORRUPTED if the ciphertext or tag was tampered with. */
export function decryptStream(master: Buffer, record: KeyRecord): Transform {
  const key = unwrap(master, record.wrapped);
  const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(record.iv, "hex"));
  decipher.setAuthTag(Buffer.from(record.tag, "hex"));
  key.fill(0);
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      cb(null, decipher.update(chunk));
    },
    flush(cb) {
      try {
        cb(null, decipher.final());
      } catch (e) {
        cb(new NotaryError("CONTENT_CORRUPTED", "The stored original failed its integrity check and is not served", {}, { cause: e }));
      }
    },
  });
}
