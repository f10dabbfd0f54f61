/**
 * A 1 GiB upload to the server as `npm start` runs it (compiled, embedded
 * chain and IPFS, encrypted): upload time against `sha256sum` of the same
 * file, and the server's peak RSS (VmHWM from /proc) after start and after
 * the upload.
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";

import { freePort } from "../test/helpers/processes.js";
import { ServerProcess, clerkKeyIn } from "../test/helpers/serverProcess.js";

const SIZE = 1024 ** 3;

const peakRss = async (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

async function makeFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(
    (async function* () {
      for (let written = 0; written < SIZE; written += 4 * 1024 * 1024) {
        const chunk = randomBytes(4 * 1024 * 1024);
        hash.update(chunk);
        yield chunk;
      }
    })(),
    createWriteStream(file),
  );
  return hash.digest("hex");
}

/** Streams the file as one multipart part; resolves with the status. */
function upload(base: string, key: string, file: string, size: number): Promise<number> {
  const boundary = "large" + randomBytes(8).toString("hex");
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/v1/documents`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": `multipart/form-data; boundary=${boundary}`, "content-length": head.length + size + tail.length },
    }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode!));
    });
    req.on("error", reject);
    req.write(head);
    const body = createReadStream(file);
    body.pipe(req, { end: false });
    body.on("end", () => req.end(tail));
  });
}

export async function largeUploadBenchmark() {
  const dir = await mkdtemp(path.join(tmpdir(), "notary-bench-large-"));
  const file = path.join(dir, "1g.bin");
  const port = await freePort();
  const server = new ServerProcess(
    { DATA_DIR: path.join(dir, "data"), PORT: String(port), CHAIN_PORT: String(await freePort()), MAX_UPLOAD_BYTES: String(2 * SIZE), LOG_LEVEL: "warn" },
    `http://127.0.0.1:${port}`,
  );
  try {
    const sha256 = await makeFile(file);
    let t = performance.now();
    const { stdout } = await promisify(execFile)("sha256sum", [file]);
    const sha256sumS = (performance.now() - t) / 1000;
    if (!stdout.startsWith(sha256)) throw new Error("sha256sum disagrees with node:crypto");
    // The upload path's hashing: SHA-256 of a stream, in a Transform, as HashingDiskStorage does.
    t = performance.now();
    const streamed = createHash("sha256");
    for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) streamed.update(chunk as Buffer);
    const streamedHashS = (performance.now() - t) / 1000;
    if (streamed.digest("hex") !== sha256) throw new Error("streamed hash differs");

    await server.start();
    const key = await clerkKeyIn(server.env.DATA_DIR!);
    const pid = server.child!.pid!;
    const rssAfterStart = await peakRss(pid);
    t = performance.now();
    const status = await upload(server.base, key, file, (await stat(file)).size);
    const uploadS = (performance.now() - t) / 1000;
    const rssAfterUpload = await peakRss(pid);
    return { sizeBytes: SIZE, status, sha256sumS, streamedHashS, uploadS, rssAfterStartMB: rssAfterStart, rssAfterUploadMB: rssAfterUpload };
  } finally {
    await server.kill("SIGTERM");
    await rm(dir, { recursive: true, force: true });
  }
}
