import { NotaryError } from "../../errors.js";
import type { Store } from "../ports.js";
import { type ReceiptExtras, type ReceiptV2, buildReceipt } from "../receipts/receipt.js";
import type { AuditEntry, BatchRecord, Municipality } from "../types.js";
import { AUDIT_GENESIS, auditLeafInput } from "./auditChain.js";

/** The most entries one export holds (with those that lead to its commitment): beyond, narrow the range. */
export const MAX_EXPORT_ENTRIES = 100_000;

/**
 * Seconds around the range in which every batch anchored must name an
 * exported entry: entries carry the server's clock, blocks the chain's.
 */
export const RANGE_SLACK_SECONDS = 600;

/** The most commitments one export holds: beyond, narrow the range. */
export const MAX_EXPORT_COMMITMENTS = 100_000;

/** An audit entry as exported: `at` (ms) is what its hash covers, `time` the same instant for people. */
export type ExportedEntry = AuditEntry & { time: string };

/** A batch that committed an audit head: the head, the id of the entry it is the hash of, and the proof of that leaf to the batch's root. */
export interface ExportedCommitment {
  auditId: number;
  head: string;
  root: string;
  proof: string[];
  blockNumber: number;
}

/** README "Audit log": what `GET /api/v1/audit/export?format=json` answers and `notary audit verify` checks. */
export interface AuditExport {
  type: "NotaryAuditExport";
  version: 1;
  exportedAt: string;
  municipality: Municipality;
  registry: { chainId: number; genesisHash: string; address: string };
  /** The range asked for (ISO 8601; null: open). */
  range: { from: string | null; to: string | null };
  chaining: { algorithm: "sha256"; input: string; genesis: string };
  /**
   * Entries before the range, from the one the last batch anchored before it
   * committed (whose hash that batch anchored, so the chain starts at a head
   * the chain holds) to the one just before the range. Empty when the export
   * starts at the first entry.
   */
  leading: ExportedEntry[];
  /** The hash before the first exported entry (leading or not): the genesis value before the first entry. */
  previousHash: string;
  entries: ExportedEntry[];
  /** Entries after the range: the next one (written after `to`), and up to the head the first commitment after the range anchored, which the chain must reach. */
  following: ExportedEntry[];
  /**
   * Every batch the registry anchored since its audit epoch, in chain order,
   * up to `chainBlock`: a verifier checks that the registry anchored no other
   * root in those blocks, that the ids they commit never go backwards, and
   * that each head from the first exported entry on is that entry's hash.
   */
  commitments: ExportedCommitment[];
  /** The chain's newest block when the export was made: every root the registry anchored up to it is accounted for. */
  chainBlock: number;
  /** The receipt of the last commitment's leaf, for the checks every receipt gets (transaction, block, issuer, timestamps). */
  receipt: ReceiptV2 | null;
  /** How many of the exported entries no anchored batch commits yet (they will be with the next batch). */
  uncommitted: number;
}

export interface ExportDeps {
  store: Store;
  clock: { now(): number };
  registry: { chainId: number; genesisHash: string; address: string; municipality: Municipality };
  receiptExtras: (batchId: number) => Promise<ReceiptExtras>;
  /** The chain's newest block. */
  chainBlock: () => Promise<number>;
  /** Where the chain anchored a root (a batch mined but not yet marked confirmed here), or null. */
  anchoredIn: (root: string) => Promise<number | null>;
}

const exported = (e: AuditEntry): ExportedEntry => ({ ...e, time: new Date(e.at).toISOString() });

/** The receipt of the audit head a batch commits: the same receipt v2 a document of that batch gets, for the audit leaf. */
function commitmentReceipt(batch: BatchRecord, municipality: Municipality, extras: ReceiptExtras): ReceiptV2 {
  const audit = batch.audit!;
  const receipt = buildReceipt({ ...auditLeafInput(audit.head, audit.auditId), leaf: audit.leaf, proof: audit.proof }, batch, municipality, extras);
  if (receipt.version !== 2) throw new Error(`batch ${batch.id} commits an audit head but is not version 2`);
  return receipt;
}

const tooLarge = (what: string, max: number, ids: { first: number; last: number }) =>
  new NotaryError("INVALID_REQUEST", `The range needs more than ${max} ${what}; export it in parts (narrower from and to)`, { first: ids.first, last: ids.last });

/**
 * The audit entries written from `from` to `to` (ms, inclusive; null: open),
 * with what proves them unchanged (AuditExport): every batch anchored since
 * the audit epoch; the entries from the one the last batch before the range
 * committed (or the first) up to the range; and after it, the entries up to
 * the first batch that committed one after the range (or the newest head,
 * for an open end).
 */
export async function exportAudit(deps: ExportDeps, range: { from: number | null; to: number | null }): Promise<AuditExport> {
  const { store, registry } = deps;
  const chainBlock = await deps.chainBlock();
  const ids = await store.auditIdRange(range.from, range.to);
  // Open batches first: one confirmed between the two reads then shows up in both (kept once), never in neither.
  const open = await store.openBatches();
  const confirmed = await store.auditCommitments(MAX_EXPORT_COMMITMENTS + 1);
  if (confirmed.length > MAX_EXPORT_COMMITMENTS) {
    throw new NotaryError("INVALID_REQUEST", `The registry anchored more than ${MAX_EXPORT_COMMITMENTS} batches since its audit epoch: an export would exceed its limit`, {});
  }
  // A batch mined up to chainBlock but not yet marked confirmed (the worker is awaiting its confirmations) is on chain too.
  const blockOf = new Map(confirmed.map((b) => [b.id, b.anchor!.blockNumber]));
  const mined: BatchRecord[] = [];
  for (const b of open) {
    if (!b.audit || blockOf.has(b.id)) continue;
    const block = await deps.anchoredIn(b.root);
    if (block !== null && block <= chainBlock) {
      mined.push(b);
      blockOf.set(b.id, block);
    }
  }
  const batches = [...confirmed, ...mined];
  const committed = batches.map((b) => b.audit!.auditId);
  const pinned = ids ? committed.filter((id) => id < ids.first).at(-1) : undefined;
  // Every batch anchored in the range's time (with slack) names an exported entry: start and reach cover them.
  // And from the head of the last batch anchored before that time: every entry after it up to the range is shown.
  const windowFrom = range.from === null ? -Infinity : Math.floor(range.from / 1000) - RANGE_SLACK_SECONDS;
  const windowTo = range.to === null ? Infinity : Math.floor(range.to / 1000) + RANGE_SLACK_SECONDS;
  let start = ids ? (pinned ?? 1) : 0;
  let reach = ids ? Math.max(ids.last + 1, range.to === null ? (committed.at(-1) ?? 0) : (committed.find((id) => id > ids.last) ?? 0)) : 0;
  if (ids) {
    // One pass (no spread of up to MAX_EXPORT_COMMITMENTS arguments); confirmed batches come in anchoring order.
    let lastBefore = Infinity;
    for (const b of confirmed) {
      const { timestamp } = b.anchor!;
      const id = b.audit!.auditId;
      if (timestamp < windowFrom) lastBefore = id;
      else if (timestamp <= windowTo) [start, reach] = [Math.min(start, id), Math.max(reach, id)];
    }
    start = Math.min(start, lastBefore);
    for (const b of mined) reach = Math.max(reach, b.audit!.auditId);
  }
  if (ids && reach - start + 1 > MAX_EXPORT_ENTRIES) throw tooLarge("audit entries", MAX_EXPORT_ENTRIES, ids);
  const rows = ids ? await store.auditEntries(start, reach) : [];
  const [before] = start > 1 ? await store.auditEntries(start - 1, start - 1) : [];
  const lastConfirmed = confirmed.at(-1);
  const lastCommitted = batches.at(-1)?.audit?.auditId ?? 0;
  const inRange = rows.filter((e) => ids && e.id >= ids.first && e.id <= ids.last);
  return {
    type: "NotaryAuditExport",
    version: 1,
    exportedAt: new Date(deps.clock.now()).toISOString(),
    municipality: { name: registry.municipality.name, ags: registry.municipality.ags },
    registry: { chainId: registry.chainId, genesisHash: registry.genesisHash, address: registry.address },
    range: { from: range.from === null ? null : new Date(range.from).toISOString(), to: range.to === null ? null : new Date(range.to).toISOString() },
    chaining: { algorithm: "sha256", input: "previous hash (32 bytes) || UTF-8 JSON [id, at, clerk, action, sha256, detail]", genesis: AUDIT_GENESIS },
    leading: rows.filter((e) => ids && e.id < ids.first).map(exported),
    previousHash: before?.hash ?? AUDIT_GENESIS,
    entries: inRange.map(exported),
    following: rows.filter((e) => ids && e.id > ids.last).map(exported),
    commitments: batches.map((b) => ({
      auditId: b.audit!.auditId,
      head: b.audit!.head,
      root: b.root,
      proof: b.audit!.proof,
      blockNumber: blockOf.get(b.id)!,
    })),
    chainBlock,
    receipt: lastConfirmed ? commitmentReceipt(lastConfirmed, registry.municipality, await deps.receiptExtras(lastConfirmed.id)) : null,
    uncommitted: inRange.filter((e) => e.id > lastCommitted).length,
  };
}

const CSV_COLUMNS = ["id", "time", "at", "clerk", "action", "sha256", "detail", "hash"] as const;

/** One CSV field (RFC 4180), and never a formula: a spreadsheet must not run what a clerk typed into a reason. */
function csvField(value: string | number | null): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The entries written from `from` to `to` (ms, inclusive; null: open) and nothing else: what the CSV export shows. */
export async function entriesInRange(store: Store, range: { from: number | null; to: number | null }): Promise<AuditEntry[]> {
  const ids = await store.auditIdRange(range.from, range.to);
  if (!ids) return [];
  if (ids.last - ids.first + 1 > MAX_EXPORT_ENTRIES) throw tooLarge("audit entries", MAX_EXPORT_ENTRIES, ids);
  return store.auditEntries(ids.first, ids.last);
}

/** Entries as CSV for people (the JSON export is the one `notary audit verify` checks). */
export function auditCsv(entries: AuditEntry[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const e of entries.map(exported)) lines.push(CSV_COLUMNS.map((c) => csvField(e[c])).join(","));
  return lines.join("\r\n") + "\r\n";
}
