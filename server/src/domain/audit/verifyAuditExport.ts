import { z } from "zod";

import { NotaryError } from "../../errors.js";
import type { ChainReader } from "../ports.js";
import { type ReceiptV2, receiptSchema } from "../receipts/receipt.js";
import type { Identity, TrustedDirectory } from "../verification/identity.js";
import { type ReceiptVerdict, type TimestampVerifier, verifyReceipt } from "../verification/verifyReceipt.js";
import { type ChainBreak, findChainBreak } from "./auditChain.js";

const hash = z.string().regex(/^[0-9a-fA-F]{64}$/, "64 hex digits");
const entry = z.object({
  id: z.number().int().min(1),
  at: z.number().int(),
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
  registry: z.object({ chainId: z.number().int(), genesisHash: z.string(), address: z.string() }),
  range: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
  previousHash: hash,
  entries: z.array(entry),
  following: z.array(entry),
  commitments: z.array(z.object({ auditId: z.number().int().min(1), receipt: receiptSchema })),
});

export type ParsedAuditExport = z.infer<typeof exportSchema>;

/** Parses an audit export, or throws INVALID_REQUEST listing what is wrong. */
export function parseAuditExport(value: unknown): ParsedAuditExport {
  const parsed = exportSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 20).map((i) => `${i.path.join(".") || "(export)"}: ${i.message}`);
  throw new NotaryError("INVALID_REQUEST", `Not a NotaryAuditExport (version 1): ${problems.join("; ")}`, { problems });
}

/** One commitment as checked: its head against the recomputed chain, its receipt against the chain. */
export interface CommitmentReport {
  auditId: number;
  ok: boolean;
  /** The head it commits is the recomputed hash of entry `auditId`. */
  headMatches: boolean;
  /** The anchor's time (unix seconds) and place, as the receipt states them (checked when `ok`). */
  anchoredAt: number;
  blockNumber: number;
  transactionHash: string;
  verdict: ReceiptVerdict | null;
  problem: string | null;
}

export type AuditVerdictStatus = "verified" | "tampered" | "unavailable";

/** What `notary audit verify` found (README "Audit log"). */
export interface AuditVerdict {
  status: AuditVerdictStatus;
  /** The exported entries, their ids and times. */
  entries: { count: number; firstId: number | null; lastId: number | null };
  /** The first entry whose hash or id does not follow from the one before; null: the chain is intact. */
  chainBreak: ChainBreak | null;
  /** An entry whose `time` is not its `at` (what people read is not what the hash covers). */
  timeMismatch: number | null;
  commitments: CommitmentReport[];
  /** Exported entries no genuine commitment covers: intact as far as the chain goes, but not yet anchored. */
  uncommitted: number;
  /** The issuer of the commitments, as the trust configuration confirms it (the last commitment checked). */
  identity: Identity | null;
  problems: string[];
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

async function checkCommitment(
  c: ParsedAuditExport["commitments"][number],
  hashes: Map<number, string>,
  x: ParsedAuditExport,
  reader: ChainReader | null,
  opts: { trust: TrustedDirectory[]; timestamps?: TimestampVerifier; now?: number },
): Promise<CommitmentReport> {
  const r = c.receipt;
  const base = { auditId: c.auditId, anchoredAt: r.anchor.timestamp, blockNumber: r.anchor.blockNumber, transactionHash: r.anchor.transactionHash };
  const recomputed = hashes.get(c.auditId);
  const headMatches = recomputed !== undefined && same(recomputed, r.document.sha256);
  if (r.version !== 2) return { ...base, ok: false, headMatches, verdict: null, problem: "an audit commitment is a version 2 receipt" };
  if (!same(r.anchor.registry, x.registry.address) || r.anchor.chainId !== x.registry.chainId || !same((r as ReceiptV2).anchor.genesisHash, x.registry.genesisHash)) {
    return { ...base, ok: false, headMatches, verdict: null, problem: `anchored in registry ${r.anchor.registry} on chain ${r.anchor.chainId}, not in the export's registry` };
  }
  if (!headMatches) {
    const problem =
      recomputed === undefined
        ? `commits entry ${c.auditId}, which the export does not hold`
        : `commits the head ${r.document.sha256} for entry ${c.auditId}, but the exported entries lead to ${recomputed}: they were changed after it was anchored`;
    return { ...base, ok: false, headMatches, verdict: null, problem };
  }
  const verdict = await verifyReceipt(r, reader, { ...opts, auditLeaf: true });
  if (verdict.status === "unavailable") return { ...base, ok: false, headMatches, verdict, problem: "the chain could not be read" };
  const failed = verdict.checks.find((k) => !k.ok && !k.skipped);
  if (!verdict.authentic) return { ...base, ok: false, headMatches, verdict, problem: failed ? `${failed.check}: ${failed.detail}` : `the commitment is ${verdict.status}` };
  if (verdict.identity?.status === "conflict") return { ...base, ok: false, headMatches, verdict, problem: `identity: ${verdict.checks.find((k) => k.check === "identity")?.detail}` };
  return { ...base, ok: true, headMatches, verdict, problem: null };
}

/**
 * Checks an audit export without trusting its exporter: the entries form an
 * unbroken hash chain from the hash before them; each commitment's head is
 * the recomputed hash of the entry it names; and each commitment is a
 * genuine receipt of the export's registry on its chain. An entry changed,
 * removed or inserted after the first commitment at or after it was anchored
 * breaks one of these.
 */
export async function verifyAuditExport(
  x: ParsedAuditExport,
  reader: ChainReader | null,
  opts: { trust?: TrustedDirectory[]; timestamps?: TimestampVerifier; now?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<AuditVerdict> {
  const all = [...x.entries, ...x.following];
  const chainBreak = findChainBreak(x.previousHash, all);
  const timeMismatch = all.find((e) => new Date(e.at).toISOString() !== e.time)?.id ?? null;
  const hashes = new Map(all.map((e) => [e.id, e.hash.toLowerCase()]));
  const commitments: CommitmentReport[] = [];
  for (const [i, c] of x.commitments.entries()) {
    commitments.push(await checkCommitment(c, hashes, x, reader, { trust: opts.trust ?? [], timestamps: opts.timestamps, now: opts.now }));
    opts.onProgress?.(i + 1, x.commitments.length);
  }
  const covered = Math.max(0, ...commitments.filter((c) => c.ok).map((c) => c.auditId));
  const problems = [
    ...(chainBreak ? [`entry ${chainBreak.id}: ${chainBreak.problem === "hash" ? "its hash does not follow from the entry before it (it, or one before it, was changed)" : "its id does not follow the one before (entries were removed or inserted)"}`] : []),
    ...(timeMismatch !== null ? [`entry ${timeMismatch}: its time is not its timestamp (at)`] : []),
    ...commitments.filter((c) => !c.ok).map((c) => `commitment of entry ${c.auditId}: ${c.problem}`),
  ];
  const unavailable = commitments.some((c) => c.verdict?.status === "unavailable");
  const tampered = chainBreak !== null || timeMismatch !== null || commitments.some((c) => !c.ok && c.verdict?.status !== "unavailable");
  return {
    status: tampered ? "tampered" : unavailable ? "unavailable" : "verified",
    entries: { count: x.entries.length, firstId: x.entries[0]?.id ?? null, lastId: x.entries.at(-1)?.id ?? null },
    chainBreak,
    timeMismatch,
    commitments,
    uncommitted: x.entries.filter((e) => e.id > covered).length,
    identity: commitments.findLast((c) => c.verdict?.identity)?.verdict?.identity ?? null,
    problems,
  };
}
