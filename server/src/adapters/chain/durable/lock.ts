import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { open, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { type Server, createServer } from "node:net";
import path from "node:path";

import { NotaryError } from "../../../errors.js";

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** Listens on a Linux abstract socket: the kernel lets one process hold a name, and frees it when that process dies (even by kill -9). */
function holdAbstractName(name: string): Promise<Server | null> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (e: NodeJS.ErrnoException) => (e.code === "EADDRINUSE" ? resolve(null) : reject(e)));
    server.listen({ path: `\0${name}` }, () => resolve(server.unref()));
  });
}

/** Elsewhere: a pid file created exclusively; one of a process that is gone (or of this very process id, reused) is taken over. */
async function holdPidFile(file: string): Promise<(() => Promise<void>) | null> {
  try {
    const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    await handle.write(`${process.pid}\n`);
    await handle.close();
    return () => rm(file, { force: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  const holder = Number((await readFile(file, "utf8").catch(() => "")).trim());
  if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) return null;
  await rm(file, { force: true });
  return holdPidFile(file);
}

/**
 * Makes this process the only one using a folder (a chain's, or a server's
 * data directory). Another holder that is still shutting down is waited for
 * up to `waitMs`, then LOCKED is thrown. `<folder>/<name>.pid` names the
 * holder for operators and tests.
 */
export async function acquireLock(folder: string, name: string, waitMs = 10_000): Promise<() => Promise<void>> {
  const pidFile = path.join(folder, `${name}.pid`);
  const key = `notary-${name}-${createHash("sha256").update(await realpath(folder)).digest("hex").slice(0, 32)}`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    if (process.platform === "linux") {
      const server = await holdAbstractName(key);
      if (server) {
        await writeFile(pidFile, `${process.pid}\n`, { mode: 0o600 });
        return async () => {
          await rm(pidFile, { force: true });
          await new Promise((r) => server.close(r));
        };
      }
    } else {
      const release = await holdPidFile(pidFile);
      if (release) return release;
    }
    if (Date.now() > deadline) {
      const holder = (await readFile(pidFile, "utf8").catch(() => "?")).trim();
      throw new NotaryError("LOCKED", `Another process (pid ${holder}) is using ${folder}; stop it first, or use another folder`, { folder, holder });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
