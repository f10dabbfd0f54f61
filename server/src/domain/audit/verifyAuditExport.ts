import { z } from "zod";

import { NotaryError } from "../../errors.js";
import type { ChainReader } from "../ports.js";
import { receiptSchema } from "../receipts/receipt.js";
import { leafHash, rootOf } from "../receipts/receiptVersions.js";
import type { Identity, TrustedDirectory } from "../verification/identity.js";
import { type ReceiptVerdict, type TimestampVerifier, verifyReceipt } from "../verification/verifyReceipt.js";
import { RANGE_SLACK_SECONDS } from "./exportAudit.js";
import { AUDIT_EPOCH_ROOT, AUDIT_GENESIS, type ChainBreak, auditEntryHash, auditLeafInput, findChainBreak } from "./auditChain.js";

const hash = z.string().regex(/^[0-9a-fA-F]{64}$/, "64 hex digits");
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "0x and 64 hex digits");
/** Milliseconds a Date can hold. */
const instantMs = z.number().int().min(-8.64e15).max(8.64e15);
const entry = z.object({
  id: z.number().int().min(1),
  at: instantMs,
  time: z.string(),
  clerk: z.string(),
  action: z.string(),
  sha256: z.string(),
  detail: z.string().nullable(),
  hash,
});
const exportSchema = z.object({
  type: z.literal("NotaryAuditExport"),
  version: z.literal(1),
  exportedAt: z.string(),
  municipality: z.object({ name: z.string(), ags: z.string() }),
  registry: z.object({ chainId: z.number().int(), genesisHash: bytes32, address: z.string().regex(/^0x[0-9a-fA-F]{40}$/) }),
  range: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
  leading: z.array(entry),
  previousHash: hash,
  entries: z.array(entry),
  following: z.array(entry),
  commitments: z.array(z.object({ auditId: z.number().int().min(1), head: hash, root: bytes32, proof: z.array(bytes32).max(64), blockNumber: z.number().int().min(0) })),
  chainBlock: z.number().int().min(0),
  receipt: receiptSchema.nullable(),
});

export type ParsedAuditExport = z.infer<typeof exportSchema>;

/** Parses an audit export, or throws INVALID_REQUEST listing what is wrong. */
export function parseAuditExport(value: unknown): ParsedAuditExport {
  const parsed = exportSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 20).map((i) => `${i.path.join(".") || "(export)"}: ${i.message}`);
  throw new NotaryError("INVALID_REQUEST", `Not a NotaryAuditExport (version 1): ${problems.join("; ")}`, { problems });
}

/** One commitment as checked offline: its leaf recomputed from head and id, its proof walked to its root. */
export interface CommitmentReport {
  auditId: number;
  blockNumber: number;
  ok: boolean;
  problem: string | null;
}

export type AuditVerdictStatus = "verified" | "tampered" | "unavailable";

/** What `notary audit verify` found (README "Audit log"). */
export interface AuditVerdict {
  status: AuditVerdictStatus;
  entries: { count: number; firstId: number | null; lastId: number | null };
  /** The first entry whose hash or id does not follow from the one before; null: the chain is intact. */
  chainBreak: ChainBreak | null;
  commitments: CommitmentReport[];
  /** The blocks in which every root the registry anchored was matched with a commitment of the export. */
  window: { fromBlock: number; toBlock: number; roots: number } | null;
  /** The last commitment's receipt, checked against the chain like a document's (transaction, block, issuer, timestamps). */
  receipt: ReceiptVerdict | null;
  /** Exported entries no anchored head covers yet (intact as far as the chain of hashes goes, but not anchored). */
  uncommitted: number;
  /** The issuer, as the trust configuration confirms it (from the last commitment's receipt). */
  identity: Identity | null;
  /** Whether the end of the range is shown complete: an anchored entry written after `to` follows the last one (an open range ends at the newest entry, checked up to `chainBlock`). */
  endShown: boolean;
  problems: string[];
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The entries' own consistency: one chain of hashes through leading, range and following entries; the range's edges; the times people read. */
function checkEntries(x: ParsedAuditExport, problems: string[]): { chainBreak: ChainBreak | null; hashes: Map<number, string> } {
  const all = [...x.leading, ...x.entries, ...x.following];
  const hashes = new Map(all.map((e) => [e.id, e.hash.toLowerCase()]));
  const first = all[0];
  const before = x.leading.at(-1);
  // The chain starts at the genesis or at a head the chain holds: a commitment must name the first exported entry.
  const fromGenesis = first?.id === 1 && same(x.previousHash, AUDIT_GENESIS);
  if (first && !fromGenesis && !x.commitments.some((c) => c.auditId === first.id)) {
    problems.push(`the exported entries start at entry ${first.id}, but no commitment of the export anchored its hash: where the chain starts cannot be shown`);
  }
  if (first && x.range.from === null && !fromGenesis) problems.push(`the export claims to start at the first entry, but starts at entry ${first.id}`);
  const rangeStart = x.entries[0];
  if (rangeStart && rangeStart.id > 1 && before?.id !== rangeStart.id - 1) problems.push(`entry ${rangeStart.id} is not the first entry, but the export holds no entry before it`);
  // Every entry shown before the range was written before it, every one after it after it (an honest export picks them so).
  const from = x.range.from === null ? null : Date.parse(x.range.from);
  const to = x.range.to === null ? null : Date.parse(x.range.to);
  const early = from === null ? undefined : x.leading.find((e) => !(e.at < from));
  if (early) problems.push(`entry ${early.id}, shown before the range, lies within it: the export leaves entries of the range out of it`);
  const late = to === null ? undefined : x.following.find((e) => !(e.at > to));
  if (late) problems.push(`entry ${late.id}, shown after the range, lies within it: the export leaves entries of the range out of it`);
  const chainBreak = findChainBreak(x.previousHash, all);
  if (chainBreak) {
    problems.push(
      `entry ${chainBreak.id}: ${chainBreak.problem === "hash" ? "its hash does not follow from the entry before it (it, or one before it, was changed)" : "its id does not follow the one before (entries were removed or inserted)"}`,
    );
  }
  for (const e of all) if (new Date(e.at).toISOString() !== e.time) problems.push(`entry ${e.id}: its time ${e.time} is not its timestamp (at)`);
  return { chainBreak, hashes };
}

/**
 * Each commitment offline: its leaf (head and id) leads to its root, the ids
 * never go backwards, and from the first exported entry on it names an
 * exported entry whose recomputed hash is its head. Only a range with an end
 * may leave out entries that later batches name.
 */
function checkCommitments(x: ParsedAuditExport, hashes: Map<number, string>): CommitmentReport[] {
  let lowest = Infinity;
  let highest = 0;
  for (const id of hashes.keys()) [lowest, highest] = [Math.min(lowest, id), Math.max(highest, id)];
  let previous = { auditId: 0, blockNumber: -1 };
  let beyondPinned = false;
  return x.commitments.map((c) => {
    const report = (problem: string | null): CommitmentReport => ({ auditId: c.auditId, blockNumber: c.blockNumber, ok: problem === null, problem });
    const backwards = c.auditId < previous.auditId || c.blockNumber < previous.blockNumber;
    previous = c;
    if (backwards) return report("it commits an older entry than a batch anchored before it, or the commitments are out of order: the log was cut back and anchored again");
    const leaf = leafHash(2, auditLeafInput(c.head.toLowerCase(), c.auditId));
    if (!same(rootOf(leaf, c.proof), c.root)) return report(`its proof does not lead from the leaf of entry ${c.auditId} to the root ${c.root}`);
    if (c.auditId < lowest) return report(null);
    const recomputed = hashes.get(c.auditId);
    if (recomputed === undefined) {
      // A range with an end may leave out what later batches name, once one of them pinned the entry after it.
      const pinnedEnd = x.range.to !== null && c.auditId > highest && beyondPinned;
      return pinnedEnd ? report(null) : report(`commits entry ${c.auditId}, which the export does not hold: it hides entries that were anchored`);
    }
    if (x.entries.length > 0 && c.auditId > x.entries.at(-1)!.id) beyondPinned = true;
    return same(recomputed, c.head)
      ? report(null)
      : report(`the chain anchored ${c.head} as the hash of entry ${c.auditId}, but the exported entries lead to ${recomputed}: they were changed after it was anchored`);
  });
}

/**
 * Checks an audit export without trusting its exporter:
 * - the entries form one unbroken hash chain, and the entries just outside
 *   the range lie outside it;
 * - every commitment names an exported entry, its head is that entry's
 *   recomputed hash, and its leaf (head and id) leads to its root;
 * - the exported entries start at the genesis or at an entry whose hash a
 *   commitment anchored, so no entry of the export rests on an unanchored
 *   hash;
 * - every root the registry anchored since its audit epoch, up to the block
 *   the export names, is one of the commitments, and each commitment's root
 *   is one of them; the ids they commit never go backwards; and from the
 *   first exported entry on each names an exported entry whose hash is its
 *   head: a batch that anchored the old head of a rewritten entry can neither
 *   be left out nor pass, and no anchored entry can be hidden;
 * - the last commitment's receipt verifies like a document's receipt, with
 *   the issuer against the trust configuration.
 */
export async function verifyAuditExport(
  x: ParsedAuditExport,
  reader: ChainReader | null,
  opts: { trust?: TrustedDirectory[]; timestamps?: TimestampVerifier } = {},
): Promise<AuditVerdict> {
  const problems: string[] = [];
  const { chainBreak, hashes } = checkEntries(x, problems);
  const commitments = hashes.size > 0 ? checkCommitments(x, hashes) : [];
  for (const c of commitments.filter((c) => !c.ok)) problems.push(`commitment of entry ${c.auditId} (block ${c.blockNumber}): ${c.problem}`);
  let unavailable = false;
  let window: AuditVerdict["window"] = null;
  let receipt: ReceiptVerdict | null = null;
  const last = x.commitments.at(-1);
  if (hashes.size > 0) {
    try {
      window = await checkWindow(x, reader, problems);
      if (last) receipt = await checkReceipt(x, reader, opts, problems);
      if (receipt?.status === "unavailable" || receipt?.status === "other-chain") unavailable = true;
    } catch (e) {
      if (!(e instanceof NotaryError && e.code === "CHAIN_UNAVAILABLE") && !(e instanceof UnreadableChain)) throw e;
      unavailable = true;
      problems.push(`the chain could not be read: ${(e as Error).message.slice(0, 200)}`);
    }
  }
  const covered = commitments.length > 0 && commitments.every((c) => c.ok) ? last!.auditId : 0;
  // The end of a range is shown when an entry after it is anchored (a batch names it or a later one).
  const nextAnchored = x.following.length > 0 && covered >= x.following[0]!.id;
  const tampered = problems.length > 0 && !unavailable;
  return {
    status: tampered ? "tampered" : unavailable ? "unavailable" : "verified",
    entries: { count: x.entries.length, firstId: x.entries[0]?.id ?? null, lastId: x.entries.at(-1)?.id ?? null },
    chainBreak,
    commitments,
    window,
    receipt,
    uncommitted: x.entries.filter((e) => e.id > covered).length,
    identity: receipt?.identity ?? null,
    endShown: x.range.to === null || nextAnchored,
    problems,
  };
}

class UnreadableChain extends Error {}

/** Every root the registry anchored in the export's blocks must be a commitment of the export, and the other way round. */
async function checkWindow(x: ParsedAuditExport, reader: ChainReader | null, problems: string[]): Promise<AuditVerdict["window"]> {
  if (!reader) throw new UnreadableChain(`no endpoint for chain ${x.registry.chainId}`);
  if (reader.chainId !== x.registry.chainId || !same(await reader.genesisHash(), x.registry.genesisHash)) {
    throw new UnreadableChain(`the endpoint serves another chain than the export's (chain ${x.registry.chainId}, genesis ${x.registry.genesisHash})`);
  }
  const registry = x.registry.address;
  const epoch = await reader.anchorOf(registry, AUDIT_EPOCH_ROOT);
  if (!epoch) {
    // Before its first audit batch a registry has no epoch: then nothing may claim to be anchored, and everything is pending.
    const fromGenesis = [...x.leading, ...x.entries][0]?.id === 1 && same(x.previousHash, AUDIT_GENESIS);
    if (x.commitments.length > 0 || !fromGenesis) problems.push(`the registry ${registry} never anchored the audit epoch: no root it anchored commits an audit head`);
    return null;
  }
  // Every root since the audit epoch, up to the chain's block when the export was made.
  const latest = await reader.latestBlock();
  const fromBlock = epoch.blockNumber;
  const toBlock = Math.max(x.chainBlock, x.commitments.at(-1)?.blockNumber ?? 0);
  if (toBlock > latest) throw new UnreadableChain(`the export names block ${toBlock}, but the chain read from ${reader.source} has only reached block ${latest}`);
  // Roots are unique in a registry (it refuses a second anchor): matched by root alone.
  const anchored = (await reader.anchoredRoots(registry, fromBlock, toBlock)).filter((r) => !same(r.root, AUDIT_EPOCH_ROOT));
  const exported = new Set(x.commitments.map((c) => c.root.toLowerCase()));
  const onChain = new Map(anchored.map((r) => [r.root.toLowerCase(), r.blockNumber]));
  for (const r of anchored) {
    if (!exported.has(r.root.toLowerCase())) problems.push(`the registry anchored ${r.root} in block ${r.blockNumber}, but the export leaves that batch out: what it committed is hidden`);
  }
  for (const c of x.commitments) {
    const block = onChain.get(c.root.toLowerCase());
    if (block === undefined) problems.push(`commitment of entry ${c.auditId}: the registry did not anchor ${c.root} in blocks ${fromBlock}–${toBlock}`);
    // The order and the range's time are judged by these blocks: they must be the chain's.
    else if (block !== c.blockNumber) problems.push(`commitment of entry ${c.auditId}: the registry anchored ${c.root} in block ${block}, not in block ${c.blockNumber}`);
  }
  await checkRangeBatches(x, reader, epoch.blockNumber, problems);
  return { fromBlock, toBlock, roots: anchored.length };
}

/** The last commitment's receipt: the same leaf and root, checked like a document's receipt (transaction, block, registry, issuer, timestamps). */
async function checkReceipt(
  x: ParsedAuditExport,
  reader: ChainReader | null,
  opts: { trust?: TrustedDirectory[]; timestamps?: TimestampVerifier },
  problems: string[],
): Promise<ReceiptVerdict | null> {
  const r = x.receipt;
  if (!r || r.version !== 2) {
    problems.push("the export lists commitments but no version 2 receipt of one: their issuer cannot be checked");
    return null;
  }
  const c = x.commitments.find((k) => same(k.root, r.root));
  const matches = c && same(r.document.sha256, c.head) && r.document.validFrom === c.auditId + 2 && r.anchor.blockNumber === c.blockNumber && same(r.anchor.registry, x.registry.address);
  if (!matches) problems.push("the receipt is not one of the commitments' (root, head, entry, block or registry differ)");
  const verdict = await verifyReceipt(r, reader, { trust: opts.trust, timestamps: opts.timestamps, auditLeaf: true });
  if (verdict.status !== "unavailable" && verdict.status !== "other-chain" && !verdict.authentic) {
    const failed = verdict.checks.find((k) => !k.ok && !k.skipped);
    problems.push(`the last commitment's receipt: ${failed ? `${failed.check}: ${failed.detail}` : verdict.status}`);
  }
  if (verdict.identity?.status === "conflict") problems.push(`identity: ${verdict.checks.find((k) => k.check === "identity")?.detail}`);
  return verdict;
}

/**
 * Every batch anchored in the range's time (with slack) must name an entry
 * the export holds: entries anchored then cannot be hidden by renumbering the
 * log or moving their times out of the range.
 */
async function checkRangeBatches(x: ParsedAuditExport, reader: ChainReader, epochBlock: number, problems: string[]): Promise<void> {
  const held = new Set([...x.leading, ...x.entries, ...x.following].map((e) => e.id));
  if (held.size === 0) return;
  const fromBlock = x.range.from === null ? epochBlock : await reader.firstBlockAtOrAfter(Math.floor(Date.parse(x.range.from) / 1000) - RANGE_SLACK_SECONDS, epochBlock);
  const toBlock = x.range.to === null ? Infinity : (await reader.firstBlockAtOrAfter(Math.floor(Date.parse(x.range.to) / 1000) + RANGE_SLACK_SECONDS + 1, epochBlock)) - 1;
  // The entries shown reach back to the head of the last batch anchored before the range's time: none between it and the range is left out.
  const lastBefore = x.commitments.filter((c) => c.blockNumber < fromBlock).at(-1);
  let lowestHeld = Infinity;
  for (const id of held) lowestHeld = Math.min(lowestHeld, id);
  if (lastBefore && lowestHeld > lastBefore.auditId) {
    problems.push(`the export starts after entry ${lastBefore.auditId}, whose hash the last batch before the range anchored (block ${lastBefore.blockNumber}): entries between it and the range are not shown`);
  }
  for (const c of x.commitments) {
    if (c.blockNumber >= fromBlock && c.blockNumber <= toBlock && !held.has(c.auditId)) {
      problems.push(`the batch anchored in block ${c.blockNumber}, within the range's time, commits entry ${c.auditId}, which the export does not hold: entries anchored in the range are missing`);
    }
  }
}
