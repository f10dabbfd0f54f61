import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";

/** A file's path, or a stream of bytes. */
export type BlobSource = string | Readable;

/** The bytes of a source, as a stream read in Kubo-sized chunks. */
export const streamOf = (source: BlobSource): Readable =>
  typeof source === "string" ? createReadStream(source, { highWaterMark: KUBO_CHUNK_SIZE }) : source;

/**
 * Where (encrypted) originals are kept: the data dir, an embedded Helia node,
 * or a Kubo node. A ref is what the database stores: `local:<sha256>` or the
 * IPFS CID.
 */
export interface BlobStore {
  readonly mode: "off" | "embedded" | "kubo";
  /**
   * Adds and pins content (plaintext when public, else ciphertext), from a
   * stream or a fully written file; resolves with its ref once what it keeps
   * is durable. A file given need not be fsynced.
   */
  put(source: BlobSource, opts: { public: boolean; sha256: string }): Promise<string>;
  get(ref: string): AsyncIterable<Uint8Array>;
  /** Unpins and removes the blocks (garbage collection where the backend allows it). */
  delete(ref: string): Promise<void>;
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Kubo-compatible import settings (DESIGN.md "Environment facts"): "hello world\n" → QmT78zSu… */
export const KUBO_CHUNK_SIZE = 262_144;
export const KUBO_MAX_CHILDREN = 174;
