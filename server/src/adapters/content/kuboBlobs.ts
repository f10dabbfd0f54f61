import { type KuboRPCClient, create } from "kubo-rpc-client";
import { CID } from "multiformats/cid";

import { NotaryError } from "../../errors.js";
import { type BlobSource, type BlobStore, KUBO_CHUNK_SIZE, streamOf } from "./blobs.js";

/**
 * IPFS_MODE=kubo: a Kubo node (or an IPFS cluster's Kubo-compatible API) over
 * its RPC API with kubo-rpc-client. Uses add (pinned), cat, pin/rm and id.
 * Unpinned blocks are removed by Kubo's own garbage collection (its config).
 */
export class KuboBlobs implements BlobStore {
  readonly mode = "kubo" as const;
  private readonly client: KuboRPCClient;

  constructor(private readonly url: string) {
    this.client = create({ url, timeout: 60_000 });
  }

  async ready(): Promise<void> {
    try {
      await this.client.id({ timeout: 5000 });
    } catch (e) {
      throw new NotaryError("CONFIG_INVALID", `The Kubo RPC API at ${this.url} does not answer: ${(e as Error).message}`, {}, { cause: e });
    }
  }

  /** Public documents with `ipfs add` defaults (CIDv0), encrypted ones with `--cid-version=1` (raw leaves). */
  async put(source: BlobSource, opts: { public: boolean }): Promise<string> {
    const { cid } = await this.client.add(streamOf(source), {
      cidVersion: opts.public ? 0 : 1,
      rawLeaves: !opts.public,
      chunker: `size-${KUBO_CHUNK_SIZE}`,
      pin: true,
    });
    return cid.toString();
  }

  get(ref: string): AsyncIterable<Uint8Array> {
    return this.client.cat(CID.parse(ref));
  }

  async delete(ref: string): Promise<void> {
    try {
      await this.client.pin.rm(CID.parse(ref));
    } catch (e) {
      if (!/not pinned/i.test((e as Error).message)) throw e;
    }
  }

  async close(): Promise<void> {}
}
