import { appendFile, mkdtemp, readFile, readdir, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { BlockJournal, type JournalBlock, type JournalHeader } from "../../../../server/src/adapters/chain/durable/blockJournal.js";
import { isNotaryError } from "../../../../server/src/errors.js";

const header: JournalHeader = { format: "notary-chain-journal", version: 1, createdAt: "2026-11-25T00:00:00.000Z", genesis: { chainId: 31337 }, genesisHash: `0x${"11".repeat(32)}`, hardhat: "3.18.0" };
const block = (n: number): JournalBlock => ({ number: n, timestamp: 1_795_000_000 + n, hash: `0x${n.toString(16).padStart(64, "0")}`, transactions: n % 2 ? [`0x02${"ab".repeat(100)}`] : [] });

describe("block journal", function () {
  let dir: string;
  let file: string;

  beforeEach(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "notary-journal-"));
    file = path.join(dir, "blocks.journal");
  });
  afterEach(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  async function written(n: number): Promise<void> {
    const journal = await BlockJournal.create(file, header);
    await journal.append(Array.from({ length: n }, (_, i) => block(i + 1)));
    await journal.close();
  }

  it("reads back the header and every block appended, in order", async function () {
    const journal = await BlockJournal.create(file, header);
    await journal.append([block(1)]);
    await journal.append([block(2), block(3)]);
    expect(journal.lastBlock).to.equal(3);
    await journal.close();
    const opened = (await BlockJournal.open(file))!;
    expect(opened.header).to.deep.equal(header);
    expect(opened.blocks).to.deep.equal([block(1), block(2), block(3)]);
    expect(opened.droppedBytes).to.equal(0);
    expect(opened.journal.lastBlock).to.equal(3);
    await opened.journal.close();
  });

  it("answers null when there is no journal, and refuses to create over an existing one", async function () {
    expect(await BlockJournal.open(file)).to.equal(null);
    await written(0);
    let error: unknown;
    await BlockJournal.create(file, header).catch((e: unknown) => (error = e));
    expect((error as NodeJS.ErrnoException).code).to.equal("EEXIST");
  });

  it("refuses a block that does not continue the journal", async function () {
    const journal = await BlockJournal.create(file, header);
    await journal.append([block(1)]);
    let error: unknown;
    await journal.append([block(3)]).catch((e: unknown) => (error = e));
    expect((error as Error).message).to.include("block 3 cannot follow block 1");
    await journal.close();
  });

  for (const cut of [1, 5, 9, 40]) {
    it(`drops a torn last record (the file cut ${cut} bytes short, as a crash during its write leaves it) and keeps the blocks before it`, async function () {
      await written(5);
      const { size } = await stat(file);
      await truncate(file, size - cut);
      const opened = (await BlockJournal.open(file))!;
      expect(opened.blocks.map((b) => b.number)).to.deep.equal([1, 2, 3, 4]);
      expect(opened.droppedBytes).to.be.greaterThan(0);
      // The torn bytes are gone from the file: the next block follows block 4 cleanly.
      await opened.journal.append([block(5)]);
      await opened.journal.close();
      expect((await BlockJournal.open(file))!.blocks.map((b) => b.number)).to.deep.equal([1, 2, 3, 4, 5]);
    });
  }

  it("drops a last record whose checksum fails (garbage at the end of the file)", async function () {
    await written(2);
    const { size } = await stat(file);
    const bytes = await readFile(file);
    bytes[size - 3] = bytes[size - 3]! ^ 0xff;
    await writeFile(file, bytes);
    const opened = (await BlockJournal.open(file))!;
    expect(opened.blocks.map((b) => b.number)).to.deep.equal([1]);
    await opened.journal.close();
  });

  it("refuses a journal damaged in the middle (a bad checksum with records after it), naming the record", async function () {
    await written(4);
    const bytes = await readFile(file);
    const at = bytes.indexOf(Buffer.from('"number":2'));
    bytes[at + 10] = "7".charCodeAt(0);
    await writeFile(file, bytes);
    let error: unknown;
    await BlockJournal.open(file).catch((e: unknown) => (error = e));
    expect(isNotaryError(error, "CHAIN_JOURNAL_CORRUPT"), String(error)).to.equal(true);
    expect((error as Error).message).to.include("record 2");
  });

  it("refuses a length field damaged in the middle (it would seem to run past the end): records follow, so it is not a torn write", async function () {
    await written(13);
    const bytes = await readFile(file);
    const second = bytes.indexOf(Buffer.from('{"number":2')) - 8;
    bytes[second + 3] = bytes[second + 3]! | 0x40; // the length now points far beyond the end of the file
    await writeFile(file, bytes);
    let error: unknown;
    await BlockJournal.open(file).catch((e: unknown) => (error = e));
    expect(isNotaryError(error, "CHAIN_JOURNAL_CORRUPT"), String(error)).to.equal(true);
    expect((await readFile(file)).length, "the file is left as it was").to.equal(bytes.length);
  });

  it("drops a zero-filled tail (a power loss can leave one) and keeps the dropped bytes aside", async function () {
    await written(3);
    await appendFile(file, Buffer.alloc(4096));
    const opened = (await BlockJournal.open(file))!;
    await opened.journal.close();
    expect(opened.blocks.map((b) => b.number)).to.deep.equal([1, 2, 3]);
    expect(opened.droppedBytes).to.equal(4096);
    const aside = (await readdir(dir)).filter((f) => f.startsWith("blocks.journal.torn-"));
    expect(aside).to.have.length(1);
    expect((await readFile(path.join(dir, aside[0]!))).equals(Buffer.alloc(4096))).to.equal(true);
  });

  it("refuses a file that is not a chain journal, or lacks its header", async function () {
    await writeFile(file, "hello");
    let error: unknown;
    await BlockJournal.open(file).catch((e: unknown) => (error = e));
    expect(isNotaryError(error, "CHAIN_JOURNAL_CORRUPT")).to.equal(true);
    expect((error as Error).message).to.include("no complete header");
    await rm(file);
    await written(0);
    const { size } = await stat(file);
    await truncate(file, size - 2);
    error = undefined;
    await BlockJournal.open(file).catch((e: unknown) => (error = e));
    expect(isNotaryError(error, "CHAIN_JOURNAL_CORRUPT")).to.equal(true);
  });
});
