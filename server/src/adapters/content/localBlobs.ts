import { createReadStream } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import path from "node:path";

import { fsyncPath } from "../files/durableFiles.js";
import type { BlobStore } from "./blobs.js";

/** IPFS_MODE=off: originals stay in `<dataDir>/originals/`, named by their SHA-256. */
export class LocalBlobs implements BlobStore {
  readonly mode = "off" as const;

  constructor(private readonly dir: string) {}

  private pathOf(ref: string): string {
    const sha256 = ref.replace(/^local:/, "");
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a local ref: ${ref}`);
    return path.join(this.dir, sha256.slice(0, 2), sha256);
  }

  async put(file: string, opts: { sha256: string }): Promise<string> {
    const ref = `local:${opts.sha256}`;
    const target = this.pathOf(ref);
    await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    await rename(file, target);
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
