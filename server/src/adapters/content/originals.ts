import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { Readable as ReadableStream } from "node:stream";

import type { ContentStore, StoredContent } from "../../domain/ports.js";
import type { DurableFiles } from "../files/durableFiles.js";
import { type BlobStore, KUBO_CHUNK_SIZE } from "./blobs.js";
import { type KeyRecord, decryptStream, encryptingStream } from "./envelope.js";

/**
 * Originals: encrypted with a per-document key (unless public) and kept in
 * the blob store chosen by IPFS_MODE. The plaintext of an upload exists only
 * as a temporary file until its encrypted copy is durable.
 */
export class Originals implements ContentStore {
  constructor(
    private readonly temp: DurableFiles,
    private readonly blobs: BlobStore,
    private readonly masterKey: Buffer,
  ) {}

  get mode() {
    return this.blobs.mode;
  }

  tempPath(): string {
    return this.temp.tempPath();
  }

  discard(tempPath: string): Promise<void> {
    return this.temp.discard(tempPath);
  }

  async ready(): Promise<void> {
    await this.blobs.ready();
  }

  async keep(tempPath: string, sha256: string, opts: { public: boolean }): Promise<StoredContent> {
    if (opts.public) {
      const ref = await this.blobs.put(tempPath, { public: true, sha256 });
      await this.temp.discard(tempPath);
      return { ref, key: null };
    }
    // Ciphertext streams straight into the blob store; the plaintext goes as soon as that is durable.
    const { cipher, record } = encryptingStream(this.masterKey);
    const plain = createReadStream(tempPath, { highWaterMark: KUBO_CHUNK_SIZE });
    plain.on("error", (e) => cipher.destroy(e));
    try {
      const ref = await this.blobs.put(plain.pipe(cipher), { public: false, sha256 });
      return { ref, key: JSON.stringify(record()) };
    } finally {
      await this.temp.discard(tempPath);
    }
  }

  async open(stored: StoredContent): Promise<Readable> {
    const raw = ReadableStream.from(this.blobs.get(stored.ref));
    if (!stored.key) return raw;
    const plain = decryptStream(this.masterKey, JSON.parse(stored.key) as KeyRecord);
    raw.on("error", (e) => plain.destroy(e));
    return raw.pipe(plain);
  }

  async erase(stored: StoredContent): Promise<void> {
    await this.blobs.delete(stored.ref);
  }

  async close(): Promise<void> {
    await this.blobs.close();
  }
}

