import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import * as dagPb from "@ipld/dag-pb";
import { FsBlockstore } from "blockstore-fs";
import { expect } from "chai";
import { CID } from "multiformats/cid";

import { HeliaBlobs, blockSharding } from "../../../../server/src/adapters/content/heliaBlobs.js";
import { KuboBlobs } from "../../../../server/src/adapters/content/kuboBlobs.js";
import { isNotaryError } from "../../../../server/src/errors.js";
import { startKuboStandIn } from "../../../helpers/kuboStandIn.js";

const collect = async (it: AsyncIterable<Uint8Array>) => {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
};

/** CIDs Kubo gives with its defaults (`ipfs add`, CIDv0). */
const KUBO_VECTORS = [
  ["hello world\n", "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"],
  ["hello\n", "QmZULkCELmmk5XNfCgTnCyFgAVxBRBXyDHGGMVoLFLiXEN"],
] as const;

describe("blob stores", function () {
  this.timeout(30_000);
  let dir: string;
  const file = async (content: Uint8Array | string) => {
    const p = path.join(dir, `in-${randomBytes(4).toString("hex")}`);
    await writeFile(p, content);
    return p;
  };

  beforeEach(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "notary-blobs-"));
  });

  afterEach(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  describe("embedded Helia", function () {
    let blobs: HeliaBlobs;

    beforeEach(async function () {
      blobs = new HeliaBlobs(path.join(dir, "ipfs"));
      await blobs.ready();
    });

    afterEach(async function () {
      await blobs.close();
    });

    for (const [content, cid] of KUBO_VECTORS) {
      it(`gives Kubo's CID for ${JSON.stringify(content)}`, async function () {
        expect(await blobs.put(await file(content), { public: true })).to.equal(cid);
      });
    }

    it("chunks a multi-chunk public file as Kubo does: 256 KiB dag-pb leaves under one balanced root", async function () {
      const content = randomBytes(600 * 1024);
      const root = CID.parse(await blobs.put(await file(content), { public: true }));
      const node = dagPb.decode(await collect(new FsBlockstore(path.join(dir, "ipfs", "blocks"), { shardingStrategy: blockSharding }).get(root)));
      expect(node.Links).to.have.length(3);
      // Each link is exactly the CID of that 256 KiB piece added on its own (whose encoding the vectors above pin down).
      for (const [i, link] of node.Links.entries()) {
        const piece = content.subarray(i * 262_144, (i + 1) * 262_144);
        expect(link.Hash.toString()).to.equal(await blobs.put(await file(piece), { public: true }));
        expect(link.Hash.version).to.equal(0);
      }
      expect(Buffer.from(await collect(blobs.get(root.toString()))).equals(content)).to.equal(true);
    });

    it("stores ciphertext as `ipfs add --cid-version=1` does: raw 256 KiB leaves", async function () {
      const content = randomBytes(300 * 1024);
      const root = CID.parse(await blobs.put(await file(content), { public: false }));
      expect(root.version).to.equal(1);
      const node = dagPb.decode(await collect(new FsBlockstore(path.join(dir, "ipfs", "blocks"), { shardingStrategy: blockSharding }).get(root)));
      expect(node.Links.map((l) => l.Hash.code)).to.deep.equal([0x55, 0x55]); // raw
      expect(Buffer.from(await collect(blobs.get(root.toString()))).equals(content)).to.equal(true);
    });

    const blockFiles = async () => (await readdir(path.join(dir, "ipfs", "blocks"), { recursive: true })).filter((f) => f.endsWith(".data")).length;

    it("keeps content across a restart and removes its blocks when deleted", async function () {
      const content = randomBytes(300 * 1024);
      const cid = await blobs.put(await file(content), { public: false });
      await blobs.close();
      blobs = new HeliaBlobs(path.join(dir, "ipfs"));
      await blobs.ready();
      expect(Buffer.from(await collect(blobs.get(cid))).equals(content)).to.equal(true);

      const before = await blockFiles();
      await blobs.delete(cid);
      expect(before - (await blockFiles())).to.equal(3); // root and two leaves
      let error: unknown;
      await collect(blobs.get(cid)).catch((e) => (error = e));
      expect(error).to.be.instanceOf(Error);
    });

    it("keeps blocks another pinned document still uses", async function () {
      const shared = randomBytes(262_144);
      const a = await blobs.put(await file(Buffer.concat([shared, randomBytes(1000)])), { public: true });
      const b = await blobs.put(await file(Buffer.concat([shared, randomBytes(1000)])), { public: true });
      const before = await blockFiles();
      await blobs.delete(a);
      expect(before - (await blockFiles())).to.equal(2); // a's root and its own second leaf; the shared leaf stays
      expect((await collect(blobs.get(b))).subarray(0, 262_144).equals(shared)).to.equal(true);
      await blobs.delete(b);
      expect(await blockFiles()).to.equal(0);
    });
  });

  describe("Kubo over its RPC API (against a stand-in)", function () {
    let kubo: Awaited<ReturnType<typeof startKuboStandIn>>;

    beforeEach(async function () {
      kubo = await startKuboStandIn();
    });

    afterEach(async function () {
      await kubo.stop();
    });

    it("adds with pinning and Kubo's import settings, cats, and unpins", async function () {
      const blobs = new KuboBlobs(kubo.url);
      await blobs.ready();
      const cid = await blobs.put(await file("hello world\n"), { public: true });
      expect(cid).to.equal("QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o");
      expect(kubo.pinned.has(cid)).to.equal(true);
      expect((await collect(blobs.get(cid))).toString()).to.equal("hello world\n");
      await blobs.delete(cid);
      expect(kubo.pinned.has(cid)).to.equal(false);
      await blobs.delete(cid); // already unpinned: no error
      expect(kubo.calls).to.include.members(["POST /api/v0/id", "POST /api/v0/add", "POST /api/v0/cat", "POST /api/v0/pin/rm"]);
    });

    it("fails to start with a clear message when the Kubo API does not answer", async function () {
      const url = kubo.url;
      await kubo.stop();
      const error = await new KuboBlobs(url).ready().catch((e) => e);
      expect(isNotaryError(error, "CONFIG_INVALID")).to.equal(true);
      expect(error.message).to.include(`The Kubo RPC API at ${url} does not answer`);
      kubo = await startKuboStandIn(); // for afterEach
    });
  });
});
