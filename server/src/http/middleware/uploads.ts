import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";

import type { Request, RequestHandler } from "express";
import multer from "multer";

import { NotaryError } from "../../errors.js";
import type { ContentStore } from "../../domain/ports.js";

/** What the upload storage engines put on `req.file`. */
export interface HashedFile {
  sha256: string;
  size: number;
  tempPath?: string;
}

const hashing = (onDone: (sha256: string, size: number) => void) => {
  const hash = createHash("sha256");
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
    flush(cb) {
      onDone(hash.digest("hex"), size);
      cb();
    },
  });
};

/**
 * A multer storage engine that hashes the file with SHA-256 while streaming
 * it to a temporary file (mode 0600). Nothing is held in memory; the name the
 * client sent is never used. The temporary file is not fsynced: it is only an
 * intermediate, and the content store makes the kept copy durable (a crash
 * before that loses an upload that was never acknowledged).
 */
export class HashingDiskStorage implements multer.StorageEngine {
  constructor(private readonly content: ContentStore) {}

  _handleFile(_req: Request, file: Express.Multer.File, cb: (error?: unknown, info?: Partial<Express.Multer.File>) => void): void {
    const tempPath = this.content.tempPath();
    let result = { sha256: "", size: 0 };
    const out = createWriteStream(tempPath, { flags: "wx", mode: 0o600 });
    pipeline(file.stream, hashing((sha256, size) => (result = { sha256, size })), out).then(
      () => cb(null, { ...result, tempPath } as unknown as Partial<Express.Multer.File>),
      (e) => this.content.discard(tempPath).finally(() => cb(e)),
    );
  }

  _removeFile(_req: Request, file: Express.Multer.File & Partial<HashedFile>, cb: (error: Error | null) => void): void {
    if (!file.tempPath) return cb(null);
    this.content.discard(file.tempPath).then(() => cb(null), cb);
  }
}

/** A multer storage engine that only hashes: for citizens' files, which are never stored. */
export class HashOnlyStorage implements multer.StorageEngine {
  _handleFile(_req: Request, file: Express.Multer.File, cb: (error?: unknown, info?: Partial<Express.Multer.File>) => void): void {
    let result = { sha256: "", size: 0 };
    const sink = new Transform({ transform: (_c, _e, done) => done() });
    sink.resume();
    pipeline(file.stream, hashing((sha256, size) => (result = { sha256, size })), sink).then(
      () => cb(null, result as unknown as Partial<Express.Multer.File>),
      (e) => cb(e),
    );
  }

  _removeFile(_req: Request, _file: Express.Multer.File, cb: (error: Error | null) => void): void {
    cb(null);
  }
}

/** Room for multipart headers and text fields on top of the file itself. */
const MULTIPART_OVERHEAD = 64 * 1024;

/**
 * Refuses a body whose declared length is over the limit with 413 before any
 * of it is read, and closes the connection so the rest is never read.
 */
export const declaredLengthLimit =
  (maxUploadBytes: number): RequestHandler =>
  (req, _res, next) => {
    const declared = Number(req.get("content-length") ?? "0");
    if (declared > maxUploadBytes + MULTIPART_OVERHEAD) {
      next(new NotaryError("PAYLOAD_TOO_LARGE", `The upload is larger than the limit of ${maxUploadBytes} bytes`));
      return;
    }
    next();
  };

/** multer for one `file` part and a few short text fields. */
export function singleFile(storage: multer.StorageEngine, maxUploadBytes: number): RequestHandler {
  return multer({
    storage,
    limits: { fileSize: maxUploadBytes, files: 1, fields: 8, fieldSize: 1024, fieldNameSize: 64, parts: 10, headerPairs: 32 },
  }).single("file");
}
