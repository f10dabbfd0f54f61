import { constants } from "node:fs";
import { open, readFile, rm } from "node:fs/promises";

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * Makes this process the only one using a chain folder: a pid file created
 * exclusively. A pid file of a process that is gone (kill -9) is taken over;
 * one of a live process is waited for up to `waitMs` (a chain that is still
 * shutting down), then refused.
 */
export async function acquireLock(file: string, waitMs = 10_000): Promise<() => Promise<void>> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      await handle.write(`${process.pid}\n`);
      await handle.close();
      return () => rm(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    const holder = Number((await readFile(file, "utf8").catch(() => "")).trim());
    if (!Number.isInteger(holder) || holder <= 0 || !alive(holder)) {
      await rm(file, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`Another chain process (pid ${holder}) is using ${file.replace(/[/\\]chain\.pid$/, "")}; stop it first`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
