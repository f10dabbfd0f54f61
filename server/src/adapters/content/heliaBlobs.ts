import { execFile } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

import { type UnixFS, unixfs } from "@helia/unixfs";
import { FsBlockstore } from "blockstore-fs";
import { FsDatastore } from "datastore-fs";
import { type Helia, createHeliaLight } from "helia";
import { fixedSize } from "ipfs-unixfs-importer/chunker";
import { balanced } from "ipfs-unixfs-importer/layout";
import { CID } from "multiformats/cid";

import { type BlobStore, KUBO_CHUNK_SIZE, KUBO_MAX_CHILDREN } from "./blobs.js";

const drain = async (it: AsyncIterable<unknown>) => {
  for await (const _ of it);
};

/** The import options that give Kubo's CIDs (CIDv0, dag-pb leaves, 256 KiB chunks, balanced 174). */
export const KUBO_IMPORT = {
  cidVersion: 0 as const,
  rawLeaves: false,
  chunker: fixedSize({ chunkSize: KUBO_CHUNK_SIZE }),
  layout: balanced({ maxChildrenPerNode: KUBO_MAX_CHILDREN }),
};

/**
 * IPFS_MODE=embedded: a Helia node without any network (no libp2p, no
 * listeners, no routers), blocks and pins in `<dataDir>/ipfs/`. Content
 * survives restarts; a Kubo node or IPFS cluster can later import the same
 * blocks (same CIDs).
 */
export class HeliaBlobs implements BlobStore {
  readonly mode = "embedded" as const;
  private helia: Helia | undefined;
  private fs: UnixFS | undefined;

  constructor(private readonly dir: string) {}

  async ready(): Promise<void> {
    if (this.helia) return;
    await mkdir(path.join(this.dir, "blocks"), { recursive: true, mode: 0o700 });
    await mkdir(path.join(this.dir, "datastore"), { recursive: true, mode: 0o700 });
    const blockstore = new FsBlockstore(path.join(this.dir, "blocks"));
    const datastore = new FsDatastore(path.join(this.dir, "datastore"));
    this.helia = createHeliaLight({ blockstore, datastore });
    await this.helia.start();
    this.fs = unixfs(this.helia);
  }

  private node() {
    if (!this.helia || !this.fs) throw new Error("the embedded IPFS node is not started");
    return { helia: this.helia, fs: this.fs };
  }

  async put(file: string): Promise<string> {
    const { helia, fs } = this.node();
    const cid = await fs.addByteStream(createReadStream(file), KUBO_IMPORT);
    if (!(await helia.pins.isPinned(cid))) await drain(helia.pins.add(cid));
    // blockstore-fs writes each block with an atomic rename but no fsync: sync the filesystem once per document.
    await promisify(execFile)("sync", ["-f", path.join(this.dir, "blocks")]);
    return cid.toString();
  }

  get(ref: string): AsyncIterable<Uint8Array> {
    return this.node().fs.cat(CID.parse(ref), { offline: true });
  }

  async delete(ref: string): Promise<void> {
    const { helia } = this.node();
    const cid = CID.parse(ref);
    if (await helia.pins.isPinned(cid)) await drain(helia.pins.rm(cid));
    await helia.gc();
  }

  async close(): Promise<void> {
    await this.helia?.stop();
    this.helia = undefined;
  }
}
