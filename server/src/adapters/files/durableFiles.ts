import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";

import type { ContentStore } from "../../domain/ports.js";

/** fsyncs a file or directory, so a rename or a write survives a crash. */
export async function fsyncPath(p: string): Promise<void> {
  const handle = await open(p, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Originals in the data directory, named by their SHA-256 (never by the
 * client's file name): `<dataDir>/originals/ab/ab12…`. Uploads stream into
 * `<dataDir>/tmp/` and are renamed into place after fsync, so a crash leaves
 * either the whole file or a temporary one that the next start removes.
 */
export class DurableFiles implements ContentStore {
  private readonly originals: string;
  private readonly tmp: string;

  constructor(dataDir: string) {
    this.originals = path.join(dataDir, "originals");
    this.tmp = path.join(dataDir, "tmp");
  }

  /** Creates the folders and removes temporary files a crash left behind. */
  async init(): Promise<void> {
    await mkdir(this.originals, { recursive: true, mode: 0o700 });
    await rm(this.tmp, { recursive: true, force: true });
    await mkdir(this.tmp, { recursive: true, mode: 0o700 });
  }

  private pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error("not a SHA-256");
    return path.join(this.originals, sha256.slice(0, 2), sha256);
  }

  tempPath(): string {
    return path.join(this.tmp, `${randomUUID()}.part`);
  }

  async adopt(tempPath: string, sha256: string): Promise<void> {
    const target = this.pathOf(sha256);
    const dir = path.dirname(target);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await rename(tempPath, target);
    await fsyncPath(dir);
  }

  async open(sha256: string): Promise<NodeJS.ReadableStream | null> {
    const file = this.pathOf(sha256);
    try {
      await stat(file);
    } catch {
      return null;
    }
    return createReadStream(file);
  }

  async remove(sha256: string): Promise<void> {
    const file = this.pathOf(sha256);
    await rm(file, { force: true });
    await fsyncPath(path.dirname(file)).catch(() => undefined);
  }

  async discard(tempPath: string): Promise<void> {
    if (path.dirname(tempPath) !== this.tmp) throw new Error("not a temporary upload file");
    await rm(tempPath, { force: true });
  }

  /** How many temporary files exist (for tests and metrics). */
  async pendingTemporaryFiles(): Promise<number> {
    return (await readdir(this.tmp)).length;
  }
}
