import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { HeliaBlobs } from "../../../../server/src/adapters/content/heliaBlobs.js";
import { Originals } from "../../../../server/src/adapters/content/originals.js";
import { DurableFiles } from "../../../../server/src/adapters/files/durableFiles.js";
import { SqliteStore } from "../../../../server/src/adapters/store/sqliteStore.js";
import { notariseDocument } from "../../../../server/src/domain/documents/notariseDocument.js";

describe("notariseDocument", function () {
  let dir: string;
  let store: SqliteStore;
  let content: Originals;
  const clerk = { id: 1, name: "Erika", createdAt: 0, removedAt: null, role: "clerk" as const };
  const clock = { now: () => Date.now() };

  beforeEach(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "notary-notarise-"));
    store = new SqliteStore(path.join(dir, "notary.db"));
    const temp = new DurableFiles(dir);
    await temp.init();
    content = new Originals(temp, new HeliaBlobs(path.join(dir, "ipfs")), randomBytes(32));
    await content.ready();
  });

  afterEach(async function () {
    await content.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const uploadOf = async (bytes: Buffer) => {
    const tempPath = content.tempPath();
    await writeFile(tempPath, bytes);
    return { tempPath, size: bytes.length, mediaType: "application/pdf" };
  };

  it("keeps one copy when the same document is uploaded twice at the same time", async function () {
    const bytes = randomBytes(10_000);
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const input = async () => ({ sha256, reference: null, title: null, public: false, upload: await uploadOf(bytes), clerk });
    const results = await Promise.all([notariseDocument({ store, content, clock }, await input()), notariseDocument({ store, content, clock }, await input())]);
    expect(results.map((r) => r.created).sort()).to.deep.equal([false, true]);

    const blocks = (await readdir(path.join(dir, "ipfs", "blocks"), { recursive: true })).filter((f) => f.endsWith(".data"));
    expect(blocks).to.have.length(1); // a 10 kB ciphertext is one raw block; the loser's copy is gone
    expect(await readdir(path.join(dir, "tmp"))).to.deep.equal([]);
    expect((await store.getDocument(sha256))?.cid).to.equal(results.find((r) => r.created)!.document.cid);
  });
});
