import { constants } from "node:fs";
import { type FileHandle, link, open, readFile, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { crc32 } from "node:zlib";

import { NotaryError } from "../../../errors.js";

/** What the chain was created with: enough to create the same genesis block again (durableChain.ts). */
export interface JournalHeader {
  format: "notary-chain-journal";
  version: 1;
  createdAt: string;
  /** The network configuration the genesis block depends on, with every default written out. */
  genesis: Record<string, unknown>;
  genesisHash: string;
  /** The Hardhat version that created the chain (a different one may execute differently). */
  hardhat: string;
}

/** One block as it was mined: enough to mine it again identically. */
export interface JournalBlock {
  number: number;
  timestamp: number;
  hash: string;
  /** The raw signed transactions of the block, in order (0x…). */
  transactions: string[];
}

export interface OpenedJournal {
  journal: BlockJournal;
  header: JournalHeader;
  blocks: JournalBlock[];
  /** Bytes of a torn last record that were cut off (a crash during its write), 0 when none. */
  droppedBytes: number;
}

/** Record framing: payload length (u32 LE), CRC-32 of the payload (u32 LE), payload (UTF-8 JSON). */
const FRAME = 8;

function frame(value: unknown): Buffer {
  const payload = Buffer.from(JSON.stringify(value), "utf8");
  const head = Buffer.alloc(FRAME);
  head.writeUInt32LE(payload.length, 0);
  head.writeUInt32LE(crc32(payload), 4);
  return Buffer.concat([head, payload]);
}

const corrupt = (file: string, detail: string, extra: Record<string, unknown> = {}) =>
  new NotaryError(
    "CHAIN_JOURNAL_CORRUPT",
    `The chain journal ${file} is damaged: ${detail}. Restore it from a backup; never delete it while receipts of this chain are in use (README "Durable local chain").`,
    { file, ...extra },
  );

/** Whether a well-framed record (a length that fits, a matching CRC) starts anywhere at or after `from`. */
function recordAfter(bytes: Buffer, from: number): boolean {
  for (let o = from; o + FRAME <= bytes.length; o++) {
    const length = bytes.readUInt32LE(o);
    if (length === 0 || o + FRAME + length > bytes.length) continue;
    if (crc32(bytes.subarray(o + FRAME, o + FRAME + length)) === bytes.readUInt32LE(o + 4)) return true;
  }
  return false;
}

/**
 * Splits the file into records. A crash can only tear the last write: a
 * record that is cut short, zero-filled or fails its checksum ends the list
 * when nothing valid follows it. Damage with valid records after it is not a
 * torn write and stops with CHAIN_JOURNAL_CORRUPT.
 */
function parseRecords(file: string, bytes: Buffer): { records: unknown[]; goodLength: number } {
  const records: unknown[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const length = offset + FRAME <= bytes.length ? bytes.readUInt32LE(offset) : -1;
    const end = offset + FRAME + length;
    const whole = length > 0 && end <= bytes.length && crc32(bytes.subarray(offset + FRAME, end)) === bytes.readUInt32LE(offset + 4);
    if (!whole) {
      if (recordAfter(bytes, offset + 1)) {
        throw corrupt(file, `record ${records.length} (at byte ${offset}) is damaged and records follow it`, { record: records.length, offset });
      }
      break; // a torn last write
    }
    try {
      records.push(JSON.parse(bytes.subarray(offset + FRAME, end).toString("utf8")));
    } catch {
      throw corrupt(file, `record ${records.length} (at byte ${offset}) passes its checksum but is not JSON`, { record: records.length, offset });
    }
    offset = end;
  }
  return { records, goodLength: offset };
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The write-ahead journal of a local chain: a header, then every block in
 * order. `append` returns only once the blocks are on disk (fdatasync), so a
 * block that was handed out can always be mined again on restart.
 */
export class BlockJournal {
  private constructor(
    readonly file: string,
    private readonly handle: FileHandle,
    private lastNumber: number,
  ) {}

  /**
   * Creates a new journal with its header (fails if the file exists). The
   * header is written to a temporary file and linked into place, so a crash
   * never leaves a journal without a whole header.
   */
  static async create(file: string, header: JournalHeader): Promise<BlockJournal> {
    const temp = `${file}.new`;
    const draft = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC, 0o600);
    try {
      await draft.write(frame(header));
      await draft.sync();
    } finally {
      await draft.close();
    }
    try {
      await link(temp, file); // fails with EEXIST rather than replace a journal
    } finally {
      await unlink(temp);
    }
    await fsyncDir(path.dirname(file));
    return new BlockJournal(file, await open(file, constants.O_WRONLY | constants.O_APPEND), 0);
  }

  /**
   * Reads a journal, cutting off a torn last record; null when there is no
   * journal. Blocks must follow each other from block 1 on.
   */
  static async open(file: string): Promise<OpenedJournal | null> {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw e;
    }
    const { records, goodLength } = parseRecords(file, bytes);
    const header = records[0] as JournalHeader | undefined;
    if (header?.format !== "notary-chain-journal" || header.version !== 1) {
      throw corrupt(file, header === undefined ? "it has no complete header" : "its header is not a Notary chain journal (version 1)");
    }
    const blocks = records.slice(1) as JournalBlock[];
    blocks.forEach((b, i) => {
      if (b.number !== i + 1) throw corrupt(file, `block ${b.number} follows block ${i}`, { block: b.number });
    });
    const handle = await open(file, constants.O_WRONLY | constants.O_APPEND);
    const droppedBytes = bytes.length - goodLength;
    if (droppedBytes > 0) {
      // Kept aside, not destroyed: if this ever was more than a torn write, nothing is lost for good.
      await writeFile(`${file}.torn-${Date.now()}`, bytes.subarray(goodLength), { mode: 0o600, flush: true });
      await handle.truncate(goodLength);
      await handle.sync();
    }
    return { journal: new BlockJournal(file, handle, blocks.length), header, blocks, droppedBytes };
  }

  /** The number of the last journaled block (0: only the genesis block). */
  get lastBlock(): number {
    return this.lastNumber;
  }

  /** Appends blocks (which must continue the journal) in one write and waits until they are on disk. */
  async append(blocks: JournalBlock[]): Promise<void> {
    if (blocks.length === 0) return;
    blocks.forEach((b, i) => {
      if (b.number !== this.lastNumber + 1 + i) throw new Error(`journal: block ${b.number} cannot follow block ${this.lastNumber + i}`);
    });
    await this.handle.write(Buffer.concat(blocks.map(frame)));
    await this.handle.datasync();
    this.lastNumber += blocks.length;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
