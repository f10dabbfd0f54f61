/**
 * Where (encrypted) originals are kept: the data dir, an embedded Helia node,
 * or a Kubo node. A ref is what the database stores: `local:<sha256>` or the
 * IPFS CID.
 */
export interface BlobStore {
  readonly mode: "off" | "embedded" | "kubo";
  /** Adds and pins a fully written file (plaintext when public, else ciphertext); resolves once it is durable, with its ref. */
  put(file: string, opts: { public: boolean; sha256: string }): Promise<string>;
  get(ref: string): AsyncIterable<Uint8Array>;
  /** Unpins and removes the blocks (garbage collection where the backend allows it). */
  delete(ref: string): Promise<void>;
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Kubo-compatible import settings (DESIGN.md "Environment facts"): "hello world\n" → QmT78zSu… */
export const KUBO_CHUNK_SIZE = 262_144;
export const KUBO_MAX_CHILDREN = 174;
