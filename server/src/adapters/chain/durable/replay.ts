import { NotaryError, isNotaryError } from "../../../errors.js";
import type { JournalBlock, JournalHeader } from "./blockJournal.js";
import type { Requester } from "./durableChain.js";

/** Block hashes are compared at this interval and at the end; each hash covers its parent's, so a match covers every block before it. */
const CHECK_EVERY = 1000;

const hex = (n: number) => `0x${n.toString(16)}`;
const hashOf = async (provider: Requester, n: number) =>
  ((await provider.request({ method: "eth_getBlockByNumber", params: [hex(n), false] })) as { hash: string } | null)?.hash ?? null;

function diverged(header: JournalHeader, block: number, why: string, expected?: string, actual?: string | null): NotaryError {
  return new NotaryError(
    "CHAIN_REPLAY_DIVERGED",
    `Replaying the chain journal diverged at block ${block}: ${why}. ` +
      `The journal was written by Hardhat ${header.hardhat}; a different Hardhat version, or a damaged journal, replays differently. ` +
      `Nothing was changed. Way out: start with the Hardhat version that wrote the journal (the package-lock.json of that release), or restore the journal from a backup. ` +
      `Only if the receipts of this chain may be given up: move the journal folder aside and start again (a new chain; every document is re-anchored with new receipts).`,
    { block, expected, actual },
  );
}

/** Mines one journaled block again: its transactions, at its timestamp. */
async function mineAgain(provider: Requester, header: JournalHeader, b: JournalBlock): Promise<void> {
  const send = async (raw: string) => {
    try {
      await provider.request({ method: "eth_sendRawTransaction", params: [raw] });
    } catch (e) {
      // A transaction that reverted when it was first mined reverts again, and its block is still mined.
      if ((await provider.request({ method: "eth_blockNumber" })) !== hex(b.number) || b.transactions.length > 1) {
        throw diverged(header, b.number, `its transaction was refused (${(e as Error).message})`);
      }
    }
  };
  if (b.transactions.length === 0) {
    await provider.request({ method: "evm_mine", params: [b.timestamp] });
  } else if (b.transactions.length === 1) {
    await provider.request({ method: "evm_setNextBlockTimestamp", params: [b.timestamp] });
    await send(b.transactions[0]!);
  } else {
    await provider.request({ method: "evm_setAutomine", params: [false] });
    try {
      for (const raw of b.transactions) await send(raw);
      await provider.request({ method: "evm_mine", params: [b.timestamp] });
    } finally {
      await provider.request({ method: "evm_setAutomine", params: [true] });
    }
  }
}

/** Finds the first block in from..to whose hash differs from the journal's. */
async function firstDifference(provider: Requester, blocks: JournalBlock[], from: number, to: number) {
  for (let n = from; n <= to; n++) {
    const actual = await hashOf(provider, n);
    if (actual !== blocks[n - 1]!.hash) return { n, actual };
  }
  return null;
}

/**
 * Mines the journal's blocks again on a chain created with the journal's
 * genesis, and checks that every block comes out with the hash it had.
 * Throws CHAIN_REPLAY_DIVERGED naming the first block that does not.
 */
export async function replayJournal(provider: Requester, header: JournalHeader, blocks: JournalBlock[], onProgress: (done: number, total: number) => void): Promise<void> {
  const genesis = await hashOf(provider, 0);
  if (genesis !== header.genesisHash) throw diverged(header, 0, "the genesis block differs", header.genesisHash, genesis);
  let checked = 0;
  for (const b of blocks) {
    try {
      await mineAgain(provider, header, b);
    } catch (e) {
      // A block that cannot be mined again may be the consequence of an earlier one that already came out differently.
      const earlier = await firstDifference(provider, blocks, checked + 1, b.number - 1);
      if (earlier) throw diverged(header, earlier.n, "its hash differs", blocks[earlier.n - 1]!.hash, earlier.actual);
      throw isNotaryError(e) ? e : diverged(header, b.number, `it could not be mined again (${(e as Error).message})`);
    }
    if (b.number % CHECK_EVERY !== 0 && b.number !== blocks.length) continue;
    if ((await hashOf(provider, b.number)) !== b.hash) {
      const first = (await firstDifference(provider, blocks, checked + 1, b.number))!;
      throw diverged(header, first.n, "its hash differs", blocks[first.n - 1]!.hash, first.actual);
    }
    checked = b.number;
    onProgress(b.number, blocks.length);
  }
}
