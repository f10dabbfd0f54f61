import { NotaryError } from "../../errors.js";
import type { Store } from "../ports.js";
import { type ReceiptExtras, type ReceiptV2, buildReceipt } from "../receipts/receipt.js";
import type { AuditEntry, BatchRecord, Municipality } from "../types.js";
import { AUDIT_GENESIS, auditLeafInput } from "./auditChain.js";

/** The most entries one export holds (with those that lead to its commitment): beyond, narrow the range. */
export const MAX_EXPORT_ENTRIES = 100_000;

/** An audit entry as exported: `at` (ms) is what its hash covers, `time` the same instant for people. */
export type ExportedEntry = Omit<AuditEntry, "at"> & { at: number; time: string };

/** A batch that committed an audit head, as a receipt of that head's leaf (checked like a document's receipt). */
export interface ExportedCommitment {
  auditId: number;
  receipt: ReceiptV2;
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
  /** The hash of the entry before the first one exported (the genesis value when it is the first entry). */
  previousHash: string;
  entries: ExportedEntry[];
  /** Entries after the range, up to the head the first commitment after the range commits: without them the chain cannot reach it. */
  following: ExportedEntry[];
  /** Every confirmed batch that committed a head within the exported entries, and the first one after them. */
  commitments: ExportedCommitment[];
  /** How many of the exported entries no anchored batch commits yet (they will be with the next batch). */
  uncommitted: number;
}

export interface ExportDeps {
  store: Store;
  clock: { now(): number };
  registry: { chainId: number; genesisHash: string; address: string; municipality: Municipality };
  receiptExtras: (batchId: number) => Promise<ReceiptExtras>;
}

const exported = (e: AuditEntry): ExportedEntry => ({ ...e, time: new Date(e.at).toISOString() });

/** The receipt of the audit head a batch commits: the same receipt v2 a document of that batch gets, for the audit leaf. */
function commitmentReceipt(batch: BatchRecord, municipality: Municipality, extras: ReceiptExtras): ReceiptV2 {
  const audit = batch.audit!;
  const receipt = buildReceipt({ ...auditLeafInput(audit.head), leaf: audit.leaf, proof: audit.proof }, batch, municipality, extras);
  if (receipt.version !== 2) throw new Error(`batch ${batch.id} commits an audit head but is not version 2`);
  return receipt;
}

/**
 * The audit entries written from `from` to `to` (ms, inclusive; null: open),
 * with what proves them unchanged: the hash before the first, the entries up
 * to the first head committed after the last, and the receipts of the
 * batches that committed heads in between.
 */
export async function exportAudit(deps: ExportDeps, range: { from: number | null; to: number | null }): Promise<AuditExport> {
  const { store, registry } = deps;
  const ids = await store.auditIdRange(range.from, range.to);
  const batches = ids ? await store.auditCommitments(ids.first, ids.last) : [];
  const reach = Math.max(ids?.last ?? 0, ...batches.map((b) => b.audit!.auditId));
  if (ids && reach - ids.first + 1 > MAX_EXPORT_ENTRIES) {
    throw new NotaryError("INVALID_REQUEST", `The range holds more than ${MAX_EXPORT_ENTRIES} audit entries; export it in parts (narrower from and to)`, {
      first: ids.first,
      last: ids.last,
    });
  }
  const rows = ids ? await store.auditEntries(ids.first - 1, reach) : [];
  const before = ids && rows[0]?.id === ids.first - 1 ? rows.shift()! : null;
  const commitments: ExportedCommitment[] = [];
  for (const batch of batches) {
    commitments.push({ auditId: batch.audit!.auditId, receipt: commitmentReceipt(batch, registry.municipality, await deps.receiptExtras(batch.id)) });
  }
  const lastCommitted = Math.max(0, ...commitments.map((c) => c.auditId));
  const inRange = rows.filter((e) => ids && e.id <= ids.last);
  return {
    type: "NotaryAuditExport",
    version: 1,
    exportedAt: new Date(deps.clock.now()).toISOString(),
    municipality: { name: registry.municipality.name, ags: registry.municipality.ags },
    registry: { chainId: registry.chainId, genesisHash: registry.genesisHash, address: registry.address },
    range: { from: range.from === null ? null : new Date(range.from).toISOString(), to: range.to === null ? null : new Date(range.to).toISOString() },
    chaining: { algorithm: "sha256", input: "previous hash (32 bytes) || UTF-8 JSON [id, at, clerk, action, sha256, detail]", genesis: AUDIT_GENESIS },
    previousHash: before?.hash ?? AUDIT_GENESIS,
    entries: inRange.map(exported),
    following: rows.filter((e) => ids && e.id > ids.last).map(exported),
    commitments,
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

/** The exported entries as CSV for people (the JSON export is the one `notary audit verify` checks). */
export function auditCsv(x: AuditExport): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const e of x.entries) lines.push(CSV_COLUMNS.map((c) => csvField(e[c])).join(","));
  return lines.join("\r\n") + "\r\n";
}
