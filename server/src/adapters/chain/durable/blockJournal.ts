import { constants } from "node:fs";
import { type FileHandle, open, readFile } from "node:fs/promises";
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

/** Splits the file into records; a torn last record (a crash while writing it) ends the list. */
function parseRecords(file: string, bytes: Buffer): { records: unknown[]; goodLength: number } {
  const records: unknown[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const torn = () => offset + FRAME > bytes.length || offset + FRAME + bytes.readUInt32LE(offset) > bytes.length;
    if (torn()) break;
    const length = bytes.readUInt32LE(offset);
    const payload = bytes.subarray(offset + FRAME, offset + FRAME + length);
    const end = offset + FRAME + length;
    if (crc32(payload) !== bytes.readUInt32LE(offset + 4)) {
      // Only the last write can be torn; a bad checksum with records after it is damage.
      if (end === bytes.length) break;
      throw corrupt(file, `record ${records.length} (at byte ${offset}) fails its checksum`, { record: records.length });
    }
    records.push(JSON.parse(payload.toString("utf8")));
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

  /** Creates a new journal with its header (fails if the file exists). */
  static async create(file: string, header: JournalHeader): Promise<BlockJournal> {
    const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_APPEND, 0o600);
    await handle.write(frame(header));
    await handle.sync();
    await fsyncDir(path.dirname(file));
    return new BlockJournal(file, handle, 0);
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
