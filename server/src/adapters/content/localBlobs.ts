import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";

import { fsyncPath } from "../files/durableFiles.js";
import type { BlobSource, BlobStore } from "./blobs.js";

/** IPFS_MODE=off: originals stay in `<dataDir>/originals/`, named by their SHA-256. */
export class LocalBlobs implements BlobStore {
  readonly mode = "off" as const;

  constructor(private readonly dir: string) {}

  private pathOf(ref: string): string {
    const sha256 = ref.replace(/^local:/, "");
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a local ref: ${ref}`);
    return path.join(this.dir, sha256.slice(0, 2), sha256);
  }

  async put(source: BlobSource, opts: { sha256: string }): Promise<string> {
    const ref = `local:${opts.sha256}`;
    const target = this.pathOf(ref);
    await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    if (typeof source === "string") {
      await fsyncPath(source); // the file, then its name in the folder
      await rename(source, target);
    } else {
      // Written beside the target and renamed, so a crash never leaves half a file under the document's name.
      const part = `${target}.${randomUUID()}.part`;
      try {
        await pipeline(source, createWriteStream(part, { flags: "wx", mode: 0o600, flush: true }));
        await rename(part, target);
      } finally {
        await rm(part, { force: true });
      }
    }
    await fsyncPath(path.dirname(target));
    return ref;
  }

  get(ref: string): AsyncIterable<Uint8Array> {
    return createReadStream(this.pathOf(ref));
  }

  async delete(ref: string): Promise<void> {
    await rm(this.pathOf(ref), { force: true });
  }

  async ready(): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
  }

  async close(): Promise<void> {}
}
