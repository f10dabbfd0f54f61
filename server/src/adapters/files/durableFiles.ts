import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, rm, unlink } from "node:fs/promises";
import path from "node:path";

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
 * Temporary upload files in `<dataDir>/tmp/`, named randomly (never by the
 * client's file name). A crash can leave one behind; `init` removes them at
 * the next start.
 */
export class DurableFiles {
  private readonly tmp: string;

  constructor(dataDir: string) {
    this.tmp = path.join(dataDir, "tmp");
  }

  /** Creates the folder and removes temporary files a crash left behind. */
  async init(): Promise<void> {
    await rm(this.tmp, { recursive: true, force: true });
    await mkdir(this.tmp, { recursive: true, mode: 0o700 });
  }

  tempPath(): string {
    return path.join(this.tmp, `${randomUUID()}.part`);
  }

  async discard(tempPath: string): Promise<void> {
    if (path.dirname(tempPath) !== this.tmp) throw new Error("not a temporary upload file");
    await unlink(tempPath).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "ENOENT") throw e;
    });
  }

  /** How many temporary files exist (for tests). */
  async pendingTemporaryFiles(): Promise<number> {
    return (await readdir(this.tmp)).length;
  }
}
